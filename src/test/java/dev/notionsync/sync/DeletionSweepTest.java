package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deletion sweep lists sources of any size and never marks a row whose page the push has not created yet. */
class DeletionSweepTest {

    @TempDir
    Path tempDir;

    @Test
    void aSourceLargerThanOneQueryIsSweptWhole() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(60))) {
            simulator.model().resultCap(20);   // Notion's 10,000, scaled down: the source holds three queries' worth
            SeededSource agents = simulator.workspace().source("agents");
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "500ms", "agents");
            values.put("notion.sync.sweep", "1s");
            String table = "\"" + values.get("notion.db.schema") + "\".agents";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 60);
                List<JsonNode> byCreated = simulator.model().pages(agents.dataSourceId()).stream().map(p -> (JsonNode) p)
                        .sorted(Comparator.comparing(p -> p.path("created_time").asText())).toList();
                String trashed = byCreated.get(59).path("id").asText();
                String unshared = byCreated.get(30).path("id").asText();
                simulator.model().trashPage(trashed, true);
                simulator.model().deletePage(unshared);

                TestEngine.await("trashed page marked", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE page_id = '" + trashed + "' AND deleted_reason = 'trashed'") == 1);
                TestEngine.await("unshared page marked", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE page_id = '" + unshared + "' AND deleted_reason = 'gone or no longer shared'") == 1);
                assertEquals(2, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE deleted_at IS NOT NULL"), "only those two");
                // listed whole, not found one GET at a time
                TestEngine.await("a sweep listing all 58 pages", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'sweep' AND outcome = 'ok' AND pages_read = 58") > 0);
            }
        }
    }

    @Test
    void aRowWaitingForItsPageToBeCreatedIsNeverMarked() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "500ms", "agents");
            String source = TestEngine.sourceName(values, "agents");
            values.put("notion.source." + source + ".direction", "both");
            values.put("notion.sync.sweep", "1s");
            String schema = values.get("notion.db.schema");
            String table = "\"" + schema + "\".agents";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 5);
                String localId;
                try (Connection c = sync.database().dataSource().getConnection()) {
                    c.setAutoCommit(false);
                    try (Statement st = c.createStatement();
                         ResultSet rs = st.executeQuery("INSERT INTO " + table + " (" + titleColumn(c, schema) + ") VALUES ('typed in PostgreSQL') RETURNING page_id")) {
                        rs.next();
                        localId = rs.getString(1);
                    }
                    // its create waits, as after a failed attempt (push backoff)
                    try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.outbox SET next_attempt_at = now() + interval '1 hour'"
                            + " WHERE page_id = CAST(? AS uuid) AND operation = 'INSERT'")) {
                        ps.setString(1, localId);
                        assertEquals(1, ps.executeUpdate());
                    }
                    c.commit();
                }
                long sweepsBefore = sweeps(sync, source);
                TestEngine.await("three more sweeps", Duration.ofSeconds(30), () -> sweeps(sync, source) >= sweepsBefore + 3);
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + localId + "' AND deleted_at IS NULL"),
                        "the row waiting for its page is not marked deleted");
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE deleted_at IS NOT NULL"));
            }
        }
    }

    private static long sweeps(NotionSync sync, String source) {
        return TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source + "' AND kind = 'sweep' AND outcome = 'ok'");
    }

    private static String titleColumn(Connection c, String schema) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT column_base FROM notion_sync.column_catalog"
                + " WHERE table_schema = ? AND table_name = 'agents' AND property_type = 'title' AND removed_at IS NULL")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return "\"" + rs.getString(1) + "\"";
            }
        }
    }
}
