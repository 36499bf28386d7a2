package dev.notionsync.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * notion_sync.webhook_inbox and webhook_subscriptions. Events are committed before Notion gets its 200, claimed with
 * FOR UPDATE SKIP LOCKED (safe with several instances), and a claim that was never finished (a crash) is taken up
 * again after {@code reclaimAfter}. The signing token in force is the configured one, else the handshake an operator
 * confirmed last; a handshake alone never is.
 */
public final class WebhookInbox {

    /** How long a confirmed token is read from memory: another instance's confirmation shows within this time. */
    private static final Duration TOKEN_CACHE = Duration.ofSeconds(5);

    private final DataSource dataSource;
    private final Duration reclaimAfter;
    private final String configuredToken;
    private volatile CachedToken cachedToken;

    private record CachedToken(Optional<String> token, long readAtNanos) {
    }

    /** {@code configuredToken}: notion.webhook.verification-token, blank when unset. */
    public WebhookInbox(DataSource dataSource, Duration reclaimAfter, String configuredToken) {
        this.dataSource = dataSource;
        this.reclaimAfter = reclaimAfter;
        this.configuredToken = configuredToken == null ? "" : configuredToken.trim();
    }

    /** True when notion.webhook.verification-token is set: it is in force, whatever is confirmed. */
    public boolean tokenConfigured() {
        return !configuredToken.isEmpty();
    }

    /** The token webhook signatures are checked with: the setting, else the last confirmed handshake, else none. */
    public Optional<String> tokenInForce() throws SQLException {
        if (tokenConfigured()) {
            return Optional.of(configuredToken);
        }
        CachedToken cached = cachedToken;
        if (cached == null || System.nanoTime() - cached.readAtNanos() > TOKEN_CACHE.toNanos()) {
            cached = new CachedToken(confirmedToken(), System.nanoTime());
            cachedToken = cached;
        }
        return cached.token();
    }

    /** One stored event. */
    public record Event(String eventId, String type, String entityId, String entityType, String dataSourceId,
                        Instant time, JsonNode authors) {
    }

    /** A recorded handshake, as the operator sees it: never the token itself, only its fingerprint. */
    public record Handshake(long id, String status, Instant receivedAt, String receivedFrom, String fingerprint) {
    }

