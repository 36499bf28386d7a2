package dev.notionsync.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL is the production default of `run`: it must survive a power loss, so it runs with fsync,
 * synchronous commits and full page writes on, unlike the embedded library's test defaults (-F, synchronous_commit off).
 */
class DurableEmbeddedDatabaseTest {

    @TempDir
    Path tempDir;

    @Test
    void anEngineOnEmbeddedPostgresWithDefaultSettingsRunsDurable() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1))) {
            Map<String, String> settings = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
            settings.put("notion.db.url", "");                    // embedded, even where the tests use another server
            settings.remove("notion.db.embedded-durable");        // the default of application.properties, not the tests' opt-out
            NotionSync sync = NotionSync.create(TestEngine.settings(settings));
            try {
                assertTrue(sync.database().isEmbedded(), "a blank notion.db.url starts the embedded PostgreSQL");
                assertEquals("on", TestEngine.queryString(sync, "SHOW fsync"));
                assertEquals("on", TestEngine.queryString(sync, "SHOW synchronous_commit"));
                assertEquals("on", TestEngine.queryString(sync, "SHOW full_page_writes"));
            } finally {
                sync.close();
            }
        }
    }

    @Test
    void testsMayOptOutForSpeed() throws Exception {
        try (Database database = Database.open("", "", "", 2, tempDir.resolve("fast"), false)) {
            try (var c = database.dataSource().getConnection(); var st = c.createStatement(); var rs = st.executeQuery("SHOW fsync")) {
                rs.next();
                assertEquals("off", rs.getString(1));
            }
        }
    }
}
