package dev.notionsync.manage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.AuthenticationHandler;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.auth.AuthenticationConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator endpoints on the management port, beside /observe/health: GET /observe/status answers the JMX operation
 * sourceStatus(); GET /observe/dead-letters lists the open dead letters; POST /observe/dead-letters/replay replays all
 * of them, or one with ?id=N; GET /observe/webhook-token shows the webhook token in force and the pending handshakes,
 * POST /observe/webhook-token/confirm?id=N confirms one; GET /observe/dashboard is the operator dashboard (HTML) and
 * /observe/dashboard.json its figures; GET, POST and DELETE /observe/subscriptions[/name] list, add and remove change
 * event subscriptions. They, Jolokia and all else on the management port but the probes' paths are behind one
 * guard: no request from another site's page, and the management password (HTTP Basic); without a password, only
 * this machine, since they replay messages and show errors.
 */
public final class ManagementEndpoints {

    public static final String PATH = "/observe/dead-letters";
    public static final String STATUS_PATH = "/observe/status";
    public static final String WEBHOOK_TOKEN_PATH = "/observe/webhook-token";
    public static final String VERIFY_PATH = "/observe/verify";
    public static final String AUDIT_PATH = "/observe/audit";
    public static final String EVENTS_PATH = "/observe/events";
    public static final String DASHBOARD_PATH = "/observe/dashboard";
    public static final String SUBSCRIPTIONS_PATH = "/observe/subscriptions";
    /** The routing context's key for the {@link Operator} the guard let in. */
    private static final String OPERATOR = Operator.class.getName();

