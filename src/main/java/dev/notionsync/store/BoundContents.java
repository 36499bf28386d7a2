package dev.notionsync.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Page content of bound tables (notion.source.&lt;name&gt;.content-column, README "Page content of bound tables"): the
 * column of the application's table and the shadow mirror's {@code <table>_content} row of the same page, which the
 * content worker reads into and the content push sends from. {@code notion_sync.links} holds what both sides last
 * agreed on: {@code content_hash} (Notion's content the column reflects) and {@code content_row_hash} (the column's
 * value then). Every write here is the engine's: the capture trigger skips the row it names, the content guard lets
 * the content table's row through.
 */
public final class BoundContents {

    /** The base of an edit made before the row and its page ever agreed on a body: the first meeting decides it. */
    public static final String UNKNOWN_BASE = "unknown";

    /** The problem kind of a body the column refuses (a varchar too short, a CHECK): tried again at every pass. */
    public static final String REFUSED = "content_refused";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EMPTY = PageContents.sha256("");

    /** A bound source's content column, and its shadow mirror's content table. */
    public record Column(String source, BoundRows.Table table, String column, PageContents.Table content) {
    }

    /**
     * A page whose content moved in Notion since the column last took it (or was never in step with the column), and
     * whose row has nothing of its own waiting: the Apply pass settles it.
     *
     * @param agreedHash    the link's content_hash; null: never in step
     * @param agreedRowHash the link's content_row_hash
     */
    public record Moved(JsonNode rowKey, String pageId, String agreedHash, String agreedRowHash, String markdown, String hash) {
    }

    private final DataSource dataSource;

