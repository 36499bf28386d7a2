package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Serves /v1: checks the token (which names the connection), Notion-Version, the connection's and the workspace's rate
 * limits, applies injected faults and the connection's sharing, then routes, acting as the connection's bot.
 * Every answer, success or error, carries a request_id mirrored in x-notion-request-id.
 */
final class ApiHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    /** "payloads have a maximum size of 1000 block elements and 500KB overall" (request limits). */
    static final int MAX_BODY_BYTES = 500_000;
    static final String MISSING_VERSION = "Notion-Version header failed validation: Notion-Version header should be defined, instead was undefined.";

    private final SimModel model;
    private final SimConnections connections;
    private final Faults faults;
    private final Stats stats;

    ApiHandler(SimModel model, SimConnections connections, Faults faults, Stats stats) {
        this.model = model;
        this.connections = connections;
        this.faults = faults;
        this.stats = stats;
    }

    /** One parsed request. */
    private record Call(String method, List<String> segments, Map<String, String> query, JsonNode body, ApiVersion version) {
        String segment(int i) {
            return i < segments.size() ? segments.get(i) : null;
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        stats.arrived();
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = exchange.getRequestURI().getRawPath();
        String endpoint = method + " " + Routes.pattern(path);
        int status = 200;
        SimConnections.Connection connection = null;
        try {
            byte[] raw = readAll(exchange.getRequestBody());
            Faults.Decision fault = Faults.Decision.NONE;
            ObjectNode body;
            Integer retryAfter = null;
            try {
                connection = authorize(exchange);
                stats.arrived(connection.name, exchange.getRequestHeaders().getFirst("Notion-Version"), path);
                model.actAs(connection.bot);
                ApiVersion version = checkVersion(exchange);
                int workspaceWait = faults.workspaceRetryAfter();
                if (workspaceWait > 0) {
                    stats.fault("workspace_rate_limit");
                    throw rateLimited(SimConnections.WORKSPACE_LIMIT, workspaceWait);
                }
                int wait = connection.limiter.acquire();
                if (wait > 0) {
                    throw rateLimited(SimConnections.CONNECTION_LIMIT, wait);
                }
                // the workspace's own limit, shared by all its connections
                int spaceWait = connections.workspaceLimiter().acquire();
                if (spaceWait > 0) {
                    throw rateLimited(SimConnections.WORKSPACE_LIMIT, spaceWait);
                }
                fault = faults.decide();
                int permanent = faults.permanentFailure(path);
                if (permanent > 0) {
                    stats.fault("permanent_" + permanent);
                    throw faults.error(permanent);
                }
                if (fault.delayMs() > 0) {
                    stats.fault("latency");
                    sleep(fault.delayMs());
                }
                if (fault.drop()) {
                    stats.fault("dropped_connection");
                    status = 0;
                    // An exception escaping the handler makes the JDK server close the socket without answering.
                    throw new SimulatedNetworkFailure("dropped connection");
                }
                if (fault.status() > 0) {
                    stats.fault(String.valueOf(fault.status()));
                    throw faults.error(fault.status());
                }
                JsonNode json = parseBody(raw, method);
                Call call = new Call(method, Routes.segments(path), HttpReply.query(exchange.getRequestURI().getRawQuery()), json, version);
                checkShared(connection, call);
                body = route(call);
                if ("search".equals(call.segment(0))) {
                    onlyShared(connection, body);
                }
            } catch (ApiException e) {
                status = e.status;
                body = e.toJson();
                retryAfter = e.retryAfterSeconds;
            }
            long stale = status < 300 ? faults.staleAnswerMs(endpoint) : 0;
            if (stale > 0) {
                stats.fault("stale_answer");
                sleep(stale);
            }
            boolean cut = fault.truncate() && faults.truncates(endpoint);
            if (cut) stats.fault("truncated_body");
            HttpReply.send(exchange, status, body, requestId, retryAfter, cut);
        } catch (SimulatedNetworkFailure e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("simulator failed on {} {}", method, path, e);
            status = 500;
            HttpReply.send(exchange, 500, new ApiException(500, "internal_server_error", "Unexpected error occurred.").toJson(), requestId, null, false);
        } finally {
            model.actAs(null);
            stats.answered(endpoint, status);
            if (connection != null) stats.connectionAnswered(connection.name, status);
        }
    }

    /** The connection whose token the request carries; 401 for none, an unknown one or a revoked one. */
    private SimConnections.Connection authorize(HttpExchange exchange) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        SimConnections.Connection connection = auth == null || !auth.startsWith("Bearer ") ? null
                : connections.byToken(auth.substring("Bearer ".length()));
        if (connection == null || connection.expired(model.clock().instant())) {
            throw new ApiException(401, "unauthorized", "API token is invalid.");
        }
        return connection;
    }

    private static ApiException rateLimited(String reason, int retryAfterSeconds) {
        ObjectNode extra = Json.object().put("rate_limit_reason", reason);
        return new ApiException(429, "rate_limited", "You have been rate limited. Please try again in a few minutes.", extra, retryAfterSeconds);
    }

    /**
     * A connection given only some data sources sees nothing else of them: their data sources, databases and pages
     * answer 404, and pages cannot be made in them, as in Notion when a database is not shared with the integration.
     * (Pages outside any data source, blocks, comments and users stay visible.)
     */
    private void checkShared(SimConnections.Connection connection, Call c) {
        if (connection.shared == null || c.segment(1) == null && !(c.method().equals("POST") && "pages".equals(c.segment(0)))) {
            return;
        }
        switch (c.segment(0)) {
            case "data_sources" -> {
                if (!connection.sees(Ids.normalize(c.segment(1)))) throw model.notFound("data_source", c.segment(1));
            }
            case "databases" -> {
                if (model.dataSourcesOfDatabase(c.segment(1)).stream().noneMatch(connection::sees)) throw model.notFound("database", c.segment(1));
            }
            case "pages" -> {
                if (c.segment(1) == null) {
                    JsonNode parent = c.body().path("parent");
                    String dataSource = parent.path("data_source_id").asText(null);
                    List<String> inDatabase = parent.hasNonNull("database_id") ? model.dataSourcesOfDatabase(parent.path("database_id").asText())
                            : List.of();
                    if (dataSource != null && !connection.sees(Ids.normalize(dataSource))
                            || parent.hasNonNull("database_id") && inDatabase.stream().noneMatch(connection::sees)) {
                        throw model.notFound(dataSource != null ? "data_source" : "database",
                                dataSource != null ? dataSource : parent.path("database_id").asText());
                    }
                    return;
                }
                String dataSource = model.dataSourceOfPage(c.segment(1));
                if (dataSource != null && !connection.sees(dataSource)) throw model.notFound("page", c.segment(1));
            }
            default -> {
            }
        }
    }

    /** Search lists what is shared with the connection: its data sources and their pages (and pages outside any). */
    private void onlyShared(SimConnections.Connection connection, ObjectNode list) {
        if (connection.shared == null || !list.path("results").isArray()) {
            return;
        }
        java.util.Iterator<JsonNode> results = list.get("results").iterator();
        while (results.hasNext()) {
            JsonNode result = results.next();
            String dataSource = "data_source".equals(result.path("object").asText()) ? Ids.normalize(result.path("id").asText())
                    : model.dataSourceOfPage(result.path("id").asText());
            if (dataSource != null && !connection.sees(dataSource)) {
                results.remove();
            }
        }
    }

    private ApiVersion checkVersion(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Notion-Version");
        if (header == null) throw new ApiException(400, "missing_version", MISSING_VERSION);
        ApiVersion version = ApiVersion.parse(header);
        if (version == null) {
            throw new ApiException(400, "validation_error", "Notion-Version header failed validation: Notion-Version header should be one of "
                    + ApiVersion.accepted() + ", instead was \"" + header + "\".");
        }
        return version;
    }

    private static JsonNode parseBody(byte[] raw, String method) {
        if (raw.length == 0 || method.equals("GET") || method.equals("DELETE")) return Json.object();
        if (raw.length > MAX_BODY_BYTES) {
            throw ApiException.validation("Request body is " + raw.length + " bytes, more than the maximum of 500KB (" + MAX_BODY_BYTES + " bytes).");
        }
        try {
            JsonNode node = Json.parse(raw);
            if (node == null || !node.isObject()) throw new ApiException(400, "invalid_json", "Error parsing JSON body.");
            return node;
        } catch (IOException e) {
            throw new ApiException(400, "invalid_json", "Error parsing JSON body.");
        }
    }

    private ObjectNode route(Call c) {
        String top = c.segment(0);
        int n = c.segments().size();
        if (top == null) throw ApiException.invalidUrl();
        switch (top) {
            case "users" -> {
                if (n == 2 && c.method().equals("GET") && c.segment(1).equals("me")) return Endpoints.me(model);
                if (n == 1 && c.method().equals("GET")) return Endpoints.users(model, c.query());
                if (n == 2 && c.method().equals("GET")) return Endpoints.user(model, c.segment(1));
            }
            case "databases" -> {
                if (n == 1 && c.method().equals("POST")) return new Endpoints(model, c.version()).createDatabase(c.body());
                if (n == 2 && c.method().equals("GET")) return new Endpoints(model, c.version()).database(id(c, 1, "database_id"));
                if (n == 2 && c.method().equals("PATCH")) return new Endpoints(model, c.version()).updateDatabase(id(c, 1, "database_id"), c.body());
                if (n == 3 && c.method().equals("POST") && c.segment(2).equals("query") && !c.version().hasDataSources()) {
                    return new Endpoints(model, c.version()).queryDatabase(id(c, 1, "database_id"), c.body());
                }
            }
            case "data_sources" -> {
                if (!c.version().hasDataSources()) throw ApiException.invalidUrl();
                if (n == 1 && c.method().equals("POST")) return new Endpoints(model, c.version()).createDataSource(c.body());
                if (n == 2 && c.method().equals("GET")) return new Endpoints(model, c.version()).dataSource(id(c, 1, "data_source_id"));
                if (n == 2 && c.method().equals("PATCH")) return new Endpoints(model, c.version()).updateDataSource(id(c, 1, "data_source_id"), c.body());
                if (n == 3 && c.method().equals("POST") && c.segment(2).equals("query")) {
                    return new Endpoints(model, c.version()).query(id(c, 1, "data_source_id"), c.body(), c.query());
                }
            }
            case "search" -> {
                if (n == 1 && c.method().equals("POST")) return new Endpoints(model, c.version()).search(c.body());
            }
            case "pages" -> {
                Endpoints e = new Endpoints(model, c.version());
                if (n == 1 && c.method().equals("POST")) return e.createPage(c.body());
                if (n == 2 && c.method().equals("GET")) return e.page(id(c, 1, "page_id"), c.query());
                if (n == 2 && c.method().equals("PATCH")) return e.updatePage(id(c, 1, "page_id"), c.body());
                if (n == 4 && c.method().equals("GET") && c.segment(2).equals("properties")) {
                    return e.propertyItem(id(c, 1, "page_id"), c.segment(3), c.query());
                }
                if (n == 3 && c.segment(2).equals("markdown") && c.method().equals("GET")) return new PageMarkdown(model).read(id(c, 1, "page_id"));
                if (n == 3 && c.segment(2).equals("markdown") && c.method().equals("PATCH")) return new PageMarkdown(model).update(id(c, 1, "page_id"), c.body());
            }
            case "comments" -> {
                if (n == 1 && c.method().equals("GET")) return model.comments.list(c.query());
                if (n == 1 && c.method().equals("POST")) return model.comments.create(c.body());
                if (n == 2 && c.method().equals("GET")) return model.comments.get(id(c, 1, "comment_id"));
                if (n == 2 && c.method().equals("PATCH")) return model.comments.update(id(c, 1, "comment_id"), c.body());
                if (n == 2 && c.method().equals("DELETE")) return model.comments.delete(id(c, 1, "comment_id"));
            }
            case "blocks" -> {
                Endpoints e = new Endpoints(model, c.version());
                if (n == 2 && c.method().equals("GET")) return e.block(id(c, 1, "block_id"));
                if (n == 2 && c.method().equals("PATCH")) return e.updateBlock(id(c, 1, "block_id"), c.body());
                if (n == 2 && c.method().equals("DELETE")) return e.deleteBlock(id(c, 1, "block_id"));
                if (n == 3 && c.segment(2).equals("children") && c.method().equals("GET")) return e.children(id(c, 1, "block_id"), c.query());
                if (n == 3 && c.segment(2).equals("children") && c.method().equals("PATCH")) return e.append(id(c, 1, "block_id"), c.body());
            }
            default -> {
            }
        }
        throw ApiException.invalidUrl();
    }

    /** Path ids must be UUIDs (dashes optional); Notion answers anything else with a path validation error. */
    private static String id(Call c, int index, String name) {
        String raw = c.segment(index);
        if (!Ids.isValid(raw)) {
            throw ApiException.validation("path failed validation: path." + name + " should be a valid uuid, instead was `\"" + raw + "\"`.");
        }
        return Ids.normalize(raw);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
