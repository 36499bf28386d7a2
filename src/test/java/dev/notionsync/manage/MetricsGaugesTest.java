package dev.notionsync.manage;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backlog and lag gauges alerting depends on, as a Prometheus scrape of /observe/metrics reads them. */
class MetricsGaugesTest {

    @TempDir
    Path tempDir;

    @Test
    void backlogAndLagGaugesReadNumbersAfterGarbageCollection() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            String source = TestEngine.sourceName(values, "projects");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String url = "http://127.0.0.1:" + values.get("camel.management.port") + "/observe/metrics";
                TestEngine.await("a first pull", java.time.Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'ok'") > 0);
                // the gauges' suppliers must survive collections: Micrometer holds them weakly unless told otherwise
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    Thread.sleep(100);
                }
                String scrape = TestEngine.httpGet(url);
                for (String gauge : new String[] {"notion_sync_dead_letters_open", "notion_sync_inbox_backlog", "notion_sync_outbox_backlog",
                        "notion_sync_watermark_lag_seconds{source=\"" + source + "\"}"}) {
                    String value = value(scrape, gauge);
                    assertNotNull(value, gauge + " is missing from the scrape:\n" + scrape);
                    assertFalse(value.equals("NaN"), gauge + " reads NaN");
                    assertTrue(Double.parseDouble(value) >= 0, gauge + " = " + value);
                }
                assertTrue(value(scrape, "notion_sync_dead_letters_open").equals("0.0"), scrape);
            }
        }
    }

    /** The value of the first sample line whose name (with labels, if given) is exactly {@code series}. */
    private static String value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + (series.contains("{") ? "" : "(?:\\{[^}]*})?") + " (\\S+)$").matcher(scrape);
        return m.find() ? m.group(1) : null;
    }
}
