package dev.notionsync.notion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.observe.NotionMetrics;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The two ends of an HTTP call in one connection's door: turns a {@link NotionRequest} into camel-http headers with
 * the connection's token and Notion-Version, and the HTTP answer into a JsonNode body or a {@link NotionApiException}.
 * One per connection, referenced by name (notionHttp-&lt;connection&gt;) from the templates in notion-api.camel.yaml.
 */
public final class NotionHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Exchange property: the SHA-256 of the token an attempt sent (only for connections that can refresh it). */
    static final String TOKEN_SENT = "notionTokenSent";

    private final String connection;
    private final Supplier<String> token;
    private final String tokenSetting;
    private final String version;
    private final NotionAccess access;
    private final NotionMetrics metrics;
    private final NotionRateBudget budget;
    private final DoorLanes lanes;
    private final int filterPropertiesMax;
    private volatile String workspaceId;
    /** The public integration's OAuth client, for /v1/oauth/*; null when OAuth is not set up. */
    private volatile OAuthClient oauthClient;
    /** Gets the connection a new token after a 401 (an OAuth connection); null: a 401 is final. */
    private volatile TokenRefresher refresher;

    /**
     * @param token               the connection's token, read at every call (OAuth refreshes it); never logged
     * @param tokenSetting        what sets the token, named in the message of a 401
     * @param filterPropertiesMax how many property ids one request names in filter_properties
     *                            (notion.api.filter-properties-max); a caller needing more reads the rest separately
     */
    public NotionHttp(String connection, Supplier<String> token, String tokenSetting, String version, NotionAccess access,
                      NotionMetrics metrics, NotionRateBudget budget, DoorLanes lanes, int filterPropertiesMax) {
        if (filterPropertiesMax < 1) {
            throw new IllegalArgumentException("notion.api.filter-properties-max must be at least 1, was " + filterPropertiesMax);
        }
        this.connection = connection;
        this.token = token;
        this.tokenSetting = tokenSetting;
        this.version = version;
        this.access = access;
        this.metrics = metrics;
        this.budget = budget;
        this.lanes = lanes;
        this.filterPropertiesMax = filterPropertiesMax;
    }

    /** Calls to /v1/oauth/* authenticate as this client from now on. */
    public void oauthClient(OAuthClient client) {
        this.oauthClient = client;
    }

    /** A 401 of this connection asks {@code refresher} for a new token, and the call is sent again when there is one. */
    public void tokenRefresher(TokenRefresher refresher) {
        this.refresher = refresher;
    }

    /**
     * From Notion-Version 2026-12-01 on, a data source query (and search) returns only each page's title unless
     * filter_properties names the other properties. Versions are dates, so they compare as text.
     */
    public static boolean returnsOnlyTitleUnlessFiltered(String version) {
        return version != null && version.compareTo("2026-12-01") >= 0;
    }

    /**
     * First step of an attempt, before the throttle: notes when the call started to wait for the budget, lets a
     * background call wait for the foreground ({@link DoorLanes}), and holds it while a Retry-After Notion gave any
     * call is still running. (The door's beans take the raw Exchange: they rewrite the message for the HTTP endpoint
     * and read its answer, headers included.)
     */
    public void queue(Exchange exchange) throws InterruptedException {
        exchange.setProperty("notionQueuedAt", System.nanoTime());
        lanes.enter(exchange);
        budget.awaitPause();
    }

    /** Replaces whatever headers the caller had with exactly Notion's: no internal header leaks to the API. */
    public void prepare(Exchange exchange) {
        lanes.sent(exchange);
        NotionRequest request = exchange.getProperty(NotionRequest.PROPERTY, NotionRequest.class);
        if (request == null) {
            throw new IllegalStateException("direct:notion-api needs the exchange property " + NotionRequest.PROPERTY);
        }
        Message message = exchange.getMessage();
        message.getHeaders().clear();
        message.setHeader("Authorization", authorization(request, exchange));
        message.setHeader("Notion-Version", version);
        message.setHeader("Accept", "application/json");
        message.setHeader(Exchange.HTTP_METHOD, request.method());
        message.setHeader(Exchange.HTTP_PATH, request.path());
        String query = withFilterProperties(request);
        if (query != null && !query.isBlank()) {
            message.setHeader(Exchange.HTTP_QUERY, query);
        }
        if (request.body() != null) {
            message.setHeader(Exchange.CONTENT_TYPE, "application/json");
            message.setBody(request.body());
        } else {
            message.setBody(null);
        }
        long now = System.nanoTime();
        Long queuedAt = exchange.getProperty("notionQueuedAt", Long.class);
        if (queuedAt != null) {
            metrics.throttleWait(connection, Duration.ofNanos(now - queuedAt));
        }
        exchange.setProperty("notionSentAt", now);
        budget.sent();
    }

    /** A connection's bearer token; for Notion's OAuth endpoints the integration's client credentials. */
    private String authorization(NotionRequest request, Exchange exchange) {
        if (request.path().startsWith(OAuthClient.PATH_PREFIX)) {
            OAuthClient client = oauthClient;
            if (client == null) {
                throw new IllegalStateException("OAuth is not set up: set notion.oauth.client-id and notion.oauth.client-secret");
            }
            return client.authorization();
        }
        String bearer = token.get();
        if (refresher != null) {
            exchange.setProperty(TOKEN_SENT, sha256(bearer));
        }
        return "Bearer " + bearer;
    }

    /** Parses the answer; any status outside 2xx becomes a NotionApiException with Notion's code and request id. */
    public void parse(Exchange exchange) throws Exception {
        Message message = exchange.getMessage();
        int status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String text = message.getBody(String.class);
        NotionRequest request = exchange.getProperty(NotionRequest.PROPERTY, NotionRequest.class);
        JsonNode json = parseOrNull(text);
        Long sentAt = exchange.getProperty("notionSentAt", Long.class);
        metrics.notionCall(connection, request.endpoint(), status, Duration.ofNanos(sentAt == null ? 0 : System.nanoTime() - sentAt));
        if (status >= 200 && status < 300 && json != null) {
            if (!request.path().startsWith(OAuthClient.PATH_PREFIX)) {
                access.recordSuccess();
                noteWorkspace(request, json);
            }
            message.setBody(json);
            return;
        }
        String endpoint = request.endpoint();
        if (json == null || !json.isObject()) {
            // not Notion's JSON: the request never reached Notion (proxy, Cloudflare, a truncated body)
            // a 2xx whose body is cut off is as transient as a 5xx
            int effective = status >= 200 && status < 300 ? 502 : status;
            throw NotionApiException.of(endpoint, effective, "unexpected_response",
                    "answer was not Notion JSON" + (text == null ? "" : " (" + abbreviate(text) + ")"),
                    message.getHeader("x-notion-request-id", String.class), retryAfter(message));
        }
        // Notion's API errors carry code and message; its OAuth endpoints answer as OAuth does: error, error_description
        NotionApiException failure = NotionApiException.of(endpoint, status, json.path("code").asText(json.path("error").asText("")),
                json.path("message").asText(json.path("error_description").asText("")),
                json.path("request_id").asText(message.getHeader("x-notion-request-id", "", String.class)), retryAfter(message),
                rateLimitReason(json), connection, tokenSetting);
        JsonNode blockLimit = json.path("additional_data").path("block_limit");
        if (!blockLimit.isMissingNode() && !blockLimit.isNull()) {
            failure.withBlockLimit(blockLimit.asText());
        }
        if (failure.isAuthorizationFailure() && !request.path().startsWith(OAuthClient.PATH_PREFIX)) {
            if (status == 401 && refreshedAfter(exchange)) {
                // the door sends it again, with the new token (Notion did nothing with a refused token)
                throw new NotionUnavailableException(endpoint, 401, NotionRetryPolicy.TOKEN_REFRESHED, "Notion refused connection " + connection
                        + "'s token; it was refreshed and the call is sent again", null);
            }
            access.recordDenied(failure);
        }
        throw failure;
    }

    /** Whether the refresher got a token other than the one this exchange sent. */
    private boolean refreshedAfter(Exchange exchange) {
        TokenRefresher current = refresher;
        String sent = exchange.getProperty(TOKEN_SENT, String.class);
        if (current == null || sent == null) {
            return false;
        }
        try {
            return current.refreshed(connection, sent);
        } catch (Exception e) {
            throw new NotionUnavailableException("token refresh", 0, "refresh_failed", "connection " + connection
                    + "'s token could not be refreshed: " + e.getMessage(), null);
        }
    }

    /** SHA-256 of a token, hex: how an exchange names the token it sent without carrying it. */
    public static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The workspace of this connection's token, from the last GET /v1/users/me (null before one answered). */
    public String workspaceId() {
        return workspaceId;
    }

    /**
     * GET /v1/users/me names the token's workspace (bot.workspace_id): kept, so a 429 of Notion's per-workspace limit
     * can slow every connection to that workspace (NotionConnections.sameWorkspace).
     */
    private void noteWorkspace(NotionRequest request, JsonNode json) {
        if ("GET".equals(request.method()) && "/v1/users/me".equals(request.path())) {
            JsonNode workspace = json.path("bot").path("workspace_id");
            if (workspace.isTextual()) {
                workspaceId = workspace.asText();
            }
        }
    }

    /** The request's query string plus, where the version needs it, filter_properties for its first properties. */
    private String withFilterProperties(NotionRequest request) {
        if (request.properties() == null || !returnsOnlyTitleUnlessFiltered(version)) {
            return request.query();
        }
        StringBuilder query = new StringBuilder(request.query() == null ? "" : request.query());
        for (String id : request.properties().subList(0, Math.min(filterPropertiesMax, request.properties().size()))) {
            query.append(query.length() == 0 ? "" : "&").append("filter_properties=")
                    .append(URLEncoder.encode(id, StandardCharsets.UTF_8));
        }
        return query.toString();
    }

    /** Retry-After in whole seconds: delta-seconds or an HTTP-date (RFC 9110 allows both); null when absent or unreadable. */
    static Long retryAfter(Message message) {
        String value = message.getHeader("Retry-After", String.class);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Math.max(0, (Duration.between(Instant.now(), at).toMillis() + 999) / 1000);
            } catch (DateTimeParseException unreadable) {
                return null;   // the door falls back to its own backoff
            }
        }
    }

    /** additional_data.rate_limit_reason of a 429, or null. */
    private static String rateLimitReason(JsonNode json) {
        JsonNode reason = json.path("additional_data").path("rate_limit_reason");
        return reason.isTextual() ? reason.asText() : null;
    }

    private static JsonNode parseOrNull(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            return null;
        }
    }

    private static String abbreviate(String text) {
        String flat = text.replaceAll("\\s+", " ").trim();
        return flat.length() <= 120 ? flat : flat.substring(0, 120) + "...";
    }
}
