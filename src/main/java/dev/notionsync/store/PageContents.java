package dev.notionsync.store;

import dev.notionsync.mapping.ColumnNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * The page content tables beside a mirror table, in the mirror schema: {@code <table>_content} (one row per page: its
 * markdown, or in blocks mode the bookkeeping of its blocks) and, in blocks mode, {@code <table>_blocks} (one row per
 * block). Both are keyed to the mirror row (a foreign key, ON DELETE CASCADE): a page whose row goes loses its content.
 *
 * <p>Due pages are found here, level-triggered: a page with no content row, one whose mirror row's last_edited_time
 * (Notion rounds it down to the minute) is later than its content's, one a webhook asked for, one read in another mode,
 * and, after {@code retry}, one Notion would not give or one whose content could not be completed. A page found by its
 * edit time is due only once its edit minute has closed, so one read sees every edit of that minute.
 */
public final class PageContents {

    /** Marks the tables this class made, so a user's table of the same name is never taken over. */
    private static final String MARKER = "notion-sync page content of ";

    /** The content tables of one mirror table; {@code blocks} is null in markdown mode. */
    public record Table(String schema, String mirror, String content, String blocks) {
        String mirrorName() {
            return ColumnNames.quote(schema) + "." + ColumnNames.quote(mirror);
        }

        String contentName() {
            return ColumnNames.quote(schema) + "." + ColumnNames.quote(content);
        }

        String blocksName() {
            return ColumnNames.quote(schema) + "." + ColumnNames.quote(blocks);
        }
    }

    /**
     * A page whose content is due.
     *
     * @param edited    its mirror row's last_edited_time, to the minute; null when that minute had not closed when it was
     *                  found (a webhook's page): the content then records only what the webhook said
     * @param foundAt   the database's time when it was found: a webhook's request made later is kept for the next read
     */
    public record Due(String pageId, Instant edited, Instant foundAt) {
    }

    /** One block as stored in {@code <table>_blocks}. */
    public record BlockRow(String blockId, String parentId, int position, int depth, String type, String plainText, String raw,
                           boolean hasChildren, boolean childrenTruncated) {
    }

    /**
     * What a read gave.
     *
     * @param markdown  the page's markdown (null in blocks mode)
     * @param hash      sha-256 hex of the markdown (of the blocks' JSON in blocks mode)
     * @param truncated the content could not be completed: {@code missing} names what is not in it
     */
    public record Content(String mode, String markdown, String hash, boolean truncated, List<String> missing) {
    }

    private final DataSource dataSource;
    private final Set<String> ensured = ConcurrentHashMap.newKeySet();

