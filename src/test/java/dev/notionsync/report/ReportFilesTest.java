package dev.notionsync.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.time.Duration;
import java.util.Map;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only the newest runs' files of a report stay in the reports folder; nothing else there is touched. */
class ReportFilesTest {

    @TempDir
    Path folder;

    @Test
    void keepsTheNewestRunsOfTheReportAndNothingElseGoes() throws Exception {
        for (String file : List.of(
                "sync-2026-01-01_070000.html", "sync-2026-01-01_070000.csv",
                "sync-2026-01-02_070000.html", "sync-2026-01-02_070000-deals.csv", "sync-2026-01-02_070000-revenue-by-type.csv",
                "sync-2026-01-03_070000.html", "sync-2026-01-03_070000.csv",
                "sync-health-2025-01-01_070000.html", "sync-health-2025-01-01_070000.csv",   // another report
                "sync-notes.txt", "sync-2025-12-31_070000.html.partial")) {                  // not a report's output
            Files.writeString(folder.resolve(file), "x");
        }

        List<Path> deleted = ReportFiles.keepNewest(folder, "sync", 2);

        assertEquals(new TreeSet<>(List.of("sync-2026-01-01_070000.html", "sync-2026-01-01_070000.csv")),
                new TreeSet<>(deleted.stream().map(p -> p.getFileName().toString()).toList()));
        assertEquals(new TreeSet<>(List.of(
                "sync-2026-01-02_070000.html", "sync-2026-01-02_070000-deals.csv", "sync-2026-01-02_070000-revenue-by-type.csv",
                "sync-2026-01-03_070000.html", "sync-2026-01-03_070000.csv",
                "sync-health-2025-01-01_070000.html", "sync-health-2025-01-01_070000.csv",
                "sync-notes.txt", "sync-2025-12-31_070000.html.partial")), files());
    }

    @Test
    void zeroKeepsEverything() throws Exception {
        Files.writeString(folder.resolve("r-2026-01-01_070000.html"), "x");
        Files.writeString(folder.resolve("r-2026-01-02_070000.html"), "x");
        assertEquals(List.of(), ReportFiles.keepNewest(folder, "r", 0));
        assertEquals(2, files().size());
    }

    /** A report on a cron firing every second, as the demo's every minute: its folder holds the newest runs only. */
    @Test
    void aReportOnAFastCronLeavesOnlyItsNewestRunsInTheFolder() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2))) {
            Map<String, String> settings = TestEngine.settingsFor(simulator, folder, "1h", "projects");
            Path out = folder.resolve("out");
            settings.put("notion.reports", "counts");
            settings.put("notion.reports.folder", out.toString());
            settings.put("notion.reports.keep", "3");
            settings.put("notion.report.counts.cron", "* * * * * ?");
            settings.put("notion.report.counts.sql", "SELECT 1 AS one;\nSELECT 2 AS two");
            settings.put("notion.report.counts.outputs", "html,csv");
            NotionSync sync = NotionSync.create(TestEngine.settings(settings));
            try {
                sync.start();
                TestEngine.await("eight report runs", Duration.ofSeconds(60),
                        () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.report_runs WHERE report = 'counts' AND outcome = 'ok'") >= 8);
            } finally {
                sync.close();
            }
            TreeSet<String> stamps = new TreeSet<>();
            try (Stream<Path> listing = Files.list(out)) {
                listing.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".partial")).forEach(n -> stamps.add(n.substring(7, 24)));
            }
            assertEquals(3, stamps.size(), "runs with files left: " + stamps);
            try (Stream<Path> listing = Files.list(out)) {
                assertEquals(9, listing.count(), "each run kept: one HTML and two CSV files");
            }
            assertTrue(stamps.last().compareTo(stamps.first()) > 0);
        }
    }

    private TreeSet<String> files() throws Exception {
        try (Stream<Path> listing = Files.list(folder)) {
            return new TreeSet<>(listing.map(p -> p.getFileName().toString()).toList());
        }
    }
}
