package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notion-Version 2026-12-01 against the simulator: queries return only the title unless filter_properties names the
 * others; absent and "unsupported" values are unknown, never NULL over a stored value; the workspace rate limit.
 */
class NotionVersion20261201Test {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tempDir;

    private Map<String, String> settings(NotionSimulator simulator, String poll, String... sources) {
        Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, poll, sources);
        values.put("notion.api.version", "2026-12-01");
        return values;
    }

    private static String column(NotionSync sync, Map<String, String> values, String property) {
        return TestEngine.queryString(sync, "SELECT column_base FROM notion_sync.column_catalog WHERE table_schema = '"
                + values.get("notion.db.schema") + "' AND table_name = 'projects' AND property_name = '" + property + "' AND removed_at IS NULL");
    }

    /** Answers the simulator gave, for one endpoint ("GET /v1/pages/{id}") or all (""), with one status or any (null). */
    private static long requests(NotionSimulator simulator, String endpoint, String status) throws Exception {
        JsonNode endpoints = JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats")).path("by_endpoint");
        long total = 0;
        for (var it = endpoints.fields(); it.hasNext(); ) {
            var each = it.next();
            if (endpoint.isEmpty() || each.getKey().equals(endpoint)) {
                for (var statuses = each.getValue().fields(); statuses.hasNext(); ) {
                    var s = statuses.next();
                    total += status == null || s.getKey().equals(status) ? s.getValue().asLong() : 0;
                }
            }
        }
        return total;
    }

    private static void sql(NotionSync sync, String statement) throws java.sql.SQLException {
        try (java.sql.Connection c = sync.database().dataSource().getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    /** How many rows hold a value in a formula's result type column: none when the pull got titles only. */
    private static long typedValues(NotionSync sync, Map<String, String> values, String table, String formula) {
        return TestEngine.count(sync, "SELECT count(\"" + column(sync, values, formula) + "_type\") FROM " + table);
    }

    @Test
    void aTypedPullNamesThePropertiesItMapsAndReadsWhatOneRequestCannotName() throws Exception {
        for (String limit : new String[] {"100", "3"}) {
            try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(12))) {
                SeededSource projects = simulator.workspace().source("projects");
                Map<String, String> values = settings(simulator, "1h", "projects");
                values.put("notion.api.filter-properties-max", limit);
                String table = "\"" + values.get("notion.db.schema") + "\".projects";
                try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                    sync.start();
                    TestEngine.await("first sync", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 12);
                    int schemaProperties = simulator.model().dataSource(projects.dataSourceId()).orElseThrow().path("properties").size();
                    assertEquals(12, TestEngine.count(sync, "SELECT count(*) FROM " + table
                            + " WHERE (SELECT count(*) FROM jsonb_object_keys(properties)) = " + schemaProperties), "limit " + limit + ": every property read");
                    assertEquals(12, typedValues(sync, values, table, "Budget with tax"), "limit " + limit + ": typed columns filled");
                    long pageReads = requests(simulator, "GET /v1/pages/{id}", "200");
                    if (limit.equals("100")) {
                        assertEquals(0, pageReads, "one query names them all");
                    } else {
                        assertTrue(pageReads >= 12, "the properties past the limit are read page by page: " + pageReads);
                    }
                }
            }
        }
    }

    @Test
    void absentAndUnsupportedValuesKeepTheStoredOnesAndAreCounted() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(10))) {
            SeededSource projects = simulator.workspace().source("projects");
            Map<String, String> values = settings(simulator, "300ms", "projects");
            values.put("notion.sync.schema-refresh", "1h");
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 10);
                JsonNode page = simulator.model().pages(projects.dataSourceId()).get(0);
                String id = page.path("id").asText();
                String formula = column(sync, values, "Budget with tax") + "_number";
                String rollup = column(sync, values, "Revenue total");
                String formulaBefore = TestEngine.queryString(sync, "SELECT \"" + formula + "\"::text FROM " + table + " WHERE page_id = '" + id + "'");
                String rollupBefore = TestEngine.queryString(sync, "SELECT \"" + rollup + "\"::text FROM " + table + " WHERE page_id = '" + id + "'");
                assertNotNull(formulaBefore);
                assertNotNull(rollupBefore);

                // Notion's computation budget runs out; a property is deleted (the engine's schema is an hour old)
                TestEngine.simControl(simulator, "computation-budget", "{\"exceeded\":true}");
                String deleted = null;
                for (var it = page.path("properties").fields(); it.hasNext() && deleted == null; ) {
                    var p = it.next();
                    deleted = p.getValue().path("type").asText().equals("checkbox") ? p.getKey() : null;
                }
                String deletedColumn = column(sync, values, deleted);
                String checkedBefore = TestEngine.queryString(sync, "SELECT \"" + deletedColumn + "\"::text FROM " + table + " WHERE page_id = '" + id + "'");
                assertNotNull(checkedBefore, "a checkbox is never NULL");
                TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + projects.dataSourceId(), "{\"properties\":{\"" + deleted + "\":null}}");
                simulator.model().editPage(id, TestEngine.titleEdit(page, "read again"));

                TestEngine.await("the edit", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table
                        + " WHERE page_id = '" + id + "' AND properties::text LIKE '%read again%'") == 1);
                assertEquals(formulaBefore, TestEngine.queryString(sync, "SELECT \"" + formula + "\"::text FROM " + table + " WHERE page_id = '" + id + "'"));
                assertEquals(rollupBefore, TestEngine.queryString(sync, "SELECT \"" + rollup + "\"::text FROM " + table + " WHERE page_id = '" + id + "'"));
                assertEquals(checkedBefore, TestEngine.queryString(sync, "SELECT \"" + deletedColumn + "\"::text FROM " + table + " WHERE page_id = '" + id + "'"),
                        "absent is unknown, not empty");
                assertEquals("number", TestEngine.queryString(sync, "SELECT properties->'Budget with tax'->'formula'->>'type' FROM " + table
                        + " WHERE page_id = '" + id + "'"), "the raw JSON keeps the last computed value too");
                String metrics = TestEngine.httpGet("http://127.0.0.1:" + values.get("camel.management.port") + "/observe/metrics");
                assertTrue(metrics.lines().anyMatch(line -> line.startsWith("notion_sync_unsupported_values_total{") && !line.endsWith(" 0.0")),
                        "counted: " + metrics.lines().filter(l -> l.contains("unsupported")).toList());
            }
        }
    }

    /**
     * The push reads a batch's pages with one data source query to compare Notion's values with the change's base: on
     * 2026-12-01 that query must name the table's properties, and a page it could not name all of is read on its own.
     * A title-only answer would look like every property emptied in Notion: a false conflict that drops the edit.
     */
    @Test
    void thePushComparesWithNotionsRealValues() throws Exception {
        for (String limit : new String[] {"100", "2"}) {
            try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(6))) {
                SeededSource projects = simulator.workspace().source("projects");
                Map<String, String> values = settings(simulator, "1h", "projects");
                values.put("notion.api.filter-properties-max", limit);
                values.put("notion.db.embedded-dir", tempDir.resolve("postgres-" + limit).toString());   // a fresh outbox each round
                values.put("notion.source." + TestEngine.sourceName(values, "projects") + ".direction", "both");
                values.put("notion.push.poll", "300ms");
                String table = "\"" + values.get("notion.db.schema") + "\".projects";
                var pages = simulator.model().pages(projects.dataSourceId());
                String edited = pages.get(0).path("id").asText();
                String bothSides = pages.get(1).path("id").asText();
                String deleted = pages.get(2).path("id").asText();
                for (String id : new String[] {edited, bothSides, deleted}) {
                    // a value to lose: an empty Client would read the same as an absent one
                    simulator.model().editPage(id, (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                            "{\"Client\":{\"rich_text\":[{\"text\":{\"content\":\"as pulled\"}}]}}"));
                }
                try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                    sync.start();
                    TestEngine.await("first sync", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 6);
                    // changed in Notion too, after the pull (which runs once an hour): a real conflict, Notion wins
                    simulator.model().editPage(bothSides, (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                            "{\"Client\":{\"rich_text\":[{\"text\":{\"content\":\"changed in Notion\"}}]}}"));
                    sql(sync, "UPDATE " + table + " SET client = 'pushed on 2026-12-01' WHERE page_id IN ('" + edited + "', '" + bothSides + "')");
                    sql(sync, "DELETE FROM " + table + " WHERE page_id = '" + deleted + "'");
                    TestEngine.await("the push", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                            "SELECT count(*) FROM notion_sync.outbox WHERE status = 'pending'") == 0
                            && TestEngine.count(sync, "SELECT count(*) FROM notion_sync.outbox") == 3);

                    assertEquals("pushed on 2026-12-01", simulator.model().page(edited).orElseThrow()
                            .at("/properties/Client/rich_text/0/plain_text").asText(), "limit " + limit + ": the edit reached Notion");
                    assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE page_id = '" + edited + "'"),
                            "limit " + limit + ": only PostgreSQL changed the page");
                    assertEquals("changed in Notion", simulator.model().page(bothSides).orElseThrow()
                            .at("/properties/Client/rich_text/0/plain_text").asText(), "limit " + limit + ": Notion wins the real conflict");
                    assertTrue(TestEngine.queryString(sync, "SELECT notion_value::text FROM notion_sync.conflicts WHERE page_id = '"
                            + bothSides + "'").contains("changed in Notion"), "limit " + limit + ": the conflict shows Notion's value");
                    assertEquals("changed in Notion", TestEngine.queryString(sync, "SELECT client FROM " + table + " WHERE page_id = '" + bothSides + "'"));
                    assertTrue(simulator.model().page(deleted).orElseThrow().path("in_trash").asBoolean(),
                            "limit " + limit + ": the deleted row's page went to the trash");
                    assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE page_id = '" + deleted + "'"),
                            "limit " + limit + ": the page was not edited in Notion");
                    if (limit.equals("100")) {
                        // the batch's query named every property: the one GET re-reads the page Notion won, for its row
                        assertEquals(1, requests(simulator, "GET /v1/pages/{id}", "200"), "no GET per page");
                    }
                }
            }
        }
    }

    /** The sweep lists ids only (the title is all it asks for): on 2026-12-01 it marks what is gone and nulls nothing. */
    @Test
    void theDeletionSweepMarksWhatIsGoneAndKeepsEveryValue() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(8))) {
            SeededSource projects = simulator.workspace().source("projects");
            Map<String, String> values = settings(simulator, "1h", "projects");
            values.put("notion.sync.sweep", "1s");
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 8);
                String valuesBefore = TestEngine.queryString(sync, "SELECT string_agg(page_id || ':' || coalesce(client, '') || ':' || coalesce(budget::text, ''),"
                        + " ',' ORDER BY page_id) FROM " + table);
                var pages = simulator.model().pages(projects.dataSourceId());
                String trashed = pages.get(0).path("id").asText();
                String unshared = pages.get(1).path("id").asText();
                simulator.model().trashPage(trashed, true);
                simulator.model().deletePage(unshared);
                TestEngine.await("both marked", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table
                        + " WHERE deleted_at IS NOT NULL") == 2);
                long sweepsBefore = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'sweep' AND outcome = 'ok'");
                TestEngine.await("two more sweeps", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'sweep' AND outcome = 'ok'") >= sweepsBefore + 2);
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + trashed + "' AND deleted_reason = 'trashed'"));
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + unshared
                        + "' AND deleted_reason = 'gone or no longer shared'"));
                assertEquals(valuesBefore, TestEngine.queryString(sync, "SELECT string_agg(page_id || ':' || coalesce(client, '') || ':' || coalesce(budget::text, ''),"
                        + " ',' ORDER BY page_id) FROM " + table), "no value lost");
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'sweep' AND outcome = 'failed'"));
            }
        }
    }

    @Test
    void aWorkspaceRateLimitHoldsEveryCallForItsRetryAfter() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5))) {
            Map<String, String> values = settings(simulator, "100ms");
            // three sources polling out of step, so their calls do not leave at the same instant
            String[] polls = {"100ms", "370ms", "530ms"};
            String[] sources = values.get("notion.sources").split(",");
            for (int i = 0; i < sources.length; i++) {
                values.put("notion.source." + sources[i] + ".poll", polls[i]);
            }
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync of all three sources", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                        "SELECT count(DISTINCT source) FROM notion_sync.sync_runs WHERE outcome = 'ok'") == 3);
                TestEngine.simControl(simulator, "faults", "{\"workspace_rate_limit_seconds\":3}");
                long runsBefore = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'ok'");
                Thread.sleep(5_000);
                assertTrue(requests(simulator, "", "429") <= 2, "after the first 429 no call went out until Retry-After passed: "
                        + requests(simulator, "", "429") + " answers were 429");
                TestEngine.await("pulls again after the wait", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'ok'") > runsBefore + 3);
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'failed'"));
            }
        }
    }

    /** The simulator's clock, moved by the test: page edits land in the minute it says. */
    private static final class MovableClock extends java.time.Clock {
        volatile java.time.Instant now = java.time.Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    /**
     * A query returns only the properties filter_properties names, so a page read between a property's addition (or
     * retyping) in Notion and the engine's schema refresh holds the value neither in its raw JSON nor in a column. The
     * refresh that finds the new property moves the watermark back to where it stood at the previous schema read,
     * and the next pull reads those pages again. (Adversarial review, finding 1.)
     */
    @Test
    void pagesReadBeforeASchemaRefreshFindsAnAddedOrRetypedPropertyAreReadAgain() throws Exception {
        MovableClock clock = new MovableClock();
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(10).withClock(clock))) {
            SeededSource projects = simulator.workspace().source("projects");
            Map<String, String> values = settings(simulator, "1h", "projects");
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
                List<ObjectNode> pages = simulator.model().pages(projects.dataSourceId());

                // a schema read with a watermark in place: the pages read after it are the ones to read again
                clock.now = clock.now.plus(10, ChronoUnit.MINUTES);
                simulator.model().editPage(pages.get(3).path("id").asText(), TestEngine.titleEdit(pages.get(3), "edited first"));
                pullNow.run();
                mirrorTables.refresh();
                pullNow.run();

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
                String added = pages.get(0).path("id").asText();
                String changed = pages.get(1).path("id").asText();
                simulator.model().editPage(added, text("Budget code", "BC-7"));
                simulator.model().editPage(changed, text(retyped, "twelve"));

                // the engine reads both pages with its old schema: the typed columns and the raw JSON lack the values
                pullNow.run();

                // a later edit moves the watermark past both pages, so no query returns them again
                clock.now = clock.now.plus(10, ChronoUnit.MINUTES);
                simulator.model().editPage(pages.get(2).path("id").asText(), TestEngine.titleEdit(pages.get(2), "edited later"));
                pullNow.run();

                mirrorTables.refresh();
                pullNow.run();

                assertEquals("BC-7", TestEngine.queryString(sync, "SELECT \"" + columnOf(sync, schema, "Budget code", "rich_text")
                        + "\" FROM " + table + " WHERE page_id = '" + added + "'"));
                assertEquals("twelve", TestEngine.queryString(sync, "SELECT \"" + columnOf(sync, schema, retyped, "rich_text")
                        + "\" FROM " + table + " WHERE page_id = '" + changed + "'"));
            }
        }
    }

    private static ObjectNode text(String property, String value) {
        ObjectNode edit = JSON.createObjectNode();
        edit.putObject(property).putArray("rich_text").addObject().putObject("text").put("content", value);
        return edit;
    }

    private static String columnOf(NotionSync sync, String schema, String property, String type) {
        return TestEngine.queryString(sync, "SELECT column_base FROM notion_sync.column_catalog WHERE table_schema = '" + schema
                + "' AND table_name = 'projects' AND property_name = '" + property + "' AND property_type = '" + type + "'");
    }
}
