package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import javax.sql.DataSource;

/**
 * The figures of the operator dashboard (GET /observe/dashboard), read from the engine's own tables: per source its
 * last pull run, freshness, failures, pages written per hour, conflicts and backlogs; and the totals of the instance.
 * Only this database's records: what every instance on it did, not this process alone.
 */
public final class DashboardQueries {

    /** The chart's span and its buckets: 24 hours, one bucket an hour, oldest first. */
    public static final int HOURS = 24;

    private static final String SOURCE = "SELECT"
            // freshness: how long ago the last successful pull ended
            + " (SELECT extract(epoch FROM now() - max(finished_at)) FROM notion_sync.sync_runs WHERE source = s.name AND kind = 'pull' AND outcome = 'ok'),"
            + " r.outcome, r.started_at, r.finished_at, r.pages_read, r.pages_inserted, r.pages_updated, r.error,"
            + " (SELECT count(*) FROM notion_sync.sync_runs WHERE source = s.name AND outcome = 'failed' AND finished_at > now() - interval '24 hours'),"
            + " f.error, f.finished_at,"
            + " (SELECT coalesce(sum(pages_inserted + pages_updated), 0) FROM notion_sync.sync_runs WHERE source = s.name AND finished_at > now() - interval '24 hours'),"
            + " (SELECT coalesce(sum(rate_limited), 0) FROM notion_sync.sync_runs WHERE source = s.name AND finished_at > now() - interval '24 hours'),"
            + " (SELECT count(*) FROM notion_sync.conflicts WHERE source = s.name AND detected_at > now() - interval '24 hours'),"
            + " (SELECT count(*) FROM notion_sync.outbox o WHERE o.status = 'pending' AND EXISTS (SELECT 1 FROM notion_sync.source_tables t"
            + "   WHERE t.source = s.name AND t.table_schema = o.table_schema AND t.table_name = o.table_name)),"
            + " (SELECT count(*) FROM notion_sync.webhook_inbox i WHERE i.status IN ('pending', 'processing') AND EXISTS (SELECT 1"
            + "   FROM notion_sync.source_tables t WHERE t.source = s.name AND t.data_source_id::text = i.data_source_id))"
            + " FROM (SELECT CAST(? AS text) AS name) s"
            + " LEFT JOIN LATERAL (SELECT * FROM notion_sync.sync_runs WHERE source = s.name AND kind = 'pull' ORDER BY id DESC LIMIT 1) r ON true"
            + " LEFT JOIN LATERAL (SELECT error, finished_at FROM notion_sync.sync_runs WHERE source = s.name AND outcome = 'failed'"
            + "   AND finished_at > now() - interval '24 hours' ORDER BY id DESC LIMIT 1) f ON true";

    /** Pages written (inserted + updated) per hour, by the hour the run ended in, the last {@value #HOURS} hours. */
    private static final String PER_HOUR = "SELECT h.i, coalesce(sum(r.pages_inserted + r.pages_updated), 0)"
            + " FROM generate_series(0, " + (HOURS - 1) + ") AS h(i)"
            + " LEFT JOIN notion_sync.sync_runs r ON r.source = ? AND r.finished_at > now() - interval '24 hours'"
            + "   AND floor(extract(epoch FROM now() - r.finished_at) / 3600) = " + (HOURS - 1) + " - h.i"
            + " GROUP BY h.i ORDER BY h.i";

    private static final String TOTALS = "SELECT"
            + " (SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'),"
            + " (SELECT count(*) FROM notion_sync.outbox WHERE status = 'pending'),"
            + " (SELECT count(*) FROM notion_sync.webhook_inbox WHERE status IN ('pending', 'processing')),"
            + " (SELECT count(*) FROM notion_sync.conflicts WHERE detected_at > now() - interval '24 hours'),"
            + " (SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'failed' AND finished_at > now() - interval '24 hours'),"
            + " (SELECT max(failed_at) FROM notion_sync.dead_letters WHERE status = 'open')";

    /**
     * One source's figures.
     *
     * @param freshnessSeconds seconds since its last successful pull ended; null when it never had one
     * @param lastOutcome      its latest pull run's outcome (ok, failed, running), null when it never ran
     * @param pagesPerHour     pages written in each of the last 24 hours, oldest first
     * @param pushBacklog      changes of its tables waiting to be pushed to Notion
     * @param inboxBacklog     webhook events of its data sources waiting to be applied
     */
    public record SourceFigures(Long freshnessSeconds, String lastOutcome, Instant lastStartedAt, Instant lastFinishedAt,
                                int lastPagesRead, int lastPagesInserted, int lastPagesUpdated, String lastRunError,
                                long failedRuns24h, String lastError, Instant lastErrorAt, long pagesWritten24h,
                                long rateLimited24h, long conflicts24h, long pushBacklog, long inboxBacklog, List<Long> pagesPerHour) {
    }

    /** What the whole database holds open: every source's and none's (dead letters name no source). */
    public record Totals(long openDeadLetters, long pushBacklog, long inboxBacklog, long conflicts24h, long failedRuns24h,
                         Instant newestOpenDeadLetter) {
    }

    private final DataSource dataSource;

    public DashboardQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public SourceFigures source(String source) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Long[] perHour = new Long[HOURS];
            try (PreparedStatement ps = c.prepareStatement(PER_HOUR)) {
                ps.setString(1, source);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        perHour[rs.getInt(1)] = rs.getLong(2);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(SOURCE)) {
                ps.setString(1, source);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    double freshness = rs.getDouble(1);
                    Long freshnessSeconds = rs.wasNull() ? null : Math.round(freshness);
                    return new SourceFigures(freshnessSeconds, rs.getString(2), instant(rs, 3), instant(rs, 4), rs.getInt(5), rs.getInt(6),
                            rs.getInt(7), rs.getString(8), rs.getLong(9), rs.getString(10), instant(rs, 11), rs.getLong(12), rs.getLong(13),
                            rs.getLong(14), rs.getLong(15), rs.getLong(16), List.of(perHour));
                }
            }
        }
    }

    public Totals totals() throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(TOTALS); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), instant(rs, 6));
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
