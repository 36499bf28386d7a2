package dev.notionsync.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/**
 * notion_sync.users: the people and bots of the workspaces, as each connection's GET /v1/users lists them (a row keeps
 * the connection that listed it last).
 */
public final class Users {

    /** One listed user, as stored. */
    public record User(String id, String type, String name, String email, String avatarUrl, String botOwnerType, String botOwnerUserId) {

        /** From a user object of GET /v1/users; email only when the integration may read emails. */
        public static User of(JsonNode user) {
            String type = user.path("type").asText();
            JsonNode owner = user.path("bot").path("owner");
            return new User(user.path("id").asText(), type, text(user.path("name")), text(user.path("person").path("email")),
                    text(user.path("avatar_url")), text(owner.path("type")),
                    owner.path("type").asText().equals("user") ? text(owner.path("user").path("id")) : null);
        }

        private static String text(JsonNode node) {
            return node.isTextual() ? node.asText() : null;
        }
    }

    private final DataSource dataSource;

    public Users(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Upserts the users a connection listed, in one transaction. Only a complete listing marks the users it lacks as
     * removed, and only among those this connection listed before (another workspace's stay): a failed or partial one
     * must not make anybody disappear.
     *
     * @return how many users were newly marked removed
     */
    public int store(String connection, List<User> users, boolean complete, Instant fetchedAt) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Timestamp at = Timestamp.from(fetchedAt);
                try (PreparedStatement upsert = c.prepareStatement("INSERT INTO notion_sync.users"
                        + " (id, type, name, email, avatar_url, bot_owner_type, bot_owner_user_id, fetched_at, removed_at, connection)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type,"
                        + " name = EXCLUDED.name, email = EXCLUDED.email, avatar_url = EXCLUDED.avatar_url,"
                        + " bot_owner_type = EXCLUDED.bot_owner_type, bot_owner_user_id = EXCLUDED.bot_owner_user_id,"
                        + " fetched_at = EXCLUDED.fetched_at, removed_at = NULL, connection = EXCLUDED.connection")) {
                    for (User u : users) {
                        upsert.setString(1, u.id());
                        upsert.setString(2, u.type());
                        upsert.setString(3, u.name());
                        upsert.setString(4, u.email());
                        upsert.setString(5, u.avatarUrl());
                        upsert.setString(6, u.botOwnerType());
                        upsert.setString(7, u.botOwnerUserId());
                        upsert.setTimestamp(8, at);
                        upsert.setString(9, connection);
                        upsert.addBatch();
                    }
                    upsert.executeBatch();
                }
                int removed = 0;
                if (complete) {
                    try (PreparedStatement remove = c.prepareStatement("UPDATE notion_sync.users SET removed_at = ?"
                            + " WHERE removed_at IS NULL AND connection = ? AND NOT (id = ANY (?))")) {
                        Array ids = c.createArrayOf("text", users.stream().map(User::id).toArray());
                        remove.setTimestamp(1, at);
                        remove.setString(2, connection);
                        remove.setArray(3, ids);
                        removed = remove.executeUpdate();
                    }
                }
                c.commit();
                return removed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("storing the workspace's users failed: " + e.getMessage(), e);
        }
    }
}
