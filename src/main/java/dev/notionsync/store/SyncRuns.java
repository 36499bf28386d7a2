package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/** notion_sync.sync_runs: one row per pull run, so operators and reports can see what each run did. */
public final class SyncRuns {

    private final DataSource dataSource;
    /** The engine instance whose runs these are (notion_sync.sync_runs.instance); null for a reader of the table. */
    private final String instance;
    /** Runs whose end PostgreSQL could not take (it was down): recorded when it answers again, at the next start. */
    private final Map<Long, Ending> unrecorded = new ConcurrentHashMap<>();

    private record Ending(PullCounts counts, Instant watermarkAfter, String outcome, String error, Integer permanentErrorStatus,
                          Instant finishedAt) {
    }

    /**
     * A source's latest finished pull run, as readiness and status judge it. permanentErrorStatus: the HTTP status of
     * Notion's answer that failed it when retrying cannot help, else null.
     */
    public record LastRun(String outcome, String error, Integer permanentErrorStatus, Instant finishedAt) {
        public boolean failedPermanently() {
            return "failed".equals(outcome) && permanentErrorStatus != null;
        }
    }

    public SyncRuns(DataSource dataSource) {
        this(dataSource, null);
    }

    /** The runs of one engine instance: each run it starts names it. */
    public SyncRuns(DataSource dataSource, String instance) {
        this.dataSource = dataSource;
        this.instance = instance;
    }

    public long start(String source, Instant watermarkBefore) throws SQLException {
        return start(source, "pull", watermarkBefore);
    }

