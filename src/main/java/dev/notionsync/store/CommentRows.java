package dev.notionsync.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.ColumnNames;
import dev.notionsync.mapping.NulText;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The rows of the comments tables ({@link CommentTables}) and notion_sync.comment_pages: comments read from Notion,
 * upserted by comment id, and comments inserted in PostgreSQL on their way to Notion. Every write is the engine's
 * (tagged like the mirror writes), so the tables' trigger takes none of them for a comment to post.
 */
public final class CommentRows {

    /** One comment as Notion gives it. */
    public record Comment(String commentId, String pageId, String discussionId, String parentBlockId, String authorId,
                          String displayName, Instant createdTime, Instant lastEditedTime, String plainText, String raw) {

        /**
         * From a comment object. {@code pageId} is the page it is on (a comment on a block names only its block).
         * A partial answer ({object,id}: the integration may insert comments but not read them) gives only the id.
         * Each U+0000, which PostgreSQL cannot store, becomes U+FFFD, as in pages ({@link NulText}): else the listing of
         * its page could never be stored, and, first in line at every run, would stop the reading of every page.
         */
        public static Comment of(JsonNode original, String pageId) {
            JsonNode comment = NulText.clean(original).node();
            ObjectNode copy = comment.deepCopy();
            copy.remove("request_id");
            JsonNode parent = comment.path("parent");
            String parentBlock = parent.path("type").asText().equals("block_id") ? text(parent.path("block_id")) : null;
            String page = parent.path("type").asText().equals("page_id") ? text(parent.path("page_id")) : pageId;
            StringBuilder plain = new StringBuilder();
            comment.path("rich_text").forEach(t -> plain.append(t.path("plain_text").asText("")));
            return new Comment(comment.path("id").asText(), page, text(comment.path("discussion_id")), parentBlock,
                    text(comment.path("created_by").path("id")), text(comment.path("display_name").path("resolved_name")),
                    time(comment.path("created_time")), time(comment.path("last_edited_time")),
                    comment.has("rich_text") ? plain.toString() : null, copy.toString());
        }

        private static String text(JsonNode node) {
            return node.isTextual() ? node.asText() : null;
        }

        private static Instant time(JsonNode node) {
            return node.isTextual() ? OffsetDateTime.parse(node.asText()).toInstant() : null;
        }
    }

    /** A page whose comments are due to be listed, and its last_edited_time in the mirror. */
    public record DuePage(String pageId, Instant lastEditedTime) {
    }

    /** A row inserted in PostgreSQL to be posted. */
    public record Post(long localId, String pageId, String discussionId, String parentBlockId, String text, String status,
                       int attempts, Instant sentAt) {
        public boolean sentBefore() {
            return sentAt != null;
        }
    }

    private final DataSource dataSource;

