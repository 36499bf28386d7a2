package dev.notionsync.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.notionsync.mapping.ColumnNames;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * notion_sync.row_changes (V15): the changes applications made to bound tables, recorded by the capture trigger
 * {@code notion_sync_capture}, the only object the engine adds to a user's table. Claimed per row key, all pending
 * changes of a row at once, so two instances never push the same row at the same time; a key change waits for the
 * changes of the key it came from, and a key a row moved away from waits for that move.
 */
public final class RowChanges {

    /** The trigger's name on a bound table. */
    public static final String TRIGGER = "notion_sync_capture";

    private static final Logger LOG = LoggerFactory.getLogger(RowChanges.class);
    // exact numbers: a numeric column's value must reach Notion digit for digit
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(com.fasterxml.jackson.core.JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
    private static final String COLUMNS = "id, source, table_schema, table_name, row_key::text, old_row_key::text, operation,"
            + " changed::text, previous::text, changed_at, attempts";

    private final DataSource dataSource;
    private final Duration reclaimAfter;
    private final ChangeHistory history;

    public RowChanges(DataSource dataSource, Duration reclaimAfter) {
        this(dataSource, reclaimAfter, null);
    }

    /** @param history the history and change events trigger, installed with the capture trigger (null: not here) */
    public RowChanges(DataSource dataSource, Duration reclaimAfter, ChangeHistory history) {
        this.dataSource = dataSource;
        this.reclaimAfter = reclaimAfter;
        this.history = history;
    }

    /**
     * With the capture trigger, the history and change events trigger of the bound table (see {@link ChangeHistory}):
     * installed as soon as the table's columns are paired, so no change of the synced table goes unrecorded.
     */
    public void installHistory(String source, String schema, String table, java.util.Collection<String> excluded) throws SQLException {
        if (history != null) {
            history.installBound(source, schema, table, excluded);
        }
    }

    /**
     * One captured change, as the trigger wrote it. {@code rowKey}: the row's key after the change ({"column": value});
     * {@code oldRowKey}: the key before it when the change moved the row to a new key, else null.
     */
    public record Entry(long id, String source, String schema, String table, JsonNode rowKey, JsonNode oldRowKey, String operation,
                        Map<String, JsonNode> changed, Map<String, JsonNode> previous, Instant changedAt, int attempts) {
        public boolean movesKey() {
            return oldRowKey != null;
        }
    }

    /**
     * Claims the pending changes of up to {@code maxRows} rows of the source, oldest first, each row's in id order.
     * A row's changes are claimed up to its next new beginning (an INSERT after a DELETE, or the row arriving under
     * this key from another one), which waits for the next claim. A row is left for later while any of its changes
     * waits for its retry, another instance holds it, or an older change must go first: one of the key it moved from,
     * or the move of the row that had its key before.
     */
    public List<List<Entry>> claim(String source, String owner, int maxRows) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                // claims are serialised, so "no other instance holds this row" cannot change under us
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('notion-sync row_changes claim'))")) {
                    lock.execute();
                }
                record Segment(String rowKey, long first, long end) {
                }
                List<Segment> segments = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT h.row_key::text, h.id, coalesce(b.boundary, 9223372036854775807)"
                        + " FROM (SELECT DISTINCT ON (row_key) id, row_key, old_row_key FROM notion_sync.row_changes"
                        + "       WHERE status = 'pending' AND source = ? ORDER BY row_key, id) h"
                        + " CROSS JOIN LATERAL (SELECT min(n.id) AS boundary FROM notion_sync.row_changes n"
                        + "       WHERE n.status = 'pending' AND n.source = ? AND n.row_key = h.row_key AND n.id > h.id"
                        + "       AND (n.operation = 'INSERT' OR n.old_row_key IS NOT NULL)) b"
                        + " WHERE NOT EXISTS (SELECT 1 FROM notion_sync.row_changes e WHERE e.status = 'pending' AND e.source = ?"
                        + "       AND e.id < h.id AND (e.row_key = h.old_row_key OR e.old_row_key = h.row_key))"
                        + " AND NOT EXISTS (SELECT 1 FROM notion_sync.row_changes s WHERE s.status = 'pending' AND s.source = ?"
                        + "       AND s.row_key = h.row_key AND s.id >= h.id AND s.id < coalesce(b.boundary, 9223372036854775807)"
                        + "       AND (s.next_attempt_at > now() OR s.claimed_at >= now() - make_interval(secs => ?)))"
                        + " ORDER BY h.id LIMIT ?")) {
                    ps.setString(1, source);
                    ps.setString(2, source);
                    ps.setString(3, source);
                    ps.setString(4, source);
                    ps.setDouble(5, reclaimAfter.toMillis() / 1000.0);
                    ps.setInt(6, maxRows);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            segments.add(new Segment(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                        }
                    }
                }
                List<List<Entry>> claimed = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.row_changes SET claimed_by = ?, claimed_at = now()"
                        + " WHERE id IN (SELECT id FROM notion_sync.row_changes WHERE status = 'pending' AND source = ?"
                        + " AND row_key = ?::jsonb AND id >= ? AND id < ? FOR UPDATE SKIP LOCKED)"
                        + " RETURNING " + COLUMNS)) {
                    for (Segment segment : segments) {
                        ps.setString(1, owner);
                        ps.setString(2, source);
                        ps.setString(3, segment.rowKey());
                        ps.setLong(4, segment.first());
                        ps.setLong(5, segment.end());
                        List<Entry> entries = read(ps);
                        if (!entries.isEmpty()) {
                            claimed.add(entries);
                        }
                    }
                }
                c.commit();
                return claimed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The entries with these ids, whatever their state (a dead letter's replay), in id order. */
    public List<Entry> load(List<Long> ids) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM notion_sync.row_changes WHERE id = ANY(?) ORDER BY id")) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            return read(ps);
        }
    }

    /** Marks entries done: pushed, ignored (nothing to send) or dead_letter. claimed_by keeps who did it. */
    public void finish(List<Long> ids, String status, String note) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            finish(c, ids, status, note);
        }
    }

    /** As {@link #finish(List, String, String)}, in the caller's transaction. */
    public static void finish(Connection c, List<Long> ids, String status, String note) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.row_changes SET status = ?, note = ?, processed_at = now()"
                + " WHERE id = ANY(?)")) {
            ps.setString(1, status);
            ps.setString(2, note);
            ps.setArray(3, c.createArrayOf("bigint", ids.toArray()));
            ps.executeUpdate();
        }
    }

    /** A transient failure (or a wait): the entries go back to pending and are tried again after {@code delay}. */
    public void retryLater(List<Long> ids, Duration delay, String note) throws SQLException {
        retryLater(ids, delay, note, true);
    }

    /**
     * As {@link #retryLater(List, Duration, String)}; {@code countsAsAttempt} false for a wait that is no failure (a
     * related row whose page is being created), which never turns the change into a dead letter.
     */
    public void retryLater(List<Long> ids, Duration delay, String note, boolean countsAsAttempt) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.row_changes SET attempts = attempts + ?, note = ?,"
                     + " next_attempt_at = now() + make_interval(secs => ?), claimed_by = NULL, claimed_at = NULL WHERE id = ANY(?)")) {
            ps.setInt(1, countsAsAttempt ? 1 : 0);
            ps.setString(2, note);
            ps.setDouble(3, delay.toMillis() / 1000.0);
            ps.setArray(4, c.createArrayOf("bigint", ids.toArray()));
            ps.executeUpdate();
        }
    }

    /** Pending changes of every bound table: the push backlog of bound sources. */
    public long backlog() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM notion_sync.row_changes WHERE status = 'pending'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Whether the row under this key has changes still to push (under this key, or moving away from it): the Apply
     * bridge leaves such a row alone; the push resolves it by the conflict policy.
     */
    public boolean pending(String source, JsonNode rowKey) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return pending(c, source, rowKey);
        }
    }

    /** As {@link #pending(String, JsonNode)}, in the caller's transaction (the Apply bridge's, before it writes the row). */
    public static boolean pending(Connection c, String source, JsonNode rowKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM notion_sync.row_changes WHERE status = 'pending'"
                + " AND source = ? AND (row_key = ?::jsonb OR old_row_key = ?::jsonb))")) {
            ps.setString(1, source);
            ps.setString(2, rowKey.toString());
            ps.setString(3, rowKey.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Whether the push gave up on a DELETE of the row under this key (a dead letter, not replayed yet): the page it
     * should have trashed may still be live, and is not the deleted row come back. In the caller's transaction.
     */
    public static boolean deleteGivenUp(Connection c, String source, JsonNode rowKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM notion_sync.row_changes WHERE status = 'dead_letter'"
                + " AND operation = 'DELETE' AND source = ? AND row_key = ?::jsonb)")) {
            ps.setString(1, source);
            ps.setString(2, rowKey.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Asks the push to make a page for a row, as if the row had just been inserted (record matching's rows without a
     * page): records an INSERT with the row's mapped values, in the caller's transaction, unless one is pending already.
     */
    public static void requestPage(Connection c, String source, String schema, String table, JsonNode rowKey, JsonNode mappedValues)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.row_changes (source, table_schema, table_name, row_key, operation,"
                + " changed) SELECT ?, ?, ?, CAST(? AS jsonb), 'INSERT', CAST(? AS jsonb) WHERE NOT EXISTS (SELECT 1 FROM notion_sync.row_changes"
                + " WHERE status = 'pending' AND source = ? AND row_key = CAST(? AS jsonb))")) {
            ps.setString(1, source);
            ps.setString(2, schema);
            ps.setString(3, table);
            ps.setString(4, JSON.writeValueAsString(rowKey));
            ps.setString(5, mappedValues == null ? "{}" : JSON.writeValueAsString(mappedValues));
            ps.setString(6, source);
            ps.setString(7, JSON.writeValueAsString(rowKey));
            ps.executeUpdate();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("unwritable row key " + rowKey, e);
        }
    }

    /**
     * Asks the push to write a row's key into its page's key property (a row the Apply bridge made of a page without
     * a key, its key from the key column's default): records an UPDATE changing no column, in the caller's transaction
     * (the one that inserts the row and its link). The push finds the page through the link and sets only the key
     * property, once; its write-back settles the change, so nothing comes back.
     */
    public static void requestKeyProperty(Connection c, String source, String schema, String table, JsonNode rowKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.row_changes (source, table_schema, table_name, row_key, operation)"
                + " VALUES (?, ?, ?, CAST(? AS jsonb), 'UPDATE')")) {
            ps.setString(1, source);
            ps.setString(2, schema);
            ps.setString(3, table);
            ps.setString(4, JSON.writeValueAsString(rowKey));
            ps.executeUpdate();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("unwritable row key " + rowKey, e);
        }
    }

    /**
     * Asks the push to send some columns of a row as an UPDATE from {@code previous} to {@code changed} (by the names
     * the capture trigger records them under), in the caller's transaction: a row linked again to its page restored
     * from the trash sends what the application changed while it was unlinked.
     */
    public static void requestUpdate(Connection c, String source, String schema, String table, JsonNode rowKey, JsonNode changed,
                                     JsonNode previous) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.row_changes (source, table_schema, table_name, row_key, operation,"
                + " changed, previous) VALUES (?, ?, ?, CAST(? AS jsonb), 'UPDATE', CAST(? AS jsonb), CAST(? AS jsonb))")) {
            ps.setString(1, source);
            ps.setString(2, schema);
            ps.setString(3, table);
            ps.setString(4, JSON.writeValueAsString(rowKey));
            ps.setString(5, JSON.writeValueAsString(changed));
            ps.setString(6, JSON.writeValueAsString(previous));
            ps.executeUpdate();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("unwritable row change of " + rowKey, e);
        }
    }

    /** A column the trigger records: the name its changes are recorded under, and the column's attnum, which a rename keeps. */
    public record Captured(String name, int attnum) {
    }

    /**
     * Installs (or re-installs, when its arguments differ) the capture trigger on a bound table: the only object the
     * engine adds to a user's table. Returns whether the trigger was (re)created.
     *
     * @param key    the key columns, each under the name the links use for it
     * @param mapped the mapped columns, each under the name its pair was recorded under
     */
    public boolean install(String schema, String table, String source, List<Captured> key, List<Captured> mapped) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                boolean installed = install(c, schema, table, source, key, mapped);
                c.commit();
                return installed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** As {@link #install(String, String, String, List, List)} with the columns named as the table names them now. */
    public boolean installByName(String schema, String table, String source, List<String> keyColumns, List<String> mappedColumns)
            throws SQLException {
        Map<String, Integer> attnums = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT attname, attnum FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0"
                     + " AND NOT attisdropped")) {
            ps.setString(1, ColumnNames.quote(schema) + "." + ColumnNames.quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    attnums.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return install(schema, table, source, keyColumns.stream().map(k -> new Captured(k, attnums.get(k))).toList(),
                mappedColumns.stream().map(m -> new Captured(m, attnums.get(m))).toList());
    }

    /**
     * As {@link #install(String, String, String, List, List)}, in the caller's transaction (a column added to the
     * table: its pair, the trigger and its rows' values recorded for the push, together). Arguments of the trigger
     * function (V17): the source, '', each key column's name and attnum, '', each mapped column's name and attnum.
     */
    public static boolean install(Connection c, String schema, String table, String source, List<Captured> key, List<Captured> mapped)
            throws SQLException {
        List<String> arguments = new ArrayList<>();
        arguments.add(source);
        arguments.add("");
        key.forEach(k -> arguments.addAll(List.of(k.name(), String.valueOf(k.attnum()))));
        arguments.add("");
        mapped.forEach(m -> arguments.addAll(List.of(m.name(), String.valueOf(m.attnum()))));
        String qualified = ColumnNames.quote(schema) + "." + ColumnNames.quote(table);
        // one installer per table at a time (bootstrap, Apply, the push and drift may all install): without it two
        // transactions both drop nothing and the second CREATE TRIGGER fails with "already exists"
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, "notion_sync_capture " + qualified);
            lock.execute();
        }
        String current = currentArguments(c, qualified);
        if (current != null && current.equals(String.join("\u0000", arguments) + "\u0000")) {
            return false;
        }
        StringBuilder call = new StringBuilder("notion_sync.capture_row_change(");
        for (int i = 0; i < arguments.size(); i++) {
            call.append(i == 0 ? "" : ", ").append(ColumnNames.literal(arguments.get(i)));
        }
        call.append(')');
        try (Statement st = c.createStatement()) {
            st.execute("DROP TRIGGER IF EXISTS " + ColumnNames.quote(TRIGGER) + " ON " + qualified);
            st.execute("CREATE TRIGGER " + ColumnNames.quote(TRIGGER) + " AFTER INSERT OR UPDATE OR DELETE ON " + qualified
                    + " FOR EACH ROW EXECUTE FUNCTION " + call);
        }
        LOG.info("Bound table {}.{} (source {}): change capture installed (key {}, {} mapped columns)", schema, table, source,
                key.stream().map(Captured::name).toList(), mapped.size());
        return true;
    }

    /**
     * Asks the push to send one column of every row that has a page, or a change still to push, as the table holds it
     * now (a column just paired with a new property): an UPDATE of that column per row, in the caller's transaction,
     * which holds the table against writes ({@code LOCK ... SHARE ROW EXCLUSIVE}) so no application write falls between
     * the values read here and the trigger that records the next ones. Returns how many rows.
     *
     * @param column     the column as the table names it now; recorded under its pair's name, {@code recordedAs}
     */
    public static int requestColumn(Connection c, String source, String schema, String table, List<String> keyColumns,
                                    String column, String recordedAs) throws SQLException {
        String qualified = ColumnNames.quote(schema) + "." + ColumnNames.quote(table);
        List<String> key = new ArrayList<>();
        keyColumns.forEach(k -> key.add(ColumnNames.literal(k) + ", t." + ColumnNames.quote(k)));
        try (Statement st = c.createStatement()) {
            st.execute("LOCK TABLE " + qualified + " IN SHARE ROW EXCLUSIVE MODE");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.row_changes (source, table_schema, table_name, row_key,"
                + " operation, changed) SELECT ?, ?, ?, k.row_key, 'UPDATE', jsonb_build_object(?, to_jsonb(t.*) -> ?) FROM " + qualified
                + " AS t CROSS JOIN LATERAL (SELECT jsonb_build_object(" + String.join(", ", key) + ") AS row_key) AS k"
                + " WHERE EXISTS (SELECT 1 FROM notion_sync.links l WHERE l.source = ? AND l.row_key = k.row_key AND l.state = 'linked')"
                + " OR EXISTS (SELECT 1 FROM notion_sync.row_changes r WHERE r.status = 'pending' AND r.source = ? AND r.row_key = k.row_key)")) {
            ps.setString(1, source);
            ps.setString(2, schema);
            ps.setString(3, table);
            ps.setString(4, recordedAs);
            ps.setString(5, column);
            ps.setString(6, source);
            ps.setString(7, source);
            return ps.executeUpdate();
        }
    }

    /**
     * Removes these columns' values from every change recorded for the source (columns {@code .exclude} names now that
     * were synced before, a secret noticed late): what the engine stored of them goes. Returns how many changes held one.
     */
    public int forgetColumns(String source, List<String> columns) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.row_changes SET changed = changed - ?::text[],"
                     + " previous = previous - ?::text[] WHERE source = ? AND (jsonb_exists_any(changed, ?::text[]) OR jsonb_exists_any(previous, ?::text[]))")) {
            String[] names = columns.toArray(String[]::new);
            ps.setArray(1, c.createArrayOf("text", names));
            ps.setArray(2, c.createArrayOf("text", names));
            ps.setString(3, source);
            ps.setArray(4, c.createArrayOf("text", names));
            ps.setArray(5, c.createArrayOf("text", names));
            return ps.executeUpdate();
        }
    }

    /** Removes the capture trigger from a table (a source no longer pushing); nothing when there is none. */
    public void uninstall(String schema, String table) throws SQLException {
        String qualified = ColumnNames.quote(schema) + "." + ColumnNames.quote(table);
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            if (currentArguments(c, qualified) != null) {
                st.execute("DROP TRIGGER IF EXISTS " + ColumnNames.quote(TRIGGER) + " ON " + qualified);
                LOG.info("Bound table {}.{}: change capture removed", schema, table);
            }
        }
    }

    /** The trigger's arguments, NUL-separated as pg_trigger keeps them, or null when the table has no such trigger. */
    private static String currentArguments(Connection c, String qualified) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT tgargs FROM pg_trigger WHERE tgname = ? AND tgrelid = to_regclass(?)")) {
            ps.setString(1, TRIGGER);
            ps.setString(2, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String(rs.getBytes(1), StandardCharsets.UTF_8) : null;
            }
        }
    }

    private static List<Entry> read(PreparedStatement ps) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                entries.add(new Entry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), json(rs.getString(5)),
                        json(rs.getString(6)), rs.getString(7), columns(rs.getString(8)), columns(rs.getString(9)),
                        rs.getObject(10, OffsetDateTime.class).toInstant(), rs.getInt(11)));
            }
        }
        entries.sort((a, b) -> Long.compare(a.id(), b.id()));
        return entries;
    }

    private static Map<String, JsonNode> columns(String json) {
        Map<String, JsonNode> columns = new LinkedHashMap<>();
        JsonNode node = json(json);
        if (node != null) {
            node.fields().forEachRemaining(e -> columns.put(e.getKey(), e.getValue()));
        }
        return columns;
    }

    private static JsonNode json(String text) {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("unreadable JSON in notion_sync.row_changes: " + e.getMessage(), e);
        }
    }
}
