package dev.notionsync.report;

import java.util.List;

/** RFC 4180 CSV of one table: a header row, CRLF line ends, fields quoted when they hold a comma, quote or line break. */
public final class CsvReport {

    private CsvReport() {
    }

    public static String render(ReportTable table) {
        StringBuilder csv = new StringBuilder();
        line(csv, table.columns().stream().map(ReportTable.Column::name).toList());
        for (List<String> row : table.rows()) {
            line(csv, row);
        }
        return csv.toString();
    }

    private static void line(StringBuilder csv, List<String> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                csv.append(',');
            }
            csv.append(field(fields.get(i)));
        }
        csv.append("\r\n");
    }

    static String field(String value) {
        boolean quote = value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0
                || (!value.isEmpty() && (Character.isWhitespace(value.charAt(0)) || Character.isWhitespace(value.charAt(value.length() - 1))));
        return quote ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
    }
}
