package dev.notionsync.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.ColumnNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * verify's check of a bound table against what the sync last agreed on with Notion (notion_sync.links: each linked
 * row's mapped values as they were when both sides were last in step). The sync sees every change of the table through
 * its capture trigger; what differs from the link with no change recorded was written behind the engine's back (the
 * trigger disabled, session_replication_role = replica, a restore). Rows whose change still waits for the push are
 * left to it.
 */
public final class BoundComparison {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A change of the row recorded and not yet settled (pending, being pushed, or dead-lettered). */
    private static final String UNSETTLED = "SELECT 1 FROM notion_sync.row_changes c WHERE c.source = ? AND c.status NOT IN ('pushed', 'ignored')"
            + " AND (c.row_key = %1$s OR c.old_row_key = %1$s)";

    private final DataSource dataSource;

    public BoundComparison(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A linked row whose mapped columns differ from the link's values. */
    public record Differing(JsonNode rowKey, String pageId, List<String> columns) {
    }

    /**
     * @param missingInPostgres links whose row is gone (page ids)
     * @param missingInNotion   rows without a page (their keys)
     * @param waiting           rows with a change still to push (not compared)
     */
    public record Result(int consistent, List<Differing> differing, List<String> missingInPostgres, List<JsonNode> missingInNotion, int waiting) {
    }

    public Result compare(String source, String schema, String table, List<String> key) throws SQLException {
        String qualified = ColumnNames.quote(schema) + "." + ColumnNames.quote(table);
        String rowKey = Links.keyObject(key);
        int consistent = 0;
        int waiting = 0;
        List<Differing> differing = new ArrayList<>();
        List<String> missingInPostgres = new ArrayList<>();
        List<JsonNode> missingInNotion = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            // every linked page: its row (or none), the columns that differ from the link, whether a change waits
            try (PreparedStatement ps = c.prepareStatement("SELECT l.row_key::text, l.page_id::text, t.r IS NULL,"
                    // the link's values read back as the table's types in this session: a timestamptz captured in another
                    // session's time zone (another offset), or a numeric written otherwise, is the same value; one the
                    // column's type refuses since (V46) differs
                    + " ARRAY(SELECT e.key FROM jsonb_each(coalesce(l.row_values, '{}')) e WHERE (t.r -> e.key) IS NOT NULL"
                    + " AND t.r -> e.key IS DISTINCT FROM agreed.v -> e.key ORDER BY e.key),"
                    + " EXISTS (" + String.format(UNSETTLED, "l.row_key") + ")"
                    + " FROM notion_sync.links l LEFT JOIN LATERAL (SELECT to_jsonb(t.*) AS r FROM " + qualified + " t WHERE " + rowKey + " = l.row_key) t ON true"
                    + " CROSS JOIN LATERAL (SELECT notion_sync.link_values_as(NULL::" + qualified + ", coalesce(l.row_values, '{}')) AS v) agreed"
                    + " WHERE l.source = ? AND l.state = 'linked' ORDER BY l.page_id")) {
                ps.setString(1, source);
                ps.setString(2, source);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<String> columns = List.of((String[]) rs.getArray(4).getArray());
                        if (rs.getBoolean(5)) {
                            waiting++;
                        } else if (rs.getBoolean(3)) {
                            missingInPostgres.add(rs.getString(2));
                        } else if (!columns.isEmpty()) {
                            differing.add(new Differing(JSON.readTree(rs.getString(1)), rs.getString(2), columns));
                        } else {
                            consistent++;
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT " + rowKey + "::text, EXISTS (" + String.format(UNSETTLED, rowKey) + ")"
                    + " FROM " + qualified + " t WHERE NOT EXISTS (SELECT 1 FROM notion_sync.links l WHERE l.source = ? AND l.row_key = " + rowKey + ")"
                    + " ORDER BY 1")) {
                ps.setString(1, source);
                ps.setString(2, source);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getBoolean(2)) {
                            waiting++;
                        } else {
                            missingInNotion.add(JSON.readTree(rs.getString(1)));
                        }
                    }
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("unreadable row key: " + e.getMessage(), e);
        }
        return new Result(consistent, differing, missingInPostgres, missingInNotion, waiting);
    }

    /**
     * Puts back the link's values of a differing row's columns, as the engine's write (its history says verify), under
     * the row's lock and only while no change of it is recorded: a change made since the comparison is never overwritten.
     */
    public boolean repairRow(String source, BoundRows.Table table, Differing row) throws SQLException {
        return inEngineTransaction(c -> {
            if (BoundRows.lock(c, table, row.rowKey()).isEmpty() || unsettled(c, source, row.rowKey())) {
                return false;
            }
            Links.Link link = Links.byKey(c, source, row.rowKey());
            if (link == null || !link.linked() || link.rowValues() == null) {
                return false;
            }
            ObjectNode values = JSON.createObjectNode();
            row.columns().forEach(column -> values.set(column, link.rowValues().get(column)));
            return BoundRows.update(c, table, row.rowKey(), values);
        });
    }

    /**
     * A linked row deleted behind the engine's back: its link goes, so the Apply pass makes the row again from its page
     * (as a new page, its key from the key property). Only while the row is still gone and no change of it is recorded.
     */
    public boolean forgetMissingRow(String source, BoundRows.Table table, String pageId) throws SQLException {
        return inEngineTransaction(c -> {
            Links.Link link = linkOf(c, source, pageId);
            if (link == null || !link.linked() || BoundRows.lock(c, table, link.rowKey()).isPresent() || unsettled(c, source, link.rowKey())) {
                return false;
            }
            Links.delete(c, source, link.rowKey());
            return true;
        });
    }

    /** A row inserted behind the engine's back: the push is asked to make its page, as record matching does. */
    public boolean requestPage(String source, BoundRows.Table table, JsonNode rowKey, List<String> mappedColumns) throws SQLException {
        return inEngineTransaction(c -> {
            var row = BoundRows.lock(c, table, rowKey);
            if (row.isEmpty() || Links.byKey(c, source, rowKey) != null || unsettled(c, source, rowKey)) {
                return false;
            }
            ObjectNode mapped = JSON.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> fields = row.get().fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (mappedColumns.contains(field.getKey())) {
                    mapped.set(field.getKey(), field.getValue());
                }
            }
            return BoundRows.requestPage(c, source, table, rowKey, mapped);
        });
    }

    private <T> T inEngineTransaction(BoundRows.Work<T> work) throws SQLException {
        return new BoundRows(dataSource).inEngineTransaction(c -> {
            PageWriter.tagSide(c, PageWriter.Side.ENGINE, null, "verify --repair");
            return work.run(c);
        });
    }

    private static boolean unsettled(Connection c, String source, JsonNode rowKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (" + String.format(UNSETTLED, "CAST(? AS jsonb)") + ")")) {
            ps.setString(1, source);
            ps.setString(2, rowKey.toString());
            ps.setString(3, rowKey.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static Links.Link linkOf(Connection c, String source, String pageId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT row_key::text FROM notion_sync.links WHERE source = ? AND page_id = CAST(? AS uuid)")) {
            ps.setString(1, source);
            ps.setString(2, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Links.byKey(c, source, JSON.readTree(rs.getString(1))) : null;
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException(e);
        }
    }
}