    private static final Logger LOG = LoggerFactory.getLogger(ManagementEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ManagementEndpoints() {
    }

    /**
     * Puts the guard in front of everything on the management port but the probes' paths (health, metrics, info):
     * Jolokia, the operator endpoints, and any endpoint added later without a line here. Called while Camel is
     * configured, before the management port opens, so no request ever reaches them unguarded.
     */
    public static void guard(CamelContext context, Optional<ManagementCredentials> credentials) {
        ManagementHttpServer server = context.hasService(ManagementHttpServer.class);
        if (server == null) {
            return;
        }
        // /observe/metrics has no setting of its own in Camel 4.18
        List<String> open = List.of(Objects.requireNonNullElse(server.getHealthPath(), "/observe/health"),
                Objects.requireNonNullElse(server.getInfoPath(), "/observe/info"), "/observe/metrics");
        AuthenticationConfig.AuthenticationConfigEntry entry = new AuthenticationConfig.AuthenticationConfigEntry();
        entry.setPath("/*");
        entry.setAuthenticationProviderFactory(vertx -> null);
        entry.setAuthenticationHandlerFactory(new AuthenticationConfig.AuthenticationHandlerFactory() {
            @Override
            public <T extends AuthenticationProvider> AuthenticationHandler createAuthenticationHandler(T unused) {
                return new OperatorGuard(credentials, open);
            }
        });
        AuthenticationConfig authentication = server.getConfiguration().getAuthenticationConfig();
        authentication.getEntries().add(entry);
        authentication.setEnabled(true);
    }

    public static void install(CamelContext context, NotionSyncManagement management, Dashboard dashboard) {
        ManagementHttpServer server = context.hasService(ManagementHttpServer.class);
        if (server == null) {
            LOG.warn("no management server (camel.management.enabled=false): dead letters and status are reachable through JMX only");
            return;
        }
        Router router = server.getRouter();
        router.route(HttpMethod.GET, STATUS_PATH).blockingHandler(ctx -> answer(ctx, management::sourceStatus));
        router.route(HttpMethod.GET, WEBHOOK_TOKEN_PATH).blockingHandler(ctx -> answer(ctx, management::webhookToken));
        router.route(HttpMethod.POST, WEBHOOK_TOKEN_PATH + "/confirm").blockingHandler(ctx -> answer(ctx, () ->
                JSON.createObjectNode().put("outcome", management.confirmWebhookToken(Long.parseLong(String.valueOf(ctx.request().getParam("id"))))).toString()));
        // a verify reads every page of its sources, minutes for a large one: it runs on a thread of its own, not on
        // one of the server's workers (which answer the other operator requests)
        router.route(HttpMethod.POST, VERIFY_PATH).handler(ctx -> {
            Thread verify = new Thread(() -> answer(ctx, () -> management.verify(ctx.request().getParam("source"),
                    "true".equals(ctx.request().getParam("repair")))), "notion-sync-verify");
            verify.setDaemon(true);
            verify.start();
        });
        router.route(HttpMethod.GET, PATH).blockingHandler(ctx -> answer(ctx, () -> management.listDeadLetters()));
        router.route(HttpMethod.GET, EVENTS_PATH).blockingHandler(ctx -> answer(ctx, () -> management.events(ctx.request().getParam("type"),
                ctx.request().getParam("source"), ctx.request().getParam("limit") == null ? 100 : Integer.parseInt(ctx.request().getParam("limit")))));
        router.route(HttpMethod.GET, AUDIT_PATH).blockingHandler(ctx -> answer(ctx, () ->
                management.auditLog(ctx.request().getParam("limit") == null ? 100 : Integer.parseInt(ctx.request().getParam("limit")))));
        router.route(HttpMethod.GET, DASHBOARD_PATH + ".json").blockingHandler(ctx -> answer(ctx, () -> dashboard.figures().toString()));
        router.route(HttpMethod.GET, DASHBOARD_PATH).blockingHandler(ctx -> page(ctx, dashboard));
        router.route(HttpMethod.GET, SUBSCRIPTIONS_PATH).blockingHandler(ctx -> answer(ctx, management::listSubscriptions));
        // POST a JSON object: name, uri, sources, operations, properties (lists), when, secret, max_attempts, backoff_ms, backoff_max_ms
        router.route(HttpMethod.POST, SUBSCRIPTIONS_PATH).handler(BodyHandler.create().setBodyLimit(64 * 1024));
        router.route(HttpMethod.POST, SUBSCRIPTIONS_PATH).blockingHandler(ctx -> answer(ctx, () -> outcome(management.addSubscription(
                subscription(management, ctx.body().asString())))));
        router.route(HttpMethod.DELETE, SUBSCRIPTIONS_PATH + "/:name").blockingHandler(ctx -> answer(ctx, () ->
                outcome(management.removeSubscription(ctx.pathParam("name")))));
        router.route(HttpMethod.POST, PATH + "/replay").blockingHandler(ctx -> answer(ctx, () -> {
            String id = ctx.request().getParam("id");
            // force=true: a replayed push overwrites values changed in Notion since, instead of keeping them
            boolean force = "true".equals(ctx.request().getParam("force"));
            String outcome = id == null ? management.replayAllDeadLetters(force) : management.replayDeadLetter(Long.parseLong(id), force);
            return "{\"outcome\":\"" + outcome.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        }));
    }

    private static String outcome(String outcome) {
        return JSON.createObjectNode().put("outcome", outcome).toString();
    }

    /** A subscription from a POST's JSON; lists may be JSON arrays or comma-separated text. */
    private static dev.notionsync.store.Subscriptions.Definition subscription(NotionSyncManagement management, String body) throws Exception {
        com.fasterxml.jackson.databind.JsonNode json;
        try {
            json = JSON.readTree(body == null ? "" : body);
        } catch (java.io.IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("send the subscription as a JSON object, e.g. {\"name\":\"agent\",\"uri\":\"https://example.com/hook\","
                    + "\"when\":\"status becomes Development\",\"secret\":\"...\"}");
        }
        return management.subscriptionDefinition(text(json, "name"), text(json, "uri"), strings(json.path("sources")), strings(json.path("operations")),
                strings(json.path("properties")), text(json, "when"), text(json, "secret"),
                json.hasNonNull("max_attempts") ? json.path("max_attempts").asInt() : null,
                json.hasNonNull("backoff_ms") ? json.path("backoff_ms").asLong() : null,
                json.hasNonNull("backoff_max_ms") ? json.path("backoff_max_ms").asLong() : null);
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode json, String field) {
        return json.hasNonNull(field) ? json.path(field).asText() : null;
    }

    private static List<String> strings(com.fasterxml.jackson.databind.JsonNode node) {
        if (node.isArray()) {
            List<String> values = new java.util.ArrayList<>();
            node.forEach(v -> values.add(v.asText()));
            return values;
        }
        return node.isTextual() ? java.util.Arrays.asList(node.asText().split(",")) : List.of();
    }

    /**
     * First on every guarded path: refuses requests from pages of other origins, then asks for the management
     * credentials (HTTP Basic, compared whole and in constant time); without a management password only this machine,
     * by a loopback name, gets in (a foreign host name resolving to 127.0.0.1 is a DNS rebinding page).
     */
    private record OperatorGuard(Optional<ManagementCredentials> credentials, List<String> open) implements AuthenticationHandler {

        @Override
        public void handle(RoutingContext ctx) {
            String path = ctx.normalizedPath();
            if (open.stream().anyMatch(p -> path.equals(p) || path.startsWith(p + "/"))) {
                ctx.next();
                return;
            }
            HttpServerRequest request = ctx.request();
            // the Host header, or HTTP/2's :authority
            String host = request.host();
            String crossOrigin = CrossOrigin.refusal(host, request.getHeader("Origin"), request.getHeader("Referer"),
                    request.getHeader("Sec-Fetch-Site"));
            if (crossOrigin != null) {
                refuse(ctx, 403, "cross-origin request refused (" + crossOrigin + "): operate notion-sync with its commands,"
                        + " curl or its console, not from another site's page");
            } else if (credentials.isPresent()) {
                if (credentials.get().accepts(request.getHeader("Authorization"))) {
                    letIn(ctx, new Operator(credentials.get().user(), address(request)));
                } else {
                    ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"notion-sync\", charset=\"UTF-8\"");
                    refuse(ctx, 401, "the management user and password are required (NOTION_MANAGEMENT_USER, NOTION_MANAGEMENT_PASSWORD)");
                }
            } else if (isLoopback(address(request)) && CrossOrigin.isLoopbackHost(host)) {
                letIn(ctx, new Operator("local (no management password)", address(request)));
            } else {
                refuse(ctx, 403, "without a management password (NOTION_MANAGEMENT_PASSWORD) only this machine may use the operator endpoints");
            }
        }

        /**
         * Lets the request in as this operator: kept on the request (the handlers below run on other threads) and set
         * for this thread while the next handlers run on it (Jolokia's, which calls the MBean in place).
         */
        private static void letIn(RoutingContext ctx, Operator operator) {
            ctx.put(OPERATOR, operator);
            operator.enter();
            try {
                operator.run(() -> {
                    ctx.next();
                    return null;
                });
            } catch (Exception e) {
                ctx.fail(e);
            }
        }

        private static String address(HttpServerRequest request) {
            return request.remoteAddress() == null ? "" : request.remoteAddress().hostAddress();
        }

        private static void refuse(RoutingContext ctx, int status, String error) {
            // the reason may quote the request's Origin: encoded, not pasted
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(JsonNodeFactory.instance.objectNode().put("error", error).toString());
        }
    }

