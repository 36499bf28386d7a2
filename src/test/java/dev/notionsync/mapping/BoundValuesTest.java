package dev.notionsync.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a bound table's column refuses, and the few conversions that are conventions (empty values, the key's text). */
class BoundValuesTest {

    static final ObjectMapper JSON = BoundValuesRoundTripPropertyTest.JSON;

    static TableColumn column(String name, String formatType, ColumnCategory category, boolean notNull) {
        return new TableColumn(name, 3, formatType, category, List.of("draft", "active"), notNull, false, false, false, null);
    }

    static JsonNode property(String json) throws Exception {
        return JSON.readTree(json);
    }

    static String refusal(TableColumn column, String property) {
        return assertThrows(RefusedValueException.class, () -> BoundValues.fromNotion(column, property(property))).getMessage();
    }

    @Test
    void anIntegerColumnRefusesAFractionAndANumberOutOfItsRange() {
        TableColumn seats = column("seats", "integer", ColumnCategory.INTEGER, true);
        assertEquals("column 'seats' (integer) takes whole numbers; 2.5 has a fraction", refusal(seats, "{\"type\":\"number\",\"number\":2.5}"));
        assertEquals("column 'seats' (integer): 3000000000 is out of its range", refusal(seats, "{\"type\":\"number\",\"number\":3000000000}"));
        assertEquals("column 'seats' (smallint): 40000 is out of its range",
                refusal(column("seats", "smallint", ColumnCategory.INTEGER, true), "{\"type\":\"number\",\"number\":40000}"));
        assertEquals(JSON.getNodeFactory().numberNode(new java.math.BigInteger("4")),
                BoundValues.fromNotion(seats, JSON.createObjectNode().put("type", "number").put("number", new java.math.BigDecimal("4.000"))),
                "4.000 is a whole number");
    }

    @Test
    void aNumericColumnRefusesDigitsItWouldRoundAway() throws Exception {
        TableColumn budget = column("budget", "numeric(10,2)", ColumnCategory.DECIMAL, false);
        assertEquals("column 'budget' (numeric(10,2)) keeps 2 decimal places; 10.125 would be rounded",
                refusal(budget, "{\"type\":\"number\",\"number\":10.125}"));
        assertEquals("column 'budget' (numeric(10,2)): 123456789 has too many digits", refusal(budget, "{\"type\":\"number\",\"number\":123456789}"));
        assertEquals("12345678.90", BoundValues.fromNotion(budget, property("{\"type\":\"number\",\"number\":12345678.90}")).decimalValue().toPlainString());
        assertEquals("0.1", BoundValues.fromNotion(column("x", "numeric", ColumnCategory.DECIMAL, false),
                property("{\"type\":\"number\",\"number\":0.1}")).decimalValue().toPlainString(), "never through a double");
    }

    @Test
    void optionsOutsideTheEnumAreRefused() {
        TableColumn status = column("status", "agent_status", ColumnCategory.ENUM, true);
        assertEquals("column 'status' (agent_status): 'archived' is not one of its labels [draft, active]",
                refusal(status, "{\"type\":\"select\",\"select\":{\"name\":\"archived\"}}"));
        assertEquals("column 'status' (agent_status[]): 'archived' is not one of its labels [draft, active]",
                refusal(column("status", "agent_status[]", ColumnCategory.ENUM_ARRAY, true),
                        "{\"type\":\"multi_select\",\"multi_select\":[{\"name\":\"draft\"},{\"name\":\"archived\"}]}"));
    }

    @Test
    void jsonAndUuidColumnsRefuseTextTheyCannotHold() {
        assertTrue(refusal(column("config", "jsonb", ColumnCategory.JSON, true),
                "{\"type\":\"rich_text\",\"rich_text\":[{\"plain_text\":\"{\\\"a\\\": \"}]}").startsWith("column 'config' (jsonb): the text is not JSON"));
        assertEquals("column 'owner' (uuid): 'not-a-uuid' is not a uuid",
                refusal(column("owner", "uuid", ColumnCategory.UUID, false), "{\"type\":\"rich_text\",\"rich_text\":[{\"plain_text\":\"not-a-uuid\"}]}"));
    }

    @Test
    void aDateColumnRefusesATimeAndARange() {
        TableColumn launched = column("launched_on", "date", ColumnCategory.DATE, false);
        assertEquals("column 'launched_on' (date) holds a day; the page's date 2024-03-04T10:00:00.000+00:00 has a time",
                refusal(launched, "{\"type\":\"date\",\"date\":{\"start\":\"2024-03-04T10:00:00.000+00:00\",\"end\":null}}"));
        assertEquals("column 'launched_on' (date) holds one date; the page has a range 2024-03-04 to 2024-03-08",
                refusal(launched, "{\"type\":\"date\",\"date\":{\"start\":\"2024-03-04\",\"end\":\"2024-03-08\"}}"));
    }

