package dev.notionsync.report;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * RFC 4180 CSV of one table: a header row, CRLF line ends, fields quoted when they hold a comma, quote or line break.
 * A cell a spreadsheet would read as a formula (first character {@code = + - @}, tab or carriage return, OWASP's CSV
 * injection list, also behind leading spaces) gets a leading single quote, so it opens as the text it is. Numbers of numeric columns are the one
 * exception: a negative amount must stay a number to sum, and a plain number cannot be a formula.
 */
public final class CsvReport {

    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?");

    private CsvReport() {
    }

    public static String render(ReportTable table) {
        StringBuilder csv = new StringBuilder();
        line(csv, table.columns().stream().map(column -> neutralised(column.name(), false)).toList());
        for (List<String> row : table.rows()) {
            List<String> cells = new ArrayList<>(row.size());
            for (int i = 0; i < row.size(); i++) {
                cells.add(neutralised(row.get(i), i < table.columns().size() && table.columns().get(i).numeric()));
            }
            line(csv, cells);
        }
        return csv.toString();
    }

    /** The cell as a spreadsheet should show it: never a formula. */
    static String neutralised(String value, boolean numericColumn) {
        // behind leading spaces too: an import that trims them (LibreOffice's "Trim spaces") would find the formula
        String start = value.replaceFirst("^[ \n]+", "");
        if (start.isEmpty() || "=+-@\t\r".indexOf(start.charAt(0)) < 0 || (numericColumn && NUMBER.matcher(value).matches())) {
            return value;
        }
        return "'" + value;
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
