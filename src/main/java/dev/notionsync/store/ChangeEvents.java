package dev.notionsync.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;

/**
 * notion_sync.change_events (V41), read in delivery order. event_id comes from a sequence, so a transaction may commit
 * event 11 while event 10 is still uncommitted: a reader that took "event_id > cursor" then would skip 10 for ever.
 * {@link #settledThrough} is the barrier that prevents it: every event up to it is committed (or rolled back) for good.
 */
public final class ChangeEvents {

    /** One row change, as the trigger recorded it; row_key, before and after are JSON text. */
    public record ChangeEvent(long id, String uuid, Instant occurredAt, String source, String tableSchema, String tableName,
                              String pageId, String rowKey, String operation, String side, String changedBy,
                              List<String> changedColumns, String before, String after) {
    }

    /** A reading of the barrier: the sequence's last value, then the snapshot of the transactions running then. */
    private record Mark(long maxId, String snapshot) {
    }

    /** The last event id handed out so far (0: none), as SQL: where a new subscription starts. */
    static final String LAST_ID = "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM notion_sync.change_events_event_id_seq)";

    private final DataSource dataSource;
    private Mark pending;
    private long settled;

    public ChangeEvents(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The highest event id below which no event can still appear. Pipelined: each call checks whether the mark taken
     * by the previous call has settled (every transaction running at its snapshot has ended, so every event id up to
     * its maxId is committed or never will be) and takes a new mark. The maxId is read BEFORE the snapshot: a
     * transaction that drew an event id by then has its transaction id already (the trigger fires after the row's
     * own write), so it is in the snapshot or ended before it. Read-only transactions have no transaction id and never
     * hold the barrier; a long writing transaction anywhere on the server does, until it ends.
     */
    public synchronized long settledThrough() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (pending != null && settled(c, pending.snapshot())) {
                settled = Math.max(settled, pending.maxId());
                pending = null;
            }
            if (pending == null) {
                pending = mark(c);
            }
        }
        return settled;
    }

    private static Mark mark(Connection c) throws SQLException {
        long maxId;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + LAST_ID); ResultSet rs = ps.executeQuery()) {
            rs.next();
            maxId = rs.getLong(1);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT CAST(pg_current_snapshot() AS text)"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Mark(maxId, rs.getString(1));
        }
    }

    private static boolean settled(Connection c, String snapshot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_snapshot_xmin(pg_current_snapshot()) >= pg_snapshot_xmax(CAST(? AS pg_snapshot))")) {
            ps.setString(1, snapshot);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The events after {@code after} up to {@code through}, in event_id order, at most {@code limit}. */
    public List<ChangeEvent> between(long after, long through, int limit) throws SQLException {
        List<ChangeEvent> events = new ArrayList<>();
        if (through <= after) {
            return events;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT event_id, event_uuid, occurred_at,"
                + " source, table_schema, table_name, page_id, row_key::text, operation, side, changed_by, changed_columns, before::text,"
                + " after::text FROM notion_sync.change_events WHERE event_id > ? AND event_id <= ? ORDER BY event_id LIMIT ?")) {
            ps.setLong(1, after);
            ps.setLong(2, through);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array columns = rs.getArray(12);
                    events.add(new ChangeEvent(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                            rs.getString(11), columns == null ? List.of() : Arrays.asList((String[]) columns.getArray()),
                            rs.getString(13), rs.getString(14)));
                }
            }
        }
        return events;
    }
}