    public PageContents(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Creates the content tables of a mirror table when missing (once per process). A table of that name that this
     * engine did not make is refused, naming it.
     */
    public Table ensure(String schema, String mirror, boolean blocks) throws SQLException {
        Table table = new Table(schema, mirror, mirror + "_content", blocks ? mirror + "_blocks" : null);
        if (ensured.contains(table.toString())) {
            return table;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                    lock.setString(1, "notion-sync ddl " + schema);   // the same lock as SchemaManager's DDL
                    lock.execute();
                }
                String reference = " REFERENCES " + table.mirrorName() + " (\"page_id\") ON DELETE CASCADE ON UPDATE CASCADE";
                if (claim(c, table, table.content())) {
                    st.execute("CREATE TABLE " + table.contentName() + " ("
                            + "\"page_id\" uuid PRIMARY KEY" + reference + ", "
                            + "\"markdown\" text, "
                            + "\"content_hash\" text, "
                            + "\"last_edited_time\" timestamptz, "
                            + "\"fetched_at\" timestamptz, "
                            + "\"truncated\" boolean NOT NULL DEFAULT false, "
                            + "\"missing_block_ids\" text[], "
                            + "\"content_mode\" text, "
                            + "\"unreadable_reason\" text, "
                            + "\"unreadable_at\" timestamptz, "
                            + "\"requested_at\" timestamptz)");
                    st.execute("COMMENT ON TABLE " + table.contentName() + " IS " + ColumnNames.literal(MARKER + schema + "." + mirror));
                }
                if (blocks && claim(c, table, table.blocks())) {
                    st.execute("CREATE TABLE " + table.blocksName() + " ("
                            + "\"page_id\" uuid NOT NULL" + reference + ", "
                            + "\"block_id\" uuid NOT NULL, "
                            + "\"parent_id\" uuid NOT NULL, "
                            + "\"position\" integer NOT NULL, "
                            + "\"depth\" integer NOT NULL, "
                            + "\"type\" text NOT NULL, "
                            + "\"plain_text\" text, "
                            + "\"raw\" jsonb NOT NULL, "
                            + "\"has_children\" boolean NOT NULL, "
                            + "\"children_truncated\" boolean NOT NULL DEFAULT false, "
                            + "PRIMARY KEY (\"page_id\", \"block_id\"))");
                    st.execute("COMMENT ON TABLE " + table.blocksName() + " IS " + ColumnNames.literal(MARKER + schema + "." + mirror));
                }
                PageContentPushes.install(c, table);   // content push: its columns and the guard trigger (V25)
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        ensured.add(table.toString());
        return table;
    }

    /** True when the table is to be made; false when it is ours already; refuses a table of that name that is not ours. */
    private static boolean claim(Connection c, Table table, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT obj_description(to_regclass(?), 'pg_class'), to_regclass(?) IS NOT NULL")) {
            String qualified = ColumnNames.quote(table.schema()) + "." + ColumnNames.quote(name);
            ps.setString(1, qualified);
            ps.setString(2, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(2)) {
                    return true;
                }
                if (!(MARKER + table.schema() + "." + table.mirror()).equals(rs.getString(1))) {
                    throw new IllegalStateException("table " + table.schema() + "." + name + " exists and is not the page content table of "
                            + table.schema() + "." + table.mirror() + ": rename or drop it, or turn content off for that source");
                }
                return false;
            }
        }
    }

    /**
     * Pages whose content is due, webhook requests first, then the oldest edits.
     *
     * @param now   the minute rule's clock: a page found by its edit time is due once now is past the end of its edit minute
     * @param retry how long unreadable and incomplete pages are left alone
     */
    public List<Due> due(Table table, String mode, Instant now, Duration retry, int limit) throws SQLException {
        String edited = "date_trunc('minute', m.\"last_edited_time\")";
        String sql = "SELECT m.\"page_id\"::text, CASE WHEN " + edited + " + interval '1 minute' <= ? THEN " + edited + " END, clock_timestamp()"
                + " FROM " + table.mirrorName() + " m LEFT JOIN " + table.contentName() + " c ON c.\"page_id\" = m.\"page_id\""
                + " WHERE m.\"last_edited_time\" IS NOT NULL AND m.\"in_trash\" IS NOT TRUE AND m.\"deleted_at\" IS NULL AND ("
                + "   c.\"requested_at\" IS NOT NULL"
                + "   OR ((c.\"page_id\" IS NULL OR c.\"last_edited_time\" IS NULL OR " + edited + " > c.\"last_edited_time\""
                + "        OR c.\"content_mode\" IS DISTINCT FROM ?) AND " + edited + " + interval '1 minute' <= ?)"
                + "   OR c.\"unreadable_at\" <= ? OR (c.\"truncated\" AND c.\"fetched_at\" <= ?))"
                + " AND c.\"push_pending_since\" IS NULL"   // a local edit waits: the content push reads the page (PageContentPushes)
                + " ORDER BY c.\"requested_at\" NULLS LAST, m.\"last_edited_time\", m.\"page_id\" LIMIT ?";
        Timestamp at = Timestamp.from(now);
        Timestamp retryBefore = Timestamp.from(now.minus(retry));
        List<Due> due = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setTimestamp(1, at);
            ps.setString(2, mode);
            ps.setTimestamp(3, at);
            ps.setTimestamp(4, retryBefore);
            ps.setTimestamp(5, retryBefore);
            ps.setInt(6, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp closed = rs.getTimestamp(2);
                    due.add(new Due(rs.getString(1), closed == null ? null : closed.toInstant(), rs.getTimestamp(3).toInstant()));
                }
            }
        } catch (SQLException e) {
            throw forgetIfDropped(table, e);
        }
        return due;
    }

    /**
     * Stores a page's content read (and in blocks mode replaces its blocks), in one transaction, as the engine's
     * write. A webhook's request that came after the page was found stays, so the page is read once more. fetched_at is
     * when the page was found due: a read found earlier (another engine's, slower) never replaces one found later, else
     * its older body would stand under the newer edit minute, for ever.
     *
     * @return false when the page's mirror row is gone meanwhile (nothing stored)
     */
    public boolean store(Table table, Due due, Content content, List<BlockRow> blocks) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                tagAsEngine(c);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table.contentName() + " AS t (\"page_id\", \"markdown\","
                        + " \"content_hash\", \"last_edited_time\", \"fetched_at\", \"truncated\", \"missing_block_ids\", \"content_mode\")"
                        + " VALUES (?::uuid, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (\"page_id\") DO UPDATE SET"
                        + " \"markdown\" = EXCLUDED.\"markdown\", \"content_hash\" = EXCLUDED.\"content_hash\","
                        + " \"last_edited_time\" = GREATEST(t.\"last_edited_time\", EXCLUDED.\"last_edited_time\"),"
                        + " \"fetched_at\" = EXCLUDED.\"fetched_at\", \"truncated\" = EXCLUDED.\"truncated\","
                        + " \"missing_block_ids\" = EXCLUDED.\"missing_block_ids\", \"content_mode\" = EXCLUDED.\"content_mode\","
                        + " \"unreadable_reason\" = NULL, \"unreadable_at\" = NULL, " + requestKept()
                        // never over a local edit waiting to be pushed, nor over a read another engine found later
                        + " WHERE t.\"push_pending_since\" IS NULL AND (t.\"fetched_at\" IS NULL OR t.\"fetched_at\" <= EXCLUDED.\"fetched_at\")")) {
                    ps.setString(1, due.pageId());
                    ps.setString(2, content.markdown());
                    ps.setString(3, content.hash());
                    ps.setTimestamp(4, due.edited() == null ? null : Timestamp.from(due.edited()));
                    ps.setTimestamp(5, Timestamp.from(due.foundAt()));
                    ps.setBoolean(6, content.truncated());
                    ps.setArray(7, content.missing().isEmpty() ? null : c.createArrayOf("text", content.missing().toArray()));
                    ps.setString(8, content.mode());
                    ps.setTimestamp(9, Timestamp.from(due.foundAt()));
                    if (ps.executeUpdate() == 0) {
                        c.rollback();   // a later read is stored already, or a local edit waits: it stays, with its blocks
                        return true;
                    }
                }
                if (blocks != null) {
                    try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table.blocksName() + " WHERE \"page_id\" = ?::uuid")) {
                        delete.setString(1, due.pageId());
                        delete.executeUpdate();
                    }
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + table.blocksName()
                            + " (\"page_id\", \"block_id\", \"parent_id\", \"position\", \"depth\", \"type\", \"plain_text\", \"raw\","
                            + " \"has_children\", \"children_truncated\") VALUES (?::uuid, ?::uuid, ?::uuid, ?, ?, ?, ?, ?::jsonb, ?, ?)")) {
                        int batched = 0;
                        for (BlockRow b : blocks) {
                            insert.setString(1, due.pageId());
                            insert.setString(2, b.blockId());
                            insert.setString(3, b.parentId());
                            insert.setInt(4, b.position());
                            insert.setInt(5, b.depth());
                            insert.setString(6, b.type());
                            insert.setString(7, b.plainText());
                            insert.setString(8, b.raw());
                            insert.setBoolean(9, b.hasChildren());
                            insert.setBoolean(10, b.childrenTruncated());
                            insert.addBatch();
                            if (++batched % 500 == 0) {
                                insert.executeBatch();
                            }
                        }
                        insert.executeBatch();
                    }
                }
                c.commit();
                return true;
            } catch (SQLException e) {
                c.rollback();
                if ("23503".equals(e.getSQLState())) {
                    return false;   // the mirror row went (its page was deleted meanwhile)
                }
                throw forgetIfDropped(table, e);
            } catch (RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Records that Notion would not give a page's content (not found, not shared, no capability, not a page). The
     * content read before, if any, stays, with the reason beside it; the page is left alone until it is edited, a
     * webhook names it, or the retry time passed.
     */
    public void unreadable(Table table, Due due, String mode, String reason) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                tagAsEngine(c);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table.contentName() + " AS t (\"page_id\", \"last_edited_time\","
                        + " \"content_mode\", \"unreadable_reason\", \"unreadable_at\") VALUES (?::uuid, ?, ?, ?, clock_timestamp())"
                        + " ON CONFLICT (\"page_id\") DO UPDATE SET"
                        + " \"last_edited_time\" = GREATEST(t.\"last_edited_time\", EXCLUDED.\"last_edited_time\"),"
                        + " \"content_mode\" = EXCLUDED.\"content_mode\", \"unreadable_reason\" = EXCLUDED.\"unreadable_reason\","
                        + " \"unreadable_at\" = EXCLUDED.\"unreadable_at\", " + requestKept())) {
                    ps.setString(1, due.pageId());
                    ps.setTimestamp(2, due.edited() == null ? null : Timestamp.from(due.edited()));
                    ps.setString(3, mode);
                    ps.setString(4, reason.replace('\0', '\uFFFD'));
                    ps.setTimestamp(5, Timestamp.from(due.foundAt()));
                    ps.executeUpdate();
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                if (!"23503".equals(e.getSQLState())) {
                    throw e;
                }
            } catch (RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * A content table a user dropped (or renamed) is made again by the next {@link #ensure}: without this the engine
     * would remember having made it and fail on it every pass until restarted.
     */
    private SQLException forgetIfDropped(Table table, SQLException e) {
        if ("42P01".equals(e.getSQLState())) {   // undefined_table
            ensured.remove(table.toString());
        }
        return e;
    }

    /** The end of an upsert's SET: a request made after the page was found (parameter: when it was found) stays. */
    private static String requestKept() {
        return "\"requested_at\" = CASE WHEN t.\"requested_at\" > ? THEN t.\"requested_at\" END";
    }

    /**
     * A webhook said the page's content changed: its content is due now, and records the event's minute as the edit it
     * reflects, so the poll does not read it again for the same edit.
     *
     * @return whether the mirror table holds the page (else nothing is recorded: the pull brings it, then its content)
     */
    public boolean request(Table table, String pageId, Instant eventMinute) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                tagAsEngine(c);
                int n;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table.contentName() + " AS t (\"page_id\", \"last_edited_time\","
                        + " \"requested_at\") SELECT m.\"page_id\", ?, clock_timestamp() FROM " + table.mirrorName() + " m"
                        + " WHERE m.\"page_id\" = ?::uuid ON CONFLICT (\"page_id\") DO UPDATE SET \"requested_at\" = EXCLUDED.\"requested_at\","
                        + " \"last_edited_time\" = GREATEST(t.\"last_edited_time\", EXCLUDED.\"last_edited_time\")")) {
                    ps.setTimestamp(1, eventMinute == null ? null : Timestamp.from(eventMinute));
                    ps.setString(2, pageId);
                    n = ps.executeUpdate();
                }
                c.commit();
                return n > 0;
            } catch (SQLException e) {
                c.rollback();
                throw forgetIfDropped(table, e);
            } catch (RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The engine's writes are tagged, so a change capture trigger on these tables (content push) can tell them apart. */
    private static void tagAsEngine(Connection c) throws SQLException {
        try (PreparedStatement tag = c.prepareStatement(PageWriter.ENGINE_TAG_SQL)) {
            tag.execute();
        }
    }

    /** The content_hash of a body: sha-256 of its UTF-8, in hex. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
