package dev.notionsync.sim;

import java.time.Instant;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The connections of the simulated workspace: each one an integration's token with its own per-connection request
 * budget (Notion's "per connection" limit), its own bot user, and, when given, only some data sources shared with it
 * (the others answer 404, as in Notion when a database is not shared). All of them share the workspace's limit
 * ({@link #workspaceLimiter()}, Notion's "per workspace" limit, off by default). The connection "default" is the one
 * of {@link SimulatorConfig#token()} and {@link SimulatorConfig#rate()}, sharing everything.
 */
final class SimConnections {

    /** additional_data.rate_limit_reason of each limit (developers.notion.com/reference/request-limits). */
    static final String CONNECTION_LIMIT = "public_api_request_rate_limit";
    static final String WORKSPACE_LIMIT = "public_api_space_request_rate_limit";

    /**
     * One connection. {@code shared}: the data source ids shared with it, or null for all. A revoked connection's
     * token answers 401 from then on.
     */
    static final class Connection {
        final String name;
        final String token;
        final RateLimiter limiter;
        final User bot;
        final Set<String> shared;
        volatile boolean revoked;
        /** When its token stops working (an OAuth access token given a lifetime), or null. */
        volatile Instant expires;

        Connection(String name, String token, RateLimiter limiter, User bot, Set<String> shared) {
            this.name = name;
            this.token = token;
            this.limiter = limiter;
            this.bot = bot;
            this.shared = shared;
        }

        boolean expired(Instant now) {
            Instant until = expires;
            return until != null && !now.isBefore(until);
        }

        /** Whether a data source is shared with this connection. */
        boolean sees(String dataSourceId) {
            return shared == null || dataSourceId != null && shared.contains(dataSourceId);
        }

        ObjectNode toJson() {
            ObjectNode node = Json.object().put("name", name).put("rate", limiter.rate()).put("bot_user_id", bot.id()).put("revoked", revoked);
            if (shared == null) {
                node.putNull("data_sources");
            } else {
                ArrayNode ids = node.putArray("data_sources");
                shared.stream().sorted().forEach(ids::add);
            }
            return node;   // never the token
        }
    }

    private final Map<String, Connection> byName = new LinkedHashMap<>();
    private final RateLimiter workspace = new RateLimiter(0);

    SimConnections(Connection defaultConnection) {
        byName.put(defaultConnection.name, defaultConnection);
    }

    /** Adds a connection, or replaces the one of that name (its token, budget and sharing start afresh). */
    synchronized Connection add(String name, String token, double rate, User bot, List<String> sharedDataSources) {
        if (name == null || name.isBlank() || token == null || token.isBlank()) {
            throw ApiException.validation("Expected {\"name\":…,\"token\":…} with both set.");
        }
        for (Connection other : byName.values()) {
            if (other.token.equals(token) && !other.name.equals(name)) {
                throw ApiException.validation("Connection " + other.name + " has that token already.");
            }
        }
        Connection connection = new Connection(name, token, new RateLimiter(rate), bot,
                sharedDataSources == null ? null : Set.copyOf(sharedDataSources.stream().map(Ids::normalize).toList()));
        byName.put(name, connection);
        return connection;
    }

    synchronized Connection get(String name) {
        Connection connection = byName.get(name);
        if (connection == null) throw new ApiException(404, "object_not_found", "No connection named " + name + ".");
        return connection;
    }

    /** The connection whose token this is, or null (an unknown or revoked token). */
    synchronized Connection byToken(String token) {
        for (Connection connection : byName.values()) {
            if (connection.token.equals(token)) {
                return connection.revoked ? null : connection;
            }
        }
        return null;
    }

    /** The workspace's own limit, shared by every connection; rate 0 (the default) is none. */
    RateLimiter workspaceLimiter() {
        return workspace;
    }

    synchronized ObjectNode toJson() {
        ObjectNode node = Json.object().put("workspace_rate", workspace.rate());
        ArrayNode list = node.putArray("connections");
        byName.values().forEach(c -> list.add(c.toJson()));
        return node;
    }
}
