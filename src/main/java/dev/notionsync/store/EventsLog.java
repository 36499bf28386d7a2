package dev.notionsync.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The recent sync events an operator looks at (GET /observe/events), read from where the engine records them:
 * pulls and sweeps that changed something or failed (sync_runs; idle polls are left out), conflicts, dead letters
 * and their resolution, operator actions, and row changes (notion_sync.change_events: which operation, by which side
 * and who, which columns, of which page or row), and connection problems (a pull whose token Notion refused, an OAuth connection revoked).
 * Newest first.
 */
public final class EventsLog {

    /** The event types, as the log names them and the type filter takes them. */
    public static final List<String> TYPES = List.of("sync_completed", "sync_failed", "conflict", "dead_letter", "dead_letter_resolved",
            "operator_action", "row_change", "connection_problem");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ROW_CHANGES = " UNION ALL SELECT occurred_at, 'row_change', source, operation || ' of ' || coalesce('page ' || page_id, 'row ' || row_key::text)"
            + "   || ' in ' || table_name || ' by ' || side || coalesce(' (' || changed_by || ')', '') || ': ' || array_to_string(changed_columns, ', '),"
            + "   event_id FROM notion_sync.change_events";

    private static final String EVENTS = "SELECT * FROM ("
            + " SELECT finished_at AS at, CASE WHEN outcome = 'ok' THEN 'sync_completed' ELSE 'sync_failed' END AS type, source,"
            + "   kind || CASE WHEN outcome = 'ok' THEN ': ' || pages_read || ' pages read, ' || pages_inserted || ' inserted, ' || pages_updated"
            + "   || ' updated, ' || pages_deleted || ' deleted' ELSE ' failed: ' || coalesce(error, '?') END AS detail, id AS ref"
            + "   FROM notion_sync.sync_runs WHERE finished_at IS NOT NULL"
            + "   AND (outcome <> 'ok' OR pages_inserted + pages_updated + pages_deleted > 0)"
            + " UNION ALL SELECT detected_at, 'conflict', source, 'page ' || page_id || ', property ' || property_name || ': ' || winner"
            + "   || ' won (' || policy || ')', id FROM notion_sync.conflicts"
            + " UNION ALL SELECT failed_at, 'dead_letter', NULL, coalesce(route_id, endpoint_uri) || ': ' || coalesce(exception_message, exception_class, '?'), id"
            + "   FROM notion_sync.dead_letters"
            + " UNION ALL SELECT resolved_at, 'dead_letter_resolved', NULL, coalesce(route_id, endpoint_uri) || ' resolved by a replay', id"
            + "   FROM notion_sync.dead_letters WHERE resolved_at IS NOT NULL"
            + " UNION ALL SELECT at, 'operator_action', CASE WHEN target IS NOT NULL AND target !~ '^[#(]' AND target NOT LIKE 'handshake %' THEN target END,"
            + "   actor || ' from ' || origin || ': ' || action || coalesce(' ' || target, '') || ', ' || outcome, id FROM notion_sync.operator_audit"
            + ROW_CHANGES
            + " UNION ALL SELECT finished_at, 'connection_problem', source, kind || ': Notion refused the token (401): ' || coalesce(error, '?'), id"
            + "   FROM notion_sync.sync_runs WHERE permanent_error_status = 401 AND finished_at IS NOT NULL"
            + " UNION ALL SELECT updated_at, 'connection_problem', NULL, 'OAuth connection ' || name || ' revoked: ' || coalesce(status_detail, '?'), NULL"
            + "   FROM notion_sync.oauth_connections WHERE status = 'revoked'"
            + ") e WHERE (CAST(? AS text) IS NULL OR e.type = ?) AND (CAST(? AS text) IS NULL OR e.source = ?) ORDER BY e.at DESC LIMIT ?";

    private final DataSource dataSource;

    public EventsLog(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * @param type   one of {@link #TYPES}, or null for all
     * @param source a source's name, or null for all (dead letters name no source)
     */
    public String recent(String type, String source, int limit) throws SQLException {
        if (type != null && !TYPES.contains(type)) {
            throw new IllegalArgumentException("no event type '" + type + "'; types: " + String.join(", ", TYPES));
        }
        return recent(EVENTS, type, source, limit);
    }

    /**
     * The recent events but the row changes (the dashboard's): what happened to the syncs. A busy sync makes a row
     * change per page it writes; among them a failed run or a dead letter of a few minutes ago would not show.
     */
    public String recentSyncEvents(int limit) throws SQLException {
        return recent(EVENTS.replace(ROW_CHANGES, ""), null, null, limit);
    }

    private String recent(String sql, String type, String source, int limit) throws SQLException {
        ArrayNode list = JSON.createArrayNode();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, type);
            ps.setString(2, type);
            ps.setString(3, source);
            ps.setString(4, source);
            ps.setInt(5, Math.max(1, Math.min(limit, 1000)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    list.addObject().put("at", rs.getTimestamp(1).toInstant().toString()).put("type", rs.getString(2)).put("source", rs.getString(3))
                            .put("detail", rs.getString(4)).put("ref", rs.getLong(5));
                }
            }
        }
        return list.toString();
    }
}