    public long start(String source, String kind, Instant watermarkBefore) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO notion_sync.sync_runs (source, kind, watermark_before, instance) VALUES (?, ?, ?, ?) RETURNING id")) {
            ps.setString(1, source);
            ps.setString(2, kind);
            ps.setTimestamp(3, watermarkBefore == null ? null : Timestamp.from(watermarkBefore));
            ps.setString(4, instance);
            long id;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
            recordUnrecorded();
            return id;
        }
    }

    /**
     * Ends as failed the source's runs of this kind still shown 'running': the caller holds the source's lease for
     * this kind, so no other run of it is under way, and these were left by an instance that stopped or died mid-run
     * (or by a run that lost its lease and has not ended yet: its own end, written later, replaces this one). Without
     * it they would show running for ever (retention keeps running runs). Returns how many.
     */
    public int endAbandoned(String source, String kind) throws SQLException {
        recordUnrecorded();   // this instance's own runs whose end PostgreSQL missed get their real end, not this one
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.sync_runs SET outcome = 'failed', finished_at = now(),"
                     + " error = 'abandoned: instance ' || coalesce(instance, '(unknown)') || ' stopped or lost the source''s lease before this run ended'"
                     + " WHERE source = ? AND kind = ? AND outcome = 'running' AND id <> ALL (?)")) {
            ps.setString(1, source);
            ps.setString(2, kind);
            ps.setArray(3, c.createArrayOf("bigint", unrecorded.keySet().toArray()));
            return ps.executeUpdate();
        }
    }

    /** Ends that could not be written when their runs ended, so that no run stays 'running' for ever. */
    private void recordUnrecorded() {
        for (var entry : unrecorded.entrySet()) {
            Ending e = entry.getValue();
            try {
                write(entry.getKey(), e.counts(), e.watermarkAfter(), e.outcome(), e.error(), e.permanentErrorStatus(), e.finishedAt());
                unrecorded.remove(entry.getKey());
            } catch (SQLException stillDown) {
                return;
            }
        }
    }

    public void recordWatermarkBefore(long runId, Instant watermark) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.sync_runs SET watermark_before = ? WHERE id = ?")) {
            ps.setTimestamp(1, watermark == null ? null : Timestamp.from(watermark));
            ps.setLong(2, runId);
            ps.executeUpdate();
        }
    }

    public void finish(long runId, PullCounts counts, Instant watermarkAfter, String outcome, String error) throws SQLException {
        finish(runId, counts, watermarkAfter, outcome, error, null);
    }

    /** Ends a run; permanentErrorStatus as in {@link LastRun}. */
    public void finish(long runId, PullCounts counts, Instant watermarkAfter, String outcome, String error, Integer permanentErrorStatus)
            throws SQLException {
        Instant finishedAt = Instant.now();
        try {
            write(runId, counts, watermarkAfter, outcome, error, permanentErrorStatus, finishedAt);
        } catch (SQLException e) {
            unrecorded.put(runId, new Ending(counts, watermarkAfter, outcome,
                    (error == null ? "" : error + "; ") + "recorded late: PostgreSQL did not answer when the run ended", permanentErrorStatus, finishedAt));
            throw e;
        }
    }

    /** The source's latest finished pull run, if any. */
    public Optional<LastRun> lastPull(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT outcome, error, permanent_error_status, finished_at FROM notion_sync.sync_runs"
                     + " WHERE source = ? AND kind = 'pull' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new LastRun(rs.getString(1), rs.getString(2), rs.getObject(3, Integer.class),
                        rs.getTimestamp(4).toInstant()));
            }
        }
    }

    private void write(long runId, PullCounts counts, Instant watermarkAfter, String outcome, String error, Integer permanentErrorStatus,
                       Instant finishedAt) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE notion_sync.sync_runs SET finished_at = ?, pages_read = ?, pages_inserted = ?, pages_updated = ?,"
                             + " pages_unchanged = ?, api_calls = ?, watermark_after = ?, outcome = ?, error = ?,"
                             + " property_item_calls = ?, rate_limited = ?, pages_deleted = ?, permanent_error_status = ? WHERE id = ?")) {
            ps.setTimestamp(1, Timestamp.from(finishedAt));
            ps.setInt(2, counts.read());
            ps.setInt(3, counts.inserted());
            ps.setInt(4, counts.updated());
            ps.setInt(5, counts.unchanged());
            ps.setInt(6, counts.apiCalls());
            ps.setTimestamp(7, watermarkAfter == null ? null : Timestamp.from(watermarkAfter));
            ps.setString(8, outcome);
            ps.setString(9, error);
            ps.setInt(10, counts.propertyItemCalls());
            ps.setInt(11, counts.rateLimited());
            ps.setInt(12, counts.deleted());
            ps.setObject(13, permanentErrorStatus, Types.INTEGER);
            ps.setLong(14, runId);
            ps.executeUpdate();
        }
    }

    /** What one run did so far. */
    public record PullCounts(int read, int inserted, int updated, int unchanged, int apiCalls, int propertyItemCalls,
                             int rateLimited, int deleted) {
        public static final PullCounts ZERO = new PullCounts(0, 0, 0, 0, 0, 0, 0, 0);

        /** One result page: its outcome, the query plus the property item calls it needed. */
        public PullCounts plus(PageWriter.Outcome outcome, int pagesRead, int itemCalls) {
            return new PullCounts(read + pagesRead, inserted + outcome.inserted(), updated + outcome.updated(),
                    unchanged + outcome.unchanged(), apiCalls + 1 + itemCalls, propertyItemCalls + itemCalls, rateLimited, deleted);
        }

        public PullCounts withRateLimited(int count) {
            return new PullCounts(read, inserted, updated, unchanged, apiCalls, propertyItemCalls, count, deleted);
        }

        public static PullCounts sweep(int listed, int deleted, int apiCalls) {
            return new PullCounts(listed, 0, 0, 0, apiCalls, 0, 0, deleted);
        }
    }

    /** What an operator asks of a source: its latest pull run (any outcome) and how far behind it is. */
    public record SourceStatus(String lastOutcome, Instant lastStartedAt, Instant lastFinishedAt, int lastPagesRead,
                               int lastPagesInserted, int lastPagesUpdated, String lastError, Instant watermark,
                               Long lagSeconds, Long secondsSinceLastOkRun) {
    }

    public SourceStatus status(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT r.outcome, r.started_at, r.finished_at, r.pages_read, r.pages_inserted,"
                     + " r.pages_updated, r.error, w.watermark, extract(epoch FROM now() - w.watermark),"
                     + " (SELECT extract(epoch FROM now() - max(finished_at)) FROM notion_sync.sync_runs"
                     + "   WHERE source = w.source AND kind = 'pull' AND outcome = 'ok')"
                     + " FROM (SELECT ?::text AS source, (SELECT min(last_edited_time) FROM notion_sync.watermarks WHERE source = ?) AS watermark) w"
                     + " LEFT JOIN LATERAL (SELECT * FROM notion_sync.sync_runs WHERE source = w.source AND kind = 'pull' ORDER BY id DESC LIMIT 1) r ON true")) {
            ps.setString(1, source);
            ps.setString(2, source);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new SourceStatus(rs.getString(1), instant(rs, 2), instant(rs, 3), rs.getInt(4), rs.getInt(5), rs.getInt(6),
                        rs.getString(7), instant(rs, 8), seconds(rs, 9), seconds(rs, 10));
            }
        }
    }

    /** Seconds since the source's last successful pull ended, or empty when it never had one. */
    public OptionalLong secondsSinceLastOkPull(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT extract(epoch FROM now() - max(finished_at)) FROM notion_sync.sync_runs"
                     + " WHERE source = ? AND kind = 'pull' AND outcome = 'ok'")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Long seconds = seconds(rs, 1);
                return seconds == null ? OptionalLong.empty() : OptionalLong.of(seconds);
            }
        }
    }

    private static Long seconds(ResultSet rs, int column) throws SQLException {
        double seconds = rs.getDouble(column);
        return rs.wasNull() ? null : Math.round(seconds);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }

    /** How many of these sources have finished a pull run (whatever its outcome) that started at or after {@code since}. */
    public int sourcesPulledSince(Collection<String> sources, Instant since) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(DISTINCT source) FROM notion_sync.sync_runs"
                     + " WHERE kind = 'pull' AND outcome <> 'running' AND started_at >= ? AND source = ANY (?)")) {
            ps.setTimestamp(1, Timestamp.from(since));
            ps.setArray(2, c.createArrayOf("text", sources.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * How long ago the source's last successful sweep (by any engine on this database) started; null when never. From
     * its start, as a sweep timer counts its period, so an engine's own next sweep is never taken for another's.
     */
    public Duration sinceLastSweep(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT extract(epoch FROM clock_timestamp() - max(started_at)) * 1000"
                     + " FROM notion_sync.sync_runs WHERE source = ? AND kind = 'sweep' AND outcome = 'ok'")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                double millis = rs.getDouble(1);
                return rs.wasNull() ? null : Duration.ofMillis((long) millis);
            }
        }
    }
}
