package dev.notionsync.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.ColumnNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * notion_sync.join_bases (V18): for a join table kept as a relation, per page of the first referenced table (by the
 * join table's first key column's value, the "left value"), the second key column's values both sides held when last
 * in step (the base of the three-way set merge), the page's shadow version last seen, and its lease and retry state;
 * and the SQL of the join table itself: its rows of one left value, the row changes that concern it, and the write
 * of a settle in one transaction tagged as the engine's (so the capture trigger does not send it back).
 */
public final class JoinBases {

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private final DataSource dataSource;

    public JoinBases(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * A leased base: {@code agreed} null before the page's first settle; {@code leasedAt} the database's time of the
     * lease (a settle owed before it is paid by this settle).
     */
    public record Base(JsonNode leftValue, List<JsonNode> agreed, String seenVersion, int attempts, Instant leasedAt) {
    }

    /**
     * A page of the first referenced table's shadow mirror whose version the base has not seen: its left value, page,
     * version, the relation property's value as the shadow holds it (null when it has none) and the base's agreed
     * values (null without a base, or before its first settle).
     */
    public record Candidate(JsonNode leftValue, String pageId, String version, JsonNode relation, List<JsonNode> agreed) {
    }

    /** A captured change of the join table that concerns a left value. */
    public record Change(long id, JsonNode rowKey, JsonNode oldRowKey, String operation, int attempts) {
    }

    /**
     * What one settle writes, in one transaction: the join rows to insert and delete (by their second key column's
     * value), the new base, the row changes it settles, and the other left values a moved row now owes a settle.
     *
     * @param seenVersion the shadow version to record as seen (the old one, to be looked at again)
     * @param retryIn     when the page is to be settled again (related pages still without a row); null: only when due
     */
    public record Settlement(String source, BoundRows.Table table, String leftColumn, String rightColumn, JsonNode leftValue,
                             List<JsonNode> inserts, List<JsonNode> deletes, List<JsonNode> agreed, String seenVersion, Instant leasedAt,
                             List<Long> finished, String status, String changeNote, List<JsonNode> owe, Duration retryIn, int attempts,
                             String note) {
    }

    /**
     * Left values with work, oldest first: pending row changes of the join table whose retry time has come (under
     * their key, or the key they moved from), and settles owed; none whose base waits for its retry or is leased.
     */
    public List<JsonNode> changed(String source, String leftColumn, Duration lease, int limit) throws SQLException {
        List<JsonNode> values = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT d.l::text FROM (SELECT v.l, min(c.id) AS first FROM notion_sync.row_changes c"
                     + " CROSS JOIN LATERAL (VALUES (c.row_key -> ?), (c.old_row_key -> ?)) AS v(l)"
                     + " WHERE c.source = ? AND c.status = 'pending' AND c.next_attempt_at <= now() AND v.l IS NOT NULL GROUP BY v.l"
                     + " UNION ALL SELECT left_value, 0 FROM notion_sync.join_bases WHERE source = ? AND owed_at IS NOT NULL) AS d(l, first)"
                     + " WHERE NOT EXISTS (SELECT 1 FROM notion_sync.join_bases j WHERE j.source = ? AND j.left_value = d.l"
                     + " AND (j.next_attempt_at > now() OR j.claimed_at >= now() - make_interval(secs => ?)))"
                     + " GROUP BY d.l ORDER BY min(d.first) LIMIT ?")) {
            ps.setString(1, leftColumn);
            ps.setString(2, leftColumn);
            ps.setString(3, source);
            ps.setString(4, source);
            ps.setString(5, source);
            ps.setDouble(6, seconds(lease));
            ps.setInt(7, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(Links.json(rs.getString(1)));
                }
            }
        }
        return values;
    }

    /**
     * Linked pages of the left source's shadow mirror whose version the base has not seen (or that have no base),
     * neither trashed nor deleted, oldest edit first; none whose base waits for its retry or is leased.
     */
    public List<Candidate> unseen(String source, String shadowSchema, String shadowTable, String leftSource, String leftKeyColumn,
                                  String propertyId, Duration lease, int limit) throws SQLException {
        List<Candidate> candidates = new ArrayList<>();
        String sql = "SELECT (l.row_key -> ?)::text, m.\"page_id\"::text, m.\"content_hash\","
                + " (SELECT p.value FROM jsonb_each(m.\"properties\") AS p WHERE p.value ->> 'id' = ?)::text, j.agreed::text"
                + " FROM " + ColumnNames.quote(shadowSchema) + "." + ColumnNames.quote(shadowTable) + " AS m"
                + " JOIN notion_sync.links l ON l.source = ? AND l.page_id = m.\"page_id\" AND l.state = 'linked'"
                + " LEFT JOIN notion_sync.join_bases j ON j.source = ? AND j.left_value = l.row_key -> ?"
                + " WHERE NOT m.\"in_trash\" AND m.\"deleted_at\" IS NULL AND (j.source IS NULL OR (j.seen_version IS DISTINCT FROM m.\"content_hash\""
                + " AND j.next_attempt_at <= now() AND (j.claimed_at IS NULL OR j.claimed_at < now() - make_interval(secs => ?))))"
                + " ORDER BY m.\"last_edited_time\", m.\"page_id\" LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, leftKeyColumn);
            ps.setString(2, propertyId);
            ps.setString(3, leftSource);
            ps.setString(4, source);
            ps.setString(5, leftKeyColumn);
            ps.setDouble(6, seconds(lease));
            ps.setInt(7, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    candidates.add(new Candidate(Links.json(rs.getString(1)), rs.getString(2), rs.getString(3), Links.json(rs.getString(4)),
                            list(rs.getString(5))));
                }
            }
        }
        return candidates;
    }

    /** The base has seen this version and it changed nothing (it still agrees): recorded unless the base is leased or moved on. */
    public void seen(String source, JsonNode leftValue, List<JsonNode> agreed, String version, Duration lease) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.join_bases SET seen_version = ?, updated_at = now()"
                     + " WHERE source = ? AND left_value = ?::jsonb AND agreed = ?::jsonb"
                     + " AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => ?))")) {
            ps.setString(1, version);
            ps.setString(2, source);
            ps.setString(3, leftValue.toString());
            ps.setString(4, array(agreed).toString());
            ps.setDouble(5, seconds(lease));
            ps.executeUpdate();
        }
    }

    /**
     * Leases the base of a left value (made when it has none) for one settle; empty while another owner's settle holds
     * it (a lease outlives its owner's crash by {@code lease}; an owner, bootstrap's, takes its own lease again at once).
     */
    public Optional<Base> lease(String source, JsonNode leftValue, String owner, Duration lease) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.join_bases (source, left_value, claimed_by, claimed_at)"
                     + " VALUES (?, ?::jsonb, ?, now()) ON CONFLICT (source, md5(left_value::text)) DO UPDATE SET claimed_by = EXCLUDED.claimed_by,"
                     + " claimed_at = now() WHERE notion_sync.join_bases.claimed_at IS NULL"
                     + " OR notion_sync.join_bases.claimed_at < now() - make_interval(secs => ?) OR notion_sync.join_bases.claimed_by = EXCLUDED.claimed_by"
                     + " RETURNING agreed::text, seen_version, attempts, claimed_at")) {
            ps.setString(1, source);
            ps.setString(2, leftValue.toString());
            ps.setString(3, owner);
            ps.setDouble(4, seconds(lease));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Base(leftValue, list(rs.getString(1)), rs.getString(2), rs.getInt(3),
                        rs.getObject(4, OffsetDateTime.class).toInstant()));
            }
        }
    }

    /** The values a left value's base agreed on, or null before its first settle (bootstrap resumes after settled pages). */
    public List<JsonNode> agreed(String source, JsonNode leftValue) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT agreed::text FROM notion_sync.join_bases WHERE source = ? AND left_value = ?::jsonb")) {
            ps.setString(1, source);
            ps.setString(2, leftValue.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? list(rs.getString(1)) : null;
            }
        }
    }

    /** Records a base without a settle: a page bootstrap found with no join rows (Notion's side is looked at by the pass). */
    public void agreeEmpty(String source, JsonNode leftValue) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.join_bases (source, left_value, agreed) VALUES (?, ?::jsonb, '[]')"
                     + " ON CONFLICT (source, md5(left_value::text)) DO UPDATE SET agreed = coalesce(notion_sync.join_bases.agreed, '[]'), updated_at = now()")) {
            ps.setString(1, source);
            ps.setString(2, leftValue.toString());
            ps.executeUpdate();
        }
    }

    /** The pending changes of the join table that concern a left value (under their key or the one they moved from), in id order. */
    public List<Change> pendingChanges(String source, String leftColumn, JsonNode leftValue) throws SQLException {
        List<Change> changes = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, row_key::text, old_row_key::text, operation, attempts FROM notion_sync.row_changes"
                     + " WHERE source = ? AND status = 'pending' AND (row_key -> ? = ?::jsonb OR old_row_key -> ? = ?::jsonb) ORDER BY id")) {
            ps.setString(1, source);
            ps.setString(2, leftColumn);
            ps.setString(3, leftValue.toString());
            ps.setString(4, leftColumn);
            ps.setString(5, leftValue.toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    changes.add(new Change(rs.getLong(1), Links.json(rs.getString(2)), Links.json(rs.getString(3)), rs.getString(4), rs.getInt(5)));
                }
            }
        }
        return changes;
    }

    /** The second key column's values of the join rows of a left value (to_jsonb shape), in order. */
    public List<JsonNode> members(BoundRows.Table table, String leftColumn, String rightColumn, JsonNode leftValue) throws SQLException {
        List<JsonNode> values = new ArrayList<>();
        ObjectNode key = NODES.objectNode();
        key.set(leftColumn, leftValue);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT (to_jsonb(t.*) -> ?)::text FROM " + table.qualifiedName() + " AS t,"
                     + " jsonb_populate_record(NULL::" + table.qualifiedName() + ", CAST(? AS jsonb)) AS k WHERE t." + ColumnNames.quote(leftColumn)
                     + " = k." + ColumnNames.quote(leftColumn) + " ORDER BY t." + ColumnNames.quote(rightColumn))) {
            ps.setString(1, rightColumn);
            ps.setString(2, key.toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(Links.json(rs.getString(1)));
                }
            }
        }
        return values;
    }

    /**
     * The linked pages of a referenced source among these page ids, each with its row's key column value (to_jsonb
     * shape): page id (as PostgreSQL writes a uuid) -&gt; value. Pages that are no linked row are left out.
     */
    public Map<String, JsonNode> valuesOfPages(String source, String keyColumn, Collection<String> pageIds) throws SQLException {
        Map<String, JsonNode> values = new LinkedHashMap<>();
        if (pageIds.isEmpty()) {
            return values;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT page_id::text, (row_key -> ?)::text FROM notion_sync.links WHERE source = ?"
                     + " AND state = 'linked' AND page_id = ANY (CAST(? AS uuid[]))")) {
            ps.setString(1, keyColumn);
            ps.setString(2, source);
            ps.setArray(3, c.createArrayOf("text", pageIds.toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.put(rs.getString(1), Links.json(rs.getString(2)));
                }
            }
        }
        return values;
    }

    /** The linked pages of a referenced source's rows with these key column values: the value's JSON text -&gt; page id. */
    public Map<String, String> pagesOfValues(String source, String keyColumn, Collection<JsonNode> keyValues) throws SQLException {
        Map<String, String> pages = new LinkedHashMap<>();
        if (keyValues.isEmpty()) {
            return pages;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT (l.row_key -> ?)::text, l.page_id::text FROM notion_sync.links l"
                     + " WHERE l.source = ? AND l.state = 'linked' AND l.page_id IS NOT NULL AND l.row_key = ANY (CAST(? AS jsonb[]))")) {
            ps.setString(1, keyColumn);
            ps.setString(2, source);
            ps.setArray(3, c.createArrayOf("text", keyValues.stream().map(v -> {
                ObjectNode key = NODES.objectNode();
                key.set(keyColumn, v);
                return key.toString();
            }).toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pages.put(Links.json(rs.getString(1)).toString(), rs.getString(2));
                }
            }
        }
        return pages;
    }

    /**
     * Every left value bootstrap settles, in order: those of the left source's linked pages and those of the join
     * table's rows (a row whose left row has no page is found too, and named).
     */
    public List<JsonNode> leftValues(BoundRows.Table table, String leftColumn, String leftSource, String leftKeyColumn) throws SQLException {
        List<JsonNode> values = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT d.v::text FROM (SELECT row_key -> ? FROM notion_sync.links WHERE source = ?"
                     + " AND state = 'linked' AND page_id IS NOT NULL UNION SELECT to_jsonb(t." + ColumnNames.quote(leftColumn) + ") FROM "
                     + table.qualifiedName() + " AS t) AS d(v) WHERE d.v IS NOT NULL ORDER BY d.v")) {
            ps.setString(1, leftKeyColumn);
            ps.setString(2, leftSource);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(Links.json(rs.getString(1)));
                }
            }
        }
        return values;
    }

    /** How many rows the join table has (bootstrap's progress). */
    public long rowCount(BoundRows.Table table) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table.qualifiedName());
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Writes a settle in one transaction tagged as the engine's: the join rows (a value PostgreSQL refuses throws a
     * {@link BoundRows.RefusedValueException} and nothing is written), the base (lease released, a settle owed before
     * the lease paid), the settles now owed by other left values, and the row changes settled.
     */
    public void settle(Settlement s) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement tag = c.prepareStatement(PageWriter.ENGINE_TAG_SQL)) {
                    tag.execute();
                }
                for (JsonNode right : s.deletes()) {
                    BoundRows.delete(c, s.table(), joinKey(s, right));
                }
                for (JsonNode right : s.inserts()) {
                    if (BoundRows.read(c, s.table(), joinKey(s, right)).isEmpty()) {
                        BoundRows.insert(c, s.table(), joinKey(s, right));
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.join_bases SET agreed = ?::jsonb, seen_version = ?, attempts = ?,"
                        + " next_attempt_at = now() + make_interval(secs => ?), claimed_by = NULL, claimed_at = NULL, note = ?,"
                        + " owed_at = CASE WHEN owed_at <= ? THEN NULL ELSE owed_at END, updated_at = now() WHERE source = ? AND left_value = ?::jsonb")) {
                    ps.setString(1, array(s.agreed()).toString());
                    ps.setString(2, s.seenVersion());
                    ps.setInt(3, s.attempts());
                    ps.setDouble(4, s.retryIn() == null ? 0 : seconds(s.retryIn()));
                    ps.setString(5, s.note());
                    ps.setObject(6, s.leasedAt().atOffset(ZoneOffset.UTC));
                    ps.setString(7, s.source());
                    ps.setString(8, s.leftValue().toString());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.join_bases (source, left_value, owed_at) VALUES (?, ?::jsonb, now())"
                        + " ON CONFLICT (source, md5(left_value::text)) DO UPDATE SET owed_at = now(), updated_at = now()")) {
                    for (JsonNode other : s.owe()) {
                        ps.setString(1, s.source());
                        ps.setString(2, other.toString());
                        ps.executeUpdate();
                    }
                }
                RowChanges.finish(c, s.finished(), s.status(), s.changeNote());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * The settle did not happen (a failure, a wait): the lease goes, and the page is due again after {@code delay}.
     *
     * @param attempts    the failed attempts so far (0 after a dead letter or for a wait that is no failure)
     * @param seenVersion a version to record as seen (a failure that only a new edit can cure), or null to keep it
     */
    public void retry(String source, JsonNode leftValue, Duration delay, int attempts, String note, String seenVersion) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.join_bases SET attempts = ?,"
                     + " next_attempt_at = now() + make_interval(secs => ?), claimed_by = NULL, claimed_at = NULL, note = ?,"
                     + " seen_version = coalesce(?, seen_version), updated_at = now() WHERE source = ? AND left_value = ?::jsonb")) {
            ps.setInt(1, attempts);
            ps.setDouble(2, seconds(delay));
            ps.setString(3, note);
            ps.setString(4, seenVersion);
            ps.setString(5, source);
            ps.setString(6, leftValue.toString());
            ps.executeUpdate();
        }
    }

    /** The left row is gone (its join rows with it): its base goes, and the row changes that concerned it are settled. */
    public void forget(String source, JsonNode leftValue, List<Long> changes, String note) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.join_bases WHERE source = ? AND left_value = ?::jsonb")) {
                    ps.setString(1, source);
                    ps.setString(2, leftValue.toString());
                    ps.executeUpdate();
                }
                RowChanges.finish(c, changes, "ignored", note);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static ObjectNode joinKey(Settlement s, JsonNode right) {
        ObjectNode key = NODES.objectNode();
        key.set(s.leftColumn(), s.leftValue());
        key.set(s.rightColumn(), right);
        return key;
    }

    private static ArrayNode array(List<JsonNode> values) {
        ArrayNode array = NODES.arrayNode();
        values.forEach(array::add);
        return array;
    }

    private static List<JsonNode> list(String json) throws SQLException {
        JsonNode node = Links.json(json);
        if (node == null || node.isNull()) {
            return null;
        }
        List<JsonNode> values = new ArrayList<>();
        node.forEach(values::add);
        return values;
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
