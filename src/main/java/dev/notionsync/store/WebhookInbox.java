package dev.notionsync.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * notion_sync.webhook_inbox and webhook_subscriptions. Events are committed before Notion gets its 200, claimed with
 * FOR UPDATE SKIP LOCKED (safe with several instances), and a claim that was never finished (a crash) is taken up
 * again after {@code reclaimAfter}.
 */
public final class WebhookInbox {

    private final DataSource dataSource;
    private final Duration reclaimAfter;

    public WebhookInbox(DataSource dataSource, Duration reclaimAfter) {
        this.dataSource = dataSource;
        this.reclaimAfter = reclaimAfter;
    }

    /** One stored event. */
    public record Event(String eventId, String type, String entityId, String entityType, String dataSourceId,
                        Instant time, JsonNode authors) {
    }

    public void storeVerificationToken(String token) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.webhook_subscriptions (verification_token) VALUES (?)")) {
            ps.setString(1, token);
            ps.executeUpdate();
        }
    }

    public Optional<String> latestVerificationToken() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT verification_token FROM notion_sync.webhook_subscriptions ORDER BY id DESC LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    /** Stores an event; false when its id was seen before (Notion delivers at least once). */
    public boolean store(JsonNode event, String rawBody) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.webhook_inbox"
                     + " (event_id, event_type, entity_id, entity_type, data_source_id, event_time, authors, body)"
                     + " VALUES (?, ?, ?, ?, ?, ?, CAST(? AS jsonb), CAST(? AS jsonb)) ON CONFLICT (event_id) DO NOTHING")) {
            ps.setString(1, event.path("id").asText());
            ps.setString(2, event.path("type").asText());
            ps.setString(3, textOrNull(event.path("entity").path("id")));
            ps.setString(4, textOrNull(event.path("entity").path("type")));
            ps.setString(5, textOrNull(event.path("data").path("parent").path("data_source_id")));
            ps.setTimestamp(6, parseTime(event.path("timestamp").asText(null)));
            ps.setString(7, event.path("authors").toString());
            ps.setString(8, rawBody);
            return ps.executeUpdate() == 1;
        }
    }

    /** Claims up to {@code limit} pending events, oldest event first. */
    public List<Event> claim(int limit) throws SQLException {
        List<Event> events = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.webhook_inbox SET status = 'processing', claimed_at = now()"
                     + " WHERE event_id IN (SELECT event_id FROM notion_sync.webhook_inbox"
                     + "   WHERE status = 'pending' OR (status = 'processing' AND claimed_at < now() - CAST(? AS interval))"
                     + "   ORDER BY event_time NULLS FIRST LIMIT ? FOR UPDATE SKIP LOCKED)"
                     + " RETURNING event_id, event_type, entity_id, entity_type, data_source_id, event_time, authors")) {
            ps.setString(1, reclaimAfter.toMillis() + " milliseconds");
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp time = rs.getTimestamp(6);
                    events.add(new Event(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            time == null ? null : time.toInstant(),
                            com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(rs.getString(7))));
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new SQLException("unreadable authors in webhook inbox", e);
            }
        }
        events.sort(java.util.Comparator.comparing(Event::time, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())));
        return events;
    }

    /** Marks events done: status applied, ignored or dead_letter, with a note saying why. */
    public void mark(List<String> eventIds, String status, String note) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.webhook_inbox SET status = ?, note = ?, processed_at = now()"
                     + " WHERE event_id = ANY (?)")) {
            Array ids = c.createArrayOf("text", eventIds.toArray());
            ps.setString(1, status);
            ps.setString(2, note);
            ps.setArray(3, ids);
            ps.executeUpdate();
        }
    }

    public long backlog() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM notion_sync.webhook_inbox WHERE status IN ('pending', 'processing')");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String textOrNull(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    private static Timestamp parseTime(String text) {
        try {
            return text == null ? null : Timestamp.from(Instant.parse(text));
        } catch (RuntimeException e) {
            return null;
        }
    }
}
