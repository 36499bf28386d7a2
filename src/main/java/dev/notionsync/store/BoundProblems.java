package dev.notionsync.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;

/**
 * notion_sync.bound_problems: what the Apply bridge and record matching of a bound source found and left alone for an
 * operator (two pages with one key, a relation to a page that is no bound row, a new page without a key), and the
 * schema drift each Apply pass finds (a column not in Notion, a dropped column, a deleted property, a renamed key). Recorded
 * level-triggered: a problem seen again only moves its last_seen; one no longer seen is resolved.
 */
public final class BoundProblems {

    /** Record matching: one match value on two or more pages; those pages are neither linked nor made rows. */
    public static final String AMBIGUOUS_PAGE_KEY = "ambiguous_page_key";
    /** Record matching: one match value on two or more rows; those rows are neither linked nor given pages. */
    public static final String AMBIGUOUS_ROW_KEY = "ambiguous_row_key";
    /** Record matching with match-create-rows=false: a page no row matched stays without a row. */
    public static final String UNMATCHED_PAGE = "unmatched_page";
    /** Record matching with match-create-pages=false, or no push to create it: a row no page matched. */
    public static final String UNMATCHED_ROW = "unmatched_row";
    /** A relation to a page that is no linked row of a bound table: the row's foreign key is kept as it was. */
    public static final String UNLINKED_RELATION = "unlinked_relation";
    /**
     * A join table kept as a relation: a page's relation would hold more pages than Notion takes in one write (100);
     * the join rows stay and the relation in Notion is left as it is.
     */
    public static final String RELATION_OVER_LIMIT = "relation_over_limit";
    /** A new page names a key that a row linked to another page has (a duplicated page carries its key along). */
    public static final String DUPLICATE_KEY_PAGE = "duplicate_key_page";

    /** Schema drift: a column of the table no property holds (added since, or never paired), not excluded. */
    public static final String NEW_COLUMN = "new_column";
    /** Schema drift: a paired column was dropped from the table; its property stays in Notion. */
    public static final String DROPPED_COLUMN = "dropped_column";
    /** Schema drift: a paired property was deleted in Notion (or changed type); its column keeps its values. */
    public static final String DELETED_PROPERTY = "deleted_property";
    /** Schema drift: the table's key columns are named otherwise than its links name them; the source waits. */
    public static final String KEY_CHANGED = "key_changed";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataSource dataSource;

    public BoundProblems(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One open problem. */
    public record Problem(long id, String source, String kind, String subject, List<String> pageIds, JsonNode rowKeys, String detail) {
    }

    /** Records a problem, or notes that it is still there. */
    public void record(String source, String kind, String subject, Collection<String> pageIds, Collection<JsonNode> rowKeys, String detail)
            throws SQLException {
        ArrayNode keys = JSON.createArrayNode();
        rowKeys.forEach(keys::add);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.bound_problems (source, kind, subject, page_ids, row_keys, detail)"
                     + " VALUES (?, ?, ?, CAST(? AS uuid[]), CAST(? AS jsonb), ?)"
                     + " ON CONFLICT (source, kind, md5(subject)) WHERE resolved_at IS NULL DO UPDATE SET page_ids = EXCLUDED.page_ids,"
                     + " row_keys = EXCLUDED.row_keys, detail = EXCLUDED.detail, last_seen = now()")) {
            ps.setString(1, source);
            ps.setString(2, kind);
            ps.setString(3, subject);
            ps.setArray(4, c.createArrayOf("text", pageIds.toArray(String[]::new)));
            ps.setString(5, keys.toString());
            ps.setString(6, detail);
            ps.executeUpdate();
        }
    }

    /** The problem is gone (the relation resolved, the page became a row): resolves it if it was open. */
    public void resolve(String source, String kind, String subject) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.bound_problems SET resolved_at = now()"
                     + " WHERE source = ? AND kind = ? AND subject = ? AND resolved_at IS NULL")) {
            ps.setString(1, source);
            ps.setString(2, kind);
            ps.setString(3, subject);
            ps.executeUpdate();
        }
    }

    /** Resolves the open problems of these kinds of the source except those about these subjects (the ones still seen). */
    public void resolveAllBut(String source, Collection<String> kinds, Collection<String> subjects) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.bound_problems SET resolved_at = now() WHERE source = ?"
                     + " AND kind = ANY (?) AND NOT (kind || '/' || subject = ANY (?)) AND resolved_at IS NULL")) {
            ps.setString(1, source);
            ps.setArray(2, c.createArrayOf("text", kinds.toArray()));
            ps.setArray(3, c.createArrayOf("text", subjects.toArray()));
            ps.executeUpdate();
        }
    }

    /** Resolves every open problem of a kind about a page. */
    public void resolvePage(String source, String kind, String pageId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.bound_problems SET resolved_at = now()"
                     + " WHERE source = ? AND kind = ? AND ?::uuid = ANY (page_ids) AND resolved_at IS NULL")) {
            ps.setString(1, source);
            ps.setString(2, kind);
            ps.setString(3, pageId);
            ps.executeUpdate();
        }
    }

    /** The open problems, of one source or (null) of all, oldest first. */
    public List<Problem> open(String source) throws SQLException {
        List<Problem> problems = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, source, kind, subject, page_ids::text[], row_keys::text, detail"
                     + " FROM notion_sync.bound_problems WHERE resolved_at IS NULL AND (? IS NULL OR source = ?) ORDER BY id")) {
            ps.setString(1, source);
            ps.setString(2, source);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    problems.add(new Problem(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            List.of((String[]) rs.getArray(5).getArray()), Links.json(rs.getString(6)), rs.getString(7)));
                }
            }
        }
        return problems;
    }
}
