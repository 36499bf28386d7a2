package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database with two data sources: each lands in its own table, keyed by data source id, whatever their order in
 * the database; reordering them in Notion never sends one into the other's table, also after an upgrade from a
 * version that did not record the assignment.
 */
class DataSourceTablesTest {

    @TempDir
    Path tempDir;

    @Test
    void reorderingADatabasesDataSourcesKeepsEachInItsTable() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2))) {
            SeededSource projects = simulator.workspace().source("projects");
            String second = addDataSource(simulator, projects.databaseId());
            Map<String, String> values = databaseSettings(simulator, projects);
            String schema = "\"" + values.get("notion.db.schema") + "\"";
            String secondTable = schema + ".projects_" + second.replace("-", "").substring(0, 8);
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                awaitRows(sync, schema + ".projects", 2);
                awaitRows(sync, secondTable, 1);

                simulator.model().orderDataSources(projects.databaseId(), List.of(second));
                Thread.sleep(2500);   // past a schema refresh (1 s), so the runs see the new order
                String projectsPage = simulator.model().createPage(projects.dataSourceId(), title(simulator, projects.dataSourceId(), "new project")).path("id").asText();
                String secondPage = simulator.model().createPage(second, titleOnly("new in second")).path("id").asText();

                awaitRows(sync, secondTable, 2);
                awaitRows(sync, schema + ".projects", 3);
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + secondTable + " WHERE page_id = '" + secondPage + "'"));
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".projects WHERE page_id = '" + projectsPage + "'"));
            }
        }
    }

    @Test
    void anInstallationFromBeforeTheAssignmentKeepsItsTablesAfterAReorder() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2))) {
            SeededSource projects = simulator.workspace().source("projects");
            String second = addDataSource(simulator, projects.databaseId());
            Map<String, String> values = databaseSettings(simulator, projects);
            String schema = "\"" + values.get("notion.db.schema") + "\"";
            String secondTable = schema + ".projects_" + second.replace("-", "").substring(0, 8);
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                awaitRows(sync, schema + ".projects", 2);
                awaitRows(sync, secondTable, 1);
                // what an installation of the version before the assignment was recorded has: tables, no assignment
                try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement()) {
                    st.execute("DO $$ BEGIN IF to_regclass('notion_sync.source_tables') IS NOT NULL THEN DELETE FROM notion_sync.source_tables; END IF; END $$");
                }
            }
            simulator.model().orderDataSources(projects.databaseId(), List.of(second));
            String secondPage = simulator.model().createPage(second, titleOnly("after the upgrade")).path("id").asText();
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                awaitRows(sync, secondTable, 2);
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + secondTable + " WHERE page_id = '" + secondPage + "'"));
                assertEquals(2, TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".projects"), "nothing of the second data source in projects");
            }
        }
    }

    private Map<String, String> databaseSettings(NotionSimulator simulator, SeededSource projects) {
        Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
        String source = TestEngine.sourceName(values, "projects");
        values.put("notion.source." + source + ".id", projects.databaseId());   // the database, resolved to its data sources
        values.put("notion.sync.schema-refresh", "1s");
        return values;
    }

    /** A second data source in the database, with one page. */
    private static String addDataSource(NotionSimulator simulator, String databaseId) {
        JsonNode created = TestEngine.notion(simulator, "POST", "/v1/data_sources", "{\"parent\":{\"type\":\"database_id\",\"database_id\":\""
                + databaseId + "\"},\"title\":[{\"text\":{\"content\":\"Archive\"}}],\"properties\":{\"Name\":{\"title\":{}}}}");
        String id = created.path("id").asText();
        simulator.model().createPage(id, titleOnly("first in second"));
        return id;
    }

    private static ObjectNode titleOnly(String text) {
        ObjectNode properties = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        properties.putObject("Name").putArray("title").addObject().putObject("text").put("content", text);
        return properties;
    }

    private static ObjectNode title(NotionSimulator simulator, String dataSourceId, String text) {
        return TestEngine.titleEdit(simulator.model().pages(dataSourceId).get(0), text);
    }

    private static void awaitRows(NotionSync sync, String table, long rows) throws InterruptedException {
        TestEngine.await(rows + " rows in " + table, Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == rows);
    }
}
