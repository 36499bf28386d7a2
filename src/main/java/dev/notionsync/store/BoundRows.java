package dev.notionsync.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.ColumnNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Rows of a user's bound table (issue 17), read and written by key. Values travel in PostgreSQL's {@code to_jsonb}
 * shape (column name → JSON value) and are written through {@code jsonb_populate_record(NULL::<table>, ?)}, so
 * PostgreSQL converts each one with its column type's own input function (enums, arrays, numerics, timestamps, uuids,
 * json) and nothing is converted twice. Only the columns given are written; every other column keeps its value, or
 * takes its default on an insert.
 *
 * <p>Every write runs on a connection the caller holds in a transaction tagged as the engine's
 * ({@link #inEngineTransaction}), so the link of the row changes in the same transaction and the change capture
 * trigger ignores the row written (but records the rows a foreign key's action or a trigger changes because of it).
 * A value PostgreSQL refuses surfaces as a {@link RefusedValueException} naming the column and the constraint; the
 * transaction stays usable (each write runs under a savepoint) but the caller rolls it back.
 */
public final class BoundRows {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN).setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private final DataSource dataSource;

    public BoundRows(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A user's table: its schema, name and primary key columns (in key order). */
    public record Table(String schema, String name, List<String> keyColumns) {
        public Table {
            if (keyColumns == null || keyColumns.isEmpty()) {
                throw new IllegalArgumentException("table " + schema + "." + name + " has no primary key: a bound table needs one");
            }
            keyColumns = List.copyOf(keyColumns);
        }

        public String qualifiedName() {
            return ColumnNames.quote(schema) + "." + ColumnNames.quote(name);
        }

        /** The row key of a row in to_jsonb shape: its key columns only, the canonical links.row_key. */
        public ObjectNode keyOf(JsonNode row) {
            ObjectNode key = JSON.createObjectNode();
            for (String column : keyColumns) {
                key.set(column, row.get(column));
            }
            return key;
        }

        private String keyMatch(String row, String key) {
            List<String> parts = new ArrayList<>();
            for (String column : keyColumns) {
                parts.add(row + "." + ColumnNames.quote(column) + " = " + key + "." + ColumnNames.quote(column));
            }
            return String.join(" AND ", parts);
        }

        private String keyObject(String row) {
            List<String> parts = new ArrayList<>();
            for (String column : keyColumns) {
                parts.add(ColumnNames.literal(column) + ", " + row + "." + ColumnNames.quote(column));
            }
            return "jsonb_build_object(" + String.join(", ", parts) + ")";
        }

        private String record(String alias) {
            return "jsonb_populate_record(NULL::" + qualifiedName() + ", CAST(? AS jsonb)) AS " + alias;
        }
    }

    /** PostgreSQL refused a value for a column: NOT NULL, CHECK, foreign key, unique, or the type's input. */
    public static final class RefusedValueException extends SQLException {
        private final String column;
        private final String constraint;

        RefusedValueException(String message, String column, String constraint, SQLException cause) {
            super(message, cause.getSQLState(), cause);
            this.column = column;
            this.constraint = constraint;
        }

        /** The column whose value was refused, or null when PostgreSQL names none (a CHECK over several columns). */
        public String column() {
            return column;
        }

        /** The constraint that refused it (a NOT NULL reads "not null", a type's input "type <type>"). */
        public String constraint() {
            return constraint;
        }
    }

    /** Work in one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction tagged as the engine's ({@link PageWriter#ENGINE_TAG_SQL}): committed when it
     * returns, rolled back when it throws.
     */
    public <T> T inEngineTransaction(Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement tag = c.prepareStatement(PageWriter.ENGINE_TAG_SQL)) {
                    tag.execute();
                }
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The row with this key, locked for the rest of the transaction (to_jsonb shape); empty when there is none. */
    public static Optional<ObjectNode> lock(Connection c, Table table, JsonNode key) throws SQLException {
        return readOne(c, table, key, " FOR UPDATE OF t");
    }

    /** The row with this key (to_jsonb shape); empty when there is none. */
    public static Optional<ObjectNode> read(Connection c, Table table, JsonNode key) throws SQLException {
        return readOne(c, table, key, "");
    }

    private static Optional<ObjectNode> readOne(Connection c, Table table, JsonNode key, String lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_jsonb(t.*)::text FROM " + table.qualifiedName() + " AS t, "
                + table.record("k") + " WHERE " + table.keyMatch("t", "k") + lock)) {
            ps.setString(1, text(key));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(object(rs.getString(1))) : Optional.empty();
            }
        }
    }

    /** Every row of the table, in key order, to {@code each}; read in batches, so a large table does not fill memory. */
    public void forEach(Table table, Consumer<ObjectNode> each) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);   // the driver fetches in batches only inside a transaction
            try (PreparedStatement ps = c.prepareStatement("SELECT to_jsonb(t.*)::text FROM " + table.qualifiedName() + " AS t ORDER BY "
                    + String.join(", ", table.keyColumns().stream().map(k -> "t." + ColumnNames.quote(k)).toList()))) {
                ps.setFetchSize(500);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        each.accept(object(rs.getString(1)));
                    }
                }
            } finally {
                c.rollback();
            }
        }
    }

    /**
     * Sets the given columns of the row with this key, and no other. Returns false when there is no such row.
     *
     * @param values column name → value in to_jsonb shape; not empty
     */
    public static boolean update(Connection c, Table table, JsonNode key, ObjectNode values) throws SQLException {
        if (values.isEmpty()) {
            return read(c, table, key).isPresent();
        }
        List<String> set = new ArrayList<>();
        for (Iterator<String> names = values.fieldNames(); names.hasNext(); ) {
            String column = ColumnNames.quote(names.next());
            set.add(column + " = r." + column);
        }
        String sql = "UPDATE " + table.qualifiedName() + " AS t SET " + String.join(", ", set) + " FROM " + table.record("r") + ", "
                + table.record("k") + " WHERE " + table.keyMatch("t", "k");
        return write(c, table, table.keyOf(key), values, sql, ps -> {
            ps.setString(1, text(values));
            ps.setString(2, text(key));
            return ps.executeUpdate() > 0;
        });
    }

    /**
     * Inserts a row with the given columns; every other column takes its default (a key column too, when absent).
     * Returns the new row's key.
     */
    public static ObjectNode insert(Connection c, Table table, ObjectNode values) throws SQLException {
        String sql;
        if (values.isEmpty()) {
            sql = "INSERT INTO " + table.qualifiedName() + " AS t DEFAULT VALUES RETURNING " + table.keyObject("t") + "::text";
        } else {
            List<String> columns = new ArrayList<>();
            for (Iterator<String> names = values.fieldNames(); names.hasNext(); ) {
                columns.add(ColumnNames.quote(names.next()));
            }
            sql = "INSERT INTO " + table.qualifiedName() + " AS t (" + String.join(", ", columns) + ") SELECT "
                    + String.join(", ", columns.stream().map(column -> "r." + column).toList()) + " FROM " + table.record("r")
                    + " RETURNING " + table.keyObject("t") + "::text";
        }
        // no key: it may come from a default; and no foreign key's action inserts, so the table names the row
        return write(c, table, JSON.createObjectNode(), values, sql, ps -> {
            if (!values.isEmpty()) {
                ps.setString(1, text(values));
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return object(rs.getString(1));
            }
        });
    }

    /** Deletes the row with this key; false when there was none. */
    public static boolean delete(Connection c, Table table, JsonNode key) throws SQLException {
        String sql = "DELETE FROM " + table.qualifiedName() + " AS t USING " + table.record("k") + " WHERE " + table.keyMatch("t", "k");
        return write(c, table, table.keyOf(key), JSON.createObjectNode(), sql, ps -> {
            ps.setString(1, text(key));
            return ps.executeUpdate() > 0;
        });
    }

    @FunctionalInterface
    private interface Statement<T> {
        T run(PreparedStatement ps) throws SQLException;
    }

    /**
     * Runs one write of the row with this key under a savepoint, so a refused value can be explained on the same
     * connection. The row is named the engine's own first ({@code notion_sync.engine_row}, V19): its capture trigger
     * skips that row only (no echo), and records what the write makes happen to other rows, through a foreign key's
     * ON DELETE / ON UPDATE action or a trigger, as the application's, so the push sends it.
     */
    private static <T> T write(Connection c, Table table, ObjectNode key, ObjectNode values, String sql, Statement<T> statement)
            throws SQLException {
        try (PreparedStatement mark = c.prepareStatement("SELECT set_config('notion_sync.engine_row', ?, true)")) {
            mark.setString(1, text(JSON.createObjectNode().put("schema", table.schema()).put("table", table.name()).set("key", key)));
            mark.execute();
        }
        Savepoint savepoint = c.getAutoCommit() ? null : c.setSavepoint();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            T result = statement.run(ps);
            if (savepoint != null) {
                c.releaseSavepoint(savepoint);
            }
            return result;
        } catch (SQLException e) {
            if (savepoint == null || !isDataError(e)) {
                throw e;
            }
            c.rollback(savepoint);
            throw refused(c, table, values, e);
        }
    }

    /**
     * Whether the push still has captured changes of this row to send (notion_sync.row_changes): Apply leaves such a row
     * alone, the push resolves it with the conflict policy.
     */
    public static boolean hasPendingChanges(Connection c, String source, JsonNode rowKey) throws SQLException {
        return RowChanges.pending(c, source, rowKey);
    }

    /**
     * Asks the push to make a page for a row, as if the row had just been inserted ({@link RowChanges#requestPage}).
     * Returns true: the push is always there to ask.
     */
    public static boolean requestPage(Connection c, String source, Table table, JsonNode rowKey, JsonNode mappedValues) throws SQLException {
        RowChanges.requestPage(c, source, table.schema(), table.name(), rowKey, mappedValues);
        return true;
    }

    /** PostgreSQL refused the data itself (SQLSTATE class 22 or 23), as opposed to being unreachable. */
    public static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /**
     * Names the column and the constraint of a refused write: from the server's error fields when it gives them (NOT
     * NULL names the column; CHECK, foreign keys and unique constraints name the constraint, whose columns the catalog
     * knows); a value its type's input refused names neither, so each value is tried alone.
     */
    private static RefusedValueException refused(Connection c, Table table, ObjectNode values, SQLException e) throws SQLException {
        ServerErrorMessage server = e instanceof PSQLException psql ? psql.getServerErrorMessage() : null;
        String message = server != null && server.getMessage() != null ? server.getMessage() : e.getMessage();
        String column = server == null ? null : server.getColumn();
        String constraint = server == null ? null : server.getConstraint();
        String state = e.getSQLState();
        if ("23502".equals(state)) {
            constraint = "not null";
        } else if (state.startsWith("22")) {
            for (Iterator<String> names = values.fieldNames(); names.hasNext() && column == null; ) {
                String name = names.next();
                if (refusesAlone(c, table, name, values.get(name))) {
                    column = name;
                    constraint = "type " + columnType(c, table, name);
                }
            }
        } else if (column == null && constraint != null) {
            List<String> columns = constraintColumns(c, table, constraint);
            Set<String> given = new LinkedHashSet<>();
            values.fieldNames().forEachRemaining(given::add);
            // the constraint's columns this write set (a CHECK over several columns may name more than one)
            List<String> set = columns.stream().filter(given::contains).toList();
            column = set.isEmpty() ? (columns.isEmpty() ? null : String.join(", ", columns)) : String.join(", ", set);
        }
        StringBuilder text = new StringBuilder();
        text.append(column == null ? "a value" : "column " + column).append(" of ").append(table.schema()).append('.').append(table.name());
        text.append(" refused");
        if (constraint != null) {
            text.append(" by ").append(constraint.startsWith("type ") || constraint.equals("not null") ? constraint : "constraint " + constraint);
        }
        // the message only: the server's detail ("Failing row contains (...)") quotes every column, excluded ones too
        text.append(": ").append(message);
        return new RefusedValueException(text.toString(), column, constraint, e);
    }

    /** True when the column's type refuses this value on its own (tried in a savepoint, rolled back). */
    private static boolean refusesAlone(Connection c, Table table, String column, JsonNode value) throws SQLException {
        Savepoint probe = c.setSavepoint();
        try (PreparedStatement ps = c.prepareStatement("SELECT (r." + ColumnNames.quote(column) + ")::text FROM " + table.record("r"))) {
            ps.setString(1, text(JSON.createObjectNode().set(column, value)));
            ps.executeQuery().close();
            c.releaseSavepoint(probe);
            return false;
        } catch (SQLException e) {
            c.rollback(probe);
            return true;
        }
    }

    private static String columnType(Connection c, Table table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
                + " WHERE a.attrelid = CAST(? AS regclass) AND a.attname = ? AND NOT a.attisdropped")) {
            ps.setString(1, table.qualifiedName());
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "?";
            }
        }
    }

    /** The columns a table constraint is over, by position; empty for a constraint of a domain or another table. */
    private static List<String> constraintColumns(Connection c, Table table, String constraint) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_constraint k"
                + " CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, n)"
                + " JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum"
                + " WHERE k.conrelid = CAST(? AS regclass) AND k.conname = ? ORDER BY u.n")) {
            ps.setString(1, table.qualifiedName());
            ps.setString(2, constraint);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }

    /** JSON text of a value, numbers written out in full (an integer column's input refuses 1E+3). */
    public static String text(JsonNode value) throws SQLException {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new SQLException("unwritable JSON", e);
        }
    }

    /** JSON text read back with exact decimals, as the rest of the bound tables' values. */
    public static JsonNode json(String text) throws SQLException {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable JSON", e);
        }
    }

    private static ObjectNode object(String text) throws SQLException {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable row JSON", e);
        }
    }
}
