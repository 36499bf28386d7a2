package dev.notionsync.store;

import dev.notionsync.mapping.ColumnCategory;
import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Reads a user's table from pg_catalog: its columns (name, attnum, type, category, enum labels, NOT NULL, default),
 * its primary key in order and its single-column foreign keys with their targets. A bound table needs a primary key:
 * it is how a row is found again; one without is refused, as is a missing table, each with a message naming the
 * setting.
 */
public final class TableShapes {

    /** The table cannot be bound: the message says why and what to do. */
    public static final class UnboundableTableException extends IllegalStateException {
        public UnboundableTableException(String message) {
            super(message);
        }
    }

    private final DataSource dataSource;

    public TableShapes(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The table's shape.
     *
     * @param setting the setting that names the table (notion.source.&lt;name&gt;.table), for messages
     * @throws UnboundableTableException when the table does not exist, is not a table, or has no primary key
     */
    public TableShape read(String schema, String table, String setting) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            long oid = relation(c, schema, table, setting);
            List<String> key = primaryKey(c, oid);
            if (key.isEmpty()) {
                throw new UnboundableTableException("table " + schema + "." + table + " (setting " + setting + ") has no primary key; a bound"
                        + " table needs one, it is how a page finds its row again: ALTER TABLE " + schema + "." + table + " ADD PRIMARY KEY (...)");
            }
            Map<Integer, TableColumn.Reference> references = foreignKeys(c, oid);
            List<TableColumn> columns = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), bt.typname, bt.typtype::text, et.typname, et.typtype::text,
                           a.attnotnull, (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''), a.attgenerated <> '',
                           CASE WHEN bt.typtype = 'e' THEN ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = bt.oid ORDER BY e.enumsortorder)
                                WHEN et.typtype = 'e' THEN ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = et.oid ORDER BY e.enumsortorder)
                           END
                      FROM pg_attribute a
                      JOIN pg_type t ON t.oid = a.atttypid
                      JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
                      LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
                     WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
                     ORDER BY a.attnum""")) {
                ps.setLong(1, oid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int attnum = rs.getInt(1);
                        String name = rs.getString(2);
                        Array labels = rs.getArray(11);
                        columns.add(new TableColumn(name, attnum, rs.getString(3),
                                ColumnCategory.of(rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)),
                                labels == null ? List.of() : List.of((String[]) labels.getArray()), rs.getBoolean(8), rs.getBoolean(9),
                                rs.getBoolean(10), key.contains(name), references.get(attnum)));
                    }
                }
            }
            return new TableShape(schema, table, columns, key);
        }
    }

    /** Whether the table exists (a table or a partitioned table). */
    public boolean exists(String schema, String table) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return oid(c, schema, table) != null;
        }
    }

    private static long relation(Connection c, String schema, String table, String setting) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT c.oid, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new UnboundableTableException("setting " + setting + " names table " + schema + "." + table + ", which does not exist in"
                            + " the engine's database (names are case-sensitive when quoted: \"MyTable\"; unquoted ones are lower case)");
                }
                String kind = rs.getString(2);
                if (!kind.equals("r") && !kind.equals("p")) {
                    throw new UnboundableTableException("setting " + setting + " names " + schema + "." + table + ", which is not a table (a view"
                            + " or another kind of relation); bind a table");
                }
                return rs.getLong(1);
            }
        }
    }

    private static Long oid(Connection c, String schema, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private static List<String> primaryKey(Connection c, long oid) throws SQLException {
        List<String> key = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_constraint con"
                + " CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY k(attnum, ord)"
                + " JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum"
                + " WHERE con.conrelid = ? AND con.contype = 'p' ORDER BY k.ord")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        return key;
    }

    /** The single-column foreign keys, by the column's attnum. */
    private static Map<Integer, TableColumn.Reference> foreignKeys(Connection c, long oid) throws SQLException {
        Map<Integer, TableColumn.Reference> references = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT con.conkey[1], rn.nspname, rc.relname, ra.attname FROM pg_constraint con"
                + " JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace"
                + " JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]"
                + " WHERE con.conrelid = ? AND con.contype = 'f' AND array_length(con.conkey, 1) = 1 ORDER BY con.conname")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    references.putIfAbsent(rs.getInt(1), new TableColumn.Reference(rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return references;
    }
}
