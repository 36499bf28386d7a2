package dev.notionsync.mapping;

import dev.notionsync.mapping.ColumnNames.NamedProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** New mirror columns: the title and the plainest names get the plain identifiers, whatever order Notion lists them in. */
class PlainestNameWinsTest {

    private static final Set<String> RESERVED = Set.of("page_id", "url", "created_time", "last_edited_time", "in_trash",
            "properties", "content_hash", "synced_at", "deleted_at", "deleted_reason", "data_source_id");

    private static NamedProperty property(String id, String name, String type) {
        return new NamedProperty(id, name, PropertyTypes.of(type).orElseThrow());
    }

    @Test
    void theTitleDealKeepsDealBesideDealId() {
        // "Deal ID" sorts before "title" by id, and before "Deal" in Notion's listing: neither may cost "Deal" its name
        for (String dealIdId : List.of("AbCd", "zzzz")) {
            List<NamedProperty> properties = List.of(
                    property(dealIdId, "Deal ID", "rich_text"),
                    property("title", "Deal", "title"),
                    property("s%3Ab", "Deal stage", "select"));
            Map<String, String> names = ColumnNames.assign(properties, Map.of(), RESERVED);
            assertEquals("deal", names.get("title"), dealIdId);
            assertEquals("deal_id", names.get(dealIdId), dealIdId);
            assertEquals("deal_stage", names.get("s%3Ab"), dealIdId);
        }
    }

    @Test
    void thePlainerNameWinsATrueClash() {
        // "Due" is a date (due, due_at, due_end, …): "Due end" cannot be due_end, whichever id is smaller
        Map<String, String> names = ColumnNames.assign(List.of(
                property("aaaa", "Due end", "rich_text"), property("zzzz", "Due", "date")), Map.of(), RESERVED);
        assertEquals("due", names.get("zzzz"));
        assertEquals("due_end_2", names.get("aaaa"));

        // the same wanted name: the one spelled as its identifier, then by name
        names = ColumnNames.assign(List.of(
                property("aaaa", "Owner", "people"), property("zzzz", "owner", "people"), property("mmmm", "OWNER!", "people")),
                Map.of(), RESERVED);
        assertEquals("owner", names.get("zzzz"));
        assertEquals("owner_2", names.get("mmmm"));
        assertEquals("owner_3", names.get("aaaa"));
    }

    @Test
    void existingColumnsKeepTheirNamesAndNewOnesGoAroundThem() {
        // a table made under the old rule: "Deal" (the title) became deal_2 because "Deal ID" took deal_id
        Map<String, String> catalog = Map.of("AbCd", "deal_id", "title", "deal_2");
        List<NamedProperty> now = List.of(property("AbCd", "Deal ID", "rich_text"), property("title", "Deal", "title"),
                property("new1", "Deal", "number"), property("new2", "Deal id", "number"));
        Map<String, String> names = ColumnNames.assign(now, catalog, RESERVED);
        assertEquals("deal_id", names.get("AbCd"));
        assertEquals("deal_2", names.get("title"), "the catalog keeps the column");
        assertEquals("deal", names.get("new1"), "deal is free: a new property may take it");
        assertEquals("deal_id_2", names.get("new2"));
    }

    @Property(tries = 200)
    void theNamesDoNotDependOnTheOrderNotionListsPropertiesIn(@ForAll("schemas") List<NamedProperty> properties,
                                                              @ForAll long seed) {
        Map<String, String> names = ColumnNames.assign(properties, Map.of(), RESERVED);
        List<NamedProperty> shuffled = new ArrayList<>(properties);
        Collections.shuffle(shuffled, new Random(seed));
        assertEquals(names, new HashMap<>(ColumnNames.assign(shuffled, Map.of(), RESERVED)));
        assertNoSharedColumns(properties, names);
    }

    /** Schemas with many near-clashing names: one title, the rest of any type, names from a small vocabulary. */
    @Provide
    Arbitrary<List<NamedProperty>> schemas() {
        Arbitrary<String> word = Arbitraries.of("Deal", "deal", "ID", "id", "Due", "end", "at", "Stage", "name", "Name",
                "url", "date", "ids", "2");
        Arbitrary<String> name = word.list().ofMinSize(1).ofMaxSize(3)
                .map(words -> String.join(" ", words));
        Arbitrary<String> type = Arbitraries.of(new ArrayList<>(PropertyTypes.knownTypes())).filter(t -> !t.equals("title"));
        Arbitrary<NamedProperty> other = Combinators.combine(Arbitraries.strings().alpha().ofLength(4), name, type)
                .as((id, n, t) -> property(id, n, t));
        return Combinators.combine(name, other.list().ofMaxSize(12).uniqueElements(NamedProperty::id))
                .as((title, others) -> {
                    List<NamedProperty> all = new ArrayList<>(others);
                    all.removeIf(p -> p.id().equals("title"));
                    all.add(property("title", title, "title"));
                    return all;
                });
    }

    private static void assertNoSharedColumns(List<NamedProperty> properties, Map<String, String> names) {
        Set<String> columns = new HashSet<>(RESERVED);
        for (NamedProperty property : properties) {
            for (String column : ColumnNames.columnsOf(names.get(property.id()), property.type())) {
                assertTrue(columns.add(column), "two columns named " + column + " in " + names);
            }
        }
    }
}