    @Test
    void aTimestampWithoutZoneIsUtcAndADateAloneIsItsMidnight() throws Exception {
        TableColumn lastRun = column("last_run_at", "timestamp without time zone", ColumnCategory.TIMESTAMP, false);
        assertEquals("{\"date\":{\"start\":\"2026-11-30T22:15:07.250Z\",\"end\":null,\"time_zone\":null}}",
                BoundValues.toNotion(lastRun, "date", JSON.getNodeFactory().textNode("2026-11-30T22:15:07.25")).toString());
        assertEquals("2026-11-30T23:15:07.250", BoundValues.fromNotion(lastRun,
                property("{\"type\":\"date\",\"date\":{\"start\":\"2026-12-01T00:15:07.250+01:00\"}}")).asText());
        assertEquals("2026-12-01T00:00:00.000Z", BoundValues.fromNotion(column("t", "timestamp with time zone", ColumnCategory.TIMESTAMPTZ, false),
                property("{\"type\":\"date\",\"date\":{\"start\":\"2026-12-01\"}}")).asText());
        assertEquals("{\"date\":{\"start\":\"2026-11-30T22:15:07.123Z\",\"end\":null,\"time_zone\":null}}",
                BoundValues.toNotion(lastRun, "date", JSON.getNodeFactory().textNode("2026-11-30T22:15:07.123456")).toString(),
                "Notion keeps milliseconds");
    }

    @Test
    void valuesNotionCannotHoldAreRefusedOnTheWayOut() {
        TableColumn tags = column("tags", "text[]", ColumnCategory.TEXT_ARRAY, true);
        ObjectNode row = JSON.createObjectNode();
        row.putArray("tags").add("ai, ml");
        assertEquals("property 'tags': option 'ai, ml' contains a comma, which Notion does not allow in option names",
                assertThrows(UnwritableValueException.class, () -> BoundValues.toNotion(tags, "multi_select", row.get("tags"))).getMessage());
        assertThrows(UnwritableValueException.class, () -> BoundValues.toNotion(column("n", "numeric", ColumnCategory.DECIMAL, false), "number",
                JSON.getNodeFactory().textNode("NaN")));
        assertThrows(UnwritableValueException.class, () -> BoundValues.toNotion(column("d", "date", ColumnCategory.DATE, false), "date",
                JSON.getNodeFactory().textNode("infinity")));
    }

    @Test
    void emptyNotionValuesAreNullOrTheEmptyValueOfANotNullColumn() throws Exception {
        String empty = "{\"type\":\"rich_text\",\"rich_text\":[]}";
        assertTrue(BoundValues.fromNotion(column("website", "text", ColumnCategory.TEXT, false), property(empty)).isNull());
        assertEquals("", BoundValues.fromNotion(column("name", "text", ColumnCategory.TEXT, true), property(empty)).asText());
        String none = "{\"type\":\"multi_select\",\"multi_select\":[]}";
        assertTrue(BoundValues.fromNotion(column("tags", "text[]", ColumnCategory.TEXT_ARRAY, false), property(none)).isNull());
        assertEquals("[]", BoundValues.fromNotion(column("tags", "text[]", ColumnCategory.TEXT_ARRAY, true), property(none)).toString());
        assertEquals("{\"checkbox\":false}", BoundValues.toNotion(column("b", "boolean", ColumnCategory.BOOLEAN, false), "checkbox", null).toString());
    }

    @Test
    void theKeyPropertyHoldsTheKeyAsTextOrAJsonArray() {
        TableColumn id = new TableColumn("id", 1, "bigint", ColumnCategory.INTEGER, List.of(), true, true, false, true, null);
        ObjectNode key = JSON.createObjectNode().put("id", 42L);
        assertEquals("42", BoundValues.keyText(List.of(id), key));
        assertEquals(key.toString(), BoundValues.rowKey(List.of(id), "42").toString());
        TableColumn agent = new TableColumn("agent_id", 1, "uuid", ColumnCategory.UUID, List.of(), true, false, false, true, null);
        TableColumn slug = new TableColumn("capability_slug", 2, "text", ColumnCategory.TEXT, List.of(), true, false, false, true, null);
        ObjectNode composite = JSON.createObjectNode().put("agent_id", "0b1f5a3e-6a43-4c1e-9d8e-1a2b3c4d5e01").put("capability_slug", "kb-read");
        String text = BoundValues.keyText(List.of(agent, slug), composite);
        assertEquals("[\"0b1f5a3e-6a43-4c1e-9d8e-1a2b3c4d5e01\",\"kb-read\"]", text);
        assertEquals(composite, BoundValues.rowKey(List.of(agent, slug), text));
        assertEquals("the key 'kb-read' is not a JSON array of 2 values ([agent_id, capability_slug])",
                assertThrows(RefusedValueException.class, () -> BoundValues.rowKey(List.of(agent, slug), "kb-read")).getMessage());
        assertEquals("column 'id' (bigint) takes whole numbers; 4.5 has a fraction",
                assertThrows(RefusedValueException.class, () -> BoundValues.rowKey(List.of(id), "4.5")).getMessage());
    }

    @Test
    void columnsWithoutAFaithfulNotionTypeAreRefusedNamingExclude() {
        TableShape table = new TableShape("public", "files", List.of(new TableColumn("body", 2, "bytea", ColumnCategory.OTHER, List.of(), false,
                false, false, false, null)), List.of("body"));
        assertEquals("column 'body' of public.files is of type bytea, which no Notion property holds faithfully; leave it out with"
                        + " notion.source.files.exclude = body (a comma separated list)",
                assertThrows(UnmappableColumnException.class, () -> BoundTypes.notionType("files", table, table.columns().get(0), false, false))
                        .getMessage());
        TableColumn labels = new TableColumn("kind", 3, "kind", ColumnCategory.ENUM, List.of("a,b"), false, false, false, false, null);
        assertTrue(assertThrows(UnmappableColumnException.class, () -> BoundTypes.schema("files", labels, "select", null)).getMessage()
                .startsWith("column 'kind': its enum label 'a,b' cannot be a Notion option"));
    }
}
