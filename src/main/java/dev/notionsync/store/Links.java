package dev.notionsync.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.mapping.ColumnNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * notion_sync.links: the link between a bound table's row (by its primary key, as jsonb {"column": value}) and its
 * page, with what both sides held when they were last in step: the page's mapped properties by property id (the
 * conflict base) and the row's mapped columns by name ({@code to_jsonb} shape).
 */
public final class Links {

    public static final String LINKED = "linked";
    public static final String UNLINKED = "unlinked";

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final DataSource dataSource;

    public Links(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One link; pageValues and rowValues null when not known. */
    public record Link(String source, JsonNode rowKey, String pageId, String state, Instant pageEditedTime, JsonNode pageValues,
                       JsonNode rowValues) {
        public boolean linked() {
            return LINKED.equals(state);
        }
    }

    /** A row of the bound table that has no link yet: its key and the whole row ({@code to_jsonb}). */
    public record UnlinkedRow(JsonNode rowKey, JsonNode row) {
    }

    /** The link of a row, or null. */
    public Link byKey(String source, JsonNode rowKey) throws SQLException {
        return findBy("source = ? AND row_key = ?::jsonb", source, rowKey.toString());
    }

    /** The link of a page, or null. */
    public Link byPage(String source, String pageId) throws SQLException {
        return findBy("source = ? AND page_id = ?::uuid", source, pageId);
    }

    /** {@link #byKey(String, JsonNode)} inside a caller's transaction. */
    public static Link byKey(Connection c, String source, JsonNode rowKey) throws SQLException {
        return findBy(c, "source = ? AND row_key = ?::jsonb", source, rowKey.toString());
    }

    private Link findBy(String condition, String... values) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return findBy(c, condition, values);
        }
    }

    private static Link findBy(Connection c, String condition, String... values) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT source, row_key::text, page_id::text, state, page_edited_time, page_values::text,"
                     + " row_values::text FROM notion_sync.links WHERE " + condition)) {
            for (int i = 0; i < values.length; i++) {
                ps.setString(i + 1, values[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? link(rs) : null;
            }
        }
    }

    /** Records a link as given (insert, or update of the row's link). */
    public void put(Link link) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            put(c, link);
        }
    }

    /** {@link #put(Link)} inside a caller's transaction (the row or the mirror written with it). */
    public static void put(Connection c, Link link) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.links (source, row_key, page_id, state, page_edited_time,"
                + " page_values, row_values) VALUES (?, ?::jsonb, ?::uuid, ?, ?, ?::jsonb, ?::jsonb) ON CONFLICT (source, md5(row_key::text)) DO UPDATE SET"
                + " page_id = EXCLUDED.page_id, state = EXCLUDED.state, page_edited_time = EXCLUDED.page_edited_time,"
                + " page_values = EXCLUDED.page_values, row_values = EXCLUDED.row_values, updated_at = now(), page_trashed_at = NULL,"
                // another page: the content both sides agreed on was another page's (bound content columns)
                + " content_hash = CASE WHEN notion_sync.links.page_id IS DISTINCT FROM EXCLUDED.page_id THEN NULL ELSE notion_sync.links.content_hash END,"
                + " content_row_hash = CASE WHEN notion_sync.links.page_id IS DISTINCT FROM EXCLUDED.page_id THEN NULL"
                + " ELSE notion_sync.links.content_row_hash END,"
                + " linked_at = CASE WHEN notion_sync.links.page_id IS DISTINCT FROM EXCLUDED.page_id THEN now() ELSE notion_sync.links.linked_at END")) {
            ps.setString(1, link.source());
            ps.setString(2, link.rowKey().toString());
            ps.setString(3, link.pageId());
            ps.setString(4, link.state() == null ? LINKED : link.state());
            ps.setObject(5, link.pageEditedTime() == null ? null : link.pageEditedTime().atOffset(ZoneOffset.UTC));
            ps.setString(6, link.pageValues() == null ? null : link.pageValues().toString());
            ps.setString(7, link.rowValues() == null ? null : link.rowValues().toString());
            ps.executeUpdate();
        }
    }

    /** The row keeps no page: its link stays, state unlinked, so the page is never written again from it. */
    public void unlink(String source, JsonNode rowKey) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            unlink(c, source, rowKey);
        }
    }

    /** {@link #unlink(String, JsonNode)} inside a caller's transaction. */
    public static void unlink(Connection c, String source, JsonNode rowKey) throws SQLException {
        execute(c, "UPDATE notion_sync.links SET state = 'unlinked', updated_at = now() WHERE source = ? AND row_key = ?::jsonb", source,
                rowKey.toString());
    }

    /**
     * Removes these columns' and properties' values from the source's links (columns {@code .exclude} names now that
     * were synced before): the engine keeps nothing of them.
     */
    public void forgetValues(String source, List<String> columns, List<String> propertyIds) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.links SET row_values = row_values - ?::text[],"
                     + " page_values = page_values - ?::text[] WHERE source = ? AND (jsonb_exists_any(row_values, ?::text[]) OR jsonb_exists_any(page_values, ?::text[]))")) {
            ps.setArray(1, c.createArrayOf("text", columns.toArray(String[]::new)));
            ps.setArray(2, c.createArrayOf("text", propertyIds.toArray(String[]::new)));
            ps.setString(3, source);
            ps.setArray(4, c.createArrayOf("text", columns.toArray(String[]::new)));
            ps.setArray(5, c.createArrayOf("text", propertyIds.toArray(String[]::new)));
            ps.executeUpdate();
        }
    }

    /**
     * The row's page went to Notion's trash and the row stays (on-trash = unlink): unlinked, marked so that the page,
     * restored from the trash, is linked to its row again ({@link #relinkRestored}).
     */
    public static void unlinkTrashed(Connection c, String source, JsonNode rowKey) throws SQLException {
        execute(c, "UPDATE notion_sync.links SET state = 'unlinked', page_trashed_at = now(), updated_at = now() WHERE source = ?"
                + " AND row_key = ?::jsonb", source, rowKey.toString());
    }

    /**
     * A page restored from the trash: its row's link, unlinked for the trash, is linked again, keeping what both sides
     * last agreed on (page_values, row_values) as the base of what changed since. False when there is no such link.
     */
    public static boolean relinkRestored(Connection c, String source, String pageId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.links SET state = 'linked', page_trashed_at = NULL, updated_at = now()"
                + " WHERE source = ? AND page_id = ?::uuid AND state = 'unlinked' AND page_trashed_at IS NOT NULL")) {
            ps.setString(1, source);
            ps.setString(2, pageId);
            return ps.executeUpdate() == 1;
        }
    }

    /** A page restored from the trash whose row is gone meanwhile: it stays unlinked, and is no longer looked at. */
    public static void forgetTrashed(Connection c, String source, String pageId) throws SQLException {
        execute(c, "UPDATE notion_sync.links SET page_trashed_at = NULL WHERE source = ? AND page_id = ?::uuid", source, pageId);
    }

    /** The row is gone: its link goes. */
    public void delete(String source, JsonNode rowKey) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            delete(c, source, rowKey);
        }
    }

    /** {@link #delete(String, JsonNode)} inside a caller's transaction. */
    public static void delete(Connection c, String source, JsonNode rowKey) throws SQLException {
        execute(c, "DELETE FROM notion_sync.links WHERE source = ? AND row_key = ?::jsonb", source, rowKey.toString());
    }

    /**
     * The pages of these row keys that have a linked page: key -> page id. The keys are as parsed from JSON text (an
     * ObjectNode compares its fields in any order; a number compares equal to the same number parsed from text).
     */
    public Map<JsonNode, String> pageIds(String source, Collection<JsonNode> rowKeys) throws SQLException {
        Map<JsonNode, String> pages = new LinkedHashMap<>();
        if (rowKeys.isEmpty()) {
            return pages;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT row_key::text, page_id::text FROM notion_sync.links"
                     + " WHERE source = ? AND state = 'linked' AND page_id IS NOT NULL AND row_key = ANY(?::jsonb[])")) {
            ps.setString(1, source);
            ps.setArray(2, c.createArrayOf("text", rowKeys.stream().map(JsonNode::toString).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pages.put(json(rs.getString(1)), rs.getString(2));
                }
            }
        }
        return pages;
    }

    /**
     * Linked rows whose column (a foreign key) names a row but whose page showed no relation in the property when
     * last synced: the relation still to set once the named row has a page.
     */
    public List<Link> emptyRelations(String source, String column, String propertyId) throws SQLException {
        List<Link> found = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT source, row_key::text, page_id::text, state, page_edited_time, page_values::text,"
                     + " row_values::text FROM notion_sync.links WHERE source = ? AND state = 'linked' AND page_id IS NOT NULL"
                     + " AND jsonb_typeof(row_values -> ?) <> 'null'"
                     + " AND coalesce(jsonb_array_length(page_values -> ? -> 'relation'), 0) = 0 ORDER BY row_key")) {
            ps.setString(1, source);
            ps.setString(2, column);
            ps.setString(3, propertyId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(link(rs));
                }
            }
        }
        return found;
    }

    /** How many rows of the source have a linked page. */
    public long linkedCount(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM notion_sync.links WHERE source = ? AND state = 'linked'")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * The key columns the source's links name (each row_key's fields), or empty while it has none: a table whose
     * primary key is now named otherwise no longer fits its links (README "Schema drift").
     */
    public List<String> keyColumns(String source) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT jsonb_object_keys(row_key) FROM (SELECT row_key FROM notion_sync.links"
                     + " WHERE source = ? LIMIT 1) AS one")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }

    /** Rows of the bound table without a link, first by key, at most {@code limit}. */
    public List<UnlinkedRow> unlinkedRows(String source, String schema, String table, List<String> key, int limit) throws SQLException {
        List<UnlinkedRow> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + keyObject(key) + "::text, to_jsonb(t.*)::text FROM " + qualified(schema, table)
                     + " t WHERE " + unlinked(key) + " ORDER BY " + key.stream().map(k -> "t." + ColumnNames.quote(k)).collect(Collectors.joining(", "))
                     + " LIMIT ?")) {
            ps.setString(1, source);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new UnlinkedRow(json(rs.getString(1)), json(rs.getString(2))));
                }
            }
        }
        return rows;
    }

    /** How many rows of the bound table have no link. */
    public long unlinkedCount(String source, String schema, String table, List<String> key) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + qualified(schema, table) + " t WHERE " + unlinked(key))) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The row key of table alias t as jsonb {"column": value}. */
    static String keyObject(List<String> key) {
        return "jsonb_build_object(" + key.stream().map(k -> ColumnNames.literal(k) + ", t." + ColumnNames.quote(k))
                .collect(Collectors.joining(", ")) + ")";
    }

    private static String unlinked(List<String> key) {
        return "NOT EXISTS (SELECT 1 FROM notion_sync.links l WHERE l.source = ? AND l.row_key = " + keyObject(key) + ")";
    }

    static String qualified(String schema, String table) {
        return ColumnNames.quote(schema) + "." + ColumnNames.quote(table);
    }

    private static void execute(Connection c, String sql, String... values) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                ps.setString(i + 1, values[i]);
            }
            ps.executeUpdate();
        }
    }

    private static Link link(ResultSet rs) throws SQLException {
        OffsetDateTime edited = rs.getObject(5, OffsetDateTime.class);
        return new Link(rs.getString(1) == null ? null : rs.getString(1), json(rs.getString(2)), rs.getString(3), rs.getString(4),
                edited == null ? null : edited.toInstant(), json(rs.getString(6)), json(rs.getString(7)));
    }

    static JsonNode json(String text) throws SQLException {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable jsonb from PostgreSQL", e);
        }
    }
}
