package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/** notion_sync.report_runs: each report run, where it ran, what it wrote and how it ended. */
public final class ReportRuns {

    private final DataSource dataSource;

    public ReportRuns(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public long start(String report, String trigger, Instant scheduledAt, String instance) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.report_runs (report, trigger, scheduled_at, instance)"
                     + " VALUES (?, ?, ?, ?) RETURNING id")) {
            ps.setString(1, report);
            ps.setString(2, trigger);
            ps.setTimestamp(3, scheduledAt == null ? null : Timestamp.from(scheduledAt));
            ps.setString(4, instance);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public void finish(long id, int rows, String htmlFile, List<String> csvFiles, String notionPageId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.report_runs SET finished_at = now(), outcome = 'ok', error = NULL,"
                     + " row_count = ?, html_file = ?, csv_files = ?, notion_page_id = ? WHERE id = ?")) {
            ps.setInt(1, rows);
            ps.setString(2, htmlFile);
            ps.setArray(3, csvFiles.isEmpty() ? null : c.createArrayOf("text", csvFiles.toArray()));
            ps.setString(4, notionPageId);
            ps.setLong(5, id);
            ps.executeUpdate();
        }
    }

    /** A failed attempt; a redelivery that then succeeds overwrites it with finish. */
    public void fail(long id, String error) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.report_runs SET finished_at = now(), outcome = 'failed', error = ? WHERE id = ?")) {
            ps.setString(1, error);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }
}
