package dev.notionsync.report;

import java.util.List;

/**
 * One result set of a report: a titled table of text cells, as every output shows them. {@code truncated} is true
 * when the query returned more rows than notion.reports.max-rows and only the first ones are kept.
 */
public record ReportTable(String title, List<Column> columns, List<List<String>> rows, boolean truncated) {

    public record Column(String name, boolean numeric) {
    }

    /** The index of the column with this name (case-insensitive), or -1. */
    public int column(String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }
}