    private static boolean isLoopback(String address) {
        return address.startsWith("127.") || address.equals("0:0:0:0:0:0:0:1") || address.equals("::1");
    }

    private interface Answer {
        String get() throws Exception;
    }

    /**
     * The dashboard's page: nothing it does not carry itself may load or run in it (its Content-Security-Policy), no
     * other site may frame it, and no cache keeps its figures.
     */
    private static void page(RoutingContext ctx, Dashboard dashboard) {
        try {
            String html = DashboardPage.render(dashboard.figures());
            ctx.response().putHeader("Content-Type", "text/html; charset=utf-8")
                    .putHeader("Content-Security-Policy", DashboardPage.CONTENT_SECURITY_POLICY)
                    .putHeader("X-Content-Type-Options", "nosniff").putHeader("Cache-Control", "no-store").end(html);
        } catch (Exception e) {
            LOG.warn("dashboard: {}", e.getMessage());
            ctx.response().setStatusCode(500).putHeader("Content-Type", "text/plain; charset=utf-8")
                    .end("the dashboard's figures could not be read (" + e.getMessage() + "); /observe/health shows whether PostgreSQL answers");
        }
    }

    private static void answer(RoutingContext ctx, Answer answer) {
        try {
            Operator operator = ctx.get(OPERATOR);
            String body = operator == null ? answer.get() : operator.run(answer::get);
            ctx.response().putHeader("Content-Type", "application/json").end(body);
        } catch (NumberFormatException e) {
            ctx.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"id and limit must be whole numbers\"}");
        } catch (IllegalArgumentException e) {
            // through Jackson: a message quoting what the caller sent (a source name with a backslash) stays JSON
            ctx.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                    .end(JSON.createObjectNode().put("error", String.valueOf(e.getMessage()).replace("\"", "'")).toString());
        } catch (Exception e) {
            ctx.response().setStatusCode(500).putHeader("Content-Type", "application/json")
                    .end(JSON.createObjectNode().put("error", String.valueOf(e.getMessage()).replace("\"", "'")).toString());
        }
    }
}
