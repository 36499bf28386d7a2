package dev.notionsync.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each type's write (the push): column values as PostgreSQL's to_jsonb gives them → Notion's request shapes. */
class PropertyTypeWritesTest {

    // exact numbers: a numeric column's value must reach Notion digit for digit
    private static final ObjectMapper JSON = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String write(String type, Map<String, String> values, Set<String> changed) {
        Map<String, JsonNode> parsed = new HashMap<>();
        values.forEach((suffix, value) -> parsed.put(suffix, json(value)));
        return PropertyTypes.of(type).orElseThrow().write("P", parsed, changed).toString();
    }

    @Test
    void everyWritableTypeHasNotionsRequestShape() {
        assertEquals("{\"title\":[{\"type\":\"text\",\"text\":{\"content\":\"Hi\"}}]}", write("title", Map.of("", "\"Hi\""), Set.of("")));
        assertEquals("{\"rich_text\":[]}", write("rich_text", Map.of(), Set.of("")));
        assertEquals("{\"number\":12345678901234567890.123456789}", write("number", Map.of("", "12345678901234567890.123456789"), Set.of("")));
        assertEquals("{\"number\":null}", write("number", Map.of(), Set.of("")));
        assertEquals("{\"checkbox\":false}", write("checkbox", Map.of(), Set.of("")));
        assertEquals("{\"url\":null}", write("url", Map.of("", "\"\""), Set.of("")));
        assertEquals("{\"email\":\"a@b.c\"}", write("email", Map.of("", "\"a@b.c\""), Set.of("")));
        assertEquals("{\"phone_number\":\"+1 555\"}", write("phone_number", Map.of("", "\"+1 555\""), Set.of("")));
        assertEquals("{\"select\":{\"name\":\"High\"}}", write("select", Map.of("", "\"High\"", "id", "\"x\""), Set.of("")));
        assertEquals("{\"status\":null}", write("status", Map.of(), Set.of("")));
        assertEquals("{\"multi_select\":[{\"name\":\"A\"},{\"name\":\"B\"}]}", write("multi_select", Map.of("", "[\"A\",\"B\"]"), Set.of("")));
        assertEquals("{\"people\":[{\"object\":\"user\",\"id\":\"u1\"}]}", write("people", Map.of("", "[\"Ann\"]", "ids", "[\"u1\"]"), Set.of("ids")));
        assertEquals("{\"relation\":[{\"id\":\"p1\"},{\"id\":\"p2\"}]}", write("relation", Map.of("", "[\"p1\",\"p2\"]"), Set.of("")));
        assertEquals("{\"files\":[{\"name\":\"spec.pdf\",\"type\":\"external\",\"external\":{\"url\":\"https://x.org/a/spec.pdf\"}},"
                        + "{\"name\":\"Logo\",\"type\":\"external\",\"external\":{\"url\":\"https://x.org/logo.png\"}}]}",
                write("files", Map.of("", "[null,\"Logo\"]", "urls", "[\"https://x.org/a/spec.pdf\",\"https://x.org/logo.png\"]"), Set.of("urls")));
        assertEquals("{\"place\":{\"lat\":52.52,\"lon\":13.405,\"name\":null,\"address\":\"Berlin\"}}",
                write("place", Map.of("address", "\"Berlin\"", "lat", "52.52", "lon", "13.405"), Set.of("address")));
    }

    @Test
    void aDateSendsTheDateTimeUnlessOnlyTheDateColumnChanged() {
        Map<String, String> row = Map.of("", "\"2026-03-01\"", "at", "\"2026-03-01T09:30:00+00:00\"", "end", "\"2026-03-02\"",
                "end_at", "\"2026-03-02T17:00:00+00:00\"");
        assertEquals("{\"date\":{\"start\":\"2026-03-01T09:30:00+00:00\",\"end\":\"2026-03-02T17:00:00+00:00\",\"time_zone\":null}}",
                write("date", row, Set.of("at")));
        Map<String, String> movedDay = new HashMap<>(row);
        movedDay.put("", "\"2026-04-01\"");
        assertEquals("{\"date\":{\"start\":\"2026-04-01\",\"end\":\"2026-03-02T17:00:00+00:00\",\"time_zone\":null}}",
                write("date", movedDay, Set.of("")));
        assertEquals("{\"date\":{\"start\":\"2026-05-01\",\"end\":null,\"time_zone\":\"Europe/Berlin\"}}",
                write("date", Map.of("", "\"2026-05-01\"", "time_zone", "\"Europe/Berlin\""), Set.of("", "time_zone")));
        assertEquals("{\"date\":null}", write("date", Map.of("end", "\"2026-03-02\""), Set.of("")));
    }

    @Test
    void longTextIsSplitAtTwoThousandCharactersWithoutBreakingASurrogatePair() {
        String text = "a".repeat(1999) + "😀" + "b".repeat(3000);
        JsonNode items = RequestValues.richText(JSON.getNodeFactory().textNode(text), "P");
        assertEquals(3, items.size());
        assertEquals(1999, items.get(0).at("/text/content").asText().length(), "the pair moves whole to the next item");
        StringBuilder joined = new StringBuilder();
        items.forEach(item -> {
            assertTrue(item.at("/text/content").asText().length() <= 2000);
            joined.append(item.at("/text/content").asText());
        });
        assertEquals(text, joined.toString());
    }

