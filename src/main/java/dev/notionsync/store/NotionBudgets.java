package dev.notionsync.store;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The Notion budget every instance on this database shares, per connection (V33): the token bucket, kept by bucket4j's
 * PostgreSQL proxy manager in notion_sync.notion_budget_buckets, and the row of notion_sync.notion_budgets saying
 * what the last 429 changed. Statements give up after {@link #TIMEOUT}: a stalled database must not hold the door.
 * The row's times are the database's clock, and are read as "how long ago" and "how long still": an instance whose
 * clock runs ahead or behind cannot pause the others for hours nor lower their rate below one request a second.
 */
public final class NotionBudgets {

    public static final Duration TIMEOUT = Duration.ofSeconds(2);

    /**
     * What the last 429 changed; null fields when nothing was lowered or paused.
     *
     * @param reducedAgo how long ago the rate was lowered to {@code reducedTo}, by the database's clock
     * @param pauseLeft  how long calls must still wait (negative once over), by the database's clock
     */
    public record Stored(Integer reducedTo, Duration reducedAgo, Duration pauseLeft) {
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
                "SELECT reduced_to, (extract(epoch FROM clock_timestamp() - reduced_at) * 1000)::bigint,"
                        + " (extract(epoch FROM paused_until - clock_timestamp()) * 1000)::bigint"
                        + " FROM notion_sync.notion_budgets WHERE connection = ?")) {
            st.setQueryTimeout((int) TIMEOUT.toSeconds());
            st.setString(1, connection);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? new Stored((Integer) rs.getObject(1), millis(rs.getObject(2)), millis(rs.getObject(3)))
                        : new Stored(null, null, null);
            }
        }
    }

    /** A 429: the rate of every instance is {@code reducedTo} from now on. */
    public void lower(String connection, int reducedTo) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO notion_sync.notion_budgets (connection, reduced_to, reduced_at) VALUES (?, ?, clock_timestamp())"
                        + " ON CONFLICT (connection) DO UPDATE SET reduced_to = EXCLUDED.reduced_to, reduced_at = EXCLUDED.reduced_at")) {
            st.setQueryTimeout((int) TIMEOUT.toSeconds());
            st.setString(1, connection);
            st.setInt(2, reducedTo);
            st.executeUpdate();
        }
    }

    /** A Retry-After: no call of any instance leaves for {@code wait}; a later pause stored already stays. */
    public void pause(String connection, Duration wait) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO notion_sync.notion_budgets (connection, paused_until) VALUES (?, clock_timestamp() + CAST(? AS interval))"
                        + " ON CONFLICT (connection)"
                        + " DO UPDATE SET paused_until = GREATEST(notion_budgets.paused_until, EXCLUDED.paused_until)")) {
            st.setQueryTimeout((int) TIMEOUT.toSeconds());
            st.setString(1, connection);
            st.setString(2, wait.toMillis() + " milliseconds");
            st.executeUpdate();
        }
    }

    private static Duration millis(Object value) {
        return value == null ? null : Duration.ofMillis(((Number) value).longValue());
    }
}
