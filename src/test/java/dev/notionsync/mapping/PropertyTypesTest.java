package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Recordings;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.Recordings.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PropertyTypesTest {

    private static final String ITEM_2 = "38b9ce7b-60a4-810a-a3e0-d0c7fde33f0c";
    private static final String BOT = "00000000-0000-4000-8000-0000000000f1";

    // ---- every recorded value ----------------------------------------------------------------------------------

    @Test
    void everyPropertyOfEveryIdPropPageReadsToValuesOfItsColumnTypes() {
        List<JsonNode> pages = Recordings.pages("id_prop.json");
        assertEquals(6, pages.size(), "three queries of two pages each");
        int checked = 0;
        for (JsonNode page : pages) {
            checked += checkEveryProperty(page, true);
        }
        assertEquals(6 * 27, checked);
    }

    @Test
    void everyPropertyOfEveryRecordedPageReadsToValuesOfItsColumnTypes() {
        int checked = 0;
        for (String file : List.of("search_page.json", "date_query.json", "text_query.json", "number_query.json",
                "select_query.json", "more_than_max_refs_per_relation_property.json", "update_props.json",
                "create_page.json", "more_than_max_page_size_pages.json")) {
            for (JsonNode page : Recordings.pages(file)) {
                checked += checkEveryProperty(page, false);
            }
        }
        assertTrue(checked > 500, "checked " + checked);
    }

    private static int checkEveryProperty(JsonNode page, boolean allTypesKnown) {
        int checked = 0;
        for (Map.Entry<String, JsonNode> entry : page.path("properties").properties()) {
            JsonNode property = entry.getValue();
            String type = property.path("type").asText();
            PropertyType mapping = PropertyTypes.of(type).orElse(null);
            if (mapping == null) {
                assertFalse(allTypesKnown, "unknown type " + type);
                continue;
            }
            List<Object> values = mapping.read(property);
            String where = page.path("id").asText() + " / " + entry.getKey() + " (" + type + ")";
            assertEquals(mapping.columns().size(), values.size(), where);
            for (int i = 0; i < values.size(); i++) {
                Object value = values.get(i);
                ColumnSpec column = mapping.columns().get(i);
                if (value != null) {
                    assertInstanceOf(ColumnValues.JAVA_TYPE_BY_SQL_TYPE.get(column.sqlType()), value, where + " " + column);
                    if (column.sqlType().equals("jsonb")) {
                        assertNotNull(json((String) value), where);
                    }
                }
            }
            checked++;
        }
        return checked;
    }

    // ---- concrete values from id_prop.json ---------------------------------------------------------------------

    @Test
    void idPropItem2ReadsAsNotionShowedIt() {
        JsonNode properties = Recordings.page("id_prop.json", ITEM_2).path("properties");

        assertEquals(List.of("Item 2"), read(properties, "Title"));
        assertEquals(List.of("Text 2"), read(properties, "Text"));
        assertEquals(List.of(""), read(properties, "AI summary"), "[] is an empty text, not NULL");
        assertEquals(List.of(new BigDecimal("2")), read(properties, "Number"));
        assertEquals(List.of(true), read(properties, "Checkbox"));
        assertEquals(List.of("Not started", "1c994aad-fc1f-46d0-b322-51b2b2cb7e6f"), read(properties, "Status"));
        assertEquals(Arrays.asList(null, null), read(properties, "Select"));
        assertArrays(read(properties, "Multi-Select"), new String[0], new String[0]);
        assertArrays(read(properties, "People"), new String[0], new String[0]);
        assertArrays(read(properties, "Files"), new String[0], new String[0]);
        assertArrays(read(properties, "Relation"), (Object) new String[0]);
        assertEquals(List.of("3", 3L), read(properties, "ID"));
        assertEquals(Arrays.asList(new BigDecimal("0"), "number", "count", null, null, null, null), read(properties, "Rollup"));
        assertEquals(Arrays.asList(null, "string", null, null, null, null), read(properties, "Formula"));
        assertEquals(List.of(OffsetDateTime.parse("2026-06-26T13:45:00Z")), read(properties, "Created time"));
        assertEquals(List.of(OffsetDateTime.parse("2026-06-26T13:45:00Z")), read(properties, "Last edited time"));
        assertEquals(List.of(BOT, "Ultimate Notion Tests"), read(properties, "Created by"));
        assertEquals(List.of(BOT, "Ultimate Notion Tests"), read(properties, "Last edited by"));
        assertEquals(Arrays.asList(null, null, null, null), read(properties, "Place"));
        assertEquals(Arrays.asList(null, null, null, null, null, null), read(properties, "Date"));
        assertEquals(Arrays.asList((Object) null), read(properties, "Email"));
        assertEquals(Arrays.asList((Object) null), read(properties, "URL"));
        assertEquals(Arrays.asList((Object) null), read(properties, "Phone number"));
        assertEquals(List.of(), read(properties, "Button"));
        for (Map.Entry<String, JsonNode> property : properties.properties()) {
            assertFalse(mapping(property.getValue()).isTruncated(property.getValue()), property.getKey());
        }
    }

    // ---- concrete values from the other recordings -------------------------------------------------------------

    @Test
    void formulaResultsOfEveryTypeFromSearchPage() {
        JsonNode properties = Recordings.page("search_page.json", "38a9ce7b-60a4-8136-9fb7-c2f65a20b2e1").path("properties");

        assertEquals(Arrays.asList("Item 1", "string", null, null, null, null), read(properties, "String"));
        assertEquals(Arrays.asList("2", "number", new BigDecimal("2"), null, null, null), read(properties, "Number"));
        assertEquals(Arrays.asList("true", "boolean", null, true, null, null), read(properties, "Checkbox"));
        assertEquals(Arrays.asList("2024-11-25T14:08:00.000+00:00", "date", null, null,
                LocalDate.parse("2024-11-25"), OffsetDateTime.parse("2024-11-25T14:08:00Z")), read(properties, "Date"));
        assertArrays(read(properties, "Tags"), new String[]{"Done", "In Progress"},
                new String[]{"f1d3aded-bb84-437e-9fa8-a6c7e24a2f29", "285007eb-456a-4eda-8ac6-64c70c57f39d"});
    }

    @Test
    void dateOnlyAndMidnightDateTimeStayApart() {
        JsonNode dateOnly = Recordings.page("search_page.json", "3839ce7b-60a4-81c8-867a-f81fd71aa55c").path("properties");
        JsonNode midnight = Recordings.page("search_page.json", "3839ce7b-60a4-8135-8cb7-c6657a2dd0d5").path("properties");

        assertEquals(Arrays.asList(LocalDate.parse("2026-07-01"), null, null, null, null, "2026-07-01"),
                read(dateOnly, "Due Date"));
        assertEquals(Arrays.asList(LocalDate.parse("2026-07-02"), OffsetDateTime.parse("2026-07-02T00:00:00Z"), null, null,
                null, "2026-07-02T00:00:00.000+00:00"), read(midnight, "Due Date"));
        assertEquals(List.of("✹ High", "a6fe934c-2289-481d-a66a-9b468999412d"), read(dateOnly, "Priority"));
        assertEquals(List.of("Blocked", "f4b3a893-4b26-48db-b839-421daf1f1a25"), read(dateOnly, "Status"));
        assertEquals(Arrays.asList("🕘", "string", null, null, null, null), read(dateOnly, "Urgency"));
    }

    @Test
    void dateWithOffsetKeepsTheCalendarDateAsWrittenAndTheOffsetInIso() {
        JsonNode date = json("""
                {"id":"cmkL","type":"date","date":{"start":"2026-06-27T00:30:00.000+01:00","end":null,"time_zone":null}}""");
        List<Object> values = PropertyTypes.of("date").orElseThrow().read(date);

        assertEquals(LocalDate.parse("2026-06-27"), values.get(0), "the date Notion shows, not the UTC date (06-26)");
        assertEquals(OffsetDateTime.parse("2026-06-26T23:30:00Z").toInstant(), ((OffsetDateTime) values.get(1)).toInstant());
        assertEquals("2026-06-27T00:30:00.000+01:00", values.get(5));

        boolean sawDateQueryValue = false;
        for (JsonNode page : Recordings.pages("date_query.json")) {
            JsonNode property = page.path("properties").path("Date");
            if ("2026-06-27T18:01:00.000+01:00".equals(property.path("date").path("start").asText())) {
                assertEquals(Arrays.asList(LocalDate.parse("2026-06-27"), OffsetDateTime.parse("2026-06-27T18:01:00+01:00"),
                        null, null, null, "2026-06-27T18:01:00.000+01:00"), mapping(property).read(property));
                sawDateQueryValue = true;
            }
        }
        assertTrue(sawDateQueryValue, "date_query.json holds 2026-06-27T18:01:00.000+01:00");
    }

    @Test
    void textTypesFromTextQuery() {
        boolean sawUrl = false;
        boolean sawPhone = false;
        for (JsonNode page : Recordings.pages("text_query.json")) {
            for (Map.Entry<String, JsonNode> property : page.path("properties").properties()) {
                JsonNode value = property.getValue();
                List<Object> values = mapping(value).read(value);
                if ("https://john.doe.com".equals(value.path("url").asText())) {
                    assertEquals(List.of("https://john.doe.com"), values);
                    sawUrl = true;
                }
                if ("123-456-7890".equals(value.path("phone_number").asText())) {
                    assertEquals(List.of("123-456-7890"), values);
                    sawPhone = true;
                }
            }
        }
        assertTrue(sawUrl && sawPhone);
    }

    @Test
    void relationAtTheCapIsTruncatedAndKeepsOrder() {
        JsonNode relation = Recordings.page("more_than_max_refs_per_relation_property.json",
                "38c9ce7b-60a4-8156-a1b7-cf948b230f66").path("properties").path("Items Purchased");
        PropertyType mapping = mapping(relation);

        String[] ids = (String[]) mapping.read(relation).get(0);
        assertEquals(25, ids.length);
        assertEquals("38c9ce7b-60a4-810e-83a3-d2934e2180fe", ids[0]);
        assertEquals("38c9ce7b-60a4-81c6-b9ba-c5bd066434fa", ids[24]);
        assertTrue(mapping.isTruncated(relation));
    }

    // ---- shapes with no recorded value (from notion-api.md §3.2) ------------------------------------------------

    @Test
    void placePeopleFilesUniqueIdWithPrefix() {
        assertEquals(List.of("Berlin, Germany", "Berlin, Germany", new BigDecimal("52.52"), new BigDecimal("13.405")),
                readLiteral("""
                        {"id":"rulX","type":"place","place":{"lat":52.52,"lon":13.405,"name":null,"address":"Berlin, Germany",
                         "aws_place_id":null,"google_place_id":"ChIJAVkDPzdOqEcRcDteW0YgIQQ"}}"""));
        assertEquals(List.of("Brandenburger Tor", "Pariser Platz, Berlin", new BigDecimal("52.516275"), new BigDecimal("13.377704")),
                readLiteral("""
                        {"id":"rulX","type":"place","place":{"lat":52.516275,"lon":13.377704,"name":"Brandenburger Tor",
                         "address":"Pariser Platz, Berlin"}}"""));
        assertArrays(readLiteral("""
                        {"id":"~ak@","type":"people","people":[
                          {"object":"user","id":"u-1","name":"Ada","avatar_url":null,"type":"person","person":{"email":"ada@example.com"}},
                          {"object":"group","id":"g-1","name":"Ops"},
                          {"object":"user","id":"u-2"}]}"""),
                new String[]{"Ada", "Ops", null}, new String[]{"u-1", "g-1", "u-2"});
        assertArrays(readLiteral("""
                        {"id":"?bAF","type":"files","files":[
                          {"name":"spec.pdf","type":"file","file":{"url":"https://prod-files.example/spec.pdf?sig=1","expiry_time":"2026-06-26T14:45:00.000Z"}},
                          {"name":"site","type":"external","external":{"url":"https://example.com"}}]}"""),
                new String[]{"spec.pdf", "site"}, new String[]{"https://prod-files.example/spec.pdf?sig=1", "https://example.com"});
        assertEquals(List.of("RL-42", 42L), readLiteral("""
                {"id":"gY{P","type":"unique_id","unique_id":{"prefix":"RL","number":42}}"""));
    }

    @Test
    void dateRangesAndExplicitTimeZones() {
        assertEquals(Arrays.asList(LocalDate.parse("2023-02-07"), null, LocalDate.parse("2023-02-10"), null, null,
                "2023-02-07/2023-02-10"), readLiteral("""
                {"id":"d","type":"date","date":{"start":"2023-02-07","end":"2023-02-10","time_zone":null}}"""));
        List<Object> zoned = readLiteral("""
                {"id":"d","type":"date","date":{"start":"2026-03-29T01:30:00.000","end":"2026-03-29T03:30:00.000","time_zone":"Europe/Berlin"}}""");
        assertEquals(LocalDate.parse("2026-03-29"), zoned.get(0));
        assertEquals(OffsetDateTime.parse("2026-03-29T01:30:00+01:00"), zoned.get(1), "before the DST switch");
        assertEquals(OffsetDateTime.parse("2026-03-29T03:30:00+02:00"), zoned.get(3), "after the DST switch");
        assertEquals("Europe/Berlin", zoned.get(4));
    }

    @Test
    void verificationRollupVariantsAndUnsupportedFormula() {
        assertEquals(Arrays.asList("verified", "u-1", LocalDate.parse("2026-06-01"), OffsetDateTime.parse("2026-06-01T10:00:00Z"),
                "2026-06-01T10:00:00.000+00:00/2026-09-01T10:00:00.000+00:00"), readLiteral("""
                {"id":"verification","type":"verification","verification":{"state":"verified",
                 "verified_by":{"object":"user","id":"u-1"},
                 "date":{"start":"2026-06-01T10:00:00.000+00:00","end":"2026-09-01T10:00:00.000+00:00","time_zone":null}}}"""));
        assertEquals(Arrays.asList("unverified", null, null, null, null), readLiteral("""
                {"id":"verification","type":"verification","verification":{"state":"unverified","verified_by":null,"date":null}}"""));
        assertEquals(Arrays.asList(null, "date", "earliest_date", LocalDate.parse("2024-11-25"), null, "2024-11-25", null),
                readLiteral("""
                {"id":"r","type":"rollup","rollup":{"type":"date","date":{"start":"2024-11-25","end":null,"time_zone":null},"function":"earliest_date"}}"""));
        List<Object> array = readLiteral("""
                {"id":"r","type":"rollup","rollup":{"type":"array","array":[{"type":"number","number":1.5},{"type":"number","number":null}],"function":"show_original"}}""");
        assertEquals(Arrays.asList(null, "array", "show_original", null, null, null), array.subList(0, 6));
        assertEquals(json("[{\"type\":\"number\",\"number\":1.5},{\"type\":\"number\",\"number\":null}]"), json((String) array.get(6)));
        assertEquals(Arrays.asList(null, "unsupported", null, null, null, null), readLiteral("""
                {"id":"f","type":"formula","formula":{"type":"unsupported","unsupported":{}}}"""));
    }

    @Test
    void numbersAreExactWhateverTheJsonParser() throws Exception {
        String literal = """
                {"id":"n","type":"number","number":%s}""";
        ObjectMapper plainDoubles = new ObjectMapper();
        PropertyType number = PropertyTypes.of("number").orElseThrow();
        for (String text : List.of("0.1", "1.1", "-3.3333333333333335", "123456789.123", "1e21", "2.5e-7", "100")) {
            BigDecimal expected = new BigDecimal(text);
            BigDecimal exact = (BigDecimal) number.read(json(literal.formatted(text))).get(0);
            BigDecimal fromDouble = (BigDecimal) number.read(plainDoubles.readTree(literal.formatted(text))).get(0);
            assertEquals(0, expected.compareTo(exact), text);
            assertEquals(0, expected.compareTo(fromDouble), text + " via double");
            assertTrue(exact.scale() >= 0 && fromDouble.scale() >= 0, "no exponent form for PostgreSQL");
        }
        assertEquals("0.1", ((BigDecimal) number.read(plainDoubles.readTree(literal.formatted("0.1"))).get(0)).toPlainString());
        assertEquals(Arrays.asList((Object) null), number.read(json(literal.formatted("null"))));
    }

    @Test
    void truncationAtTheResponseCaps() {
        StringBuilder mentions = new StringBuilder();
        StringBuilder people = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            mentions.append(i == 0 ? "" : ",").append("""
                    {"type":"mention","mention":{"type":"user","user":{"object":"user","id":"u-%d"}},"plain_text":"@u%d","href":null}"""
                    .formatted(i, i));
            people.append(i == 0 ? "" : ",").append("{\"object\":\"user\",\"id\":\"u-" + i + "\"}");
        }
        JsonNode title = json("{\"id\":\"title\",\"type\":\"title\",\"title\":[" + mentions + "]}");
        JsonNode twentyFivePeople = json("{\"id\":\"p\",\"type\":\"people\",\"people\":[" + people + "]}");
        assertTrue(mapping(title).isTruncated(title));
        assertTrue(mapping(twentyFivePeople).isTruncated(twentyFivePeople));
        JsonNode incomplete = json("""
                {"id":"r","type":"rollup","rollup":{"type":"incomplete","incomplete":{},"function":"sum"}}""");
        assertTrue(mapping(incomplete).isTruncated(incomplete));
        JsonNode complete = json("""
                {"id":"v","type":"relation","relation":[{"id":"a"}],"has_more":false}""");
        assertFalse(mapping(complete).isTruncated(complete));
    }

    // ---- the registry ------------------------------------------------------------------------------------------

    @Test
    void knownTypesWritabilityAndUnknownTypes() {
        assertEquals(Set.of("title", "rich_text", "number", "select", "status", "multi_select", "date", "people", "files",
                "checkbox", "url", "email", "phone_number", "formula", "relation", "rollup", "created_time", "created_by",
                "last_edited_time", "last_edited_by", "unique_id", "verification", "button", "place"), PropertyTypes.knownTypes());
        for (String readOnly : List.of("formula", "rollup", "created_time", "created_by", "last_edited_time",
                "last_edited_by", "unique_id", "verification", "button")) {
            assertFalse(PropertyTypes.of(readOnly).orElseThrow().writable(), readOnly);
        }
        assertTrue(PropertyTypes.of("multi_select").orElseThrow().writable());
        assertTrue(PropertyTypes.of("location").isEmpty());
        assertTrue(PropertyTypes.of("last_visited_time").isEmpty());
        assertTrue(PropertyTypes.of(null).isEmpty());
        assertEquals(List.of(), PropertyTypes.of("button").orElseThrow().columns());
        for (String type : PropertyTypes.knownTypes()) {
            for (ColumnSpec column : PropertyTypes.of(type).orElseThrow().columns()) {
                assertTrue(ColumnValues.JAVA_TYPE_BY_SQL_TYPE.containsKey(column.sqlType()), type + " " + column);
                assertTrue(column.suffix().matches("[a-z_]*"), column.suffix());
                assertTrue(1 + column.suffix().length() <= ColumnNames.MAX_SUFFIX_BYTES, column.suffix());
            }
        }
    }

    @Test
    void anUnparseableDateKeepsItsTextAndDoesNotStopThePage() {
        assertEquals(Arrays.asList(null, null, null, null, null, "next tuesday"), readLiteral("""
                {"id":"d","type":"date","date":{"start":"next tuesday","end":null,"time_zone":null}}"""));
        assertEquals(Arrays.asList(LocalDate.parse("2026-01-02"), OffsetDateTime.parse("2026-01-02T03:04:05Z"), null, null,
                "Mars/Olympus_Mons", "2026-01-02T03:04:05.000Z"), readLiteral("""
                {"id":"d","type":"date","date":{"start":"2026-01-02T03:04:05.000Z","end":null,"time_zone":"Mars/Olympus_Mons"}}"""));
    }

    @Test
    void missingValueReadsAsNullAndAWrongTypeIsRefused() {
        PropertyType checkbox = PropertyTypes.of("checkbox").orElseThrow();
        assertNull(checkbox.read(json("{\"id\":\"c\",\"type\":\"checkbox\"}")).get(0));
        assertThrows(IllegalArgumentException.class, () -> checkbox.read(json("{\"id\":\"c\",\"type\":\"number\",\"number\":1}")));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static PropertyType mapping(JsonNode property) {
        return PropertyTypes.of(property.path("type").asText()).orElseThrow();
    }

    private static List<Object> read(JsonNode properties, String name) {
        JsonNode property = properties.get(name);
        assertNotNull(property, name);
        return mapping(property).read(property);
    }

    private static List<Object> readLiteral(String propertyJson) {
        JsonNode property = json(propertyJson);
        return mapping(property).read(property);
    }

    private static void assertArrays(List<Object> values, Object... expected) {
        assertEquals(expected.length, values.size());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals((Object[]) expected[i], (Object[]) values.get(i), "column " + i);
        }
    }
}