    @Test
    void valuesBeyondNotionsLimitsAreRefusedWithAClearMessage() {
        String tooLong = "\"" + "x".repeat(200_001) + "\"";
        var text = assertThrows(UnwritableValueException.class, () -> write("rich_text", Map.of("", tooLong), Set.of("")));
        assertTrue(text.getMessage().contains("200001 characters") && text.getMessage().contains("at most 100"), text.getMessage());
        String many = JSON.valueToTree(java.util.stream.IntStream.range(0, 101).mapToObj(i -> "o" + i).toList()).toString();
        for (String type : List.of("multi_select", "relation")) {
            var e = assertThrows(UnwritableValueException.class, () -> write(type, Map.of("", many), Set.of("")));
            assertTrue(e.getMessage().contains("101") && e.getMessage().contains("at most 100"), e.getMessage());
        }
        assertThrows(UnwritableValueException.class, () -> write("people", Map.of("ids", many), Set.of("ids")));
    }

    @Test
    void readOnlyTypesHaveNoWritableColumns() {
        for (String type : List.of("formula", "rollup", "created_time", "created_by", "last_edited_time", "last_edited_by",
                "unique_id", "verification", "button")) {
            assertEquals(List.of(), PropertyTypes.of(type).orElseThrow().writableSuffixes(), type);
        }
        for (String type : PropertyTypes.knownTypes()) {
            PropertyType mapped = PropertyTypes.of(type).orElseThrow();
            assertEquals(mapped.writable(), !mapped.writableSuffixes().isEmpty(), type);
        }
    }

    @Test
    void valuesNotionCannotHoldAreRefusedAtOnceWithTheReason() {
        var nan = assertThrows(UnwritableValueException.class, () -> write("number", Map.of("", "\"NaN\""), Set.of("")));
        assertTrue(nan.getMessage().contains("NaN") && nan.getMessage().contains("finite"), nan.getMessage());
        assertThrows(UnwritableValueException.class, () -> write("number", Map.of("", "\"-Infinity\""), Set.of("")));
        assertThrows(UnwritableValueException.class, () -> write("place", Map.of("lat", "\"Infinity\"", "lon", "1"), Set.of("lat")));
        assertThrows(UnwritableValueException.class, () -> write("place", Map.of("lat", "91", "lon", "1"), Set.of("lat")));
        var nullItem = assertThrows(UnwritableValueException.class, () -> write("multi_select", Map.of("", "[\"Web\",null]"), Set.of("")));
        assertTrue(nullItem.getMessage().contains("NULL"), nullItem.getMessage());
        assertThrows(UnwritableValueException.class, () -> write("relation", Map.of("", "[null]"), Set.of("")));
        assertThrows(UnwritableValueException.class, () -> write("files", Map.of("urls", "[null]"), Set.of("urls")));
        var infinity = assertThrows(UnwritableValueException.class, () -> write("date", Map.of("", "\"infinity\""), Set.of("")));
        assertTrue(infinity.getMessage().contains("infinity"), infinity.getMessage());
        assertThrows(UnwritableValueException.class, () -> write("date", Map.of("at", "\"-infinity\""), Set.of("at")));
        assertThrows(UnwritableValueException.class, () -> write("select", Map.of("", "\"a,b\""), Set.of("")));
        assertThrows(UnwritableValueException.class, () -> write("url", Map.of("", "\"https://x.org/" + "a".repeat(2000) + "\""), Set.of("")));
        assertEquals("{\"number\":1234.5}", write("number", Map.of("", "1234.5"), Set.of("")));
        assertEquals("{\"number\":0.1}", write("number", Map.of("", "0.1"), Set.of("")));
        var huge = assertThrows(UnwritableValueException.class, () -> write("number", Map.of("", "1e400"), Set.of("")));
        assertTrue(huge.getMessage().contains("beyond the range"), huge.getMessage());
    }

