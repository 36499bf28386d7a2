package dev.notionsync.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.ColumnNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The shadow mirror of a bound source (notion.&lt;source&gt;, filled by the pull) read against notion_sync.links: the
 * pages whose state the Apply bridge still has to bring to the user's table. A page's mapped values are its raw
 * property values ({@code properties} column) by property id, the shape links.page_values keeps, so "changed since
 * the last sync" is one jsonb comparison in PostgreSQL.
 */
public final class ShadowPages {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    /** Kinds of open bound problems that keep an unlinked page from becoming a row. */
    private static final String HELD_PAGES = "'" + BoundProblems.AMBIGUOUS_PAGE_KEY + "', '" + BoundProblems.UNMATCHED_PAGE + "', '"
            + BoundProblems.AMBIGUOUS_ROW_KEY + "'";

    private final DataSource dataSource;

    public ShadowPages(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * One page of the shadow mirror with its link (null fields when it has none).
     *
     * @param gone       in Notion's trash, or deleted (the sweep's soft delete)
     * @param properties the page's properties by name, as Notion gave them
     * @param values     the mapped properties by property id: what links.page_values is compared with
     * @param version    the mirror row's content hash: changes whenever the page's content does (its last_edited_time, cut
     *                   to the minute by Notion, may not)
     */
    public record Page(String pageId, Instant lastEditedTime, boolean gone, ObjectNode properties, ObjectNode values,
                       JsonNode rowKey, String linkState, JsonNode linkedValues, JsonNode rowValues, String version) {
        public boolean linked() {
            return Links.LINKED.equals(linkState);
        }

        public boolean hasLink() {
            return linkState != null;
        }
    }

    /** Whether the shadow mirror table exists yet (the pull makes it on its first run). */
    public boolean exists(String schema, String table) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, ColumnNames.quote(schema) + "." + ColumnNames.quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** A property of the shadow mirror's data source, as the pull's column catalog knows it. */
    public record Property(String id, String name, String type) {
    }

    /** The properties of the shadow mirror's data source the pull has seen and not seen removed (its column catalog). */
    public List<Property> properties(String schema, String table) throws SQLException {
        List<Property> properties = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT property_id, property_name, property_type FROM notion_sync.column_catalog"
                     + " WHERE table_schema = ? AND table_name = ? AND removed_at IS NULL ORDER BY property_name, property_id")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    properties.add(new Property(rs.getString(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        return properties;
    }

    /** Whether a pull of the source has ever finished: the shadow mirror then holds every page of the database. */
    public boolean pulledOnce(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM notion_sync.sync_runs WHERE source = ? AND outcome = 'ok')")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * The pages Apply has work for, oldest edit first: linked pages whose mapped values differ from their link's, linked
     * pages trashed or deleted, and (with {@code withNew}) pages without a link that are neither, unless record
     * matching holds them as a problem.
     *
     * @param propertyIds the mapped property ids (value, title and key properties)
     * @param skip        pages to leave out (their last attempt failed and they did not change since)
     */
    public List<Page> pending(String schema, String table, String source, Collection<String> propertyIds, boolean withNew,
                              Collection<String> skip, int limit) throws SQLException {
        String values = values("m");
        String sql = "SELECT * FROM (SELECT m.\"page_id\"::text, m.\"last_edited_time\", (m.\"in_trash\" OR m.\"deleted_at\" IS NOT NULL),"
                + " m.\"properties\"::text, " + values + "::text AS v, l.row_key::text, l.state, l.page_values::text, l.row_values::text,"
                + " m.\"content_hash\" FROM " + ColumnNames.quote(schema) + "." + ColumnNames.quote(table) + " m"
                + " LEFT JOIN notion_sync.links l ON l.source = ? AND l.page_id = m.\"page_id\""
                + " WHERE NOT (m.\"page_id\"::text = ANY (?))"
                + " AND ((l.state = 'linked' AND (m.\"in_trash\" OR m.\"deleted_at\" IS NOT NULL OR l.page_values IS DISTINCT FROM " + values + "))"
                // a page restored from the trash, its row kept unlinked (on-trash = unlink): linked again
                + " OR (l.state = 'unlinked' AND l.page_trashed_at IS NOT NULL AND NOT m.\"in_trash\" AND m.\"deleted_at\" IS NULL)"
                + (withNew ? " OR (l.source IS NULL AND NOT m.\"in_trash\" AND m.\"deleted_at\" IS NULL AND NOT EXISTS (SELECT 1 FROM"
                + " notion_sync.bound_problems b WHERE b.source = ? AND b.resolved_at IS NULL AND b.kind IN (" + HELD_PAGES + ")"
                + " AND m.\"page_id\" = ANY (b.page_ids)))" : "")
                + ") ORDER BY m.\"last_edited_time\", m.\"page_id\" LIMIT ?) AS p";
        List<Page> pages = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            String[] ids = propertyIds.toArray(String[]::new);
            ps.setArray(i++, c.createArrayOf("text", ids));
            ps.setString(i++, source);
            ps.setArray(i++, c.createArrayOf("text", skip.toArray(String[]::new)));
            ps.setArray(i++, c.createArrayOf("text", ids));
            if (withNew) {
                ps.setString(i++, source);
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pages.add(page(rs));
                }
            }
        }
        return pages;
    }

