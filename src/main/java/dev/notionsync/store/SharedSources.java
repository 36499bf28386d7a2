package dev.notionsync.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * notion_sync.shared_sources (V39): the source name each data source shared with a connection got when it was first
 * discovered. Names are kept: a database renamed in Notion stays in its table.
 */
public final class SharedSources {

    private final DataSource dataSource;

    public SharedSources(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The names given so far to this connection's data sources, by data source id. */
    public Map<String, String> names(String connection) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT data_source_id, source FROM notion_sync.shared_sources WHERE connection = ?")) {
            ps.setString(1, connection);
            try (ResultSet rs = ps.executeQuery()) {
                Map<String, String> names = new LinkedHashMap<>();
                while (rs.next()) {
                    names.put(rs.getString(1), rs.getString(2));
                }
                return names;
            }
        }
    }

    /** Whether a source of another data source holds this name already. */
    public boolean taken(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM notion_sync.shared_sources WHERE source = ?")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Records that the data source was listed now, under {@code source} unless it has a name already: returns the name
     * it has (another engine on the database may have named it first).
     */
    public String listed(String connection, String dataSourceId, String source, String title) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.shared_sources (connection, data_source_id, source, title)"
                     + " VALUES (?, ?, ?, ?) ON CONFLICT (connection, data_source_id) DO UPDATE SET title = EXCLUDED.title, last_listed_at = now()"
                     + " RETURNING source")) {
            ps.setString(1, connection);
            ps.setString(2, dataSourceId);
            ps.setString(3, source);
            ps.setString(4, title);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
