package dev.notionsync.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * notion_sync.subscriptions (V42): the change event subscriptions and how far each one's delivery has got. Every
 * engine on the database sees the same rows; {@link #tryLock} makes sure only one of them delivers a subscription at
 * a time.
 */
public final class Subscriptions {

    /** What a subscription is: where its events go, which ones, signed with what, retried how. */
    public record Definition(String name, String uri, List<String> sources, List<String> operations, List<String> properties,
                             String when, String secret, int maxAttempts, Duration backoff, Duration backoffMax) {

        /** The URI as it may be shown: its credentials, query values and (HTTP) path masked ({@link EndpointUri}). */
        public String shownUri() {
            return EndpointUri.of(uri).shown();
        }

        /** Never the secret: a definition that reaches a log line or an error says only whether it has one. */
        @Override
        public String toString() {
            return "Definition[name=" + name + ", uri=" + shownUri() + ", sources=" + sources
                    + ", operations=" + operations + ", properties=" + properties + ", when=" + when + ", signed="
                    + (secret != null && !secret.isEmpty()) + ", maxAttempts=" + maxAttempts + ", backoff=" + backoff + ", backoffMax=" + backoffMax + "]";
        }
    }

    /**
     * A subscription with its delivery state; waiting counts the events after its cursor (filtered ones too); due: its
     * backoff after a failed attempt is over (by the database's clock).
     */
    public record Subscription(Definition definition, String origin, boolean enabled, long passedThrough, int attempts,
                               Instant nextAttemptAt, String lastError, long delivered, long deadLettered, Instant lastDeliveredAt,
                               long waiting, boolean due) {
    }

    private static final String COLUMNS = "name, uri, sources, operations, properties, value_condition, secret, max_attempts, backoff_ms,"
            + " backoff_max_ms, origin, enabled, passed_through, attempts, next_attempt_at, last_error, delivered, dead_lettered,"
            + " last_delivered_at, (SELECT count(*) FROM notion_sync.change_events e WHERE e.event_id > s.passed_through),"
            + " coalesce(next_attempt_at <= clock_timestamp(), true)";

    private final DataSource dataSource;
    /** The connection whose session holds this engine's subscription locks (see {@link #tryLock}); null while none is held. */
    private Connection lockSession;
    private final java.util.Set<String> held = new java.util.HashSet<>();

    public Subscriptions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * A subscription of the settings, at each start: new ones start after the latest event; known ones keep their
     * cursor and take the settings' definition. Their secret stays in the settings, never in the table.
     */
    public void upsertDeclared(Definition d) throws SQLException {
        write("INSERT INTO notion_sync.subscriptions (name, uri, sources, operations, properties, value_condition, secret, max_attempts,"
                + " backoff_ms, backoff_max_ms, origin, passed_through) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 'settings', " + ChangeEvents.LAST_ID + ")"
                + " ON CONFLICT (name) DO UPDATE SET uri = EXCLUDED.uri, sources = EXCLUDED.sources, operations = EXCLUDED.operations,"
                + " properties = EXCLUDED.properties, value_condition = EXCLUDED.value_condition, secret = NULL,"
                + " max_attempts = EXCLUDED.max_attempts, backoff_ms = EXCLUDED.backoff_ms, backoff_max_ms = EXCLUDED.backoff_max_ms,"
                + " origin = 'settings', enabled = true, updated_at = now()", d, false);
    }

    /** A subscription added at runtime, starting after the latest event; false when one of that name exists. */
    public boolean add(Definition d) throws SQLException {
        return write("INSERT INTO notion_sync.subscriptions (name, uri, sources, operations, properties, value_condition, secret, max_attempts,"
                + " backoff_ms, backoff_max_ms, origin, passed_through) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'runtime', " + ChangeEvents.LAST_ID + ")"
                + " ON CONFLICT (name) DO NOTHING", d, true) > 0;
    }

    private int write(String sql, Definition d, boolean withSecret) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, d.name());
            ps.setString(i++, d.uri());
            ps.setArray(i++, c.createArrayOf("text", d.sources().toArray()));
            ps.setArray(i++, c.createArrayOf("text", d.operations().toArray()));
            ps.setArray(i++, c.createArrayOf("text", d.properties().toArray()));
            ps.setString(i++, d.when());
            if (withSecret) {
                ps.setString(i++, d.secret());
            }
            ps.setInt(i++, d.maxAttempts());
            ps.setLong(i++, d.backoff().toMillis());
            ps.setLong(i, d.backoffMax().toMillis());
            return ps.executeUpdate();
        }
    }

    /** Forgets the settings' subscriptions that are no longer in the settings (their events are no longer kept for them). */
    public List<String> removeDeclaredExcept(Collection<String> declared) throws SQLException {
        List<String> removed = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM notion_sync.subscriptions WHERE origin = 'settings' AND NOT (name = ANY (?)) RETURNING name")) {
            ps.setArray(1, c.createArrayOf("text", declared.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    removed.add(rs.getString(1));
                }
            }
        }
        return removed;
    }

    public boolean remove(String name) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.subscriptions WHERE name = ?")) {
            ps.setString(1, name);
            return ps.executeUpdate() > 0;
        }
    }

    public List<Subscription> list() throws SQLException {
        List<Subscription> list = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM notion_sync.subscriptions s ORDER BY name");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                list.add(read(rs));
            }
        }
        return list;
    }

    public Optional<Subscription> find(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM notion_sync.subscriptions s WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /** The events through {@code through} are done with: left out by the filter (or none were there). */
    public void pass(String name, long through) throws SQLException {
        update("UPDATE notion_sync.subscriptions SET passed_through = greatest(passed_through, ?) WHERE name = ?", through, name, null, null);
    }

    /** The event was delivered: the cursor moves through it (and the filtered events after it). */
    public void delivered(String name, long through) throws SQLException {
        update("UPDATE notion_sync.subscriptions SET passed_through = greatest(passed_through, ?), attempts = 0, next_attempt_at = NULL,"
                + " last_error = NULL, delivered = delivered + 1, last_delivered_at = now() WHERE name = ?", through, name, null, null);
    }

    /** A delivery failed and is tried again after {@code retryIn}; the cursor stays. */
    public void failed(String name, String error, Duration retryIn) throws SQLException {
        update("UPDATE notion_sync.subscriptions SET attempts = attempts + 1, last_error = ?,"
                + " next_attempt_at = clock_timestamp() + CAST(? AS interval) WHERE name = ?", null, name, error, retryIn.toMillis() + " milliseconds");
    }

    /** The event failed its last attempt and went to the dead letters: the cursor moves on. */
    public void deadLettered(String name, long through, String error) throws SQLException {
        update("UPDATE notion_sync.subscriptions SET passed_through = greatest(passed_through, ?), attempts = 0, next_attempt_at = NULL,"
                + " last_error = ?, dead_lettered = dead_lettered + 1 WHERE name = ?", through, name, error, null);
    }

    private void update(String sql, Long through, String name, String error, String interval) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (through != null) {
                ps.setLong(i++, through);
            }
            if (error != null) {
                ps.setString(i++, error);
            }
            if (interval != null) {
                ps.setString(i++, interval);
            }
            ps.setString(i, name);
            ps.executeUpdate();
        }
    }

    /**
     * The right to deliver the subscription, held by one engine on the database at a time: a session advisory lock,
     * kept until {@link Lock#close}. An advisory lock needs no transaction id, so holding it never holds back the
     * event barrier of the others ({@link ChangeEvents#settledThrough}). Null: another engine (or another round here)
     * delivers it now.
     *
     * <p>All of this engine's locks are held on one connection, given back to the pool when none is held: a
     * connection per held lock took the whole pool when as many subscriptions as it has connections waited for a slow
     * subscriber, and the rounds, the pulls and the operator endpoints then waited for a connection.
     */
    public synchronized Lock tryLock(String name) throws SQLException {
        if (held.contains(name)) {
            return null;   // session locks are re-entrant: this engine's own second round must not get it too
        }
        if (lockSession == null) {
            lockSession = dataSource.getConnection();
        }
        try (PreparedStatement ps = lockSession.prepareStatement("SELECT pg_try_advisory_lock(hashtext('notion_sync.subscriptions'), hashtext(?))")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    held.add(name);
                    return new Lock(name);
                }
            }
        } catch (SQLException | RuntimeException e) {
            abortLockSession();
            throw e;
        } finally {
            if (held.isEmpty()) {
                endLockSession();
            }
        }
        return null;
    }

    private synchronized void unlock(String name) throws SQLException {
        if (!held.remove(name) || lockSession == null) {
            return;
        }
        try (PreparedStatement ps = lockSession.prepareStatement("SELECT pg_advisory_unlock(hashtext('notion_sync.subscriptions'), hashtext(?))")) {
            ps.setString(1, name);
            ps.execute();
        } catch (SQLException e) {
            abortLockSession();
            throw e;
        }
        if (held.isEmpty()) {
            endLockSession();
        }
    }

    /**
     * The session's locks are in doubt: it ends (PostgreSQL gives back all of them) rather than going back to the pool
     * still holding some; the rounds that held them find out at their next claim.
     */
    private void abortLockSession() throws SQLException {
        if (lockSession != null) {
            lockSession.abort(Runnable::run);
        }
        endLockSession();
    }

    private void endLockSession() throws SQLException {
        Connection session = lockSession;
        lockSession = null;
        held.clear();
        if (session != null) {
            session.close();
        }
    }

    /** A held subscription lock; closing it gives it back (a lost connection gives it back too). */
    public final class Lock implements AutoCloseable {

        private final String name;

        private Lock(String name) {
            this.name = name;
        }

        @Override
        public void close() throws SQLException {
            unlock(name);
        }
    }

    private static Subscription read(ResultSet rs) throws SQLException {
        Definition d = new Definition(rs.getString(1), rs.getString(2), list(rs.getArray(3)), list(rs.getArray(4)), list(rs.getArray(5)),
                rs.getString(6), rs.getString(7), rs.getInt(8), Duration.ofMillis(rs.getLong(9)), Duration.ofMillis(rs.getLong(10)));
        return new Subscription(d, rs.getString(11), rs.getBoolean(12), rs.getLong(13), rs.getInt(14), instant(rs.getTimestamp(15)),
                rs.getString(16), rs.getLong(17), rs.getLong(18), instant(rs.getTimestamp(19)), rs.getLong(20),
                rs.getBoolean(21));
    }

    private static List<String> list(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
