package dev.notionsync.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * notion_sync.oauth_connections and oauth_states (V38): the workspaces that authorized the public integration, with
 * their tokens as the caller encrypted them, and the states of the authorize URLs handed out. Shared by every engine
 * on the database: one engine's callback or refresh is every engine's.
 */
public final class OAuthConnections {

    private final DataSource dataSource;
    /** One refresh of a connection at a time in this engine: the others wait here, not holding a pooled connection. */
    private final Map<String, Object> refreshing = new ConcurrentHashMap<>();

    public OAuthConnections(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One stored connection; tokens as stored (encrypted), refreshToken null when Notion issued none. */
    public record Stored(String name, String workspaceId, String workspaceName, String botId, byte[] accessToken, byte[] refreshToken,
                         String status, String statusDetail, Instant authorizedAt, Instant refreshedAt) {
        public boolean revoked() {
            return "revoked".equals(status);
        }
    }

    /** What a refresh ended in: new tokens, or the connection revoked. */
    public sealed interface Refreshed permits Tokens, Revoked {
    }

    /** New tokens from Notion, encrypted by the caller. */
    public record Tokens(String workspaceId, String workspaceName, String botId, byte[] accessToken, byte[] refreshToken) implements Refreshed {
    }

    /** Notion refused the connection's tokens for good: why, and what to do. */
    public record Revoked(String detail) implements Refreshed {
    }

    /** Thrown by {@link #authorize} when the name already belongs to another workspace. */
    public static final class NameTaken extends Exception {
        public NameTaken(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- states

    /** Records an authorize URL's state (its hash) for the connection it will name; drops states that expired. */
    public void saveState(String stateHash, String connection, Instant expiresAt) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.oauth_states WHERE expires_at < now()")) {
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.oauth_states (state_hash, connection, expires_at) VALUES (?, ?, ?)")) {
                ps.setString(1, stateHash);
                ps.setString(2, connection);
                ps.setTimestamp(3, Timestamp.from(expiresAt));
                ps.executeUpdate();
            }
        }
    }

    /** Takes a state once: the connection it names, or null when it is unknown, used already or expired. */
    public String takeState(String stateHash) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.oauth_states WHERE state_hash = ? RETURNING connection, expires_at > now()")) {
            ps.setString(1, stateHash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(2) ? rs.getString(1) : null;
            }
        }
    }

    // ---------------------------------------------------------------- connections

    public Stored find(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(SELECT + " WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? stored(rs) : null;
            }
        }
    }

    /** The connection a workspace authorized as, or null. */
    public String connectionOf(String workspaceId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT name FROM notion_sync.oauth_connections WHERE workspace_id = ? ORDER BY authorized_at LIMIT 1")) {
            ps.setString(1, workspaceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    public List<Stored> all() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(SELECT + " ORDER BY name");
             ResultSet rs = ps.executeQuery()) {
            List<Stored> all = new ArrayList<>();
            while (rs.next()) {
                all.add(stored(rs));
            }
            return all;
        }
    }

    /**
     * Stores a workspace's new authorization under {@code name}: a new connection, or the same workspace authorizing
     * again (new tokens, active again). A name that belongs to another workspace is refused: the sources of that
     * connection would otherwise read another workspace's pages.
     */
    public void authorize(String name, Tokens tokens) throws SQLException, NameTaken {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("SELECT workspace_id, workspace_name FROM notion_sync.oauth_connections WHERE name = ? FOR UPDATE")) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && !rs.getString(1).equals(tokens.workspaceId())) {
                            // said to whoever opened the link: not which workspace it is
                            throw new NameTaken("connection " + name + " belongs to another workspace; authorize workspace '"
                                    + tokens.workspaceName() + "' under another name (until then the integration stays installed in it, unused;"
                                    + " remove it in Notion's Settings, Connections, if it is not wanted)");
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.oauth_connections (name, workspace_id, workspace_name, bot_id,"
                        + " access_token, refresh_token) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET workspace_name = EXCLUDED.workspace_name,"
                        + " bot_id = EXCLUDED.bot_id, access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token, status = 'active',"
                        + " status_detail = NULL, authorized_at = now(), refreshed_at = NULL, updated_at = now()")) {
                    ps.setString(1, name);
                    ps.setString(2, tokens.workspaceId());
                    ps.setString(3, tokens.workspaceName());
                    ps.setString(4, tokens.botId());
                    ps.setBytes(5, tokens.accessToken());
                    ps.setBytes(6, tokens.refreshToken());
                    ps.executeUpdate();
                }
                c.commit();
            } catch (SQLException | NameTaken | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** What a refresh decided, given the connection as it is stored now (locked). */
    public interface Refresher {
        /** New tokens or a revocation, or null to leave the row as it is (another engine refreshed it already). */
        Refreshed refresh(Stored current) throws Exception;
    }

    /**
     * Refreshes one connection with its row locked, so engines never send the same refresh token twice (Notion
     * rotates it: the second send would fail and look like a revocation). The refresher sees the row as it is after
     * the lock: tokens another engine got meanwhile. Returns the row afterwards.
     */
    public Stored refresh(String name, Refresher refresher) throws Exception {
        // a burst of 401s would otherwise have every thread hold a pooled connection while it waits for the row lock,
        // and the refresh holds the lock through a Notion call: the pool ran dry for the rest of the engine
        synchronized (refreshing.computeIfAbsent(name, n -> new Object())) {
            return refreshLocked(name, refresher);
        }
    }

    private Stored refreshLocked(String name, Refresher refresher) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Stored current;
                try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE name = ? FOR UPDATE")) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        current = rs.next() ? stored(rs) : null;
                    }
                }
                if (current == null) {
                    c.rollback();
                    return null;
                }
                Refreshed outcome = refresher.refresh(current);
                if (outcome instanceof Revoked revoked) {
                    revoke(c, name, revoked.detail());
                } else if (outcome instanceof Tokens tokens) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.oauth_connections SET access_token = ?, refresh_token = ?,"
                            + " refreshed_at = now(), updated_at = now() WHERE name = ?")) {
                        ps.setBytes(1, tokens.accessToken());
                        ps.setBytes(2, tokens.refreshToken());
                        ps.setString(3, name);
                        ps.executeUpdate();
                    }
                }
                c.commit();
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
        }
        return find(name);
    }

    /** Marks a connection revoked (Notion refused its tokens): its sources wait until the workspace authorizes again. */
    public void revoke(String name, String detail) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            revoke(c, name, detail);
        }
    }

    private static void revoke(Connection c, String name, String detail) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.oauth_connections SET status = 'revoked', status_detail = ?,"
                     + " updated_at = now() WHERE name = ?")) {
            ps.setString(1, detail);
            ps.setString(2, name);
            ps.executeUpdate();
        }
    }

    private static final String SELECT = "SELECT name, workspace_id, workspace_name, bot_id, access_token, refresh_token, status, status_detail,"
            + " authorized_at, refreshed_at FROM notion_sync.oauth_connections";

    private static Stored stored(ResultSet rs) throws SQLException {
        OffsetDateTime refreshed = rs.getObject(10, OffsetDateTime.class);
        return new Stored(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBytes(5), rs.getBytes(6), rs.getString(7),
                rs.getString(8), rs.getObject(9, OffsetDateTime.class).toInstant(), refreshed == null ? null : refreshed.toInstant());
    }
}
