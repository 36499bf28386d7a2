package dev.notionsync.store;

import dev.notionsync.mapping.ColumnNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Edits of page content made in PostgreSQL, on their way to Notion (README "Editing content from PostgreSQL"). The
 * trigger of every content table (notion_sync.content_guard, V25) refuses what a person may not do and marks a row
 * whose markdown a person changed pending; this class installs it, claims pending rows (a lease, so two engines never
 * push one page at once) and writes each push's outcome back as the engine's write.
 */
public final class PageContentPushes {

    /** One pending edit as claimed: the markdown to send is the row's now; {@code version} tells whether it changes meanwhile. */
    public record Pending(String pageId, String markdown, String baseHash, long version, Instant editedAt, int attempts,
                          boolean sentBefore) {
    }

    private final DataSource dataSource;

    public PageContentPushes(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The push columns and the guard trigger of a content table, in the transaction that ensures the table (called by
     * {@link PageContents#ensure}): older tables get the columns they lack.
     */
    static void install(Connection c, PageContents.Table table) throws SQLException {
        String name = table.contentName();
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE " + name
                    + " ADD COLUMN IF NOT EXISTS \"push_pending_since\" timestamptz,"   // a local edit waits to be pushed (since)
                    + " ADD COLUMN IF NOT EXISTS \"push_edited_at\" timestamptz,"       // the latest local edit (newest-wins compares it)
                    + " ADD COLUMN IF NOT EXISTS \"push_version\" bigint NOT NULL DEFAULT 0,"   // +1 per local edit
                    + " ADD COLUMN IF NOT EXISTS \"push_attempts\" integer NOT NULL DEFAULT 0,"
                    + " ADD COLUMN IF NOT EXISTS \"push_next_at\" timestamptz,"
                    + " ADD COLUMN IF NOT EXISTS \"push_claimed_until\" timestamptz,"
                    + " ADD COLUMN IF NOT EXISTS \"push_sent_at\" timestamptz,"         // a PATCH left and its answer is not written back
                    + " ADD COLUMN IF NOT EXISTS \"push_error\" text,"
                    + " ADD COLUMN IF NOT EXISTS \"push_refused_at\" timestamptz");    // Notion refused: a dead letter holds it
            st.execute("DROP TRIGGER IF EXISTS notion_sync_content_guard ON " + name);
            st.execute("CREATE TRIGGER notion_sync_content_guard BEFORE INSERT OR UPDATE OR DELETE ON " + name
                    + " FOR EACH ROW EXECUTE FUNCTION notion_sync.content_guard()");
        }
    }

    /**
     * What each content source may do, read by the trigger: written at every start (the settings may have changed).
     *
     * @param boundColumns per bound source, schema.table.column of its content column
     */
    public void register(Map<String, Boolean> pushesBySource, Map<String, String> modeBySource, Map<String, String> boundColumns) throws SQLException {
        inEngineTransaction(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("DELETE FROM notion_sync.content_sources");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.content_sources (source, pushes, mode, bound_column)"
                    + " VALUES (?, ?, ?, ?)")) {
                for (Map.Entry<String, String> source : modeBySource.entrySet()) {
                    ps.setString(1, source.getKey());
                    ps.setBoolean(2, pushesBySource.getOrDefault(source.getKey(), false));
                    ps.setString(3, source.getValue());
                    ps.setString(4, boundColumns.get(source.getKey()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /**
     * Claims the pages whose edits are due (pending, not refused, not waiting for a retry, not held by a live lease),
     * oldest edit first, for {@code lease}: no other engine claims them meanwhile.
     */
    public List<String> claim(PageContents.Table table, Duration lease, int limit) throws SQLException {
        return inEngineTransaction(c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.contentName() + " SET \"push_claimed_until\" = clock_timestamp() + CAST(? AS interval)"
                    + " WHERE \"page_id\" IN (SELECT \"page_id\" FROM " + table.contentName() + " WHERE \"push_pending_since\" IS NOT NULL"
                    + "   AND \"push_refused_at\" IS NULL AND (\"push_next_at\" IS NULL OR \"push_next_at\" <= clock_timestamp())"
                    + "   AND (\"push_claimed_until\" IS NULL OR \"push_claimed_until\" <= clock_timestamp())"
                    + "   ORDER BY \"push_pending_since\" LIMIT ? FOR UPDATE SKIP LOCKED)"
                    + " RETURNING \"page_id\"::text")) {
                ps.setString(1, lease.toMillis() + " milliseconds");
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            return ids;
        });
    }

    /** The row's pending edit now; null when nothing waits (pushed by another engine, dropped, the row gone). */
    public Pending pending(PageContents.Table table, String pageId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT \"markdown\", \"content_hash\", \"push_version\", \"push_edited_at\", \"push_attempts\","
                     + " \"push_sent_at\" IS NOT NULL FROM " + table.contentName() + " WHERE \"page_id\" = CAST(? AS uuid) AND \"push_pending_since\" IS NOT NULL")) {
            ps.setString(1, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Timestamp edited = rs.getTimestamp(4);
                return new Pending(pageId, rs.getString(1), rs.getString(2), rs.getLong(3), edited == null ? null : edited.toInstant(),
                        rs.getInt(5), rs.getBoolean(6));
            }
        }
    }

    /** Committed before the PATCH leaves: from here on Notion may hold this edit whatever happens to the answer. */
    public void sending(PageContents.Table table, String pageId) throws SQLException {
        update(table, pageId, "\"push_sent_at\" = coalesce(\"push_sent_at\", clock_timestamp())", null);
    }

    /**
     * What Notion holds after the push (its answer), in one transaction: the row takes it and is no longer pending,
     * unless a person edited it again since the claim ({@code version} moved): then only its base (content_hash) moves
     * to what Notion holds, and the newer edit stays pending. last_edited_time is left as it is: Notion rounds it down
     * to the minute, so an edit made in Notion later in the same minute is found by the one read after that minute.
     */
    public void landed(PageContents.Table table, Pending pushed, String markdown, String hash) throws SQLException {
        settle(table, pushed, markdown, hash, true, null, null);
    }

    /**
     * {@link #landed} for a bound source's page, in the same transaction: its link records that Notion holds {@code hash}
     * and (when no newer edit waits) that the column holds what was sent ({@code sentHash}), so the Apply pass does not
     * copy Notion's rendering of the edit back over the column's text.
     */
    public void landedBound(PageContents.Table table, Pending pushed, String markdown, String hash, String source, String sentHash)
            throws SQLException {
        settle(table, pushed, markdown, hash, true, source, sentHash);
    }

    /**
     * A conflict kept Notion's content: the row takes it, as {@link #landed}, unless a person edited it again since the
     * claim. That newer edit keeps its base (it was made without seeing Notion's content either), so it meets Notion's
     * content as a conflict of its own, and is never sent over it unjudged.
     */
    public void keptNotions(PageContents.Table table, Pending lost, String markdown, String hash) throws SQLException {
        settle(table, lost, markdown, hash, false, null, null);
    }

    private void settle(PageContents.Table table, Pending pushed, String markdown, String hash, boolean baseMovesUnderNewerEdit, String boundSource,
                        String sentHash) throws SQLException {
        inEngineTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.contentName() + " SET \"content_hash\" = "
                    + (baseMovesUnderNewerEdit ? "?," : "CASE WHEN \"push_version\" = ? THEN ? ELSE \"content_hash\" END,")
                    + " \"markdown\" = CASE WHEN \"push_version\" = ? THEN ? ELSE \"markdown\" END,"
                    + " \"push_pending_since\" = CASE WHEN \"push_version\" = ? THEN NULL ELSE \"push_pending_since\" END,"
                    + " \"push_edited_at\" = CASE WHEN \"push_version\" = ? THEN NULL ELSE \"push_edited_at\" END,"
                    + " \"push_attempts\" = 0, \"push_next_at\" = NULL, \"push_claimed_until\" = NULL, \"push_sent_at\" = NULL,"
                    + " \"push_error\" = NULL, \"push_refused_at\" = NULL, \"fetched_at\" = clock_timestamp(), \"truncated\" = false,"
                    + " \"missing_block_ids\" = NULL, \"unreadable_reason\" = NULL, \"unreadable_at\" = NULL"
                    + " WHERE \"page_id\" = CAST(? AS uuid)")) {
                int i = 1;
                if (!baseMovesUnderNewerEdit) {
                    ps.setLong(i++, pushed.version());
                }
                ps.setString(i++, hash);
                ps.setLong(i++, pushed.version());
                ps.setString(i++, markdown);
                ps.setLong(i++, pushed.version());
                ps.setLong(i++, pushed.version());
                ps.setString(i, pushed.pageId());
                ps.executeUpdate();
            }
            if (boundSource != null) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.links SET content_hash = ?, content_row_hash = CASE WHEN"
                        + " (SELECT \"push_pending_since\" FROM " + table.contentName() + " WHERE \"page_id\" = CAST(? AS uuid)) IS NULL THEN ?"
                        + " ELSE content_row_hash END WHERE source = ? AND page_id = CAST(? AS uuid)")) {
                    ps.setString(1, hash);
                    ps.setString(2, pushed.pageId());
                    ps.setString(3, sentHash);
                    ps.setString(4, boundSource);
                    ps.setString(5, pushed.pageId());
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Not pushed yet (a failure that may pass): tried again after {@code delay}; the edit stays. */
    public void retryLater(PageContents.Table table, String pageId, Duration delay, String error) throws SQLException {
        update(table, pageId, "\"push_attempts\" = \"push_attempts\" + 1, \"push_error\" = ?, \"push_claimed_until\" = NULL,"
                + " \"push_next_at\" = clock_timestamp() + CAST('" + delay.toMillis() + " milliseconds' AS interval)", error);
    }

    /** Notion refused the edit (or it failed too often): it stays in the row, not tried again until a replay or a new edit. */
    public void refused(PageContents.Table table, String pageId, String error) throws SQLException {
        update(table, pageId, "\"push_refused_at\" = clock_timestamp(), \"push_error\" = ?, \"push_claimed_until\" = NULL,"
                + " \"push_next_at\" = NULL", error);
    }

    /** A dead letter's replay: the refused edit is due again (the replay pushes it at once, holding the lease). */
    public void retryRefused(PageContents.Table table, String pageId) throws SQLException {
        update(table, pageId, "\"push_refused_at\" = NULL, \"push_attempts\" = 0, \"push_next_at\" = NULL,"
                + " \"push_claimed_until\" = clock_timestamp() + interval '2 minutes'", null);
    }

    private void update(PageContents.Table table, String pageId, String set, String text) throws SQLException {
        inEngineTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.contentName() + " SET " + set
                    + " WHERE \"page_id\" = CAST(? AS uuid) AND \"push_pending_since\" IS NOT NULL")) {
                int i = 1;
                if (text != null) {
                    ps.setString(i++, text.replace('\0', '\uFFFD'));
                }
                ps.setString(i, pageId);
                return ps.executeUpdate();
            }
        });
    }

    /** The mirror row's page is in Notion's trash or deleted: its content is not pushed (Notion refuses edits of trashed pages). */
    public boolean pageTrashed(PageContents.Table table, String pageId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + ColumnNames.quote(table.schema()) + "." + ColumnNames.quote(table.mirror())
                     + " WHERE \"page_id\" = CAST(? AS uuid) AND (\"in_trash\" IS TRUE OR \"deleted_at\" IS NOT NULL)")) {
            ps.setString(1, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
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
