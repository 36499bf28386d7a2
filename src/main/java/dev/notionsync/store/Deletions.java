package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import javax.sql.DataSource;

/** Soft deletes in mirror tables: rows are marked, never removed, and come back when their page does. */
public final class Deletions {

    private final DataSource dataSource;

    public Deletions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * A row inserted in PostgreSQL whose page the push has not created (yet): its INSERT in notion_sync.outbox is not
     * pushed. Such a row has no page in Notion, which says nothing about a deletion. Binds: schema, table.
     */
    private static final String NOT_WAITING_FOR_ITS_PAGE = " AND NOT EXISTS (SELECT 1 FROM notion_sync.outbox o"
            + " WHERE o.table_schema = ? AND o.table_name = ? AND o.page_id = t.page_id AND o.operation = 'INSERT' AND o.status <> 'pushed')";

    /** Page ids the table holds as present (not deleted, not in trash), but for rows whose page is not created yet. */
    public Set<String> presentIds(MirrorTable table) throws SQLException {
        return presentIds(table, null);
    }

    /**
     * As {@link #presentIds(MirrorTable)}, without the rows written from a read of their page after {@code readBy}
     * (null: with every row): a page read after a listing began was there, whether the listing shows it or not.
     */
    public Set<String> presentIds(MirrorTable table, Instant readBy) throws SQLException {
        Set<String> ids = new HashSet<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT page_id FROM " + table.qualifiedName()
                     + " t WHERE deleted_at IS NULL AND NOT coalesce(in_trash, false)" + NOT_WAITING_FOR_ITS_PAGE
                     + " AND (CAST(? AS timestamptz) IS NULL OR synced_at IS NULL OR synced_at <= CAST(? AS timestamptz))")) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            OffsetDateTime by = readBy == null ? null : OffsetDateTime.ofInstant(readBy, ZoneOffset.UTC);
            ps.setObject(3, by);
            ps.setObject(4, by);
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

    /**
     * Marks a page deleted with the reason ("trashed", "gone or no longer shared", "moved to another data source"),
     * unless its row waits for its page to be created.
     */
    public boolean markDeleted(MirrorTable table, String pageId, String reason, boolean inTrash) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement tag = c.prepareStatement(PageWriter.ENGINE_TAG_SQL);
                 PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName()
                         + " t SET deleted_at = now(), deleted_reason = ?, in_trash = ? WHERE page_id = CAST(? AS uuid) AND deleted_at IS NULL"
                         + NOT_WAITING_FOR_ITS_PAGE)) {
                tag.execute();
                PageWriter.tagSide(c, PageWriter.Side.NOTION, null, null);   // trashed, gone or moved in Notion
                ps.setString(1, reason);
                ps.setBoolean(2, inTrash);
                ps.setString(3, pageId);
                ps.setString(4, table.schema());
                ps.setString(5, table.table());
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
