package dev.notionsync.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of a report in notion.reports.folder: each run writes {@code <id>-<yyyy-MM-dd_HHmmss>.html} and
 * {@code .csv} (or {@code <id>-<stamp>-<table>.csv}, one per table). Only the newest runs of each report are kept, so
 * a report on a fast cron does not fill the disk; other files in the folder are never touched.
 */
final class ReportFiles {

    private ReportFiles() {
    }

    /** Deletes the files of all but the newest {@code keep} runs of the report; {@code keep} 0 keeps all. Returns what went. */
    static List<Path> keepNewest(Path folder, String reportId, int keep) throws IOException {
        if (keep <= 0 || !Files.isDirectory(folder)) {
            return List.of();
        }
        // the stamp sorts as the time it names; a report id never contains the stamp's shape, so "sync" never takes "sync-health-..."
        Pattern name = Pattern.compile(Pattern.quote(reportId) + "-(\\d{4}-\\d{2}-\\d{2}_\\d{6})(-[a-z0-9-]+)?\\.(html|csv)");
        List<Path> files = new ArrayList<>();
        TreeSet<String> stamps = new TreeSet<>();
        try (Stream<Path> listing = Files.list(folder)) {
            listing.forEach(file -> {
                Matcher m = name.matcher(file.getFileName().toString());
                if (m.matches() && Files.isRegularFile(file)) {
                    files.add(file);
                    stamps.add(m.group(1));
                }
            });
        }
        if (stamps.size() <= keep) {
            return List.of();
        }
        String oldestKept = stamps.descendingSet().stream().skip(keep - 1).findFirst().orElseThrow();
        List<Path> deleted = new ArrayList<>();
        for (Path file : files) {
            Matcher m = name.matcher(file.getFileName().toString());
            if (m.matches() && m.group(1).compareTo(oldestKept) < 0) {
                Files.deleteIfExists(file);
                deleted.add(file);
            }
        }
        return deleted;
    }
}
