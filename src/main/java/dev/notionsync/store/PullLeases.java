package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * One pull of a source at a time across every engine on the database (notion_sync.pull_leases, V32): a run takes its
 * source's lease before it reads anything, renews it as it goes, and gives it back at its end. A lease runs out after
 * {@code length} without renewal, so a dead engine's source is pulled again by the next run on any engine.
 */
public final class PullLeases {

    private final DataSource dataSource;
    private final Duration length;

    public PullLeases(DataSource dataSource, Duration length) {
        this.dataSource = dataSource;
        this.length = length;
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
                return rs.next();
            }
        }
    }

    /** Renews the lease while {@code holder} has it; false when it ran out and another run took it. */
    public boolean renew(String source, String holder) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.pull_leases SET until = clock_timestamp() + CAST(? AS interval)"
                     + " WHERE source = ? AND holder = ?")) {
            ps.setString(1, length.toMillis() + " milliseconds");
            ps.setString(2, source);
            ps.setString(3, holder);
            return ps.executeUpdate() > 0;
        }
    }

    /** Gives the lease back (nothing when another run holds it by now). */
    public void release(String source, String holder) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.pull_leases WHERE source = ? AND holder = ?")) {
            ps.setString(1, source);
            ps.setString(2, holder);
            ps.executeUpdate();
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
