package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import javax.sql.DataSource;

/**
 * notion_sync.bound_sources: per bound source, the table it binds and its Notion database: the one bootstrap made
 * (state creating, then filling, then done) or the one notion.source.&lt;name&gt;.id names (state NULL).
 */
public final class BoundSources {

    /** Bootstrap states. */
    public static final String CREATING = "creating";
    public static final String FILLING = "filling";
    public static final String DONE = "done";

    /** Kinds: a database of its own, or (a join table) a relation between two other bound sources' databases. */
    public static final String DATABASE = "database";
    public static final String RELATION = "relation";

    private final DataSource dataSource;

    public BoundSources(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One bound source as recorded; ids are null until known. */
    public record BoundSource(String source, String tableSchema, String tableName, String parentPageId, String databaseId,
                              String dataSourceId, String bootstrapState, Instant bootstrapStartedAt, Instant bootstrappedAt,
                              Instant matchedAt, String kind) {
        public boolean bootstrapped() {
            return DONE.equals(bootstrapState);
        }

        /** A join table bootstrapped as a relation: no database of its own. */
        public boolean relation() {
            return RELATION.equals(kind);
        }
    }

    /** The record of a bound source, or null. */
    public BoundSource find(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT source, table_schema, table_name, parent_page_id::text, database_id::text,"
                     + " data_source_id::text, bootstrap_state, bootstrap_started_at, bootstrapped_at, matched_at, kind"
                     + " FROM notion_sync.bound_sources WHERE source = ?")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new BoundSource(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                        rs.getString(7), instant(rs, 8), instant(rs, 9), instant(rs, 10), rs.getString(11));
            }
        }
    }

    /**
     * Records that bootstrap of the source starts (state creating) under this parent page, unless it started
     * before: then the record stays as it is (a resumed bootstrap goes on from its state). Returns the record.
     */
    public BoundSource beginBootstrap(String source, String schema, String table, String parentPageId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.bound_sources (source, table_schema, table_name, parent_page_id,"
                     + " bootstrap_state, bootstrap_started_at) VALUES (?, ?, ?, ?::uuid, 'creating', now())"
                     + " ON CONFLICT (source) DO UPDATE SET table_schema = EXCLUDED.table_schema, table_name = EXCLUDED.table_name,"
                     + " parent_page_id = coalesce(notion_sync.bound_sources.parent_page_id, EXCLUDED.parent_page_id), updated_at = now()")) {
            ps.setString(1, source);
            ps.setString(2, schema);
            ps.setString(3, table);
            ps.setString(4, parentPageId);
            ps.executeUpdate();
        }
        return find(source);
    }

    /** The database bootstrap made (or found again after a lost answer) is known: the pages come next (state filling). */
    public void databaseCreated(String source, String databaseId, String dataSourceId) throws SQLException {
        update(source, "database_id = ?::uuid, data_source_id = ?::uuid, bootstrap_state = 'filling'", databaseId, dataSourceId);
    }

    /**
     * A join table's bootstrap starts or resumes (state creating, kind relation): it makes no database, only the
     * relation property on another source's. Returns the record.
     */
    public BoundSource beginRelation(String source, String schema, String table) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.bound_sources (source, table_schema, table_name, kind,"
                     + " bootstrap_state, bootstrap_started_at) VALUES (?, ?, ?, 'relation', 'creating', now())"
                     + " ON CONFLICT (source) DO UPDATE SET table_schema = EXCLUDED.table_schema, table_name = EXCLUDED.table_name, updated_at = now()")) {
            ps.setString(1, source);
            ps.setString(2, schema);
            ps.setString(3, table);
            ps.executeUpdate();
        }
        return find(source);
    }

    /** The relation property of a join table is made (or found again): the pages' relations come next (state filling). */
    public void relationCreated(String source) throws SQLException {
        update(source, "bootstrap_state = 'filling'");
    }

    /** Every row has its page: bootstrap is done. */
    public void bootstrapped(String source) throws SQLException {
        update(source, "bootstrap_state = 'done', bootstrapped_at = now()");
    }

    /** A source bound to an existing database (notion.source.&lt;name&gt;.id): no bootstrap state. */
    public void boundToExisting(String source, String schema, String table, String databaseId, String dataSourceId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.bound_sources (source, table_schema, table_name, database_id,"
                     + " data_source_id) VALUES (?, ?, ?, ?::uuid, ?::uuid) ON CONFLICT (source) DO UPDATE SET table_schema = EXCLUDED.table_schema,"
                     + " table_name = EXCLUDED.table_name, database_id = EXCLUDED.database_id, data_source_id = EXCLUDED.data_source_id,"
                     + " updated_at = now()")) {
            ps.setString(1, source);
            ps.setString(2, schema);
            ps.setString(3, table);
            ps.setString(4, databaseId);
            ps.setString(5, dataSourceId);
            ps.executeUpdate();
        }
    }

    /** Record matching of the source's first sync is done. */
    public void matched(String source) throws SQLException {
        update(source, "matched_at = now()");
    }

    private void update(String source, String assignments, String... values) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.bound_sources SET " + assignments + ", updated_at = now() WHERE source = ?")) {
            int i = 1;
            for (String value : values) {
                ps.setString(i++, value);
            }
            ps.setString(i, source);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("no bound source '" + source + "' in notion_sync.bound_sources");
            }
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