    public BoundContents(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The linked pages whose content (as last read, and no edit of it waiting to be pushed) differs from what the link
     * says the column reflects, of rows without captured changes waiting; {@code firstOnly}: only links never in step.
     */
    public List<Moved> moved(Column column, boolean firstOnly, int limit) throws SQLException {
        String sql = "SELECT l.row_key::text, l.page_id::text, l.content_hash, l.content_row_hash, c.\"markdown\", c.\"content_hash\""
                + " FROM notion_sync.links l JOIN " + column.content().contentName() + " c ON c.\"page_id\" = l.page_id"
                + " JOIN " + column.content().mirrorName() + " m ON m.\"page_id\" = l.page_id"
                + " WHERE l.source = ? AND l.state = 'linked' AND c.\"push_pending_since\" IS NULL AND c.\"fetched_at\" IS NOT NULL"
                + " AND c.\"markdown\" IS NOT NULL AND c.\"content_mode\" = 'markdown' AND c.\"content_hash\" IS DISTINCT FROM l.content_hash"
                + (firstOnly ? " AND l.content_hash IS NULL" : "")
                + " AND m.\"in_trash\" IS NOT TRUE AND m.\"deleted_at\" IS NULL"
                + " AND NOT EXISTS (SELECT 1 FROM notion_sync.row_changes r WHERE r.status = 'pending' AND r.source = l.source"
                + "   AND (r.row_key = l.row_key OR r.old_row_key = l.row_key))"
                // pages the column refused come last, the longest untried first: a pass's worth of them never holds back the others
                + " ORDER BY (SELECT p.last_seen FROM notion_sync.bound_problems p WHERE p.source = l.source AND p.kind = '" + REFUSED + "'"
                + "   AND md5(p.subject) = md5(l.page_id::text) AND p.resolved_at IS NULL) NULLS FIRST, l.page_id LIMIT ?";
        List<Moved> moved = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, column.source());
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    moved.add(new Moved(JSON.readTree(rs.getString(1)), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6)));
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new SQLException("a link's row key is not JSON: " + e.getMessage(), e);
            }
        }
        return moved;
    }

    /**
     * Drops the body edits waiting in the content table of a source that no longer pushes (switched to direction =
     * pull): nothing will send them, the column cannot replace them (no capture trigger), and a waiting edit keeps the
     * page's own edits out. Each such page is read again. Returns their ids.
     */
    public List<String> dropWaiting(Column column) throws SQLException {
        List<String> dropped = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement tag = c.prepareStatement(PageWriter.ENGINE_TAG_SQL)) {
                    tag.execute();
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + column.content().contentName() + " SET \"push_pending_since\" = NULL,"
                        + " \"push_edited_at\" = NULL, \"push_attempts\" = 0, \"push_next_at\" = NULL, \"push_sent_at\" = NULL, \"push_error\" = NULL,"
                        + " \"push_refused_at\" = NULL, \"push_version\" = \"push_version\" + 1, \"requested_at\" = clock_timestamp()"
                        + " WHERE \"push_pending_since\" IS NOT NULL RETURNING \"page_id\"::text");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        dropped.add(rs.getString(1));
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        return dropped;
    }

    /**
     * Whether {@code moved} still holds, in the caller's transaction after it locked the row: the page's content and
     * the link as read, nothing pending on either side. The link is locked too.
     */
    public static boolean stillMoved(Connection c, Column column, Moved moved) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM notion_sync.links l JOIN " + column.content().contentName() + " c"
                + " ON c.\"page_id\" = l.page_id WHERE l.source = ? AND l.row_key = ?::jsonb AND l.state = 'linked' AND l.page_id = ?::uuid"
                + " AND l.content_hash IS NOT DISTINCT FROM ? AND c.\"content_hash\" = ? AND c.\"push_pending_since\" IS NULL"
                + " AND NOT EXISTS (SELECT 1 FROM notion_sync.row_changes r WHERE r.status = 'pending' AND r.source = l.source"
                + "   AND (r.row_key = l.row_key OR r.old_row_key = l.row_key))"
                + " FOR UPDATE OF l")) {
            ps.setString(1, column.source());
            ps.setString(2, moved.rowKey().toString());
            ps.setString(3, moved.pageId());
            ps.setString(4, moved.agreedHash());
            ps.setString(5, moved.hash());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The column's value of the row (null for NULL), in the caller's transaction; empty when there is no such row. */
    public static Optional<Optional<String>> read(Connection c, Column column, JsonNode rowKey, boolean lock) throws SQLException {
        Optional<com.fasterxml.jackson.databind.node.ObjectNode> row = lock ? BoundRows.lock(c, column.table(), rowKey)
                : BoundRows.read(c, column.table(), rowKey);
        return row.map(r -> {
            JsonNode value = r.get(column.column());
            return value == null || value.isNull() ? Optional.<String>empty() : Optional.of(value.asText());
        });
    }

    /** The column takes Notion's content (the engine's write of that row only), and the link records both sides as agreed. */
    public static void copy(Connection c, Column column, JsonNode rowKey, String markdown, String hash) throws SQLException {
        BoundRows.update(c, column.table(), rowKey, JSON.createObjectNode().put(column.column(), markdown));
        agreed(c, column.source(), rowKey, hash, PageContents.sha256(markdown));
    }

    /**
     * Whether the column's value (null for NULL) differs from what the link says it held when both sides last agreed:
     * an edit the push never handed over (made while the row was unlinked from its page). False when nothing was
     * agreed yet: the first meeting decides.
     */
    public static boolean editedSinceAgreed(Connection c, String source, JsonNode rowKey, JsonNode value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT content_row_hash FROM notion_sync.links WHERE source = ? AND row_key = ?::jsonb")) {
            ps.setString(1, source);
            ps.setString(2, rowKey.toString());
            try (ResultSet rs = ps.executeQuery()) {
                String agreed = rs.next() ? rs.getString(1) : null;
                return agreed != null && !agreed.equals(PageContents.sha256(value == null || value.isNull() ? "" : value.asText()));
            }
        }
    }

    /** Records what both sides agree on (the column already holds what Notion holds, or the push just sent it). */
    public static void agreed(Connection c, String source, JsonNode rowKey, String hash, String rowHash) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.links SET content_hash = ?, content_row_hash = ?"
                + " WHERE source = ? AND row_key = ?::jsonb")) {
            ps.setString(1, hash);
            ps.setString(2, rowHash);
            ps.setString(3, source);
            ps.setString(4, rowKey.toString());
            ps.executeUpdate();
        }
    }

    /**
     * Hands the column's value to the content push, in the caller's transaction: when it differs from the value the
     * link last agreed on, the page's content row becomes a pending edit of it (made when missing: a page just
     * created), exactly as a person's UPDATE of markdown in a mirror's content table would. Its base, against which
     * the push tells an edit made in Notion meanwhile, is what the link says the column reflects; an edit already
     * waiting keeps its own base. A NULL column is an empty body.
     *
     * @param unknownBase the base when the link has none: {@code sha256("")} for a page just created, Notion's content
     *                    hash at a first meeting, or {@link #UNKNOWN_BASE}: nothing is handed over then, the first
     *                    meeting decides
     * @return whether an edit was handed over
     */
    public static boolean handOff(Connection c, Column column, JsonNode rowKey, String pageId, String unknownBase) throws SQLException {
        Optional<Optional<String>> value = read(c, column, rowKey, false);
        if (value.isEmpty()) {
            return false;   // the row is gone: its delete is pushed on its own
        }
        String markdown = value.get().orElse("");
        String rowHash = PageContents.sha256(markdown);
        String agreedHash;
        String agreedRowHash;
        try (PreparedStatement ps = c.prepareStatement("SELECT content_hash, content_row_hash FROM notion_sync.links WHERE source = ?"
                + " AND row_key = ?::jsonb AND page_id = ?::uuid FOR UPDATE")) {
            ps.setString(1, column.source());
            ps.setString(2, rowKey.toString());
            ps.setString(3, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;   // not this page's row (any more)
                }
                agreedHash = rs.getString(1);
                agreedRowHash = rs.getString(2);
            }
        }
        if (rowHash.equals(agreedRowHash)) {
            return false;   // the column holds what was agreed (or handed over) already
        }
        if (agreedHash == null && agreedRowHash == null && markdown.isEmpty() && EMPTY.equals(unknownBase)) {
            agreed(c, column.source(), rowKey, EMPTY, EMPTY);   // a page just made and an empty column: in step, nothing to send
            return false;
        }
        if (agreedHash == null && UNKNOWN_BASE.equals(unknownBase)) {
            // the row and its page never agreed on a body (its content not read yet): the Apply pass's first meeting
            // decides, with the column as it is then, once the page's content is read
            return false;
        }
        String base = agreedHash != null ? agreedHash : unknownBase;
        String table = column.content().contentName();
        int changed;
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET \"markdown\" = ?,"
                + " \"content_hash\" = CASE WHEN \"push_pending_since\" IS NULL THEN ? ELSE \"content_hash\" END,"
                + " \"push_pending_since\" = coalesce(\"push_pending_since\", clock_timestamp()), \"push_edited_at\" = clock_timestamp(),"
                + " \"push_version\" = \"push_version\" + 1, \"push_attempts\" = 0, \"push_next_at\" = NULL, \"push_error\" = NULL,"
                + " \"push_refused_at\" = NULL WHERE \"page_id\" = ?::uuid")) {
            ps.setString(1, markdown);
            ps.setString(2, base);
            ps.setString(3, pageId);
            changed = ps.executeUpdate();
        }
        if (changed == 0) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (\"page_id\", \"markdown\", \"content_hash\", \"last_edited_time\","
                    + " \"fetched_at\", \"content_mode\", \"push_pending_since\", \"push_edited_at\", \"push_version\")"
                    + " SELECT m.\"page_id\", ?, ?, m.\"last_edited_time\", clock_timestamp(), 'markdown', clock_timestamp(), clock_timestamp(), 1"
                    + " FROM " + column.content().mirrorName() + " m WHERE m.\"page_id\" = ?::uuid")) {
                ps.setString(1, markdown);
                ps.setString(2, base);
                ps.setString(3, pageId);
                if (ps.executeUpdate() == 0) {
                    // the page's shadow mirror row is written with the page (push write-back, pull): tried again then
                    throw new SQLException("page " + pageId + " of source " + column.source() + " is not in its shadow mirror yet; its content"
                            + " edit is handed to the content push once it is", "55000");
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.links SET content_row_hash = ? WHERE source = ? AND row_key = ?::jsonb")) {
            ps.setString(1, rowHash);
            ps.setString(2, column.source());
            ps.setString(3, rowKey.toString());
            ps.executeUpdate();
        }
        return true;
    }

    /** {@link #handOff} in a transaction of its own (the engine's), for a change whose push ended without a write-back. */
    public boolean handOff(Column column, JsonNode rowKey, String pageId, String unknownBase) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement tag = c.prepareStatement(PageWriter.ENGINE_TAG_SQL)) {
                    tag.execute();
                }
                boolean handed = handOff(c, column, rowKey, pageId, unknownBase);
                c.commit();
                return handed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
