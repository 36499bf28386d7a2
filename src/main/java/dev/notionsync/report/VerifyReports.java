package dev.notionsync.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The HTML page of a consistency check (notion-sync verify): one table of counts per checked mirror table and one of
 * the rows that differ, are missing or are extra, written to notion.reports.folder as
 * {@code verify-<yyyy-MM-dd_HHmmss>.html}; the newest notion.reports.keep are kept, as for the reports.
 */
public final class VerifyReports {

    static final String ID = "verify";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd_HHmmss").withZone(ZoneOffset.UTC);

    private final Path folder;
    private final int keep;

    public VerifyReports(Path folder, int keep) {
        this.folder = folder;
        this.keep = keep;
    }

    /** Writes the page of this verify's JSON report; returns its path. */
    public Path write(JsonNode report, Instant at) throws IOException {
        Files.createDirectories(folder);
        Path file = folder.resolve(ID + "-" + STAMP.format(at) + ".html");
        Files.writeString(file, HtmlReport.render(content(report, at)), StandardCharsets.UTF_8);
        ReportFiles.keepNewest(folder, ID, keep);
        return file;
    }

    static ReportContent content(JsonNode report, Instant at) {
        List<List<String>> counts = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode source : report.path("sources")) {
            for (JsonNode table : source.path("tables")) {
                String name = table.path("table").asText();
                JsonNode repaired = table.path("repaired");
                counts.add(List.of(source.path("source").asText(), name, table.path("pages_in_notion").asText(), table.path("consistent").asText(),
                        table.path("differing_count").asText(), table.path("missing_in_postgres_count").asText(),
                        table.path("extra_in_postgres_count").asText(), source.path("repair").asBoolean()
                                ? repaired.path("rows_written").asText() + " written, " + repaired.path("rows_marked_deleted").asText() + " marked deleted"
                                + (repaired.path("rows_refused").asInt() > 0 ? ", " + repaired.path("rows_refused").asText() + " refused" : "")
                                : "-"));
                for (JsonNode row : table.path("differing")) {
                    List<String> columns = new ArrayList<>();
                    row.path("columns").forEach(c -> columns.add(c.asText()));
                    rows.add(List.of(name, row.path("page_id").asText(), "differing", String.join(", ", columns)
                            + (row.path("change_waiting_for_push").asBoolean() ? " (its change waits for the push)" : "")));
                }
                table.path("missing_in_postgres").forEach(id -> rows.add(List.of(name, id.asText(), "missing in PostgreSQL", "")));
                table.path("extra_in_postgres").forEach(id -> rows.add(List.of(name, id.asText(), "extra in PostgreSQL", "")));
                table.path("not_repaired").forEach(row -> rows.add(List.of(name, row.path("page_id").asText(), "not repaired",
                        row.path("reason").asText())));
            }
        }
        boolean consistent = report.path("consistent").asBoolean();
        List<String> summary = List.of((consistent ? "Consistent" : "NOT consistent") + ": every page of the checked sources read from Notion ("
                + report.path("notion_requests").asText("?") + " requests) and compared with its row, column by column.");
        return new ReportContent("Consistency check", DateTimeFormatter.ISO_INSTANT.format(at), summary, Optional.empty(), List.of(
                new ReportTable("Tables", List.of(column("source"), column("table"), number("pages in Notion"), number("consistent"),
                        number("differing"), number("missing in PostgreSQL"), number("extra in PostgreSQL"), column("repaired")), counts, false),
                new ReportTable("Rows that differ (up to 1,000 of each kind per table)", List.of(column("table"), column("page id"), column("finding"),
                        column("columns")), rows, false)));
    }

    private static ReportTable.Column column(String name) {
        return new ReportTable.Column(name, false);
    }

    private static ReportTable.Column number(String name) {
        return new ReportTable.Column(name, true);
    }
}
