package dev.notionsync.report;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a report as it moves through its route (exchange property {@value #PROPERTY}). It remembers how far
 * the Notion page got, so a redelivery of the dead letter channel continues that page instead of starting another.
 */
public final class ReportRun {

    public static final String PROPERTY = "reportRun";

    final ReportDefinition report;
    final String trigger;
    final Instant scheduledAt;
    final Instant startedAt;
    final long id;
    List<ReportTable> tables = List.of();
    ReportContent content;
    Path htmlFile;
    final List<Path> csvFiles = new ArrayList<>();
    String notionPageId;
    List<NotionReportPage.Step> notionSteps;
    int notionStepsDone;
    final Map<Integer, String> tableBlockIds = new HashMap<>();
    /** Blocks each append target holds so far (-1: the page, else the table's index), to tell whether a lost append landed. */
    final Map<Integer, Integer> blockCounts = new HashMap<>();
    /** The last append was sent and its answer lost: it may have landed. */
    boolean appendInDoubt;

    ReportRun(ReportDefinition report, String trigger, Instant scheduledAt, Instant startedAt, long id) {
        this.report = report;
        this.trigger = trigger;
        this.scheduledAt = scheduledAt;
        this.startedAt = startedAt;
        this.id = id;
    }

    public ReportDefinition report() {
        return report;
    }

    public long id() {
        return id;
    }

    public int rows() {
        return tables.stream().mapToInt(t -> t.rows().size()).sum();
    }

    public Path htmlFile() {
        return htmlFile;
    }

    public List<Path> csvFiles() {
        return csvFiles;
    }

    public String notionPageId() {
        return notionPageId;
    }

    /** One line for logs, the CLI and JMX: what ran and where its outputs are. */
    public String describe() {
        StringBuilder text = new StringBuilder("report ").append(report.id()).append(" (run ").append(id).append("): ")
                .append(rows()).append(rows() == 1 ? " row" : " rows");
        if (htmlFile != null) {
            text.append("; html ").append(htmlFile);
        }
        if (!csvFiles.isEmpty()) {
            text.append("; csv ").append(String.join(", ", csvFiles.stream().map(Path::toString).toList()));
        }
        if (notionPageId != null) {
            text.append("; notion page ").append(notionPageId);
        }
        return text.toString();
    }
}
