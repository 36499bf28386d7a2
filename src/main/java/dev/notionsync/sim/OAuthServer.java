package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * Notion's OAuth for public connections, as the SDK (src/api-endpoints/oauth.ts) and the reference describe it:
 * GET /v1/oauth/authorize sends the browser back to redirect_uri with a one-time code and the state; POST
 * /v1/oauth/token (HTTP Basic with the client id and secret) exchanges a code or a refresh token for an access token,
 * a refresh token, the bot and the workspace; /v1/oauth/revoke and /v1/oauth/introspect take a token. Errors have
 * OAuth's shape ({"error":"invalid_grant","error_description":…}). Here the person always approves (unless
 * {@link #denyNextAuthorization()}), a refresh rotates both tokens and ends the old ones, and an access token may be
 * given a lifetime ({@link #setAccessTokenLifetime}) after which the API answers 401.
 */
public final class OAuthServer implements HttpHandler {

    public static final String CLIENT_ID = "sim-oauth-client";
    public static final String CLIENT_SECRET = "sim-oauth-secret";

    private static final Duration CODE_LIFETIME = Duration.ofMinutes(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Code(String redirectUri, Instant expires) {
    }

    /** The simulator connection the grant's access token is (its budget, its bot), and the refresh token. */
    private record Grant(SimConnections.Connection connection, String refreshToken) {
        String accessToken() {
            return connection.token;
        }
    }

    /** The name of the grant's connection in the simulator (GET /__sim/connections). */
    public static final String CONNECTION = "oauth";

    private final SimModel model;
    private final SimConnections connections;
    private final double rate;
    private final Clock clock;
    private final Map<String, Code> codes = new HashMap<>();
    /** The workspace's one grant to this client (as in Notion: authorizing again replaces it), or null. */
    private Grant grant;
    private Duration accessTokenLifetime;
    private boolean denyNext;
    private int tokenCalls;

    OAuthServer(SimModel model, SimConnections connections, double rate) {
        this.model = model;
        this.connections = connections;
        this.rate = rate;
        this.clock = model.clock();
    }

    /** Access tokens handed out from now on stop working after this long (null: never). */
    public synchronized void setAccessTokenLifetime(Duration lifetime) {
        this.accessTokenLifetime = lifetime;
    }

    /** The next authorization is declined by the person: the browser comes back with error=access_denied. */
    public synchronized void denyNextAuthorization() {
        this.denyNext = true;
    }

    /** The workspace removed the connection: its access and refresh tokens stop working. */
    public synchronized void revokeGrant() {
        endGrant();
    }

    /** Whether the API accepts this bearer token as the OAuth grant's current access token. */
    synchronized boolean accepts(String token) {
        return grant != null && grant.accessToken().equals(token) && !grant.connection().revoked && !grant.connection().expired(clock.instant());
    }

    private void endGrant() {
        if (grant != null) {
            grant.connection().revoked = true;
            grant = null;
        }
    }

    /** The current grant's access token, or null (for tests that call the API with it). */
    public synchronized String accessToken() {
        return grant == null ? null : grant.accessToken();
    }

    /** How many POST /v1/oauth/token calls came in (code exchanges and refreshes). */
    public synchronized int tokenCalls() {
        return tokenCalls;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        try {
            if (path.equals("/v1/oauth/authorize") && method.equals("GET")) {
                authorize(exchange);
                return;
            }
            byte[] raw = exchange.getRequestBody().readAllBytes();
            if (!method.equals("POST")) {
                reply(exchange, 404, error("invalid_request", "Invalid request URL."));
                return;
            }
            if (!clientAuthenticated(exchange.getRequestHeaders().getFirst("Authorization"))) {
                reply(exchange, 401, error("invalid_client", "Client authentication failed."));
                return;
            }
            JsonNode body;
            try {
                body = Json.parse(raw);
            } catch (IOException e) {
                reply(exchange, 400, error("invalid_request", "Error parsing JSON body."));
                return;
            }
            switch (path) {
                case "/v1/oauth/token" -> token(exchange, body);
                case "/v1/oauth/revoke" -> revoke(exchange, body);
                case "/v1/oauth/introspect" -> introspect(exchange, body);
                default -> reply(exchange, 404, error("invalid_request", "Invalid request URL."));
            }
        } finally {
            exchange.close();
        }
    }

    private void authorize(HttpExchange exchange) throws IOException {
        Map<String, String> query = HttpReply.query(exchange.getRequestURI().getRawQuery());
        String redirect = query.get("redirect_uri");
        if (!CLIENT_ID.equals(query.get("client_id")) || redirect == null || !"code".equals(query.get("response_type"))) {
            reply(exchange, 400, error("invalid_request", "Missing or invalid client_id, redirect_uri or response_type."));
            return;
        }
        String state = query.get("state");
        String answer;
        synchronized (this) {
            if (denyNext) {
                denyNext = false;
                answer = "error=access_denied";
            } else {
                String code = UUID.randomUUID().toString();
                codes.put(code, new Code(redirect, clock.instant().plus(CODE_LIFETIME)));
                answer = "code=" + code;
            }
        }
        String location = redirect + (URI.create(redirect).getRawQuery() == null ? "?" : "&") + answer
                + (state == null ? "" : "&state=" + URLEncoder.encode(state, StandardCharsets.UTF_8));
        exchange.getResponseHeaders().set("Location", location);
        exchange.sendResponseHeaders(302, -1);
    }

    private void token(HttpExchange exchange, JsonNode body) throws IOException {
        String grantType = body.path("grant_type").asText("");
        synchronized (this) {
            tokenCalls++;
            if (grantType.equals("authorization_code")) {
                Code code = codes.remove(body.path("code").asText(""));
                if (code == null || clock.instant().isAfter(code.expires())) {
                    reply(exchange, 400, error("invalid_grant", "Invalid code."));
                    return;
                }
                if (body.has("redirect_uri") && !code.redirectUri().equals(body.path("redirect_uri").asText())) {
                    reply(exchange, 400, error("invalid_grant", "Invalid redirect_uri."));
                    return;
                }
            } else if (grantType.equals("refresh_token")) {
                if (grant == null || !grant.refreshToken().equals(body.path("refresh_token").asText(""))) {
                    reply(exchange, 400, error("invalid_grant", "Token has been expired or revoked."));
                    return;
                }
            } else {
                reply(exchange, 400, error("unsupported_grant_type", "Unsupported grant_type: " + grantType));
                return;
            }
            // one grant per workspace and client: the new one replaces the old, whose tokens stop working
            endGrant();
            SimConnections.Connection connection = connections.add(CONNECTION, "ntn_oauth_" + secret(), rate, model.botUser(), null);
            connection.expires = accessTokenLifetime == null ? null : clock.instant().plus(accessTokenLifetime);
            grant = new Grant(connection, "nrt_" + secret());
            reply(exchange, 200, tokenResponse(grant));
        }
    }

    private ObjectNode tokenResponse(Grant issued) {
        ObjectNode json = Json.object();
        json.put("access_token", issued.accessToken());
        json.put("token_type", "bearer");
        json.put("refresh_token", issued.refreshToken());
        json.put("bot_id", model.botUser().toJson().path("id").asText());
        json.putNull("workspace_icon");
        json.put("workspace_name", model.workspaceName());
        json.put("workspace_id", model.workspaceId());
        ObjectNode owner = json.putObject("owner");
        owner.put("type", "workspace");
        owner.put("workspace", true);
        json.putNull("duplicated_template_id");
        json.put("request_id", UUID.randomUUID().toString());
        return json;
    }

    private void revoke(HttpExchange exchange, JsonNode body) throws IOException {
        synchronized (this) {
            String token = body.path("token").asText("");
            if (grant != null && (grant.accessToken().equals(token) || grant.refreshToken().equals(token))) {
                endGrant();
            }
        }
        reply(exchange, 200, Json.object().put("request_id", UUID.randomUUID().toString()));
    }

    private void introspect(HttpExchange exchange, JsonNode body) throws IOException {
        boolean active = accepts(body.path("token").asText(""));
        reply(exchange, 200, Json.object().put("active", active).put("request_id", UUID.randomUUID().toString()));
    }

    private static boolean clientAuthenticated(String authorization) {
        String expected = "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        return expected.equals(authorization);
    }

    private static ObjectNode error(String code, String description) {
        return Json.object().put("error", code).put("error_description", description);
    }

    private static void reply(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String secret() {
        byte[] bytes = new byte[20];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
