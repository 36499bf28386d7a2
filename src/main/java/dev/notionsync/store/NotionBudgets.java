package dev.notionsync.store;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The Notion budget every instance on this database shares, per connection (V33): the token bucket, kept by bucket4j's
 * PostgreSQL proxy manager in notion_sync.notion_budget_buckets, and the row of notion_sync.notion_budgets saying
 * what the last 429 changed. Statements give up after {@link #TIMEOUT}: a stalled database must not hold the door.
 */
public final class NotionBudgets {

    public static final Duration TIMEOUT = Duration.ofSeconds(2);

    /** What the last 429 changed; null fields when nothing was lowered or paused. */
    public record Stored(Integer reducedTo, Instant reducedAt, Instant pausedUntil) {
    }

    private final DataSource dataSource;

    public NotionBudgets(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The connection's bucket. bucket4j's SELECT ... FOR UPDATE proxy manager: a row lock for the length of one
     * take, on a text key, with no advisory lock ids to derive from it. {@code configuration} is used when the row is new.
     */
    public BucketProxy bucket(String connection, Supplier<BucketConfiguration> configuration) {
        return Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table("notion_sync.notion_budget_buckets")
                .requestTimeout(TIMEOUT)
                .build()
                .builder()
                .build(connection, configuration);
    }

    public Stored read(String connection) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(
                "SELECT reduced_to, reduced_at, paused_until FROM notion_sync.notion_budgets WHERE connection = ?")) {
            st.setQueryTimeout((int) TIMEOUT.toSeconds());
            st.setString(1, connection);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? new Stored((Integer) rs.getObject(1), instant(rs.getTimestamp(2)), instant(rs.getTimestamp(3)))
                        : new Stored(null, null, null);
            }
        }
    }

    /** A 429: the rate of every instance is {@code reducedTo} from {@code at} on. */
    public void lower(String connection, int reducedTo, Instant at) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO notion_sync.notion_budgets (connection, reduced_to, reduced_at) VALUES (?, ?, ?)"
                        + " ON CONFLICT (connection) DO UPDATE SET reduced_to = EXCLUDED.reduced_to, reduced_at = EXCLUDED.reduced_at")) {
            st.setQueryTimeout((int) TIMEOUT.toSeconds());
            st.setString(1, connection);
            st.setInt(2, reducedTo);
            st.setTimestamp(3, Timestamp.from(at));
            st.executeUpdate();
        }
    }

    /** A Retry-After: no call of any instance leaves before {@code until}; a later pause stored already stays. */
    public void pause(String connection, Instant until) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO notion_sync.notion_budgets (connection, paused_until) VALUES (?, ?) ON CONFLICT (connection)"
                        + " DO UPDATE SET paused_until = GREATEST(notion_budgets.paused_until, EXCLUDED.paused_until)")) {
            st.setQueryTimeout((int) TIMEOUT.toSeconds());
            st.setString(1, connection);
            st.setTimestamp(2, Timestamp.from(until));
            st.executeUpdate();
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
