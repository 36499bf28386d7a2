package dev.notionsync.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * notion_sync.create_intents: the pages the engine set out to create in Notion. A create is marked sent before it
 * goes out, so after a lost answer or a crash the next attempt knows to look for the page before sending again.
 */
public final class CreateIntents {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final DataSource dataSource;

    public CreateIntents(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * One create: sent at least once since {@code firstSentAt} (null: never sent) with these titles; its page once
     * known; {@code sentProperties} the properties its last send carried (null when not recorded).
     */
    public record Intent(String key, String target, List<String> titles, Instant firstSentAt, int sends, String pageId,
                         JsonNode sentProperties) {
        public boolean sentBefore() {
            return firstSentAt != null;
        }
    }

    /** The intent under this key, recorded now if it is new. */
    public Intent begin(String key, String target) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.create_intents (intent_key, target) VALUES (?, ?)"
                     + " ON CONFLICT (md5(intent_key)) DO NOTHING")) {
            ps.setString(1, key);
            ps.setString(2, target);
            ps.executeUpdate();
        }
        return find(key);
    }

    /** The intent under this key, or null when there is none. */
    public Intent find(String key) throws SQLException {
        return findBy("intent_key = ?", key);
    }

    /** The intent this page was made (or adopted) for: a create already done; null when there is none. */
    public Intent ofPage(String pageId) throws SQLException {
        return findBy("page_id = ?::uuid", pageId);
    }

    private Intent findBy(String condition, String value) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT intent_key, target, titles, first_sent_at, sends, page_id::text,"
                     + " sent_properties::text FROM notion_sync.create_intents WHERE " + condition)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                OffsetDateTime sent = rs.getObject("first_sent_at", OffsetDateTime.class);
                return new Intent(rs.getString(1), rs.getString(2), List.of((String[]) rs.getArray(3).getArray()),
                        sent == null ? null : sent.toInstant(), rs.getInt(5), rs.getString(6), json(rs.getString(7)));
            }
        }
    }

    /** Committed before the request leaves: from here on the page may exist whatever happens to the answer. */
    public Instant sending(String key, String title) throws SQLException {
        return sending(key, title, null);
    }

    /**
     * As {@link #sending(String, String)}, keeping the properties this send carries: when an earlier send turns out
     * to have made the page, they are what Notion held after the create, the base later edits are checked against.
     */
    public Instant sending(String key, String title, JsonNode properties) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.create_intents SET sends = sends + 1,"
                     + " first_sent_at = coalesce(first_sent_at, now()),"
                     + " titles = CASE WHEN ? = ANY(titles) THEN titles ELSE array_append(titles, ?) END,"
                     + " sent_properties = ?::jsonb"
                     + " WHERE intent_key = ? RETURNING first_sent_at")) {
            ps.setString(1, title);
            ps.setString(2, title);
            ps.setString(3, properties == null ? null : properties.toString());
            ps.setString(4, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("no create intent " + key);
                }
                return rs.getObject(1, OffsetDateTime.class).toInstant();
            }
        }
    }

    /**
     * The intent's page is known. False when the page already belongs to another intent (two lookups found the same
     * page): then it is not this intent's.
     */
    public boolean made(String key, String pageId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.create_intents SET page_id = ?::uuid"
                     + " WHERE intent_key = ? AND (page_id IS NULL OR page_id = ?::uuid)"
                     + " AND NOT EXISTS (SELECT 1 FROM notion_sync.create_intents o WHERE o.page_id = ?::uuid AND o.intent_key <> ?)")) {
            ps.setString(1, pageId);
            ps.setString(2, key);
            ps.setString(3, pageId);
            ps.setString(4, pageId);
            ps.setString(5, key);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return false;   // another intent took it at the same moment
            }
            throw e;
        }
    }

    /**
     * The intent's work is done and its key may name another create: a bound row's page was trashed with the row, or
     * the row moved to another key. In the caller's transaction (the write-back that records where the page went).
     */
    public static void forget(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.create_intents WHERE intent_key = ?")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    /** Of these pages, the ones another intent already made or adopted. */
    public Set<String> takenByOthers(String key, Collection<String> pageIds) throws SQLException {
        Set<String> taken = new HashSet<>();
        if (pageIds.isEmpty()) {
            return taken;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT page_id::text FROM notion_sync.create_intents"
                     + " WHERE page_id = ANY(?) AND intent_key <> ?")) {
            ps.setArray(1, c.createArrayOf("uuid", pageIds.stream().map(UUID::fromString).toArray()));
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    taken.add(rs.getString(1));
                }
            }
        }
        return taken;
    }

    private static JsonNode json(String text) throws SQLException {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable sent_properties of a create intent", e);
        }
    }
}