    @Test
    void valuesAreComparedByMeaning() throws Exception {
        assertSame("number", "{\"type\":\"number\",\"number\":1234.5}", "{\"type\":\"number\",\"number\":1234.50}");
        JsonNode asDouble = new ObjectMapper().readTree("{\"type\":\"number\",\"number\":1234.5}");
        assertTrue(PropertyTypes.of("number").orElseThrow().sameMeaning(asDouble, json("{\"type\":\"number\",\"number\":1234.5}")),
                "a double from one parser and a BigDecimal from another");
        assertDifferent("number", "{\"type\":\"number\",\"number\":1234.5}", "{\"type\":\"number\",\"number\":1234.51}");
        assertSame("date", "{\"type\":\"date\",\"date\":{\"start\":\"2026-03-01T10:00:00.000+01:00\",\"end\":null}}",
                "{\"type\":\"date\",\"date\":{\"start\":\"2026-03-01T09:00:00.000Z\",\"end\":null,\"time_zone\":null}}");
        assertDifferent("date", "{\"type\":\"date\",\"date\":{\"start\":\"2026-03-01\"}}", "{\"type\":\"date\",\"date\":{\"start\":\"2026-03-01T00:00:00.000Z\"}}");
        assertSame("rich_text", "{\"type\":\"rich_text\",\"rich_text\":[{\"plain_text\":\"Hello \",\"annotations\":{\"bold\":true}},{\"plain_text\":\"world\"}]}",
                "{\"type\":\"rich_text\",\"rich_text\":[{\"plain_text\":\"Hello world\"}]}");
        assertSame("select", "{\"type\":\"select\",\"select\":{\"id\":\"a\",\"name\":\"High\",\"color\":\"red\"}}",
                "{\"type\":\"select\",\"select\":{\"id\":\"a\",\"name\":\"High\",\"color\":\"orange\"}}");
        assertDifferent("relation", "{\"type\":\"relation\",\"relation\":[{\"id\":\"p1\"},{\"id\":\"p2\"}]}",
                "{\"type\":\"relation\",\"relation\":[{\"id\":\"p1\"}]}");
        assertSame("rich_text", null, "{\"type\":\"rich_text\",\"rich_text\":[]}");
        assertSame("files", "{\"type\":\"files\",\"files\":[{\"name\":\"a\",\"type\":\"file\",\"file\":{\"url\":\"https://s3/a?sig=1\"}}]}",
                "{\"type\":\"files\",\"files\":[{\"name\":\"a\",\"type\":\"file\",\"file\":{\"url\":\"https://s3/a?sig=2\"}}]}");
    }

    @Test
    void notionHoldsARequestValueOnlyWhenItMeansTheSame() {
        assertHolds(true, "rich_text", "{\"id\":\"c\",\"type\":\"rich_text\",\"rich_text\":[{\"type\":\"text\",\"text\":{\"content\":\"landed\"},"
                + "\"plain_text\":\"landed\"}]}", Map.of("", "\"landed\""));
        // a request's text objects have no plain_text: an edit must never look held by an empty text
        assertHolds(false, "rich_text", "{\"type\":\"rich_text\",\"rich_text\":[]}", Map.of("", "\"landed\""));
        assertHolds(false, "title", "{\"type\":\"title\",\"title\":[{\"plain_text\":\"old\"}]}", Map.of("", "\"new\""));
        assertHolds(true, "rich_text", "{\"type\":\"rich_text\",\"rich_text\":[]}", Map.of());
        assertHolds(true, "number", "{\"type\":\"number\",\"number\":1234.5}", Map.of("", "1234.50"));
        assertHolds(false, "number", "{\"type\":\"number\",\"number\":null}", Map.of("", "0"));
        assertHolds(true, "multi_select", "{\"type\":\"multi_select\",\"multi_select\":[{\"id\":\"1\",\"name\":\"A\"},{\"id\":\"2\",\"name\":\"B\"}]}",
                Map.of("", "[\"A\",\"B\"]"));
        assertHolds(false, "multi_select", "{\"type\":\"multi_select\",\"multi_select\":[{\"name\":\"A\"}]}", Map.of("", "[\"A\",\"B\"]"));
        assertHolds(true, "date", "{\"type\":\"date\",\"date\":{\"start\":\"2026-03-04\",\"end\":null,\"time_zone\":null}}", Map.of("", "\"2026-03-04\""));
        assertHolds(false, "date", "{\"type\":\"date\",\"date\":{\"start\":\"2026-03-05\",\"end\":null,\"time_zone\":null}}", Map.of("", "\"2026-03-04\""));
        assertHolds(true, "people", "{\"type\":\"people\",\"people\":[{\"object\":\"user\",\"id\":\"u1\",\"name\":\"Ann\"}]}", Map.of("ids", "[\"u1\"]"));
        assertHolds(false, "checkbox", "{\"type\":\"checkbox\",\"checkbox\":false}", Map.of("", "true"));
        assertHolds(false, "select", null, Map.of("", "\"High\""));
    }

    static void assertHolds(boolean expected, String type, String notion, Map<String, String> values) {
        PropertyType propertyType = PropertyTypes.of(type).orElseThrow();
        Map<String, JsonNode> parsed = new HashMap<>();
        values.forEach((suffix, value) -> parsed.put(suffix, json(value)));
        JsonNode request = propertyType.write("P", parsed, values.isEmpty() ? Set.of("") : values.keySet());
        assertEquals(expected, propertyType.holds(notion == null ? null : json(notion), request), notion + " holds " + request);
    }

    static void assertSame(String type, String a, String b) {
        assertTrue(PropertyTypes.of(type).orElseThrow().sameMeaning(a == null ? null : json(a), b == null ? null : json(b)), a + " vs " + b);
    }

    static void assertDifferent(String type, String a, String b) {
        assertTrue(!PropertyTypes.of(type).orElseThrow().sameMeaning(json(a), json(b)), a + " vs " + b);
    }
}
