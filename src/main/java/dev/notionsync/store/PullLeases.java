package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pull of a source at a time across every engine on the database (notion_sync.pull_leases, V32): a run takes its
 * source's lease before it reads anything and gives it back at its end; while it runs, this engine renews the leases
 * it holds every third of {@code length}, so a run waiting long on Notion keeps its source. A lease runs out after
 * {@code length} without renewal: a dead engine's sources are pulled again by the next run on any engine.
 */
public final class PullLeases implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PullLeases.class);

    private final DataSource dataSource;
    private final Duration length;
    /** A lease this engine's run holds, and when that run last made progress (took it, or wrote a result page). */
    private record Held(String holder, long progressNanos) {
    }

    /** The leases this engine's runs hold, by source. */
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private ScheduledExecutorService renewer;

    public PullLeases(DataSource dataSource, Duration length) {
        this.dataSource = dataSource;
        this.length = length;
    }

    /**
     * Renews every lease this engine holds whose run made progress within five lease lengths (a run lost by a bug
     * or an aborted exchange never holds its source for good); a failure (the database away) is logged, the lease may
     * then run out.
     */
    private void renewHeld() {
        long stale = System.nanoTime() - length.multipliedBy(5).toNanos();
        held.forEach((source, lease) -> {
            if (lease.progressNanos() - stale < 0) {
                held.remove(source, lease);
                LOG.warn("pull {}: its run made no progress for {} s; its lease is left to run out", source, length.multipliedBy(5).toSeconds());
                return;
            }
            try {
                if (!renewOnly(source, lease.holder())) {
                    held.remove(source, lease);
                }
            } catch (SQLException e) {
                LOG.warn("pull {}: its lease could not be renewed ({}); another engine may take the source over after notion.sync.pull-lease",
                        source, e.getMessage());
            }
        });
    }

    private synchronized void startRenewing() {
        if (renewer == null) {
            renewer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "notion-sync-pull-leases");
                thread.setDaemon(true);
                return thread;
            });
            long every = Math.max(200, length.toMillis() / 3);
            renewer.scheduleWithFixedDelay(this::renewHeld, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** The engine stops: its leases are given back, so another engine (or its next start) pulls at once. */
    @Override
    public synchronized void close() {
        if (renewer != null) {
            renewer.shutdownNow();
            renewer = null;
        }
        held.forEach((source, lease) -> release(source, lease.holder()));
    }

    /** Takes the source's lease for {@code holder}; false while another run holds it. */
    public boolean take(String source, String holder) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.pull_leases (source, holder, until)"
                     + " VALUES (?, ?, clock_timestamp() + CAST(? AS interval)) ON CONFLICT (source) DO UPDATE"
                     + " SET holder = EXCLUDED.holder, taken_at = now(), until = EXCLUDED.until"
                     + " WHERE notion_sync.pull_leases.until < clock_timestamp() RETURNING holder")) {
            ps.setString(1, source);
            ps.setString(2, holder);
            ps.setString(3, length.toMillis() + " milliseconds");
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
            }
        }
        held.put(source, new Held(holder, System.nanoTime()));
        startRenewing();
        return true;
    }

    /** The run made progress: its lease is renewed; false when it ran out and another run took it. */
    public boolean renew(String source, String holder) throws SQLException {
        held.computeIfPresent(source, (name, lease) -> lease.holder().equals(holder) ? new Held(holder, System.nanoTime()) : lease);
        return renewOnly(source, holder);
    }

    private boolean renewOnly(String source, String holder) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.pull_leases SET until = clock_timestamp() + CAST(? AS interval)"
                     + " WHERE source = ? AND holder = ?")) {
            ps.setString(1, length.toMillis() + " milliseconds");
            ps.setString(2, source);
            ps.setString(3, holder);
            return ps.executeUpdate() > 0;
        }
    }

    /** Gives the lease back (nothing when another run holds it by now); with the database away it runs out by itself. */
    public void release(String source, String holder) {
        held.computeIfPresent(source, (name, lease) -> lease.holder().equals(holder) ? null : lease);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.pull_leases WHERE source = ? AND holder = ?")) {
            ps.setString(1, source);
            ps.setString(2, holder);
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.debug("pull {}: lease not given back ({}); it runs out after notion.sync.pull-lease", source, e.getMessage());
        }
    }

    /** Who holds the source's lease now (null: nobody), for messages. */
    public String holder(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT holder FROM notion_sync.pull_leases WHERE source = ? AND until >= clock_timestamp()")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