    public CommentRows(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    // ------------------------------------------------------------------ reading

    /**
     * Pages of these mirror tables whose comments are due: never listed, listed longer ago than {@code rescan}, or
     * edited since (a refused page waits for the rescan). Pages not in Notion yet (no url), deleted or trashed are not.
     */
    public List<DuePage> duePages(String source, String schema, Collection<String> mirrorTables, Duration rescan, int limit) throws SQLException {
        List<DuePage> due = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            for (String table : mirrorTables) {
                if (due.size() >= limit) {
                    break;
                }
                String mirror = ColumnNames.quote(schema) + "." + ColumnNames.quote(table);
                try (PreparedStatement ps = c.prepareStatement("SELECT m.page_id::text, m.last_edited_time FROM " + mirror + " m"
                        + " LEFT JOIN notion_sync.comment_pages p ON p.source = ? AND p.page_id = m.page_id"
                        + " WHERE m.url IS NOT NULL AND m.deleted_at IS NULL AND m.in_trash IS NOT TRUE"
                        + " AND (p.page_id IS NULL OR p.checked_at < now() - CAST(? AS interval)"
                        + "      OR (p.refused_status IS NULL AND m.last_edited_time > p.page_edited_at))"
                        + " ORDER BY p.checked_at NULLS FIRST LIMIT ?")) {
                    ps.setString(1, source);
                    ps.setString(2, rescan.toMillis() + " milliseconds");
                    ps.setInt(3, limit - due.size());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Timestamp edited = rs.getTimestamp(2);
                            due.add(new DuePage(rs.getString(1), edited == null ? null : edited.toInstant()));
                        }
                    }
                } catch (SQLException e) {
                    if (!"42P01".equals(e.getSQLState())) {
                        throw e;   // else the mirror table is not made yet
                    }
                }
            }
        }
        return due;
    }

    /** The mirror tables of a source, as notion_sync.source_tables records them. */
    public List<String> mirrorTables(String source, String schema) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT table_name FROM notion_sync.source_tables WHERE source = ? AND table_schema = ?"
                     + " ORDER BY table_name")) {
            ps.setString(1, source);
            ps.setString(2, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return tables;
    }

    /** Whether one of these mirror tables holds the page: a webhook about a comment on any other page costs no Notion call. */
    public boolean holdsPage(String schema, Collection<String> mirrorTables, String pageId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            for (String table : mirrorTables) {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + ColumnNames.quote(schema) + "." + ColumnNames.quote(table)
                        + " WHERE page_id = CAST(? AS uuid)")) {
                    ps.setString(1, pageId);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            return true;
                        }
                    }
                } catch (SQLException e) {
                    if (!"42P01".equals(e.getSQLState())) {
                        throw e;
                    }
                }
            }
        }
        return false;
    }

    /** The blocks of a page that carry comments this table holds: listed with the page, as a page's listing omits them. */
    public List<String> commentedBlocks(CommentTables.Table table, String pageId) throws SQLException {
        List<String> blocks = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT DISTINCT parent_block_id::text FROM " + table.qualifiedName()
                     + " WHERE page_id = CAST(? AS uuid) AND parent_block_id IS NOT NULL AND comment_id IS NOT NULL AND deleted_at IS NULL")) {
            ps.setString(1, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    blocks.add(rs.getString(1));
                }
            }
        }
        return blocks;
    }

    /**
     * Stores a complete listing of a page's comments (the page's own, and those of the listed blocks) in one
     * transaction: each comment upserted, the page's rows missing from it marked deleted ("not listed": deleted in
     * Notion, or their discussion resolved, which the API does not tell apart), the page marked checked. Rows written
     * since the listing was asked for ({@code askedAt}: a write-back, a webhook's comment or deletion) know better
     * than it, and are left as they are: a comment posted while the listing was on its way is not "not listed".
     *
     * @return how many rows were inserted or changed
     */
    public int storeListing(CommentTables.Table table, String pageId, Instant pageEditedAt, List<String> listedBlocks,
                            List<Comment> comments, String botId, Instant askedAt) throws SQLException {
        return inEngineTransaction(c -> {
            int changed = 0;
            for (Comment comment : comments) {
                changed += upsert(c, table, comment, botId, askedAt) ? 1 : 0;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName() + " SET deleted_at = now(), deleted_reason = 'not listed'"
                    + " WHERE page_id = CAST(? AS uuid) AND comment_id IS NOT NULL AND deleted_at IS NULL AND NOT (comment_id = ANY (?))"
                    + " AND (parent_block_id IS NULL OR parent_block_id = ANY (?)) AND (synced_at IS NULL OR synced_at < ?)")) {
                ps.setString(1, pageId);
                ps.setArray(2, c.createArrayOf("uuid", comments.stream().map(x -> UUID.fromString(x.commentId())).toArray()));
                ps.setArray(3, c.createArrayOf("uuid", listedBlocks.stream().map(UUID::fromString).toArray()));
                ps.setTimestamp(4, Timestamp.from(askedAt));
                changed += ps.executeUpdate();
            }
            checked(c, table.source(), pageId, pageEditedAt, null, null);
            return changed;
        });
    }

    /** Notion refused to list the page's comments: recorded, and not asked again before the rescan. */
    public void refused(String source, String pageId, Instant pageEditedAt, int status, String message) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            checked(c, source, pageId, pageEditedAt, status, message);
        }
    }

    /** Whether the page's comments were refused before (its refusal is logged once). */
    public boolean wasRefused(String source, String pageId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM notion_sync.comment_pages WHERE source = ? AND page_id = CAST(? AS uuid)"
                     + " AND refused_status IS NOT NULL")) {
            ps.setString(1, source);
            ps.setString(2, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void checked(Connection c, String source, String pageId, Instant pageEditedAt, Integer status, String message) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.comment_pages"
                + " (source, page_id, checked_at, page_edited_at, refused_status, refused_message) VALUES (?, CAST(? AS uuid), now(), ?, ?, ?)"
                + " ON CONFLICT (source, page_id) DO UPDATE SET checked_at = now(), page_edited_at = EXCLUDED.page_edited_at,"
                + " refused_status = EXCLUDED.refused_status, refused_message = EXCLUDED.refused_message")) {
            ps.setString(1, source);
            ps.setString(2, pageId);
            ps.setTimestamp(3, pageEditedAt == null ? null : Timestamp.from(pageEditedAt));
            if (status == null) {
                ps.setNull(4, Types.INTEGER);
            } else {
                ps.setInt(4, status);
            }
            ps.setString(5, message);
            ps.executeUpdate();
        }
    }

    /** Upserts one comment (a webhook's, asked for at {@code askedAt}); true when a row was inserted or changed. */
    public boolean store(CommentTables.Table table, Comment comment, String botId, Instant askedAt) throws SQLException {
        return inEngineTransaction(c -> upsert(c, table, comment, botId, askedAt));
    }

    /** Marks a comment deleted (comment.deleted, or GET answered 404); true when a row was marked. */
    public boolean markDeleted(CommentTables.Table table, String commentId, String reason) throws SQLException {
        return inEngineTransaction(c -> {
            // synced_at: a read asked for before this deletion does not bring the comment back
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName() + " SET deleted_at = now(), deleted_reason = ?, synced_at = now()"
                    + " WHERE comment_id = CAST(? AS uuid) AND deleted_at IS NULL")) {
                ps.setString(1, reason);
                ps.setString(2, commentId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * One comment into its row: the row of its id; else, for a comment of this integration, the row being posted on
     * that page with that text (its POST was sent, its answer not written back yet: a lost answer, or this read came
     * first), which it then completes; else a new row. A row is rewritten only when the comment changed, and never
     * by a read asked for before the row's last write ({@code askedAt}): that read is older than what the row holds.
     */
    private static boolean upsert(Connection c, CommentTables.Table table, Comment comment, String botId, Instant askedAt) throws SQLException {
        Long row = null;
        boolean unchanged = false;
        try (PreparedStatement ps = c.prepareStatement("SELECT local_id, (raw IS NOT NULL AND deleted_at IS NULL AND plain_text IS NOT DISTINCT FROM ?"
                + " AND last_edited_time IS NOT DISTINCT FROM ? AND discussion_id IS NOT DISTINCT FROM CAST(? AS uuid)) OR synced_at >= ?"
                + " FROM " + table.qualifiedName() + " WHERE comment_id = CAST(? AS uuid) FOR UPDATE")) {
            ps.setString(1, comment.plainText());
            ps.setTimestamp(2, comment.lastEditedTime() == null ? null : Timestamp.from(comment.lastEditedTime()));
            ps.setString(3, comment.discussionId());
            ps.setTimestamp(4, Timestamp.from(askedAt));
            ps.setString(5, comment.commentId());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    row = rs.getLong(1);
                    unchanged = rs.getBoolean(2);
                }
            }
        }
        if (unchanged) {
            return false;
        }
        if (row == null && botId != null && botId.equals(comment.authorId())) {
            row = sending(c, table, comment);
        }
        if (row == null) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table.qualifiedName() + " (comment_id, page_id) VALUES (CAST(? AS uuid), CAST(? AS uuid))"
                    + " ON CONFLICT (comment_id) DO NOTHING RETURNING local_id")) {
                ps.setString(1, comment.commentId());
                ps.setString(2, comment.pageId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return false;   // another transaction stored it at the same moment
                    }
                    row = rs.getLong(1);
                }
            }
        }
        write(c, table, row, comment);
        return true;
    }

    /**
     * The oldest row being posted that this comment of the integration may be the answer to, locked; null when there is
     * none. As the poster's look-up: on this page, with this text (and discussion), made since the minute before the
     * first send (Notion gives created_time to the minute). An older comment with the same text (its row deleted, or
     * posted before comments were on) is not one: taken, it would leave the row's own comment never made.
     */
    private static Long sending(Connection c, CommentTables.Table table, Comment comment) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT local_id FROM " + table.qualifiedName()
                + " WHERE comment_id IS NULL AND post_status = 'sending' AND page_id = CAST(? AS uuid) AND plain_text = ?"
                + " AND ? >= date_trunc('minute', post_sent_at) - interval '1 minute'"
                // a reply: in its discussion; a new discussion: on its block (or the page), a discussion no row holds yet
                + " AND (discussion_id = CAST(? AS uuid) OR (discussion_id IS NULL AND parent_block_id IS NOT DISTINCT FROM CAST(? AS uuid)"
                + "      AND NOT EXISTS (SELECT 1 FROM " + table.qualifiedName() + " d WHERE d.discussion_id = CAST(? AS uuid) AND d.comment_id IS NOT NULL)))"
                + " ORDER BY local_id LIMIT 1 FOR UPDATE")) {
            ps.setString(1, comment.pageId());
            ps.setString(2, comment.plainText());
            ps.setTimestamp(3, comment.createdTime() == null ? null : Timestamp.from(comment.createdTime()));
            ps.setString(4, comment.discussionId());
            ps.setString(5, comment.parentBlockId());
            ps.setString(6, comment.discussionId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    /** Writes what Notion holds into a row; a comment without text (a partial answer) keeps the row's text. */
    private static void write(Connection c, CommentTables.Table table, long row, Comment comment) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName() + " SET comment_id = CAST(? AS uuid),"
                + " page_id = coalesce(CAST(? AS uuid), page_id), discussion_id = coalesce(CAST(? AS uuid), discussion_id),"
                + " parent_block_id = CASE WHEN ? THEN parent_block_id ELSE CAST(? AS uuid) END,"
                + " author_id = coalesce(?, author_id), display_name = coalesce(?, display_name), created_time = coalesce(?, created_time),"
                + " last_edited_time = coalesce(?, last_edited_time), plain_text = coalesce(?, plain_text), raw = CAST(? AS jsonb), synced_at = now(),"
                + " deleted_at = NULL, deleted_reason = NULL,"
                + " post_status = CASE WHEN post_status IS NULL THEN NULL ELSE 'posted' END, post_error = NULL, post_next_at = NULL"
                + " WHERE local_id = ?")) {
            boolean partial = comment.plainText() == null;
            ps.setString(1, comment.commentId());
            ps.setString(2, comment.pageId());
            ps.setString(3, comment.discussionId());
            ps.setBoolean(4, partial);
            ps.setString(5, comment.parentBlockId());
            ps.setString(6, comment.authorId());
            ps.setString(7, comment.displayName());
            ps.setTimestamp(8, comment.createdTime() == null ? null : Timestamp.from(comment.createdTime()));
            ps.setTimestamp(9, comment.lastEditedTime() == null ? null : Timestamp.from(comment.lastEditedTime()));
            ps.setString(10, comment.plainText());
            ps.setString(11, comment.raw());
            ps.setLong(12, row);
            ps.executeUpdate();
        }
    }

    // ------------------------------------------------------------------ posting

    /**
     * Claims the rows due to be posted (pending, or sent without an answer and due again) for {@code lease}: a row
     * is not claimed twice meanwhile, by this instance or another; after a crash its lease runs out and it is looked
     * at again.
     */
    /**
     * A claimed row: {@code until} is the claim's post_next_at as PostgreSQL wrote it, to the microsecond. It is the
     * claim's token too: a row another poller claimed after this claim's lease ran out has another.
     */
    public record Claim(long localId, String until) {
    }

    public List<Claim> claimDue(CommentTables.Table table, Duration lease, int limit) throws SQLException {
        return inEngineTransaction(c -> {
            List<Claim> claims = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName() + " SET post_next_at = now() + CAST(? AS interval)"
                    + " WHERE local_id IN (SELECT local_id FROM " + table.qualifiedName() + " WHERE post_status IN ('pending', 'sending')"
                    + "   AND (post_next_at IS NULL OR post_next_at <= now()) ORDER BY local_id LIMIT ? FOR UPDATE SKIP LOCKED)"
                    + " RETURNING local_id, post_next_at::text")) {
                ps.setString(1, lease.toMillis() + " milliseconds");
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        claims.add(new Claim(rs.getLong(1), rs.getString(2)));
                    }
                }
            }
            claims.sort(java.util.Comparator.comparingLong(Claim::localId));
            return claims;
        });
    }

    /** The row to post; null when it is gone (deleted in PostgreSQL) or no longer waits to be posted. */
    public Post post(CommentTables.Table table, long localId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT local_id, page_id::text, discussion_id::text, parent_block_id::text, plain_text,"
                     + " post_status, post_attempts, post_sent_at FROM " + table.qualifiedName()
                     + " WHERE local_id = ? AND comment_id IS NULL AND post_status IN ('pending', 'sending', 'refused')")) {
            ps.setLong(1, localId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Timestamp sent = rs.getTimestamp(8);
                return new Post(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                        rs.getInt(7), sent == null ? null : sent.toInstant());
            }
        }
    }

    /** The parent block of a discussion this table holds (null: on the page, or unknown). */
    public String discussionBlock(CommentTables.Table table, String discussionId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT parent_block_id::text FROM " + table.qualifiedName()
                     + " WHERE discussion_id = CAST(? AS uuid) AND comment_id IS NOT NULL AND parent_block_id IS NOT NULL LIMIT 1")) {
            ps.setString(1, discussionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Whether this table holds a comment of the discussion on this page (a reply goes where its discussion is, whatever page_id says). */
    public boolean holdsDiscussion(CommentTables.Table table, String discussionId, String pageId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + table.qualifiedName() + " WHERE discussion_id = CAST(? AS uuid)"
                     + " AND page_id = CAST(? AS uuid) AND comment_id IS NOT NULL LIMIT 1")) {
            ps.setString(1, discussionId);
            ps.setString(2, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Of these comment ids, those a row already holds. */
    public List<String> held(CommentTables.Table table, Collection<String> commentIds) throws SQLException {
        List<String> held = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT comment_id::text FROM " + table.qualifiedName() + " WHERE comment_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("uuid", commentIds.stream().map(UUID::fromString).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    held.add(rs.getString(1));
                }
            }
        }
        return held;
    }

    /**
     * Committed before the POST leaves: from here on the comment may exist in Notion whatever happens to the answer,
     * and the next attempt looks for it before sending again. False when the row is gone.
     */
    public boolean sending(CommentTables.Table table, long localId, String claim, Duration sendLease) throws SQLException {
        return inEngineTransaction(c -> {
            // only while the claim holds (a poller that claimed the row after this claim's lease ran out sends it, not
            // both), and held for the send: no other poller claims it before the POST's answer is written back
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName() + " SET post_status = 'sending',"
                    + " post_sent_at = coalesce(post_sent_at, now()), post_attempts = post_attempts + 1,"
                    + " post_next_at = now() + CAST(? AS interval)"
                    + " WHERE local_id = ? AND comment_id IS NULL AND (CAST(? AS text) IS NULL OR post_next_at::text = ?)")) {
                ps.setString(1, sendLease.toMillis() + " milliseconds");
                ps.setLong(2, localId);
                ps.setString(3, claim);
                ps.setString(4, claim);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * The posted comment, written back in one transaction: its id, times, author, text and raw JSON. A row a read
     * stored for the same comment meanwhile (it cannot tell the two apart when its text differs) goes, the posted
     * row keeps its local id. Another row still to be posted that a read took this comment for (same page and text:
     * "+1" twice) gets its own post back, looked for and then sent: deleted, its comment would never be made. Nothing
     * happens when the row was deleted meanwhile (the next listing brings the comment).
     */
    public void posted(CommentTables.Table table, long localId, Comment comment) throws SQLException {
        inEngineTransaction(c -> {
            // a new discussion's id came with this comment: then the other row had none (its own post starts one)
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName() + " SET comment_id = NULL, post_status = 'sending',"
                    + " post_error = 'a read took this row for the comment of row ' || ? || ' (same page and text): looked for, then sent again',"
                    + " post_next_at = now(), discussion_id = CASE WHEN (SELECT o.discussion_id IS NULL FROM " + table.qualifiedName() + " o WHERE o.local_id = ?)"
                    + " THEN NULL ELSE discussion_id END, author_id = NULL, display_name = NULL, created_time = NULL, last_edited_time = NULL, raw = NULL,"
                    + " synced_at = NULL, deleted_at = NULL, deleted_reason = NULL"
                    + " WHERE comment_id = CAST(? AS uuid) AND local_id <> ? AND post_status IS NOT NULL")) {
                ps.setLong(1, localId);
                ps.setLong(2, localId);
                ps.setString(3, comment.commentId());
                ps.setLong(4, localId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table.qualifiedName() + " WHERE comment_id = CAST(? AS uuid) AND local_id <> ?")) {
                ps.setString(1, comment.commentId());
                ps.setLong(2, localId);
                ps.executeUpdate();
            }
            write(c, table, localId, comment);
            return null;
        });
    }

    /** The POST's outcome is not known (a 5xx, a timeout, a cut answer): looked for, then sent again, after {@code delay}. */
    public void retryLater(CommentTables.Table table, long localId, Duration delay, String error) throws SQLException {
        inEngineTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName() + " SET post_error = ?,"
                    + " post_next_at = now() + CAST(? AS interval) WHERE local_id = ? AND comment_id IS NULL")) {
                ps.setString(1, error);
                ps.setString(2, delay.toMillis() + " milliseconds");
                ps.setLong(3, localId);
                return ps.executeUpdate();
            }
        });
    }

    /** Notion refused the comment, or it failed too often: not posted, the error says what to do (a dead letter holds it). */
    public void refusedPost(CommentTables.Table table, long localId, String error) throws SQLException {
        inEngineTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName() + " SET post_status = 'refused', post_error = ?,"
                    + " post_next_at = NULL WHERE local_id = ? AND comment_id IS NULL")) {
                ps.setString(1, error);
                ps.setLong(2, localId);
                return ps.executeUpdate();
            }
        });
    }

    /** A replayed dead letter: the refused row waits to be posted again (looked for first if it was ever sent). */
    public void retryRefused(CommentTables.Table table, long localId) throws SQLException {
        inEngineTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName() + " SET post_status = CASE WHEN post_sent_at IS NULL"
                    + " THEN 'pending' ELSE 'sending' END, post_attempts = 0, post_next_at = now() + interval '5 minutes'"
                    + " WHERE local_id = ? AND comment_id IS NULL AND post_status = 'refused'")) {
                ps.setLong(1, localId);
                return ps.executeUpdate();
            }
        });
    }

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T inEngineTransaction(Work<T> work) throws SQLException {
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
}
