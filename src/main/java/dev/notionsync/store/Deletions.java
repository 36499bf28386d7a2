package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;
import javax.sql.DataSource;

/** Soft deletes in mirror tables: rows are marked, never removed, and come back when their page does. */
public final class Deletions {

    private final DataSource dataSource;

    public Deletions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Page ids the table holds as present (not deleted, not in trash). */
    public Set<String> presentIds(MirrorTable table) throws SQLException {
        Set<String> ids = new HashSet<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT page_id FROM " + table.qualifiedName()
                     + " WHERE deleted_at IS NULL AND NOT coalesce(in_trash, false)")) {
            ps.setFetchSize(5000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    /** Page ids the table holds as deleted or trashed. */
    public Set<String> deletedIds(MirrorTable table) throws SQLException {
        Set<String> ids = new HashSet<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT page_id FROM " + table.qualifiedName()
                     + " WHERE deleted_at IS NOT NULL OR coalesce(in_trash, false)")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    /** Marks a page deleted with the reason ("trashed", "gone or no longer shared", "moved to another data source"). */
    public boolean markDeleted(MirrorTable table, String pageId, String reason, boolean inTrash) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement tag = c.prepareStatement(PageWriter.ENGINE_TAG_SQL);
                 PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName()
                         + " SET deleted_at = now(), deleted_reason = ?, in_trash = ? WHERE page_id = CAST(? AS uuid) AND deleted_at IS NULL")) {
                tag.execute();
                ps.setString(1, reason);
                ps.setBoolean(2, inTrash);
                ps.setString(3, pageId);
                int changed = ps.executeUpdate();
                c.commit();
                return changed > 0;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