    /** One page of the shadow mirror with its link, or null when the mirror has no such page. */
    public Page page(String schema, String table, String source, Collection<String> propertyIds, String pageId) throws SQLException {
        String sql = "SELECT m.\"page_id\"::text, m.\"last_edited_time\", (m.\"in_trash\" OR m.\"deleted_at\" IS NOT NULL),"
                + " m.\"properties\"::text, " + values("m") + "::text, l.row_key::text, l.state, l.page_values::text, l.row_values::text,"
                + " m.\"content_hash\" FROM " + ColumnNames.quote(schema) + "." + ColumnNames.quote(table) + " m"
                + " LEFT JOIN notion_sync.links l ON l.source = ? AND l.page_id = m.\"page_id\" WHERE m.\"page_id\" = ?::uuid";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", propertyIds.toArray(String[]::new)));
            ps.setString(2, source);
            ps.setString(3, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? page(rs) : null;
            }
        }
    }

    /**
     * Whether the shadow mirror still holds the page as {@code page} was read (same content, same trash state), read in
     * the caller's transaction. Apply reads its pages in a batch and writes each in a transaction of its own; a push
     * that settled the row meanwhile wrote the shadow mirror and finished the row's changes in one transaction. So,
     * asked after the transaction found no pending change, this sees that write if the pending check missed the changes.
     */
    public static boolean stillAsRead(Connection c, String schema, String table, Page page) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT \"content_hash\", (\"in_trash\" OR \"deleted_at\" IS NOT NULL) FROM "
                + ColumnNames.quote(schema) + "." + ColumnNames.quote(table) + " WHERE \"page_id\" = ?::uuid")) {
            ps.setString(1, page.pageId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && Objects.equals(rs.getString(1), page.version()) && rs.getBoolean(2) == page.gone();
            }
        }
    }

    /** The version (content hash) of each of these pages as the shadow mirror holds it (pages it does not hold are left out). */
    public Map<String, String> versions(String schema, String table, Collection<String> pageIds) throws SQLException {
        Map<String, String> times = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT \"page_id\"::text, \"content_hash\" FROM " + ColumnNames.quote(schema) + "."
                     + ColumnNames.quote(table) + " WHERE \"page_id\"::text = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", pageIds.toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    times.put(rs.getString(1), String.valueOf(rs.getString(2)));
                }
            }
        }
        return times;
    }

    /** Every page of the shadow mirror that is neither trashed nor deleted and has no link: what record matching pairs. */
    public void forEachUnlinked(String schema, String table, String source, Collection<String> propertyIds, Consumer<Page> each)
            throws SQLException {
        String sql = "SELECT m.\"page_id\"::text, m.\"last_edited_time\", false, m.\"properties\"::text, " + values("m") + "::text,"
                + " NULL, NULL, NULL, NULL, m.\"content_hash\" FROM " + ColumnNames.quote(schema) + "." + ColumnNames.quote(table) + " m"
                + " WHERE NOT m.\"in_trash\" AND m.\"deleted_at\" IS NULL"
                + " AND NOT EXISTS (SELECT 1 FROM notion_sync.links l WHERE l.source = ? AND l.page_id = m.\"page_id\")"
                + " ORDER BY m.\"page_id\"";
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setFetchSize(500);
                ps.setArray(1, c.createArrayOf("text", propertyIds.toArray(String[]::new)));
                ps.setString(2, source);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        each.accept(page(rs));
                    }
                }
            } finally {
                c.rollback();
            }
        }
    }

    /** The mapped property values of mirror row {@code alias} by property id (parameter: the ids, text[]). */
    private static String values(String alias) {
        return "(SELECT coalesce(jsonb_object_agg(p.value ->> 'id', p.value), '{}'::jsonb) FROM jsonb_each(" + alias
                + ".\"properties\") AS p WHERE p.value ->> 'id' = ANY (CAST(? AS text[])))";
    }

    private static Page page(ResultSet rs) throws SQLException {
        OffsetDateTime edited = rs.getObject(2, OffsetDateTime.class);
        return new Page(rs.getString(1), edited == null ? null : edited.toInstant(), rs.getBoolean(3), (ObjectNode) json(rs.getString(4)),
                (ObjectNode) json(rs.getString(5)), json(rs.getString(6)), rs.getString(7), json(rs.getString(8)), json(rs.getString(9)), rs.getString(10));
    }

    private static JsonNode json(String text) throws SQLException {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable jsonb from PostgreSQL", e);
        }
    }
}