    /**
     * Records a handshake as pending (a token already recorded keeps its row). A flood cannot fill the table nor push
     * out another sender's handshake: one address keeps at most {@code maxPerSender} pending rows (its oldest go), and
     * beyond {@code maxPending} in all only rows older than {@code keptFor} are dropped, oldest first. When all are
     * younger, this handshake is not recorded: returns -1, else the handshake's id.
     */
    public long recordHandshake(String token, String receivedFrom, int maxPending, int maxPerSender, Duration keptFor) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long id;
                try (PreparedStatement existing = c.prepareStatement("UPDATE notion_sync.webhook_subscriptions SET received_at = now(),"
                        + " received_from = ? WHERE verification_token = ? RETURNING id")) {
                    existing.setString(1, receivedFrom);
                    existing.setString(2, token);
                    try (ResultSet rs = existing.executeQuery()) {
                        id = rs.next() ? rs.getLong(1) : -1;
                    }
                }
                if (id < 0) {
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO notion_sync.webhook_subscriptions"
                            + " (verification_token, received_from) VALUES (?, ?) RETURNING id")) {
                        insert.setString(1, token);
                        insert.setString(2, receivedFrom);
                        try (ResultSet rs = insert.executeQuery()) {
                            rs.next();
                            id = rs.getLong(1);
                        }
                    }
                }
                try (PreparedStatement prune = c.prepareStatement("DELETE FROM notion_sync.webhook_subscriptions WHERE status <> 'confirmed'"
                        + " AND received_from IS NOT DISTINCT FROM ? AND id NOT IN (SELECT id FROM notion_sync.webhook_subscriptions"
                        + "   WHERE status <> 'confirmed' AND received_from IS NOT DISTINCT FROM ? ORDER BY received_at DESC, id DESC LIMIT ?)")) {
                    prune.setString(1, receivedFrom);
                    prune.setString(2, receivedFrom);
                    prune.setInt(3, maxPerSender);
                    prune.executeUpdate();
                }
                try (PreparedStatement prune = c.prepareStatement("DELETE FROM notion_sync.webhook_subscriptions WHERE id IN ("
                        + " SELECT id FROM notion_sync.webhook_subscriptions WHERE status <> 'confirmed' AND id <> ?"
                        + "   AND received_at < now() - CAST(? AS interval) ORDER BY received_at, id"
                        + "   LIMIT GREATEST(0, (SELECT count(*) FROM notion_sync.webhook_subscriptions WHERE status <> 'confirmed') - ?))")) {
                    prune.setLong(1, id);
                    prune.setString(2, keptFor.toMillis() + " milliseconds");
                    prune.setInt(3, maxPending);
                    prune.executeUpdate();
                }
                try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM notion_sync.webhook_subscriptions WHERE status <> 'confirmed'");
                     ResultSet rs = count.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > maxPending) {
                        c.rollback();
                        return -1;
                    }
                }
                c.commit();
                return id;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Puts a recorded handshake's token in force (the one in force before is kept as superseded); false when there
     * is no such handshake.
     */
    public boolean confirmHandshake(long id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement supersede = c.prepareStatement("UPDATE notion_sync.webhook_subscriptions SET status = 'superseded'"
                         + " WHERE status = 'confirmed' AND id <> ?");
                 PreparedStatement confirm = c.prepareStatement("UPDATE notion_sync.webhook_subscriptions SET status = 'confirmed',"
                         + " confirmed_at = now() WHERE id = ?")) {
                confirm.setLong(1, id);
                if (confirm.executeUpdate() == 0) {
                    c.rollback();
                    return false;
                }
                supersede.setLong(1, id);
                supersede.executeUpdate();
                c.commit();
                cachedToken = null;
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The token an operator confirmed last, if any. */
    public Optional<String> confirmedToken() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT verification_token FROM notion_sync.webhook_subscriptions"
                     + " WHERE status = 'confirmed' ORDER BY confirmed_at DESC, id DESC LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    /** The confirmed handshake (if any) first, then the pending ones, newest first. */
    public List<Handshake> handshakes() throws SQLException {
        List<Handshake> handshakes = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, status, received_at, received_from, verification_token"
                     + " FROM notion_sync.webhook_subscriptions WHERE status IN ('confirmed', 'pending')"
                     + " ORDER BY status = 'confirmed' DESC, received_at DESC, id DESC");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                handshakes.add(new Handshake(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getString(4),
                        fingerprint(rs.getString(5))));
            }
        }
        return handshakes;
    }

    /** What an operator may see of a token: the first 12 hex digits of its SHA-256, enough to tell two apart. */
    public static String fingerprint(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
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
            ps.setString(7, event.path("authors").isArray() ? event.path("authors").toString() : "[]");
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
                            JsonMapper.builder().build().readTree(rs.getString(7))));
                }
            } catch (JsonProcessingException e) {
                throw new SQLException("unreadable authors in webhook inbox", e);
            }
        }
        events.sort(Comparator.comparing(Event::time, Comparator.nullsFirst(Comparator.naturalOrder())));
        return events;
    }

    /** The pages these comment events name (data.page_id), as Notion sent them. */
    public List<String> commentPages(List<String> eventIds) throws SQLException {
        List<String> pages = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT DISTINCT body -> 'data' ->> 'page_id' FROM notion_sync.webhook_inbox"
                     + " WHERE event_id = ANY (?) AND body -> 'data' ->> 'page_id' ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'")) {
            ps.setArray(1, c.createArrayOf("text", eventIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pages.add(rs.getString(1));
                }
            }
        }
        return pages;
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
