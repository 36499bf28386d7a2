package dev.notionsync.report;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a report's SQL into statements at each ';' outside quotes and comments. Each statement becomes one section
 * of the report, titled by a "-- section: Title" comment inside it.
 */
final class SqlStatements {

    private static final Pattern SECTION = Pattern.compile("(?m)^\\s*--\\s*section:\\s*(.+?)\\s*$");

    record Statement(String title, String sql) {
    }

    private SqlStatements() {
    }

    static List<Statement> split(String script) {
        List<Statement> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int i = 0;
        while (i < script.length()) {
            char c = script.charAt(i);
            int end = i + 1;
            if (c == '\'' || c == '"') {
                end = script.indexOf(c, i + 1);
                // a doubled quote is an escaped one: the scan simply continues with the next quoted part
                end = end < 0 ? script.length() : end + 1;
            } else if (c == '-' && script.startsWith("--", i)) {
                end = script.indexOf('\n', i);
                end = end < 0 ? script.length() : end;
            } else if (c == '/' && script.startsWith("/*", i)) {
                end = script.indexOf("*/", i + 2);
                end = end < 0 ? script.length() : end + 2;
            } else if (c == ';') {
                add(statements, current.toString());
                current.setLength(0);
                i++;
                continue;
            }
            current.append(script, i, end);
            i = end;
        }
        add(statements, current.toString());
        return statements;
    }

    private static void add(List<Statement> statements, String text) {
        String withoutComments = text.replaceAll("(?m)--.*$", "").replaceAll("(?s)/\\*.*?\\*/", "").trim();
        if (withoutComments.isEmpty()) {
            return;
        }
        Matcher m = SECTION.matcher(text);
        statements.add(new Statement(m.find() ? m.group(1) : null, text.trim()));
    }
}
