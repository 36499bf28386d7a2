package dev.notionsync.store;

import dev.notionsync.mapping.ColumnNames;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * History and change events of the rows of a source's table: its triggers write, in the row's own transaction, the
 * row's new version into {@code <table>_history} (when the source keeps history) and one row into
 * notion_sync.change_events (when change events are on). {@code notion_sync_history} (V41, V43) records each updated or
 * deleted row, {@code notion_sync_history_insert} (V47) a statement's inserted rows together (on a partitioned table the
 * row trigger records inserts too), {@code notion_sync_history_truncate} a TRUNCATE. Installed again only when their
 * arguments or events differ.
 */
public final class ChangeHistory {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeHistory.class);

    static final String TRIGGER = "notion_sync_history";
    /** TRUNCATE fires no row trigger: a statement trigger ends the table's versions and says so (V43). */
    static final String TRUNCATE_TRIGGER = "notion_sync_history_truncate";
    /** Inserts are recorded per statement, from its transition table (V47): a pull's 100 new rows in two INSERTs. */
    static final String INSERT_TRIGGER = "notion_sync_history_insert";
    private static final String MARK = "notion-sync history of source ";

    /** The engine's bookkeeping columns of a mirror table: neither part of a version nor a change. */
    public static final List<String> MIRROR_BOOKKEEPING = List.of("properties", "content_hash", "synced_at");

    /** What a source's table records of its changes. */
    public record Capture(boolean history, boolean events) {

        public static final Capture NONE = new Capture(false, false);

        boolean any() {
            return history || events;
        }

        String flags() {
            return (history ? "history" : "") + (history && events ? "," : "") + (events ? "events" : "");
        }
    }

    /** A history table whose name another table already has. */
    public static final class CollisionException extends IllegalStateException {
        CollisionException(String message) {
            super(message);
        }
    }

    private final DataSource dataSource;
    private final Map<String, Capture> captures;
    private final java.util.Set<String> bound;

    /**
     * @param captures per source name; a source not in it records nothing
     * @param bound    the bound sources: the pull keeps who edited their pages last (notion_sync.page_editors)
     */
    public ChangeHistory(DataSource dataSource, Map<String, Capture> captures, java.util.Set<String> bound) {
        this.dataSource = dataSource;
        this.captures = Map.copyOf(captures);
        this.bound = java.util.Set.copyOf(bound);
    }

    /** Whether the pull of this source keeps who edited its pages last, for the history of its bound table's rows. */
    public boolean recordsEditors(String source) {
        return source != null && bound.contains(source) && capture(source).any();
    }

    /**
     * Says, for the rest of the Apply pass's transaction, that its writes bring a Notion edit of this page into a bound
     * table's row, made by who edited the page last.
     */
    public static void tagNotionEdit(Connection c, String pageId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('notion_sync.side', 'notion', true), set_config('notion_sync.authors', '', true),"
                + " set_config('notion_sync.actor', coalesce((SELECT user_id FROM notion_sync.page_editors WHERE page_id = CAST(? AS uuid)), ''), true)")) {
            ps.setString(1, pageId);
            ps.execute();
        }
    }

    /** The name of the history table beside a table. */
    public static String nameFor(String table) {
        return table + "_history";
    }

    public Capture capture(String source) {
        return captures.getOrDefault(source, Capture.NONE);
    }

    /** Installs (or removes) the trigger on a source's mirror table, keyed by page_id. */
    public void installMirror(String source, MirrorTable mirror) throws SQLException {
        install(source, mirror.schema(), mirror.table(), true, List.of("page_id"), MIRROR_BOOKKEEPING);
    }

    /**
     * Installs (or removes) the trigger on a bound source's own table, keyed by its key columns (as the table has them
     * now). The columns the source excludes from sync (a secret, a password hash) are left out of its versions and
     * events: events leave the database. Called at start and at each read of the source's schema, so a table the
     * application makes after the engine started records its changes from then on.
     *
     * @throws TableShapes.UnboundableTableException when the table does not exist (yet), is not a table, or has no primary key
     */
    public void installBound(String source, String schema, String table, java.util.Collection<String> excluded) throws SQLException {
        if (!paired(source)) {
            return;   // the application's table is left untouched until its columns are paired
        }
        List<String> key = new TableShapes(dataSource).read(schema, table, "notion.source." + source + ".table").key();
        install(source, schema, table, false, key, List.copyOf(excluded));
    }

    /**
     * Whether a bound source's columns are paired with properties (by its bootstrap, or its record matching): from then
     * on its changes are captured for the push, and recorded here too. Before, the application's table is not touched.
     */
    private boolean paired(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM notion_sync.bound_columns WHERE source = ?)")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void install(String source, String schema, String table, boolean mirror, List<String> key, List<String> bookkeeping)
            throws SQLException {
        Capture capture = capture(source);
        String qualified = ColumnNames.quote(schema) + "." + ColumnNames.quote(table);
        String history = ColumnNames.quote(schema) + "." + ColumnNames.quote(nameFor(table));
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                    lock.setString(1, TRIGGER + " " + qualified);
                    lock.execute();
                }
                // made anew also when a user dropped it: its rows' versions until now are gone, so they start again
                boolean made = capture.history() && ensureTable(c, source, history);
                List<String> arguments = new ArrayList<>(List.of(source, capture.flags(), mirror ? "mirror" : "bound", history));
                arguments.addAll(key);
                arguments.add("");
                arguments.addAll(bookkeeping);
                String current = currentArguments(c, qualified, TRIGGER);
                String wanted = capture.any() ? String.join("\u0000", arguments) + "\u0000" : null;
                // a partitioned table's statement triggers fire only for an INSERT naming it: a row inserted straight into a
                // partition, or moved to another partition by an UPDATE, is seen by the row trigger (cloned onto each
                // partition) alone, which records its inserts there too
                boolean partitioned = partitioned(c, qualified);
                boolean triggerAsWanted = java.util.Objects.equals(current, wanted)
                        && (wanted == null || recordsInserts(c, qualified) == partitioned)
                        && java.util.Objects.equals(currentArguments(c, qualified, TRUNCATE_TRIGGER), wanted)
                        && java.util.Objects.equals(currentArguments(c, qualified, INSERT_TRIGGER), partitioned ? null : wanted);
                if (triggerAsWanted && !made) {
                    c.commit();
                    return;
                }
                boolean historyBefore = current != null && current.split("\u0000", -1)[1].contains("history");
                try (Statement st = c.createStatement()) {
                    if (!triggerAsWanted) {
                        st.execute("DROP TRIGGER IF EXISTS " + TRIGGER + " ON " + qualified);
                        st.execute("DROP TRIGGER IF EXISTS " + TRUNCATE_TRIGGER + " ON " + qualified);
                        st.execute("DROP TRIGGER IF EXISTS " + INSERT_TRIGGER + " ON " + qualified);
                    }
                    if (capture.any() && !triggerAsWanted) {
                        StringBuilder call = new StringBuilder("notion_sync.record_history(");
                        for (int i = 0; i < arguments.size(); i++) {
                            call.append(i == 0 ? "" : ", ").append(ColumnNames.literal(arguments.get(i)));
                        }
                        call.append(')');
                        st.execute("CREATE TRIGGER " + TRIGGER + " AFTER " + (partitioned ? "INSERT OR " : "") + "UPDATE OR DELETE ON " + qualified
                                + " FOR EACH ROW EXECUTE FUNCTION " + call);
                        if (!partitioned) {
                            st.execute("CREATE TRIGGER " + INSERT_TRIGGER + " AFTER INSERT ON " + qualified + " REFERENCING NEW TABLE AS inserted"
                                    + " FOR EACH STATEMENT EXECUTE FUNCTION " + call.toString().replace("notion_sync.record_history(", "notion_sync.record_inserts("));
                        }
                        st.execute("CREATE TRIGGER " + TRUNCATE_TRIGGER + " AFTER TRUNCATE ON " + qualified
                                + " FOR EACH STATEMENT EXECUTE FUNCTION " + call.toString().replace("notion_sync.record_history(", "notion_sync.record_truncate("));
                    }
                    if (capture.history() && (!historyBefore || made)) {
                        // the table held against writes until this commits (CREATE TRIGGER holds it too): nothing falls between
                        st.execute("LOCK TABLE " + qualified + " IN SHARE ROW EXCLUSIVE MODE");
                        snapshot(st, qualified, history, mirror, key, bookkeeping);
                    }
                }
                if (triggerAsWanted) {
                    c.commit();
                    LOG.info("Table {}.{} (source {}): its history table {} was made again, with its rows as they are now", schema, table, source,
                            nameFor(table));
                    return;
                }
                if (!mirror && !bookkeeping.isEmpty()) {
                    forget(c, source, history, bookkeeping);
                }
                c.commit();
                LOG.info("Table {}.{} (source {}): {}", schema, table, source, capture.any()
                        ? "records " + (capture.history() ? "its history in " + nameFor(table) : "")
                        + (capture.history() && capture.events() ? " and " : "") + (capture.events() ? "change events" : "")
                        : "no longer records history or change events");
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * History just turned on (or on again after it was off, when its changes went unrecorded): every row's version
     * until now ends, and each row as it is now is its first version ('snapshot', by the engine).
     */
    private static void snapshot(Statement st, String table, String history, boolean mirror, List<String> key, List<String> bookkeeping)
            throws SQLException {
        st.execute("SET LOCAL timezone = 'UTC'");   // the rows' keys and values rendered as the trigger renders them (V43)
        StringBuilder rowKey = new StringBuilder("jsonb_build_object(");
        for (int i = 0; i < key.size(); i++) {
            rowKey.append(i == 0 ? "" : ", ").append(ColumnNames.literal(key.get(i))).append(", t.").append(ColumnNames.quote(key.get(i)));
        }
        rowKey.append(')');
        StringBuilder values = new StringBuilder("to_jsonb(t.*)");
        bookkeeping.forEach(column -> values.append(" - ").append(ColumnNames.literal(column)));
        st.execute("UPDATE " + history + " SET valid_to = clock_timestamp() WHERE valid_to IS NULL");
        int rows = st.executeUpdate("INSERT INTO " + history + " (page_id, row_key, valid_from, operation, side, changed_columns, row_values)"
                + " SELECT " + (mirror ? "t.\"page_id\"" : "NULL::uuid") + ", " + rowKey + ", clock_timestamp(), 'snapshot', 'engine', '{}', " + values
                + " FROM " + table + " AS t");
        LOG.info("History of {}: {} rows recorded as they are now (their first version)", table, rows);
    }

    /**
     * Removes the values of a bound table's excluded columns from the versions and change events recorded before they
     * were excluded (a secret noticed late: what the trigger of before recorded of it goes, as from the row changes).
     */
    private static void forget(Connection c, String source, String history, List<String> excluded) throws SQLException {
        java.sql.Array names = c.createArrayOf("text", excluded.toArray());
        int events;
        try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.change_events SET before = before - ?::text[], after = after - ?::text[],"
                + " changed_columns = ARRAY(SELECT n FROM unnest(changed_columns) AS n WHERE n <> ALL (?::text[]))"
                + " WHERE source = ? AND (jsonb_exists_any(before, ?::text[]) OR jsonb_exists_any(after, ?::text[]) OR changed_columns && ?::text[])")) {
            for (int i : new int[] {1, 2, 3, 5, 6, 7}) {
                ps.setArray(i, names);
            }
            ps.setString(4, source);
            events = ps.executeUpdate();
        }
        int versions = 0;
        if (exists(c, history)) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + history + " SET row_values = row_values - ?::text[],"
                    + " changed_columns = ARRAY(SELECT n FROM unnest(changed_columns) AS n WHERE n <> ALL (?::text[]))"
                    + " WHERE jsonb_exists_any(row_values, ?::text[]) OR changed_columns && ?::text[]")) {
                for (int i = 1; i <= 4; i++) {
                    ps.setArray(i, names);
                }
                versions = ps.executeUpdate();
            }
        }
        if (events + versions > 0) {
            LOG.info("source {}: excluded column(s) {} removed from {} change events and {} versions recorded before", source, excluded, events, versions);
        }
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static boolean partitioned(Connection c, String qualified) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(?)")) {
            ps.setString(1, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Whether the row trigger fires on INSERT too (TRIGGER_TYPE_INSERT, 1 << 2): before V47, or on a partitioned table. */
    private static boolean recordsInserts(Connection c, String qualified) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT tgtype & 4 <> 0 FROM pg_trigger WHERE tgname = ? AND tgrelid = to_regclass(?)")) {
            ps.setString(1, TRIGGER);
            ps.setString(2, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static String currentArguments(Connection c, String qualified, String trigger) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT tgargs FROM pg_trigger WHERE tgname = ? AND tgrelid = to_regclass(?)")) {
            ps.setString(1, trigger);
            ps.setString(2, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String(rs.getBytes(1), StandardCharsets.UTF_8) : null;
            }
        }
    }

    /**
     * Creates the history table if it does not exist (true: made now); a table of that name the engine did not make for this source (an
     * application's table) is never written into: the start stops saying so.
     */
    private static boolean ensureTable(Connection c, String source, String history) throws SQLException {
        String mark;
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(obj_description(r, 'pg_class'), '') FROM to_regclass(?) AS r WHERE r IS NOT NULL")) {
            ps.setString(1, history);
            try (ResultSet rs = ps.executeQuery()) {
                mark = rs.next() ? rs.getString(1) : null;
            }
        }
        if (mark != null) {
            if (!mark.equals(MARK + source)) {
                throw new CollisionException("source " + source + ": table " + history + " exists and is not its history table ("
                        + (mark.startsWith(MARK) ? "it holds the history of source " + mark.substring(MARK.length()) : "notion-sync did not make it")
                        + "); rename or drop that table, give the source another table (notion.source." + source + ".table),"
                        + " or set notion.source." + source + ".history = false");
            }
            return false;
        }
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + history + " ("
                    + "history_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                    + " page_id uuid,"                       // mirror tables: the page
                    + " row_key jsonb NOT NULL,"             // the key columns and their values
                    + " valid_from timestamptz NOT NULL,"
                    + " valid_to timestamptz,"               // NULL: the row's current version
                    + " operation text NOT NULL,"            // insert | update | delete | snapshot (history turned on)
                    + " side text NOT NULL,"                 // notion | postgres | engine
                    + " changed_by text,"                    // Notion user id, or the database role
                    + " changed_columns text[] NOT NULL,"
                    + " row_values jsonb)"                   // the row from valid_from to valid_to (as deleted, for a delete)
                    // versions up to 8 KB stay as written: compressing each 2 KB version cost a bulk insert more than writing it (V48)
                    + " WITH (toast_tuple_target = 8160)");
            st.execute("CREATE INDEX ON " + history + " (row_key, valid_from)");
            st.execute("CREATE INDEX ON " + history + " (page_id, valid_from)");
            st.execute("CREATE INDEX ON " + history + " (valid_from)");
            st.execute("COMMENT ON TABLE " + history + " IS " + ColumnNames.literal(MARK + source));
        }
        return true;
    }
}
