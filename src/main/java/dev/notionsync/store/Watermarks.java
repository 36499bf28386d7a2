package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * How far each data source of each source has been read. Moves forward as pages are read; moves back only through
 * {@link #rewind}, when pages already read must be read again.
 */
public final class Watermarks {

    private final DataSource dataSource;

    public Watermarks(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Optional<Instant> read(String source, String dataSourceId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT last_edited_time FROM notion_sync.watermarks WHERE source = ? AND data_source_id = CAST(? AS uuid)")) {
            ps.setString(1, source);
            ps.setString(2, dataSourceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getTimestamp(1).toInstant()) : Optional.empty();
            }
        }
    }

    /**
     * Moves the watermark back to {@code to} unless it is already earlier; with {@code to} null, removes it, so the
     * next pull reads the data source from the start.
     */
    public void rewind(String source, String dataSourceId, Instant to) throws SQLException {
        String sql = to == null
                ? "DELETE FROM notion_sync.watermarks WHERE source = ? AND data_source_id = CAST(? AS uuid)"
                : "UPDATE notion_sync.watermarks SET last_edited_time = LEAST(last_edited_time, ?), updated_at = now()"
                        + " WHERE source = ? AND data_source_id = CAST(? AS uuid)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (to != null) {
                ps.setTimestamp(i++, Timestamp.from(to));
            }
            ps.setString(i++, source);
            ps.setString(i, dataSourceId);
            ps.executeUpdate();
        }
    }

    /** Forgets every watermark of a source, so that its next pull reads everything again. */
    public void forget(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.watermarks WHERE source = ?")) {
            ps.setString(1, source);
            ps.executeUpdate();
        }
    }

    /** Seconds from the source's oldest data source watermark to now, or null before its first run. */
    public Double lagSeconds(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT extract(epoch FROM now() - min(last_edited_time)) FROM notion_sync.watermarks WHERE source = ?")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                double lag = rs.getDouble(1);
                return rs.wasNull() ? null : lag;
            }
        }
    }

    /** Moves the watermark to {@code to} unless it is already further; runs inside the caller's transaction. */
    static void advance(Connection c, String source, String dataSourceId, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO notion_sync.watermarks (source, data_source_id, last_edited_time) VALUES (?, CAST(? AS uuid), ?)"
                        + " ON CONFLICT (source, data_source_id) DO UPDATE"
                        + " SET last_edited_time = GREATEST(watermarks.last_edited_time, EXCLUDED.last_edited_time), updated_at = now()")) {
            ps.setString(1, source);
            ps.setString(2, dataSourceId);
            ps.setTimestamp(3, Timestamp.from(to));
            ps.executeUpdate();
        }
    }
}
