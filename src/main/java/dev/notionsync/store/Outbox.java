package dev.notionsync.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * notion_sync.outbox: the changes users made to mirror tables, filled by the capture trigger (V4). Rows are claimed
 * per page, all pending rows of a page at once, so two instances never push the same page at the same time.
 */
public final class Outbox {

    // exact numbers: a numeric column's value must reach Notion digit for digit
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final String COLUMNS = "id, table_name, page_id, operation, changed, previous, ignored, base_edited_time,"
            + " base_properties, changed_at, attempts";

    private final DataSource dataSource;
    private final Duration reclaimAfter;

    public Outbox(DataSource dataSource, Duration reclaimAfter) {
        this.dataSource = dataSource;
        this.reclaimAfter = reclaimAfter;
    }

    /** One captured change, as the trigger wrote it. */
    public record Entry(long id, String table, String pageId, String operation, Map<String, JsonNode> changed,
                        Map<String, JsonNode> previous, List<String> ignored, Instant baseEditedTime,
                        JsonNode baseProperties, Instant changedAt, int attempts) {
    }

    /**
     * Claims the pending changes of up to {@code maxPages} pages of the given tables, oldest first: every pending row
     * of each page, and only pages no other instance holds. Returns them grouped per page, in id order.
     */
    public List<List<Entry>> claim(String schema, List<String> tables, String owner, int maxPages) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                // claims are serialised, so "no other instance holds this page" cannot change under us
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('notion-sync outbox claim'))")) {
                    lock.execute();
                }
                Array tableArray = c.createArrayOf("text", tables.toArray());
                List<UUID> pages = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT page_id FROM notion_sync.outbox"
                        + " WHERE status = 'pending' AND table_schema = ? AND table_name = ANY(?)"
                        + " GROUP BY page_id"
                        + " HAVING bool_and(next_attempt_at <= now()) AND bool_and(claimed_at IS NULL OR claimed_at < now() - make_interval(secs => ?))"
                        + " ORDER BY min(id) LIMIT ?")) {
                    ps.setString(1, schema);
                    ps.setArray(2, tableArray);
                    ps.setDouble(3, reclaimAfter.toMillis() / 1000.0);
                    ps.setInt(4, maxPages);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            pages.add(rs.getObject(1, UUID.class));
                        }
                    }
                }
                List<Entry> entries = new ArrayList<>();
                if (!pages.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.outbox SET claimed_by = ?, claimed_at = now()"
                            + " WHERE id IN (SELECT id FROM notion_sync.outbox WHERE status = 'pending' AND table_schema = ?"
                            + " AND table_name = ANY(?) AND page_id = ANY(?) FOR UPDATE SKIP LOCKED)"
                            + " RETURNING " + COLUMNS)) {
                        ps.setString(1, owner);
                        ps.setString(2, schema);
                        ps.setArray(3, tableArray);
                        ps.setArray(4, c.createArrayOf("uuid", pages.toArray()));
                        entries.addAll(read(ps));
                    }
                }
                c.commit();
                return group(entries);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The entries with these ids, whatever their state (a dead letter's replay). */
    public List<Entry> load(List<Long> ids) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM notion_sync.outbox WHERE id = ANY(?) ORDER BY id")) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            return read(ps);
        }
    }

    /** Marks entries done: pushed, ignored (nothing to send) or dead_letter. claimed_by keeps who did it. */
    public void finish(List<Long> ids, String status, String note) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.outbox SET status = ?, note = ?, processed_at = now()"
                     + " WHERE id = ANY(?)")) {
            ps.setString(1, status);
            ps.setString(2, note);
            ps.setArray(3, c.createArrayOf("bigint", ids.toArray()));
            ps.executeUpdate();
        }
    }

    /** A transient failure: the entries go back to pending and are tried again after {@code delay}. */
    public void retryLater(List<Long> ids, Duration delay, String note) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.outbox SET attempts = attempts + 1, note = ?,"
                     + " next_attempt_at = now() + make_interval(secs => ?), claimed_by = NULL, claimed_at = NULL WHERE id = ANY(?)")) {
            ps.setString(1, note);
            ps.setDouble(2, delay.toMillis() / 1000.0);
            ps.setArray(3, c.createArrayOf("bigint", ids.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * A push of the page landed: the page's other pending changes (made while it was in flight) now compare against
     * what landed for the pushed properties (by name), not against what Notion held before, so the engine's own
     * write is never taken for an edit made in Notion.
     */
    public void rebase(MirrorTable table, String pageId, List<Long> pushedIds, JsonNode landedByName) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.outbox SET base_properties = base_properties || ?::jsonb"
                     + " WHERE table_schema = ? AND table_name = ? AND page_id = ?::uuid AND status = 'pending'"
                     + " AND base_properties IS NOT NULL AND NOT (id = ANY(?))")) {
            ps.setString(1, landedByName.toString());
            ps.setString(2, table.schema());
            ps.setString(3, table.table());
            ps.setString(4, pageId);
            ps.setArray(5, c.createArrayOf("bigint", pushedIds.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * When the engine last read the oldest of these pages from Notion (the rows' synced_at): any edit made in Notion
     * since has a last_edited_time at or after that minute. Null when none of the rows exists.
     */
    public Instant oldestRead(MirrorTable table, List<String> pageIds) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT min(\"synced_at\") FROM " + table.qualifiedName()
                     + " WHERE \"page_id\" = ANY(?::uuid[])")) {
            ps.setArray(1, c.createArrayOf("text", pageIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return instant(rs.getObject(1, OffsetDateTime.class));
            }
        }
    }

    /** Pending changes of every table: the outbox backlog. */
    public long backlog() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM notion_sync.outbox WHERE status = 'pending'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A row created in PostgreSQL got its Notion page: later changes to the row follow its new key. */
    static void rekey(Connection c, String localId, String pageId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.outbox SET page_id = ?::uuid WHERE page_id = ?::uuid AND status = 'pending'")) {
            ps.setString(1, pageId);
            ps.setString(2, localId);
            ps.executeUpdate();
        }
    }

    private static List<Entry> read(PreparedStatement ps) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                entries.add(new Entry(rs.getLong("id"), rs.getString("table_name"), rs.getString("page_id"), rs.getString("operation"),
                        columns(rs.getString("changed")), columns(rs.getString("previous")),
                        List.of((String[]) rs.getArray("ignored").getArray()), instant(rs.getObject("base_edited_time", OffsetDateTime.class)),
                        json(rs.getString("base_properties")), rs.getObject("changed_at", OffsetDateTime.class).toInstant(), rs.getInt("attempts")));
            }
        }
        entries.sort((a, b) -> Long.compare(a.id(), b.id()));
        return entries;
    }

    private static List<List<Entry>> group(List<Entry> entries) {
        Map<String, List<Entry>> byPage = new LinkedHashMap<>();
        for (Entry entry : entries) {
            byPage.computeIfAbsent(entry.table() + "/" + entry.pageId(), k -> new ArrayList<>()).add(entry);
        }
        return new ArrayList<>(byPage.values());
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
            throw new IllegalStateException("unreadable JSON in notion_sync.outbox: " + e.getMessage(), e);
        }
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
