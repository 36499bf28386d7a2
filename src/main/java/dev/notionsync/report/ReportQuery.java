package dev.notionsync.report;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Runs a report's SQL in one read-only transaction whose search_path is the mirror schema, then notion_sync, so
 * report SQL names mirrored tables as they are ({@code FROM revenue}) whatever notion.db.schema is.
 */
public final class ReportQuery {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final DataSource dataSource;
    private final String mirrorSchema;
    private final int maxRows;
    private final Duration statementTimeout;

    public ReportQuery(DataSource dataSource, String mirrorSchema, int maxRows, Duration statementTimeout) {
        this.dataSource = dataSource;
        this.mirrorSchema = mirrorSchema;
        this.maxRows = maxRows;
        this.statementTimeout = statementTimeout;
    }

    public List<ReportTable> run(ReportDefinition report) throws SQLException {
        List<SqlStatements.Statement> statements = SqlStatements.split(report.sql());
        if (statements.isEmpty()) {
            throw new SQLException("report " + report.id() + " has no SQL statement");
        }
        List<ReportTable> tables = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL search_path TO \"" + mirrorSchema.replace("\"", "\"\"") + "\", notion_sync, public");
                st.execute("SET LOCAL statement_timeout = " + statementTimeout.toMillis());
                int n = 0;
                for (SqlStatements.Statement statement : statements) {
                    n++;
                    String title = statement.title() != null ? statement.title()
                            : statements.size() == 1 ? report.title() : "Part " + n;
                    st.setMaxRows(maxRows + 1);
                    try (ResultSet rs = st.executeQuery(statement.sql())) {
                        tables.add(read(title, rs, report.timeZone()));
                    }
                }
            } finally {
                c.rollback();
            }
        }
        return tables;
    }

    private ReportTable read(String title, ResultSet rs, ZoneId zone) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<ReportTable.Column> columns = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            columns.add(new ReportTable.Column(meta.getColumnLabel(i), numeric(meta.getColumnType(i))));
        }
        List<List<String>> rows = new ArrayList<>();
        boolean truncated = false;
        while (rs.next()) {
            if (rows.size() == maxRows) {
                truncated = true;
                break;
            }
            List<String> row = new ArrayList<>(columns.size());
            for (int i = 1; i <= columns.size(); i++) {
                // a timestamp without time zone has no instant: shown as stored
                Object value = "timestamp".equals(meta.getColumnTypeName(i)) ? rs.getObject(i, LocalDateTime.class) : rs.getObject(i);
                row.add(text(value, zone));
            }
            rows.add(row);
        }
        return new ReportTable(title, List.copyOf(columns), rows, truncated);
    }

    private static boolean numeric(int sqlType) {
        return switch (sqlType) {
            case Types.NUMERIC, Types.DECIMAL, Types.INTEGER, Types.BIGINT, Types.SMALLINT, Types.TINYINT,
                 Types.DOUBLE, Types.REAL, Types.FLOAT -> true;
            default -> false;
        };
    }

    /** Cells as people read them: plain numbers, times in the report's zone, arrays as lists. */
    static String text(Object value, ZoneId zone) throws SQLException {
        if (value == null) {
            return "";
        }
        if (value instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (value instanceof Double || value instanceof Float) {
            return new BigDecimal(value.toString()).toPlainString();
        }
        if (value instanceof Timestamp t) {
            return TIME.format(t.toInstant().atZone(zone));
        }
        if (value instanceof LocalDateTime t) {
            return TIME.format(t);
        }
        if (value instanceof Array array) {
            Object[] items = (Object[]) array.getArray();
            List<String> parts = new ArrayList<>();
            for (Object item : items) {
                parts.add(text(item, zone));
            }
            return String.join(", ", parts);
        }
        return value.toString();
    }
}
