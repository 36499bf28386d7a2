package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * notion_sync.bound_columns: which column of a bound table is which property, by attnum and property id, so a column
 * renamed in PostgreSQL or a property renamed in Notion keeps its pair. The key property (not a column of its own)
 * has attnum {@value #KEY_ATTNUM}.
 */
public final class BoundColumns {

    /** The attnum the key property is recorded under: no real column has it. */
    public static final int KEY_ATTNUM = 0;

    public static final String VALUE = "value";
    public static final String TITLE = "title";
    public static final String KEY = "key";

    private final DataSource dataSource;

    public BoundColumns(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One pair: role value, title or key; propertyId null until Notion named it. */
    public record BoundColumn(String source, int attnum, String columnName, String propertyId, String propertyName, String propertyType,
                              String role) {
    }

    /** The source's pairs, by attnum (the key property first). */
    public List<BoundColumn> of(String source) throws SQLException {
        List<BoundColumn> columns = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT source, attnum, column_name, property_id, property_name, property_type, role"
                     + " FROM notion_sync.bound_columns WHERE source = ? ORDER BY attnum")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new BoundColumn(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getString(7)));
                }
            }
        }
        return columns;
    }

    /** Records the source's pairs as these, in one transaction: pairs not among them go. */
    public void replace(String source, List<BoundColumn> columns) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM notion_sync.bound_columns WHERE source = ?")) {
                    delete.setString(1, source);
                    delete.executeUpdate();
                }
                for (BoundColumn column : columns) {
                    upsert(c, column);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Records one pair (a column added to the table, a property id learnt, a column renamed). */
    public void put(BoundColumn column) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            upsert(c, column);
        }
    }

    /** {@link #put(BoundColumn)} in the caller's transaction (a column added to the table: its pair with the trigger). */
    public static void put(Connection c, BoundColumn column) throws SQLException {
        upsert(c, column);
    }

    /** Forgets one pair (a column dropped from the table whose property was deleted in Notion too: nothing left to pair). */
    public void remove(String source, int attnum) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.bound_columns WHERE source = ? AND attnum = ?")) {
            ps.setString(1, source);
            ps.setInt(2, attnum);
            ps.executeUpdate();
        }
    }

    /**
     * The source's pairs whose property Notion no longer has: the shadow mirror's column catalog (notion_sync.column_catalog,
     * kept by each schema read) marks it removed and has it under no other live entry of the pair's type (deleted in
     * Notion, or changed to another type). A property the catalog has not seen yet (just added) is not among them.
     */
    public List<BoundColumn> goneFromNotion(String source, String shadowSchema, String shadowTable) throws SQLException {
        List<BoundColumn> gone = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT b.source, b.attnum, b.column_name, b.property_id, b.property_name, b.property_type,"
                     + " b.role FROM notion_sync.bound_columns b WHERE b.source = ? AND b.property_id IS NOT NULL"
                     + " AND EXISTS (SELECT 1 FROM notion_sync.column_catalog k WHERE k.table_schema = ? AND k.table_name = ?"
                     + " AND k.property_id = b.property_id AND k.removed_at IS NOT NULL)"
                     + " AND NOT EXISTS (SELECT 1 FROM notion_sync.column_catalog k WHERE k.table_schema = ? AND k.table_name = ?"
                     + " AND k.property_id = b.property_id AND k.property_type = b.property_type AND k.removed_at IS NULL) ORDER BY b.attnum")) {
            ps.setString(1, source);
            ps.setString(2, shadowSchema);
            ps.setString(3, shadowTable);
            ps.setString(4, shadowSchema);
            ps.setString(5, shadowTable);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    gone.add(new BoundColumn(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getString(7)));
                }
            }
        }
        return gone;
    }

    private static void upsert(Connection c, BoundColumn column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.bound_columns (source, attnum, column_name, property_id,"
                + " property_name, property_type, role) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, attnum) DO UPDATE SET"
                + " column_name = EXCLUDED.column_name, property_id = EXCLUDED.property_id, property_name = EXCLUDED.property_name,"
                + " property_type = EXCLUDED.property_type, role = EXCLUDED.role")) {
            ps.setString(1, column.source());
            ps.setInt(2, column.attnum());
            ps.setString(3, column.columnName());
            ps.setString(4, column.propertyId());
            ps.setString(5, column.propertyName());
            ps.setString(6, column.propertyType());
            ps.setString(7, column.role());
            ps.executeUpdate();
        }
    }
}
