package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Recordings;
import dev.notionsync.TestSchema;
import dev.notionsync.mapping.ColumnNames.NamedProperty;
import dev.notionsync.store.RowJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.Recordings.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mapping against a real PostgreSQL: hostile names become working quoted identifiers, and every value bound with
 * the engine's JSON row encoding (json_populate_recordset) reads back as it was read from Notion.
 */
class ColumnsInPostgresTest {

    private static TestSchema database;

    /** One sample value per type (the richest shapes notion-api.md §3.2 documents), for the identifier test. */
    private static final List<String> SAMPLES = List.of(
            """
            {"id":"d","type":"date","date":{"start":"2026-06-27T18:01:00.000+01:00","end":"2026-06-28T09:00:00.000+01:00","time_zone":null}}""",
            """
            {"id":"f","type":"formula","formula":{"type":"number","number":3.14159265358979}}""",
            """
            {"id":"m","type":"multi_select","multi_select":[{"id":"o-2","name":"B, with comma","color":"red"},{"id":"o-1","name":"A \\"quoted\\" {brace}","color":"blue"}]}""",
            """
            {"id":"r","type":"rollup","rollup":{"type":"array","array":[{"type":"number","number":1.5}],"function":"show_original"}}""",
            """
            {"id":"u","type":"unique_id","unique_id":{"prefix":"RL","number":9007199254740993}}""",
            """
            {"id":"c","type":"checkbox","checkbox":false}""",
            """
            {"id":"t","type":"title","title":[{"type":"text","text":{"content":"x'); DROP TABLE t; --","link":null},"plain_text":"x'); DROP TABLE t; --","href":null}]}""");

    @BeforeAll
    static void startDatabase() throws Exception {
        database = TestSchema.create();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        if (database != null) {
            database.close();
        }
    }

    @Test
    void hostileNamesWorkAsColumnsForEveryColumnOfSeveralTypes() throws Exception {
        Map<String, String> bases = ColumnNames.assign(HostileNames.PROPERTIES, Map.of(), HostileNames.RESERVED);
        int compared = 0;
        for (String sample : SAMPLES) {
            // one table per type, in which every hostile property has that type
            JsonNode property = json(sample);
            PropertyType type = PropertyTypes.of(property.path("type").asText()).orElseThrow();
            List<Object> read = type.read(property);
            List<Column> columns = new ArrayList<>();
            List<Object> values = new ArrayList<>();
            for (String base : bases.values()) {
                for (int i = 0; i < type.columns().size(); i++) {
                    columns.add(new Column(ColumnNames.columnName(base, type.columns().get(i)), type.columns().get(i).sqlType()));
                    values.add(read.get(i));
                }
            }
            String table = "hostile \"" + type.name() + "\"; --";
            createTable(table, columns);
            insert(table, columns, values);
            assertEquals(columns.stream().map(Column::name).toList(), columnNamesOf(table), "PostgreSQL kept every name as given");
            compared += readBack(table, columns, values);
        }
        assertTrue(compared > HostileNames.PROPERTIES.size() * SAMPLES.size());
    }

    @Test
    void rawHostileNamesAreSafeWhenQuoted() throws Exception {
        List<Column> columns = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        for (NamedProperty property : HostileNames.PROPERTIES) {
            String name = property.name();
            if (name.isEmpty() || name.contains("\0") || name.getBytes(StandardCharsets.UTF_8).length > 63) {
                continue; // PostgreSQL itself cannot have these; ColumnNames.quote refuses them (tested elsewhere)
            }
            columns.add(new Column(name, "text"));
            values.add(name);
        }
        createTable("raw names", columns);
        insert("raw names", columns, values);
        assertEquals(columns.stream().map(Column::name).toList(), columnNamesOf("raw names"));
        assertEquals(values.size(), readBack("raw names", columns, values));
    }

    @Test
    void idPropPagesRoundTripThroughEveryColumn() throws Exception {
        List<JsonNode> pages = new ArrayList<>(Recordings.pages("id_prop.json"));
        pages.addAll(Recordings.pages("search_page.json"));
        pages.addAll(Recordings.pages("date_query.json"));
        pages.add(Recordings.page("more_than_max_refs_per_relation_property.json", "38c9ce7b-60a4-8156-a1b7-cf948b230f66"));
        pages.add(syntheticPage());

        // one table over the union of all properties (by id and type), named like the engine will name them
        Map<String, JsonNode> firstSeen = new LinkedHashMap<>();
        List<NamedProperty> named = new ArrayList<>();
        for (JsonNode page : pages) {
            for (Map.Entry<String, JsonNode> entry : page.path("properties").properties()) {
                if (firstSeen.putIfAbsent(key(entry.getValue()), entry.getValue()) == null) {
                    named.add(new NamedProperty(key(entry.getValue()), entry.getKey()));
                }
            }
        }
        Map<String, String> bases = ColumnNames.assign(named, Map.of(), Set.of("page_id", "properties"));
        Set<String> typesCovered = new LinkedHashSet<>();
        List<Column> columns = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : firstSeen.entrySet()) {
            PropertyType type = PropertyTypes.of(entry.getValue().path("type").asText()).orElseThrow();
            typesCovered.add(type.name());
            for (ColumnSpec column : type.columns()) {
                columns.add(new Column(ColumnNames.columnName(bases.get(entry.getKey()), column), column.sqlType()));
            }
        }
        assertEquals(PropertyTypes.knownTypes(), typesCovered, "every type is in the table");
        createTable("pages", columns);

