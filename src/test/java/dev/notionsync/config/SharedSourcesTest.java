package dev.notionsync.config;

import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import dev.notionsync.sync.SourceSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Every data source shared with this connection" (notion.connection.&lt;name&gt;.sources = shared): the data sources
 * Notion's search lists for the connection's token become sources of their own, synced with that connection, each
 * into its own table; a renamed database keeps its table; one configured already is not synced twice; one no longer
 * shared is no longer synced; and when Notion cannot be asked, the sources found before stay.
 */
class SharedSourcesTest {

    private static final String ACME_TOKEN = "secret_acme_token";

    @TempDir
    Path tempDir;

    NotionSimulator simulator;
    NotionSync sync;

    @AfterEach
    void stop() {
        if (sync != null) {
            sync.close();
        }
        if (simulator != null) {
            simulator.close();
        }
    }

    @Test
    void theDataSourcesSharedWithAConnectionAreSyncedEachIntoItsOwnTable() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(4));
        String projects = simulator.workspace().source("projects").dataSourceId();
        String revenue = simulator.workspace().source("revenue").dataSourceId();
        String agents = simulator.workspace().source("agents").dataSourceId();
        simulator.addConnection("acme", ACME_TOKEN, 0, List.of(projects, revenue, agents));
        // agents is a source of the settings already (with the default connection): it is not synced a second time
        Map<String, String> settings = TestEngine.settingsFor(simulator, tempDir, "1s", "agents");
        settings.put("notion.connection.acme.token", ACME_TOKEN);
        settings.put("notion.connection.acme.sources", "shared");
        String schema = settings.get("notion.db.schema");

        sync = start(settings);
        assertEquals(List.of("acme_projects_pipeline", "acme_revenue_operations"), discovered(sync));
        for (String table : List.of("acme_projects_pipeline", "acme_revenue_operations")) {
            TestEngine.await(table + " rows", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM \"" + schema + "\"." + table) == 4);
        }
        assertTrue(TestEngine.simRequests(simulator, "POST /v1/search") > 0);
        String stats = TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats");
        assertTrue(stats.contains("\"acme\""), "the shared sources were read with acme's token: " + stats);

        // the database is renamed in Notion, and revenue is no longer shared: after a restart projects keeps its table
        sync.close();
        TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + projects,
                "{\"title\":[{\"type\":\"text\",\"text\":{\"content\":\"Robert'); DROP TABLE students;--\"}}]}");
        simulator.addConnection("acme", ACME_TOKEN, 0, List.of(projects));
        sync = start(settings);
        assertEquals(List.of("acme_projects_pipeline"), discovered(sync));
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        simulator.model().editPage(page, TestEngine.titleEdit(simulator.model().page(page).orElseThrow(), "After the rename"));
        TestEngine.await("the edit in the kept table", Duration.ofSeconds(30), () -> "After the rename".equals(TestEngine.queryString(sync,
                "SELECT name FROM \"" + schema + "\".acme_projects_pipeline WHERE page_id = '" + page + "'")));
        assertEquals(4, TestEngine.count(sync, "SELECT count(*) FROM \"" + schema + "\".acme_revenue_operations"), "its table stays");

        // Notion refuses acme's token at start: the sources found before are kept (and their pulls say why they fail)
        sync.close();
        simulator.revokeConnection("acme");
        sync = start(settings);
        assertEquals(List.of("acme_projects_pipeline", "acme_revenue_operations"), discovered(sync));
    }

    private NotionSync start(Map<String, String> settings) throws Exception {
        NotionSync engine = NotionSync.create(TestEngine.settings(settings));
        engine.start();
        return engine;
    }

    private static List<String> discovered(NotionSync engine) {
        List<SourceSettings> acme = engine.sources().stream().filter(s -> s.connection().equals("acme")).toList();
        assertFalse(acme.stream().anyMatch(s -> s.name().contains("agents")), "agents is synced once: " + acme);
        return acme.stream().map(SourceSettings::name).sorted().toList();
    }
}
