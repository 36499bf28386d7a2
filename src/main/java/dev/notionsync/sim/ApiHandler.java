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
import java.util.function.Predicate;

/**
 * Serves /v1: checks token, Notion-Version and the rate limit, applies injected faults, then routes.
 * Every answer, success or error, carries a request_id mirrored in x-notion-request-id.
 */
final class ApiHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    /** "payloads have a maximum size of 1000 block elements and 500KB overall" (request limits). */
    static final int MAX_BODY_BYTES = 500_000;
    static final String MISSING_VERSION = "Notion-Version header failed validation: Notion-Version header should be defined, instead was undefined.";

    private final SimModel model;
    /** Whether a bearer token is one the workspace accepts: the integration's, or an OAuth grant's. */
    private final Predicate<String> tokens;
    private final RateLimiter limiter;
    private final Faults faults;
    private final Stats stats;

    ApiHandler(SimModel model, Predicate<String> tokens, RateLimiter limiter, Faults faults, Stats stats) {
        this.model = model;
        this.tokens = tokens;
        this.limiter = limiter;
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
        try {
            byte[] raw = readAll(exchange.getRequestBody());
            Faults.Decision fault = Faults.Decision.NONE;
            ObjectNode body;
            Integer retryAfter = null;
            try {
                ApiVersion version = checkHeaders(exchange);
                int workspaceWait = faults.workspaceRetryAfter();
                if (workspaceWait > 0) {
                    stats.fault("workspace_rate_limit");
                    ObjectNode extra = Json.object().put("rate_limit_reason", "public_api_space_request_rate_limit");
                    throw new ApiException(429, "rate_limited", "You have been rate limited. Please try again in a few minutes.", extra, workspaceWait);
                }
                int wait = limiter.acquire();
                if (wait > 0) {
                    ObjectNode extra = Json.object().put("rate_limit_reason", version.connectionLimitReason());
                    throw new ApiException(429, "rate_limited", "You have been rate limited. Please try again in a few minutes.", extra, wait);
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
                body = route(new Call(method, Routes.segments(path), HttpReply.query(exchange.getRequestURI().getRawQuery()), json, version));
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
            stats.answered(endpoint, status);
        }
    }

    private ApiVersion checkHeaders(HttpExchange exchange) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || !tokens.test(auth.substring("Bearer ".length()))) {
            throw new ApiException(401, "unauthorized", "API token is invalid.");
        }
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
