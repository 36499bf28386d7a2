package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * More pages than one Notion query returns: the read continues past the cap, nothing lost, nothing twice. The
 * simulator's cap is lowered from Notion's 10,000 to 1,000, so a tenth of the pages takes the same paths.
 */
class LargeSourceTest {

    private static final int CAP = 1_000;

    @TempDir
    Path tempDir;

    @Test
    void moreThanTheCapArriveExactlyOnce() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(0))) {
            simulator.model().resultCap(CAP);
            SeededSource agents = simulator.workspace().source("agents");
            simulator.model().seedPages(agents.dataSourceId(), CAP + CAP / 20);
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "agents");
            values.put("notion.api.rate", "200");
            String table = "\"" + values.get("notion.db.schema") + "\".agents";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("1,050 rows", Duration.ofMinutes(4), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == CAP + CAP / 20);
                // the run records its counts when it finishes, just after its last rows
                TestEngine.await("the run's counts", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'ok' AND pages_read > 0") > 0);
                assertEquals(CAP + CAP / 20, TestEngine.count(sync, "SELECT coalesce(sum(pages_inserted), 0) FROM notion_sync.sync_runs"),
                        "each page inserted once");
            }
        }
    }

    @Test
    void moreThanTheCapEditedInOneMinuteAreReadInCreatedTimeWindows() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1))) {
            simulator.model().resultCap(CAP);
            SeededSource agents = simulator.workspace().source("agents");
            ObjectNode template = simulator.model().pages(agents.dataSourceId()).get(0);
            // a bulk import: every page edited in the same minute, created over a week
            Instant created = Instant.parse("2026-11-01T00:00:00Z");
            for (int i = 0; i < CAP + CAP * 3 / 100; i++) {
                ObjectNode page = template.deepCopy();
                page.put("id", UUID.nameUUIDFromBytes(("bulk-" + i).getBytes(StandardCharsets.UTF_8)).toString());
                page.put("created_time", created.plusSeconds(60L * i).toString());
                page.put("last_edited_time", "2026-11-15T10:00:00.000Z");
                simulator.model().importPage(page);
            }
            long expected = simulator.model().pages(agents.dataSourceId()).size();
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "agents");
            values.put("notion.api.rate", "200");
            String table = "\"" + values.get("notion.db.schema") + "\".agents";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await(expected + " rows", Duration.ofMinutes(4), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == expected);
                TestEngine.await("the run's counts", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'ok' AND pages_read > 0") > 0);
                assertEquals(expected, TestEngine.count(sync, "SELECT coalesce(sum(pages_inserted), 0) FROM notion_sync.sync_runs"),
                        "each page inserted once");
            }
        }
    }
}
