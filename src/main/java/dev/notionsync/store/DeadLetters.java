package dev.notionsync.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** notion_sync.dead_letters: what failed after its retries, to list, understand and replay. */
public final class DeadLetters {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataSource dataSource;

    public DeadLetters(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One dead letter as operators see it. */
    public record DeadLetter(long id, String routeId, String endpointUri, String exceptionClass, String exceptionMessage,
                             int attempts, String body, String headers, Instant failedAt, String status,
                             Instant resolvedAt, int replayCount, String lastReplayError) {
    }

    public long insert(String routeId, String endpointUri, Throwable failure, int attempts, String body,
                       Map<String, Object> headers, Instant firstAttemptAt) throws SQLException {
        return insert(routeId, endpointUri, failure == null ? null : failure.getClass().getName(), failure == null ? null : failure.getMessage(),
                attempts, body, headers, firstAttemptAt);
    }

    /** A dead letter whose error was made safe to keep first (credentials masked): its exception's class and message. */
    public long insert(String routeId, String endpointUri, String exceptionClass, String exceptionMessage, int attempts, String body,
                       Map<String, Object> headers, Instant firstAttemptAt) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.dead_letters (route_id, endpoint_uri, exception_class,"
                     + " exception_message, attempts, body, headers, first_attempt_at) VALUES (?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?) RETURNING id")) {
            ps.setString(1, routeId);
            ps.setString(2, endpointUri);
            ps.setString(3, exceptionClass);
            ps.setString(4, exceptionMessage);
            ps.setInt(5, attempts);
            ps.setString(6, body);
            ps.setString(7, headersJson(headers));
            ps.setTimestamp(8, firstAttemptAt == null ? null : Timestamp.from(firstAttemptAt));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** True when the same message already waits as an open dead letter for the same endpoint. */
    public boolean isOpen(String endpointUri, String body) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM notion_sync.dead_letters WHERE status = 'open' AND endpoint_uri = ? AND body = ?")) {
            ps.setString(1, endpointUri);
            ps.setString(2, body);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public List<DeadLetter> list(boolean openOnly, int limit) throws SQLException {
        List<DeadLetter> result = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, route_id, endpoint_uri, exception_class, exception_message, attempts,"
                     + " body, headers::text, failed_at, status, resolved_at, replay_count, last_replay_error FROM notion_sync.dead_letters"
                     + (openOnly ? " WHERE status = 'open'" : "") + " ORDER BY id LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(read(rs));
                }
            }
        }
        return result;
    }

    public Optional<DeadLetter> find(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, route_id, endpoint_uri, exception_class, exception_message, attempts,"
                     + " body, headers::text, failed_at, status, resolved_at, replay_count, last_replay_error FROM notion_sync.dead_letters WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    public long countOpen() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public void markResolved(long id) throws SQLException {
        update("UPDATE notion_sync.dead_letters SET status = 'resolved', resolved_at = now(), replay_count = replay_count + 1,"
                + " last_replay_error = NULL WHERE id = ? AND status = 'open'", id, null);
    }

    /** Resolves the open dead letter of this message, if any: the work it stood for has since succeeded on its own. */
    public void markResolvedFor(String endpointUri, String body) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.dead_letters SET status = 'resolved', resolved_at = now()"
                     + " WHERE status = 'open' AND endpoint_uri = ? AND body = ?")) {
            ps.setString(1, endpointUri);
            ps.setString(2, body);
            ps.executeUpdate();
        }
    }

    public void recordReplayFailure(long id, String error) throws SQLException {
        update("UPDATE notion_sync.dead_letters SET replay_count = replay_count + 1, last_replay_error = ? WHERE id = ?", id, error);
    }

    private void update(String sql, long id, String error) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (error != null) {
                ps.setString(i++, error);
            }
            ps.setLong(i, id);
            ps.executeUpdate();
        }
    }

    private static DeadLetter read(ResultSet rs) throws SQLException {
        Timestamp resolved = rs.getTimestamp(11);
        return new DeadLetter(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getInt(6),
                rs.getString(7), rs.getString(8), rs.getTimestamp(9).toInstant(), rs.getString(10),
                resolved == null ? null : resolved.toInstant(), rs.getInt(12), rs.getString(13));
    }

    private static String headersJson(Map<String, Object> headers) {
        ObjectNode node = JSON.createObjectNode();
        if (headers != null) {
            // only simple values, and never credentials
            headers.forEach((k, v) -> {
                if (v != null && !k.equalsIgnoreCase("Authorization") && !k.toLowerCase().contains("token")
                        && (v instanceof String || v instanceof Number || v instanceof Boolean)) {
                    node.put(k, v.toString());
                }
            });
        }
        return node.toString();
    }
}
