package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.PropertyTypes;
import dev.notionsync.notion.InMemoryNotionApi;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Pages read into rows against Notion in memory: truncated values completed, omitted properties asked for, NULs replaced. */
class PageReaderTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    static final String DATA_SOURCE = "11111111-1111-1111-1111-111111111111";
    static final String PAGE = "22222222-2222-2222-2222-222222222222";

    static final MirrorTable TABLE = new MirrorTable("notion", "projects", DATA_SOURCE, List.of(
            new MirrorTable.PropertyColumns("title", "Name", PropertyTypes.of("title").orElseThrow(), "name"),
            new MirrorTable.PropertyColumns("rel1", "Links", PropertyTypes.of("relation").orElseThrow(), "links"),
            new MirrorTable.PropertyColumns("num1", "Score", PropertyTypes.of("number").orElseThrow(), "score")), List.of());

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final InMemoryNotionApi notion = new InMemoryNotionApi();
    final PageReader reader = new PageReader(new SourceDoors(notion, java.util.List.of()), new NotionMetrics(meters), Clock.fixed(NOW, ZoneOffset.UTC));

    /** A relation of any length beyond the page object's 25 is read whole, 100 items per call, in order. */
    @Property(tries = 60)
    void aTruncatedRelationIsReadWhole(@ForAll @IntRange(min = 26, max = 450) int relations) {
        notion.forgetCalls();   // one instance serves every try
        List<JsonNode> related = new ArrayList<>();
        for (int i = 0; i < relations; i++) {
            related.add(JSON.createObjectNode().put("id", relatedId(i)));
        }
        notion.propertyItems(PAGE, "rel1", "relation", related);
        ObjectNode page = page("Alpha", 7);
        ArrayNode shown = ((ObjectNode) page.path("properties").path("Links")).putArray("relation");
        related.subList(0, 25).forEach(shown::add);
        ((ObjectNode) page.path("properties").path("Links")).put("has_more", true);

        PageReader.PageRead read = reader.readQueryResult("projects", TABLE, page, NOW);

        int calls = (relations + 99) / 100;
        assertEquals(calls, read.extraCalls());
        assertEquals(calls, notion.calls().size());
        assertTrue(notion.calls().stream().allMatch(c -> c.path().equals("/v1/pages/" + PAGE + "/properties/rel1")));
        assertTrue(holds(read.row(), relatedId(0)) && holds(read.row(), relatedId(relations - 1)), "every related page is in the row");
        assertFalse(page.path("properties").path("Links").path("relation").size() > 25, "the caller's page stays as Notion sent it");
    }

    @Test
    void aCompletePageCostsNoCall() {
        PageReader.PageRead read = reader.readQueryResult("projects", TABLE, page("Alpha", 7), NOW);

        assertEquals(0, read.extraCalls());
        assertTrue(notion.calls().isEmpty());
        assertEquals(PAGE, read.row().pageId());
        assertEquals(Instant.parse("2026-12-01T09:00:00Z"), read.row().lastEditedTime());
        assertTrue(read.withheld().isEmpty());
    }

    /** A query that returned only some properties (Notion-Version 2026-12-01): the rest are asked for, by id. */
    @Test
    void propertiesAQueryOmittedAreReadFromThePage() {
        ObjectNode whole = page("Alpha", 7);
        notion.page(whole);
        ObjectNode titleOnly = whole.deepCopy();
        ((ObjectNode) titleOnly.path("properties")).remove(List.of("Links", "Score"));

        PageReader.PageRead read = reader.readQueryResult("projects", TABLE, titleOnly, NOW);

        NotionRequest call = notion.calls().get(0);
        assertEquals("/v1/pages/" + PAGE, call.path());
        assertEquals(List.of("rel1", "num1"), call.properties());
        assertEquals(1, read.extraCalls());
        assertTrue(read.withheld().isEmpty());
        assertTrue(holds(read.row(), "\"Score\""), "the omitted number is in the row");
    }

    /** A property deleted in Notion since the schema was read: reported, so the schema is read again; the page is kept. */
    @Test
    void aPropertyNotionNoLongerGivesIsReportedWithheld() {
        ObjectNode whole = page("Alpha", 7);
        notion.page(whole).withhold("num1");
        ObjectNode titleOnly = whole.deepCopy();
        ((ObjectNode) titleOnly.path("properties")).remove(List.of("Links", "Score"));

        PageReader.PageRead read = reader.readQueryResult("projects", TABLE, titleOnly, NOW);

        assertEquals(List.of("num1"), read.withheld());
        assertEquals(2, read.extraCalls(), "asked for both, then once more for the one still missing");
        assertEquals(PAGE, read.row().pageId());
    }

    @Test
    void nulCharactersAreReplacedAndCounted() {
        PageWriter.Row row = reader.read("projects", TABLE, page("Al\u0000pha", 7));

        assertFalse(holds(row, "\u0000"));
        assertTrue(holds(row, "Al\uFFFDpha"));
        assertEquals(1.0, meters.get("notion_sync_pages").tag("source", "projects").tag("outcome", "nul_replaced").counter().count());
    }

    @Test
    void missingPropertiesAreTheMappedOnesThePageLacks() {
        ObjectNode page = page("Alpha", 7);
        ((ObjectNode) page.path("properties")).remove("Score");

        assertEquals(List.of("num1"), PageReader.missingProperties(TABLE, page));
    }

    static ObjectNode page(String title, int score) {
        ObjectNode page = JSON.createObjectNode().put("object", "page").put("id", PAGE)
                .put("created_time", "2026-11-01T08:00:00.000Z").put("last_edited_time", "2026-12-01T09:00:00.000Z")
                .put("in_trash", false).put("url", "https://www.notion.so/" + PAGE.replace("-", ""));
        page.putObject("parent").put("type", "data_source_id").put("data_source_id", DATA_SOURCE);
        ObjectNode properties = page.putObject("properties");
        ObjectNode name = properties.putObject("Name").put("id", "title").put("type", "title");
        name.putArray("title").addObject().put("type", "text").put("plain_text", title).putObject("text").put("content", title);
        ObjectNode links = properties.putObject("Links").put("id", "rel1").put("type", "relation");
        links.putArray("relation");
        links.put("has_more", false);
        properties.putObject("Score").put("id", "num1").put("type", "number").put("number", score);
        return page;
    }

    static String relatedId(int i) {
        return String.format("33333333-3333-3333-3333-%012d", i);
    }

    /** The row's values hold this text, whatever shape the row has. */
    static boolean holds(PageWriter.Row row, String text) {
        return row.toString().contains(text);
    }
}
