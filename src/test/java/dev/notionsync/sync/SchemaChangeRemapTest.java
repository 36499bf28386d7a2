package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Typed columns after a schema change in Notion: rows read before the engine refreshed its schema get the values of
 * an added or retyped property from the raw JSON they keep, without Notion being asked for those pages again.
 */
class SchemaChangeRemapTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tempDir;

    /** The simulator's clock, moved by the test: page edits land in the minute it says. */
    private static final class MovableClock extends Clock {
        volatile Instant now = Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void rowsReadBeforeTheSchemaRefreshShowAddedAndRetypedPropertiesWithoutRereadingPages() throws Exception {
        MovableClock clock = new MovableClock();
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(10).withClock(clock))) {
            SeededSource projects = simulator.workspace().source("projects");
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
            values.put("notion.sync.overlap", "0s");
            values.put("notion.sync.schema-refresh", "1h");
            String source = TestEngine.sourceName(values, "projects");
            String schema = values.get("notion.db.schema");
            String table = "\"" + schema + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 10);
                MirrorTables mirrorTables = sync.context().getRegistry().lookupByNameAndType("mirrorTables", MirrorTables.class);
                Runnable pullNow = () -> sync.context().createProducerTemplate().sendBody("direct:pull-" + source, null);

                // Notion: a property is added and a number property becomes text; two pages get values in them
                JsonNode dataSource = simulator.model().dataSource(projects.dataSourceId()).orElseThrow();
                String retyped = null;
                for (var it = dataSource.path("properties").fields(); it.hasNext() && retyped == null; ) {
                    var p = it.next();
                    retyped = p.getValue().path("type").asText().equals("number") ? p.getKey() : null;
                }
                assertNotNull(retyped, "the seeded projects have a number property");
                clock.now = clock.now.plus(10, ChronoUnit.MINUTES);
                TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + projects.dataSourceId(),
                        "{\"properties\":{\"Budget code\":{\"rich_text\":{}},\"" + retyped + "\":{\"rich_text\":{}}}}");
                List<ObjectNode> pages = simulator.model().pages(projects.dataSourceId());
                String added = pages.get(0).path("id").asText();
                String changed = pages.get(1).path("id").asText();
                simulator.model().editPage(added, text("Budget code", "BC-7"));
                simulator.model().editPage(changed, text(retyped, "twelve"));

                // the engine reads both pages with its old schema: the raw JSON has the values, the typed columns cannot
                pullNow.run();
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table
                        + " WHERE properties->'Budget code'->'rich_text'->0->>'plain_text' = 'BC-7'"));
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table
                        + " WHERE properties->'" + retyped + "'->'rich_text'->0->>'plain_text' = 'twelve'"));

                // a later edit moves the watermark past both pages, so no query returns them again
                clock.now = clock.now.plus(10, ChronoUnit.MINUTES);
                ObjectNode later = pages.get(2);
                simulator.model().editPage(later.path("id").asText(), TestEngine.titleEdit(later, "edited later"));
                pullNow.run();

                deleteStats(simulator);
                mirrorTables.refresh();
                pullNow.run();

                String budgetColumn = column(sync, schema, "Budget code", "rich_text");
                String retypedColumn = column(sync, schema, retyped, "rich_text");
                assertEquals("BC-7", TestEngine.queryString(sync, "SELECT \"" + budgetColumn + "\" FROM " + table + " WHERE page_id = '" + added + "'"));
                assertEquals("twelve", TestEngine.queryString(sync, "SELECT \"" + retypedColumn + "\" FROM " + table + " WHERE page_id = '" + changed + "'"));
                JsonNode stats = JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats"));
                stats.path("by_endpoint").fieldNames().forEachRemaining(endpoint ->
                        assertFalse(endpoint.startsWith("GET /v1/pages"), "no page was read again: " + stats.path("by_endpoint")));
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + table
                        + " WHERE split_part(content_hash, '/', 2) IS DISTINCT FROM (SELECT split_part(content_hash, '/', 2) FROM " + table
                        + " WHERE page_id = '" + later.path("id").asText() + "')"), "every row carries the current mapping");
            }
        }
    }

    /** A row edited in PostgreSQL and not yet pushed keeps the user's edit through a re-map. */
    @Test
    void aRowWaitingToBePushedIsNotReMapped() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5))) {
            SeededSource projects = simulator.workspace().source("projects");
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
            String source = TestEngine.sourceName(values, "projects");
            values.put("notion.source." + source + ".direction", "both");
            values.put("notion.sync.schema-refresh", "1h");
            String schema = values.get("notion.db.schema");
            String table = "\"" + schema + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 5);
                sync.context().getRouteController().suspendRoute("push-" + source);
                String text = TestEngine.queryString(sync, "SELECT column_base FROM notion_sync.column_catalog WHERE table_schema = '" + schema
                        + "' AND table_name = 'projects' AND property_type = 'rich_text' LIMIT 1");
                String edited = simulator.model().pages(projects.dataSourceId()).get(0).path("id").asText();
                try (var c = sync.database().dataSource().getConnection(); var st = c.createStatement()) {
                    st.executeUpdate("UPDATE " + table + " SET \"" + text + "\" = 'edited in PostgreSQL' WHERE page_id = '" + edited + "'");
                }
                TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + projects.dataSourceId(), "{\"properties\":{\"Budget code\":{\"rich_text\":{}}}}");
                sync.context().getRegistry().lookupByNameAndType("mirrorTables", MirrorTables.class).refresh();
                sync.context().createProducerTemplate().sendBody("direct:pull-" + source, null);

                assertEquals("edited in PostgreSQL", TestEngine.queryString(sync, "SELECT \"" + text + "\" FROM " + table + " WHERE page_id = '" + edited + "'"));
                assertEquals(4, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE content_hash LIKE '%/' || (SELECT split_part(content_hash, '/', 2) FROM "
                        + table + " WHERE page_id <> '" + edited + "' LIMIT 1)"), "the other rows are re-mapped");
            }
        }
    }

    private static ObjectNode text(String property, String value) {
        ObjectNode edit = JSON.createObjectNode();
        edit.putObject(property).putArray("rich_text").addObject().putObject("text").put("content", value);
        return edit;
    }

    private static String column(NotionSync sync, String schema, String property, String type) {
        return TestEngine.queryString(sync, "SELECT column_base FROM notion_sync.column_catalog WHERE table_schema = '" + schema
                + "' AND table_name = 'projects' AND property_name = '" + property + "' AND property_type = '" + type + "'");
    }

    private static void deleteStats(NotionSimulator simulator) throws Exception {
        java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(simulator.baseUrl() + "/__sim/stats")).DELETE().build(), java.net.http.HttpResponse.BodyHandlers.discarding());
    }
}
