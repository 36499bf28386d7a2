package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Recordings;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.notionsync.Recordings.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PropertyItemsTest {

    private static final String CUSTOMER_1 = "38c9ce7b-60a4-8156-a1b7-cf948b230f66";

    @Test
    void thirtyRelationItemsMergeIntoTheFullRelationThePageCutAt25() {
        List<JsonNode> exchanges = Recordings.exchanges("more_than_max_refs_per_relation_property.json");
        JsonNode page = response(exchanges, "/v1/pages/" + CUSTOMER_1);
        JsonNode listing = response(exchanges, "/v1/pages/" + CUSTOMER_1 + "/properties/o_yF");
        PropertyType relation = PropertyTypes.of("relation").orElseThrow();

        JsonNode shown = page.path("properties").path("Items Purchased");
        assertTrue(relation.isTruncated(shown), "25 shown and has_more: true");
        String[] shownIds = (String[]) relation.read(shown).get(0);
        assertEquals(25, shownIds.length);

        ObjectNode merged = PropertyItems.mergeToPropertyValue("o_yF", "relation", List.of(listing));
        String[] ids = (String[]) relation.read(merged).get(0);
        assertEquals(30, ids.length);
        assertEquals(30, Arrays.stream(ids).distinct().count());
        assertEquals(Arrays.asList(shownIds), Arrays.asList(ids).subList(0, 25), "the page shows the first 25, in order");
        assertFalse(relation.isTruncated(merged));
        assertEquals("o_yF", merged.path("id").asText());
        assertEquals("relation", merged.path("type").asText());
    }

    @Test
    void listingsSplitOverSeveralPagesMergeInOrder() {
        JsonNode listing = response(Recordings.exchanges("more_than_max_refs_per_relation_property.json"),
                "/v1/pages/" + CUSTOMER_1 + "/properties/o_yF");
        List<JsonNode> results = new ArrayList<>();
        listing.path("results").forEach(results::add);
        ObjectNode first = listing.deepCopy();
        first.putArray("results").addAll(results.subList(0, 12));
        first.put("has_more", true);
        first.put("next_cursor", "c-1");
        ObjectNode second = listing.deepCopy();
        second.putArray("results").addAll(results.subList(12, 30));

        ObjectNode merged = PropertyItems.mergeToPropertyValue("o_yF", "relation", List.of(first, second));
        String[] ids = (String[]) PropertyTypes.of("relation").orElseThrow().read(merged).get(0);
        assertEquals(30, ids.length);
        assertEquals(results.get(29).path("relation").path("id").asText(), ids[29]);

        assertThrows(IllegalArgumentException.class,
                () -> PropertyItems.mergeToPropertyValue("o_yF", "relation", List.of(first)), "unfinished listing");
        assertThrows(IllegalArgumentException.class,
                () -> PropertyItems.mergeToPropertyValue("o_yF", "relation", List.of()));
    }

    @Test
    void everyRecordedPropertyItemMergesToWhatThePageShowed() {
        List<JsonNode> exchanges = Recordings.exchanges("retrieve_property.json");
        JsonNode page = null;
        for (JsonNode exchange : exchanges) {
            for (JsonNode result : exchange.path("response_body").path("results")) {
                if (result.path("id").asText().equals("38b9ce7b-60a4-810a-a3e0-d0c7fde33f0c")) {
                    page = result;
                }
            }
        }
        assertTrue(page != null, "the queried page is in the recording");
        int merged = 0;
        for (JsonNode exchange : exchanges) {
            String path = exchange.path("path").asText();
            if (!path.contains("/properties/")) {
                continue;
            }
            JsonNode response = exchange.path("response_body");
            String id = "list".equals(response.path("object").asText())
                    ? response.path("property_item").path("id").asText() : response.path("id").asText();
            String type = "list".equals(response.path("object").asText())
                    ? response.path("property_item").path("type").asText() : response.path("type").asText();
            JsonNode shown = propertyById(page, id);
            PropertyType mapping = PropertyTypes.of(type).orElseThrow();
            ObjectNode value = PropertyItems.mergeToPropertyValue(id, type, List.of(response));
            assertEquals(toComparable(mapping.read(shown)), toComparable(mapping.read(value)), id + " " + type);
            merged++;
        }
        assertEquals(27, merged);
    }

    @Test
    void richTextItemsAndComputedOrListedRollups() {
        JsonNode title = json("""
                {"object":"list","results":[
                  {"object":"property_item","type":"title","id":"title","title":{"type":"text","text":{"content":"Hello ","link":null},"plain_text":"Hello ","href":null}},
                  {"object":"property_item","type":"title","id":"title","title":{"type":"mention","mention":{"type":"page","page":{"id":"p-1"}},"plain_text":"World","href":null}}],
                 "next_cursor":null,"has_more":false,"type":"property_item","property_item":{"id":"title","next_url":null,"type":"title","title":{}}}""");
        assertEquals(List.of("Hello World"),
                PropertyTypes.of("title").orElseThrow().read(PropertyItems.mergeToPropertyValue("title", "title", List.of(title))));

        JsonNode count = json("""
                {"object":"list","results":[],"next_cursor":null,"has_more":false,"type":"property_item",
                 "property_item":{"id":"WYH:","next_url":null,"type":"rollup","rollup":{"type":"number","number":30,"function":"count"}}}""");
        List<Object> counted = PropertyTypes.of("rollup").orElseThrow()
                .read(PropertyItems.mergeToPropertyValue("WYH:", "rollup", List.of(count)));
        assertEquals(Arrays.asList(new BigDecimal("30"), "number", "count"), counted.subList(0, 3));

        JsonNode listed = json("""
                {"object":"list","results":[
                  {"object":"property_item","type":"number","id":"x","number":3},
                  {"object":"property_item","type":"title","id":"y","title":{"type":"text","text":{"content":"A","link":null},"plain_text":"A","href":null}}],
                 "next_cursor":null,"has_more":false,"type":"property_item",
                 "property_item":{"id":"r","next_url":null,"type":"rollup","rollup":{"type":"array","array":[],"function":"show_unique"}}}""");
        ObjectNode rollup = PropertyItems.mergeToPropertyValue("r", "rollup", List.of(listed));
        assertEquals(json("""
                [{"type":"number","number":3},
                 {"type":"title","title":[{"type":"text","text":{"content":"A","link":null},"plain_text":"A","href":null}]}]"""),
                rollup.path("rollup").path("array"));
        assertEquals("show_unique", rollup.path("rollup").path("function").asText());
    }

    private static JsonNode response(List<JsonNode> exchanges, String path) {
        for (JsonNode exchange : exchanges) {
            if (exchange.path("method").asText().equals("GET") && exchange.path("path").asText().equals(path)) {
                return exchange.path("response_body");
            }
        }
        throw new AssertionError("no GET " + path);
    }

    private static JsonNode propertyById(JsonNode page, String id) {
        for (JsonNode property : page.path("properties")) {
            if (property.path("id").asText().equals(id)) {
                return property;
            }
        }
        throw new AssertionError("no property " + id);
    }

    /** Arrays compared by content. */
    private static List<Object> toComparable(List<Object> values) {
        List<Object> comparable = new ArrayList<>();
        for (Object value : values) {
            comparable.add(value instanceof Object[] array ? Arrays.asList(array) : value);
        }
        return comparable;
    }
}