        int compared = 0;
        for (JsonNode page : pages) {
            List<Object> row = new ArrayList<>(Arrays.asList(new Object[columns.size()]));
            int at = 0;
            for (Map.Entry<String, JsonNode> entry : firstSeen.entrySet()) {
                PropertyType type = PropertyTypes.of(entry.getValue().path("type").asText()).orElseThrow();
                JsonNode value = propertyOf(page, entry.getKey());
                List<Object> read = value == null ? Arrays.asList(new Object[type.columns().size()]) : type.read(value);
                for (Object one : read) {
                    row.set(at++, one);
                }
            }
            try (Statement statement = database.connection().createStatement()) {
                statement.execute("TRUNCATE " + ColumnNames.quote("pages"));
            }
            insert("pages", columns, row);
            compared += readBack("pages", columns, row);
        }
        assertEquals(pages.size() * columns.size(), compared);
    }

    @Test
    void numbersDatesAndArraysKeepTheirExactValue() throws Exception {
        List<Column> columns = List.of(new Column("n", "numeric"), new Column("d", "date"), new Column("at", "timestamptz"),
                new Column("names", "text[]"), new Column("empty", "text[]"), new Column("none", "text[]"));
        createTable("exact", columns);
        List<Object> values = Arrays.asList(new BigDecimal("0.1000000000000000055511151231257827"), LocalDate.parse("2026-07-02"),
                OffsetDateTime.parse("2026-06-27T18:01:00+01:00"), new String[]{"z", "a", null, "m"}, new String[0], null);
        insert("exact", columns, values);
        try (Statement statement = database.connection().createStatement();
             ResultSet rs = statement.executeQuery("SELECT n::text, d::text, at AT TIME ZONE 'UTC', names, empty, none FROM exact")) {
            assertTrue(rs.next());
            assertEquals("0.1000000000000000055511151231257827", rs.getString(1), "no float rounding");
            assertEquals("2026-07-02", rs.getString(2), "a date stays a date");
            assertEquals("2026-06-27 17:01:00", rs.getString(3), "the instant is kept");
            assertArrayEquals(new String[]{"z", "a", null, "m"}, (Object[]) rs.getArray(4).getArray(), "order and NULL elements kept");
            assertArrayEquals(new String[0], (Object[]) rs.getArray(5).getArray(), "[] is '{}', not NULL");
            assertNull(rs.getArray(6));
        }
    }

    // ---- the page with the value shapes no recording has ---------------------------------------------------------

    private static JsonNode syntheticPage() {
        return json("""
                {"object":"page","id":"synthetic","properties":{
                  "Place":{"id":"rulX","type":"place","place":{"lat":52.52,"lon":13.405,"name":null,"address":"Berlin, Germany"}},
                  "People":{"id":"~ak%40","type":"people","people":[{"object":"user","id":"u-1","name":"Ada"},{"object":"group","id":"g-1","name":"Ops"},{"object":"user","id":"u-2"}]},
                  "Files":{"id":"%3FbAF","type":"files","files":[{"name":"spec.pdf","type":"external","external":{"url":"https://example.com/spec.pdf"}}]},
                  "Date":{"id":"uUxQ","type":"date","date":{"start":"2026-03-29T01:30:00.000","end":"2026-03-29T03:30:00.000","time_zone":"Europe/Berlin"}},
                  "Number":{"id":"dDR%3B","type":"number","number":12345678901234567.123456789},
                  "Verification":{"id":"verification","type":"verification","verification":{"state":"verified","verified_by":{"object":"user","id":"u-1"},"date":{"start":"2026-06-01","end":null,"time_zone":null}}},
                  "Rollup":{"id":"WYH%3A","type":"rollup","rollup":{"type":"array","array":[{"type":"title","title":[{"plain_text":"A"}]}],"function":"show_original"}},
                  "Formula":{"id":"jeun","type":"formula","formula":{"type":"date","date":{"start":"2024-11-25","end":"2024-11-30","time_zone":null}}},
                  "ID":{"id":"gY%7BP","type":"unique_id","unique_id":{"prefix":"RL","number":3}}
                }}""");
    }

    // ---- SQL helpers -------------------------------------------------------------------------------------------

    private record Column(String name, String sqlType) {
    }

    private static String key(JsonNode property) {
        return property.path("id").asText() + "#" + property.path("type").asText();
    }

    private static JsonNode propertyOf(JsonNode page, String key) {
        for (JsonNode property : page.path("properties")) {
            if (key(property).equals(key)) {
                return property;
            }
        }
        return null;
    }

    private static void createTable(String table, List<Column> columns) throws SQLException {
        StringBuilder sql = new StringBuilder("CREATE TABLE ").append(ColumnNames.quote(table)).append(" (");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(ColumnNames.quote(columns.get(i).name())).append(' ').append(columns.get(i).sqlType());
        }
        try (Statement statement = database.connection().createStatement()) {
            statement.execute(sql.append(')').toString());
        }
    }

    /** Inserts as the engine does: the values as one JSON row through json_populate_recordset (store.RowJson). */
    private static void insert(String table, List<Column> columns, List<Object> values) throws SQLException {
        StringBuilder names = new StringBuilder();
        List<ColumnSpec> specs = new ArrayList<>();
        Map<String, Object> row = new HashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            names.append(i == 0 ? "" : ", ").append(ColumnNames.quote(columns.get(i).name()));
            specs.add(new ColumnSpec(columns.get(i).name(), columns.get(i).sqlType()));
            row.put(columns.get(i).name(), values.get(i));
        }
        String sql = "INSERT INTO " + ColumnNames.quote(table) + " (" + names + ") SELECT " + names
                + " FROM json_populate_recordset(NULL::" + ColumnNames.quote(table) + ", CAST(? AS json))";
        try (PreparedStatement insert = database.connection().prepareStatement(sql)) {
            insert.setString(1, RowJson.of(specs, List.of(row)));
            assertEquals(1, insert.executeUpdate());
        }
    }

    /** Reads the single row back and compares every column with the bound value; returns the number compared. */
    private static int readBack(String table, List<Column> columns, List<Object> expected) throws SQLException {
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            names.append(i == 0 ? "" : ", ").append(ColumnNames.quote(columns.get(i).name()));
        }
        int compared = 0;
        try (Statement statement = database.connection().createStatement();
             ResultSet rs = statement.executeQuery("SELECT " + names + " FROM " + ColumnNames.quote(table))) {
            assertTrue(rs.next());
            for (int i = 0; i < columns.size(); i++) {
                assertSame(columns.get(i), expected.get(i), rs, i + 1);
                compared++;
            }
            assertFalse(rs.next());
        }
        return compared;
    }

    private static void assertSame(Column column, Object expected, ResultSet rs, int index) throws SQLException {
        String where = column.name() + " " + column.sqlType();
        switch (column.sqlType()) {
            case "numeric" -> {
                BigDecimal actual = rs.getBigDecimal(index);
                if (expected == null) {
                    assertNull(actual, where);
                } else {
                    assertEquals(expected, actual, where + ": same digits and scale, no float rounding");
                }
            }
            case "timestamptz" -> {
                OffsetDateTime actual = rs.getObject(index, OffsetDateTime.class);
                if (expected == null) {
                    assertNull(actual, where);
                } else {
                    assertEquals(((OffsetDateTime) expected).toInstant(), actual.toInstant(), where);
                }
            }
            case "date" -> assertEquals(expected, rs.getObject(index, LocalDate.class), where);
            case "bigint" -> assertEquals(expected, rs.getObject(index, Long.class), where);
            case "boolean" -> assertEquals(expected, rs.getObject(index, Boolean.class), where);
            case "text" -> assertEquals(expected, rs.getString(index), where);
            case "jsonb" -> {
                String actual = rs.getString(index);
                assertEquals(expected == null ? null : json((String) expected), actual == null ? null : json(actual), where);
            }
            case "text[]" -> {
                Array actual = rs.getArray(index);
                if (expected == null) {
                    assertNull(actual, where);
                } else {
                    assertArrayEquals((Object[]) expected, (Object[]) actual.getArray(), where);
                }
            }
            default -> throw new AssertionError("no comparison for " + where);
        }
    }

    private static List<String> columnNamesOf(String table) throws SQLException {
        DatabaseMetaData meta = database.connection().getMetaData();
        List<String> names = new ArrayList<>();
        try (ResultSet rs = meta.getColumns(null, database.connection().getSchema(), table, null)) {
            while (rs.next()) {
                names.add(rs.getString("COLUMN_NAME"));
            }
        }
        return names;
    }
}
