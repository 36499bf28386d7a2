package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A source over its life: edits in the same minute, schema changes, trash, restore, unshare, a crash mid-run. */
class PullLifecycleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tempDir;

    private static long catalog(NotionSync sync, Map<String, String> values, String where) {
        return TestEngine.count(sync, "SELECT count(*) FROM notion_sync.column_catalog WHERE table_schema = '"
                + values.get("notion.db.schema") + "' AND table_name = 'projects' AND " + where);
    }

    /**
     * 150 date properties (six columns each): a result page of 100 pages holds over 100,000 values, more than one
     * SQL statement may bind (65,535). The rows still land as whole result pages, one transaction each, not row by row.
     */
    @Test
    void aDataSourceWithAThousandColumnsSyncsWholeResultPages() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(150))) {
            SeededSource projects = simulator.workspace().source("projects");
            StringBuilder added = new StringBuilder("{\"properties\":{");
            for (int i = 1; i <= 150; i++) {
                added.append(i == 1 ? "" : ",").append("\"Milestone ").append(i).append("\":{\"date\":{}}");
            }
            TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + projects.dataSourceId(), added.append("}}").toString());
            String id = simulator.model().pages(projects.dataSourceId()).get(0).path("id").asText();
            ObjectNode edit = JSON.createObjectNode();
            edit.putObject("Milestone 150").putObject("date").put("start", "2027-03-01");
            simulator.model().editPage(id, edit);

            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("150 wide rows", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 150);
                long columns = TestEngine.count(sync, "SELECT count(*) FROM information_schema.columns WHERE table_schema = '"
                        + values.get("notion.db.schema") + "' AND table_name = 'projects'");
                assertTrue(columns * 100 > 65_535, "columns: " + columns);
                assertEquals("2027-03-01", TestEngine.queryString(sync, "SELECT milestone_150::text FROM " + table + " WHERE page_id = '" + id + "'"));
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'failed'"));
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"));
                assertEquals(2, TestEngine.count(sync, "SELECT count(DISTINCT xmin::text) FROM " + table),
                        "two result pages (100 + 50 pages), two transactions: not row by row");
            }
        }
    }

    @Test
    void editsInTheSameMinuteAndSchemaChangesMidLife() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(20))) {
            SeededSource projects = simulator.workspace().source("projects");
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "500ms", "projects");
            values.put("notion.sync.schema-refresh", "0s");
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 20);
                JsonNode page = simulator.model().pages(projects.dataSourceId()).get(0);
                String id = page.path("id").asText();
                String title = TestEngine.titleName(page);

                // two edits within one minute: Notion shows the same last_edited_time for both
                simulator.model().editPage(id, TestEngine.titleEdit(page, "first edit"));
                TestEngine.await("first edit", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE properties->'" + title + "'->'title'->0->>'plain_text' = 'first edit'") == 1);
                simulator.model().editPage(id, TestEngine.titleEdit(page, "second edit, same minute"));
                // (two edits milliseconds apart nearly always share the minute; the row must end right either way)
                TestEngine.await("second edit, same minute", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE properties->'" + title + "'->'title'->0->>'plain_text' = 'second edit, same minute'") == 1);

                JsonNode schema = simulator.model().dataSource(projects.dataSourceId()).orElseThrow();
                String renamed = null;
                String removed = null;
                String retyped = null;
                for (var it = schema.path("properties").fields(); it.hasNext(); ) {
                    var p = it.next();
                    String type = p.getValue().path("type").asText();
                    if (type.equals("rich_text") && renamed == null) {
                        renamed = p.getKey();
                    } else if (type.equals("url") && removed == null) {
                        removed = p.getKey();
                    } else if (type.equals("number") && retyped == null) {
                        retyped = p.getKey();
                    }
                }
                String renamedId = schema.path("properties").path(renamed).path("id").asText();
                long columnsBefore = TestEngine.count(sync, "SELECT count(*) FROM information_schema.columns WHERE table_schema = '"
                        + values.get("notion.db.schema") + "' AND table_name = 'projects'");
                TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + projects.dataSourceId(), "{\"properties\":{"
                        + "\"" + renamed + "\":{\"name\":\"Renamed in Notion\"},"
                        + "\"" + removed + "\":null,"
                        + "\"" + retyped + "\":{\"rich_text\":{}},"
                        + "\"Added later\":{\"checkbox\":{}}}}");

                TestEngine.await("rename recorded", Duration.ofSeconds(20),
                        () -> catalog(sync, values, "property_id = '" + renamedId + "' AND property_name = 'Renamed in Notion' AND removed_at IS NULL") == 1);
                TestEngine.await("new property column", Duration.ofSeconds(20), () -> catalog(sync, values, "property_name = 'Added later' AND property_type = 'checkbox'") == 1);
                assertEquals(1, catalog(sync, values, "property_name = '" + removed + "' AND removed_at IS NOT NULL"), "removed property marked");
                assertEquals(1, catalog(sync, values, "property_name = '" + retyped + "' AND property_type = 'number' AND removed_at IS NOT NULL"), "old type kept, marked");
                assertEquals(1, catalog(sync, values, "property_name = '" + retyped + "' AND property_type = 'rich_text' AND removed_at IS NULL"), "new type mapped");
                long columnsAfter = TestEngine.count(sync, "SELECT count(*) FROM information_schema.columns WHERE table_schema = '"
                        + values.get("notion.db.schema") + "' AND table_name = 'projects'");
                assertTrue(columnsAfter > columnsBefore, "columns are only ever added: " + columnsBefore + " -> " + columnsAfter);

                // the renamed property keeps its column and keeps syncing into it
                ObjectNode edit = JSON.createObjectNode();
                edit.putObject("Renamed in Notion").putArray("rich_text").addObject().putObject("text").put("content", "written after the rename");
                simulator.model().editPage(id, edit);
                String column = TestEngine.queryString(sync, "SELECT column_base FROM notion_sync.column_catalog WHERE table_schema = '"
                        + values.get("notion.db.schema") + "' AND table_name = 'projects' AND property_id = '" + renamedId + "'");
                TestEngine.await("value under the renamed property", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE \"" + column + "\" = 'written after the rename'") == 1);
            }
        }
    }

    @Test
    void trashRestoreAndUnshareAreSoftDeletes() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(15))) {
            SeededSource agents = simulator.workspace().source("agents");
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "500ms", "agents");
            values.put("notion.sync.sweep", "1s");
            String table = "\"" + values.get("notion.db.schema") + "\".agents";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 15);
                String trashed = simulator.model().pages(agents.dataSourceId()).get(2).path("id").asText();
                String unshared = simulator.model().pages(agents.dataSourceId()).get(3).path("id").asText();

                simulator.model().trashPage(trashed, true);
                simulator.model().deletePage(unshared);
                TestEngine.await("trashed page marked", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE page_id = '" + trashed + "' AND deleted_reason = 'trashed' AND in_trash") == 1);
                TestEngine.await("unshared page marked", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE page_id = '" + unshared + "' AND deleted_reason = 'gone or no longer shared'") == 1);
                assertEquals(15, TestEngine.count(sync, "SELECT count(*) FROM " + table), "nothing is hard-deleted");

                simulator.model().trashPage(trashed, false);
                TestEngine.await("restored page back", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE page_id = '" + trashed + "' AND deleted_at IS NULL AND NOT in_trash") == 1);
            }
        }
    }

    @Test
    void aCrashBetweenResultPagesLosesNothingAndWritesNothingTwice() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(0))) {
            SeededSource revenue = simulator.workspace().source("revenue");
            simulator.model().seedPages(revenue.dataSourceId(), 300);
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "500ms", "revenue");
            values.put("notion.sync.page-size", "20");
            values.put("notion.api.max-retries", "0");
            String table = "\"" + values.get("notion.db.schema") + "\".revenue";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("a first part of the pages", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) >= 40);
                // Notion goes away mid-run: connections drop
                TestEngine.simControl(simulator, "faults", "{\"drop_connection\":1.0}");
                TestEngine.await("the run failed", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'failed'") > 0);
            }
            long before = -1;
            TestEngine.simControl(simulator, "faults", "{}");
            values.put("camel.server.port", String.valueOf(TestEngine.freePort()));
            values.put("camel.management.port", String.valueOf(TestEngine.freePort()));
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("all 300 after restart", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 300);
                TestEngine.await("the run's counts", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'ok' AND pages_inserted > 0") > 0);
                assertEquals(300, TestEngine.count(sync, "SELECT coalesce(sum(pages_inserted), 0) FROM notion_sync.sync_runs"),
                        "every page inserted exactly once over all runs");
            }
        }
    }
}
