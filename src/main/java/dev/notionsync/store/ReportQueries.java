package dev.notionsync.store;

import dev.notionsync.mapping.ColumnNames;
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
 * Runs a report's SQL statements in one read-only transaction whose search_path is the mirror schema, then
 * notion_sync, so report SQL names mirrored tables as they are ({@code FROM revenue}) whatever notion.db.schema is.
 * Cells come back as people read them: plain numbers, times in the report's zone, arrays as lists.
 */
public final class ReportQueries {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** One statement's result: column labels, which of them are numeric, at most maxRows rows of text cells. */
    public record Result(List<String> labels, List<Boolean> numeric, List<List<String>> rows, boolean truncated) {
    }

    private final DataSource dataSource;
    private final String mirrorSchema;
    private final int maxRows;
    private final Duration statementTimeout;

    public ReportQueries(DataSource dataSource, String mirrorSchema, int maxRows, Duration statementTimeout) {
        this.dataSource = dataSource;
        this.mirrorSchema = mirrorSchema;
        this.maxRows = maxRows;
        this.statementTimeout = statementTimeout;
    }

    public List<Result> run(List<String> statements, ZoneId zone) throws SQLException {
        List<Result> results = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL search_path TO " + ColumnNames.quote(mirrorSchema) + ", notion_sync, public");
                st.execute("SET LOCAL statement_timeout = " + statementTimeout.toMillis());
                for (String sql : statements) {
                    st.setMaxRows(maxRows + 1);
                    try (ResultSet rs = st.executeQuery(sql)) {
                        results.add(read(rs, zone));
                    }
                }
            } finally {
                c.rollback();
            }
        }
        return results;
    }

    private Result read(ResultSet rs, ZoneId zone) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<String> labels = new ArrayList<>();
        List<Boolean> numeric = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            labels.add(meta.getColumnLabel(i));
            numeric.add(numeric(meta.getColumnType(i)));
        }
        List<List<String>> rows = new ArrayList<>();
        boolean truncated = false;
        while (rs.next()) {
            if (rows.size() == maxRows) {
                truncated = true;
                break;
            }
            List<String> row = new ArrayList<>(labels.size());
            for (int i = 1; i <= labels.size(); i++) {
                // a timestamp without time zone has no instant: shown as stored
                Object value = "timestamp".equals(meta.getColumnTypeName(i)) ? rs.getObject(i, LocalDateTime.class) : rs.getObject(i);
                row.add(text(value, zone));
            }
            rows.add(row);
        }
        return new Result(List.copyOf(labels), List.copyOf(numeric), rows, truncated);
    }

    private static boolean numeric(int sqlType) {
        return switch (sqlType) {
            case Types.NUMERIC, Types.DECIMAL, Types.INTEGER, Types.BIGINT, Types.SMALLINT, Types.TINYINT,
                 Types.DOUBLE, Types.REAL, Types.FLOAT -> true;
            default -> false;
        };
    }

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
