package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.Recordings;
import dev.notionsync.TestEngine;
import dev.notionsync.mapping.ColumnNames;
import dev.notionsync.mapping.ColumnSpec;
import dev.notionsync.mapping.PropertyType;
import dev.notionsync.mapping.PropertyTypes;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real Notion pages, replayed through the simulator and the whole pull, read back from PostgreSQL. */
class RecordedPagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tempDir;

    private static Map<String, String> oneSource(NotionSimulator simulator, Path tempDir, String dataSourceId) {
        Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
        String source = TestEngine.sourceName(values, "projects");
        values.put("notion.source." + source + ".id", dataSourceId);
        values.put("notion.source." + source + ".table", "recorded");
        return values;
    }

    @Test
    void everyPropertyOfTheRecordedPagesReadsBackAsNotionShowedIt() throws Exception {
        JsonNode recording = Recordings.load("id_prop.json");
        Map<String, JsonNode> pages = new LinkedHashMap<>();
        for (JsonNode exchange : recording) {
            exchange.path("response_body").path("results").forEach(page -> pages.put(page.path("id").asText(), page));
        }
        String dataSourceId = pages.values().iterator().next().path("parent").path("data_source_id").asText();
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(0))) {
            pages.values().forEach(simulator.model()::importPage);
            Map<String, String> values = oneSource(simulator, tempDir, dataSourceId);
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String table = ColumnNames.quote(values.get("notion.db.schema")) + ".recorded";
                TestEngine.await("the recorded pages", Duration.ofSeconds(30),
                        () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == pages.size());
                Map<String, String> baseOf = columnBases(sync, values.get("notion.db.schema"));
                int compared = 0;
                try (Connection c = sync.database().dataSource().getConnection()) {
                    for (JsonNode page : pages.values()) {
                        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM " + table + " WHERE page_id = CAST(? AS uuid)")) {
                            ps.setString(1, page.path("id").asText());
                            try (ResultSet rs = ps.executeQuery()) {
                                assertTrue(rs.next());
                                for (var it = page.path("properties").fields(); it.hasNext(); ) {
                                    var property = it.next();
                                    JsonNode value = property.getValue();
                                    PropertyType type = PropertyTypes.of(value.path("type").asText()).orElseThrow();
                                    List<Object> expected = type.read(value);
                                    String base = baseOf.get(value.path("id").asText());
                                    for (int i = 0; i < type.columns().size(); i++) {
                                        ColumnSpec spec = type.columns().get(i);
                                        String column = ColumnNames.columnName(base, spec);
                                        assertSame(expected.get(i), rs.getObject(column),
                                                page.path("id").asText() + " " + property.getKey() + " -> " + column);
                                        compared++;
                                    }
                                }
                            }
                        }
                    }
                }
                assertTrue(compared > 100, "compared " + compared + " column values");
            }
        }
    }

    @Test
    void aRelationOfThirtyPagesArrivesComplete() throws Exception {
        JsonNode recording = Recordings.load("more_than_max_refs_per_relation_property.json");
        JsonNode truncatedPage = null;
        List<String> allTargets = new ArrayList<>();
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(0))) {
            for (JsonNode exchange : recording) {
                String path = exchange.path("path").asText();
                JsonNode body = exchange.path("response_body");
                if (exchange.path("method").asText().equals("PATCH") && path.startsWith("/v1/data_sources/")) {
                    simulator.model().importDataSource(body);
                } else if (exchange.path("method").asText().equals("POST") && path.equals("/v1/pages")) {
                    simulator.model().importPage(body);
                } else if (path.contains("/properties/")) {
                    body.path("results").forEach(item -> allTargets.add(item.path("relation").path("id").asText()));
                } else if (exchange.path("method").asText().equals("GET") && path.startsWith("/v1/pages/")) {
                    truncatedPage = body;
                }
            }
            assertEquals(30, allTargets.size());
            String pageId = truncatedPage.path("id").asText();
            // the page as Notion holds it: all 30 related pages (the recorded page object shows 25 and has_more)
            ObjectNode edit = JSON.createObjectNode();
            var relation = edit.putObject("Items Purchased").putArray("relation");
            allTargets.forEach(id -> relation.addObject().put("id", id));
            simulator.model().editPage(pageId, edit);
            assertTrue(simulator.model().page(pageId).orElseThrow().path("properties").path("Items Purchased").path("has_more").asBoolean(),
                    "the simulator truncates like Notion");

            Map<String, String> values = oneSource(simulator, tempDir, truncatedPage.path("parent").path("data_source_id").asText());
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String table = ColumnNames.quote(values.get("notion.db.schema")) + ".recorded";
                TestEngine.await("the customer row", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE page_id = '" + pageId + "'") == 1);
                String column = ColumnNames.quote(columnBases(sync, values.get("notion.db.schema")).get(
                        truncatedPage.path("properties").path("Items Purchased").path("id").asText()));
                try (Connection c = sync.database().dataSource().getConnection();
                     PreparedStatement ps = c.prepareStatement("SELECT " + column + ", properties FROM " + table + " WHERE page_id = CAST(? AS uuid)")) {
                    ps.setString(1, pageId);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertEquals(allTargets, Arrays.asList((String[]) rs.getArray(1).getArray()), "all 30, in order");
                        assertEquals(30, JSON.readTree(rs.getString(2)).path("Items Purchased").path("relation").size(), "raw JSON complete too");
                    }
                }
            }
        }
    }

    private static Map<String, String> columnBases(NotionSync sync, String schema) throws Exception {
        Map<String, String> bases = new HashMap<>();
        try (Connection c = sync.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT property_id, column_base FROM notion_sync.column_catalog WHERE table_schema = ? AND table_name = 'recorded'")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    bases.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return bases;
    }

    /** Compares a mapped value with what JDBC returns for its column, by value. */
    private static void assertSame(Object expected, Object actual, String what) throws Exception {
        if (expected == null || actual == null) {
            assertEquals(expected, actual, what);
        } else if (expected instanceof BigDecimal number) {
            assertEquals(0, number.compareTo((BigDecimal) actual), what + ": " + expected + " vs " + actual);
        } else if (expected instanceof String[] texts) {
            assertEquals(Arrays.asList(texts), Arrays.asList((Object[]) ((Array) actual).getArray()), what);
        } else if (expected instanceof OffsetDateTime time) {
            assertEquals(time.toInstant(), ((java.sql.Timestamp) actual).toInstant(), what);
        } else if (expected instanceof java.time.Instant instant) {
            assertEquals(instant, ((java.sql.Timestamp) actual).toInstant(), what);
        } else if (expected instanceof LocalDate date) {
            assertEquals(date, ((java.sql.Date) actual).toLocalDate(), what);
        } else if (actual instanceof org.postgresql.util.PGobject json) {
            assertEquals(JSON.readTree((String) expected), JSON.readTree(json.getValue()), what);
        } else if (expected instanceof Long number) {
            assertEquals(number, ((Number) actual).longValue(), what);
        } else {
            assertEquals(expected, actual, what);
        }
    }

    @Test
    void aPagePostgresCannotStoreIsDeadLetteredAndTheOthersArrive() throws Exception {
        JsonNode recording = Recordings.load("id_prop.json");
        List<JsonNode> pages = new ArrayList<>();
        recording.get(0).path("response_body").path("results").forEach(pages::add);
        String dataSourceId = pages.get(0).path("parent").path("data_source_id").asText();
        ObjectNode poison = pages.get(0).deepCopy();
        poison.put("id", "0c7c1a63-0e2f-4a55-9b1e-7f6a5d1e9a01");
        String dateProperty = null;
        for (var it = poison.path("properties").fields(); it.hasNext(); ) {
            var p = it.next();
            if (p.getValue().path("type").asText().equals("date")) {
                dateProperty = p.getKey();
            }
        }
        // a datetime Java reads but PostgreSQL's timestamptz cannot hold
        ((ObjectNode) poison.path("properties").path(dateProperty)).putObject("date")
                .put("start", "+300000-01-01T00:00:00.000+00:00").putNull("end").putNull("time_zone");
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(0))) {
            pages.forEach(simulator.model()::importPage);
            simulator.model().importPage(poison);
            Map<String, String> values = oneSource(simulator, tempDir, dataSourceId);
            values.put("notion.source." + TestEngine.sourceName(values, "projects") + ".poll", "500ms");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String table = ColumnNames.quote(values.get("notion.db.schema")) + ".recorded";
                TestEngine.await("the good pages", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == pages.size());
                TestEngine.await("the poison page in dead letters", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open' AND body LIKE '%" + poison.path("id").asText() + "%'") == 1);
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'failed'"), "the run itself goes on");
                long runs = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs");
                TestEngine.await("two more polls", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs") >= runs + 2);
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"), "recorded once, not once per poll");
            }
        }
    }
}
