package dev.notionsync.manage;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator endpoints on the management port, beside /observe/health: GET /observe/status answers the JMX operation
 * sourceStatus(); GET /observe/dead-letters lists the open dead letters; POST /observe/dead-letters/replay replays all
 * of them, or one with ?id=N; GET /observe/webhook-token shows the webhook token in force and the pending handshakes,
 * POST /observe/webhook-token/confirm?id=N confirms one. With a management password they need it (HTTP Basic, like
 * Jolokia); without one they answer only this machine, since they replay messages and show errors.
 */
public final class ManagementEndpoints {

    public static final String PATH = "/observe/dead-letters";
    public static final String STATUS_PATH = "/observe/status";
    public static final String WEBHOOK_TOKEN_PATH = "/observe/webhook-token";

    private static final Logger LOG = LoggerFactory.getLogger(ManagementEndpoints.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private ManagementEndpoints() {
    }

    public static void install(CamelContext context, NotionSyncManagement management, Optional<ManagementCredentials> credentials) {
        ManagementHttpServer server = context.hasService(ManagementHttpServer.class);
        if (server == null) {
            LOG.warn("no management server (camel.management.enabled=false): dead letters and status are reachable through JMX only");
            return;
        }
        Router router = server.getRouter();
        router.route(STATUS_PATH).handler(ctx -> guard(ctx, credentials));
        router.route(PATH + "*").handler(ctx -> guard(ctx, credentials));
        router.route(WEBHOOK_TOKEN_PATH + "*").handler(ctx -> guard(ctx, credentials));
        router.route(HttpMethod.GET, WEBHOOK_TOKEN_PATH).blockingHandler(ctx -> answer(ctx, management::webhookToken));
        router.route(HttpMethod.POST, WEBHOOK_TOKEN_PATH + "/confirm").blockingHandler(ctx -> answer(ctx, () ->
                JSON.createObjectNode().put("outcome", management.confirmWebhookToken(Long.parseLong(String.valueOf(ctx.request().getParam("id"))))).toString()));
        router.route(HttpMethod.GET, STATUS_PATH).blockingHandler(ctx -> answer(ctx, management::sourceStatus));
        router.route(HttpMethod.GET, PATH).blockingHandler(ctx -> answer(ctx, () -> management.listDeadLetters()));
        router.route(HttpMethod.POST, PATH + "/replay").blockingHandler(ctx -> answer(ctx, () -> {
            String id = ctx.request().getParam("id");
            String outcome = id == null ? management.replayAllDeadLetters() : management.replayDeadLetter(Long.parseLong(id));
            return "{\"outcome\":\"" + outcome.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        }));
    }

    private static void guard(RoutingContext ctx, Optional<ManagementCredentials> credentials) {
        if (credentials.isPresent()) {
            if (credentials.get().accepts(ctx.request().getHeader("Authorization"))) {
                ctx.next();
            } else {
                ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"notion-sync\"")
                        .putHeader("Content-Type", "application/json")
                        .end("{\"error\":\"the management user and password are required (NOTION_MANAGEMENT_USER, NOTION_MANAGEMENT_PASSWORD)\"}");
            }
            return;
        }
        String client = ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
        if (isLoopback(client)) {
            ctx.next();
        } else {
            ctx.response().setStatusCode(403).putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"without a management password (NOTION_MANAGEMENT_PASSWORD) only this machine may use the operator endpoints\"}");
        }
    }

    private static boolean isLoopback(String address) {
        return address.startsWith("127.") || address.equals("0:0:0:0:0:0:0:1") || address.equals("::1");
    }

    private interface Answer {
        String get() throws Exception;
    }

    private static void answer(RoutingContext ctx, Answer answer) {
        try {
            ctx.response().putHeader("Content-Type", "application/json").end(answer.get());
        } catch (NumberFormatException e) {
            ctx.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"id must be a number\"}");
        } catch (IllegalArgumentException e) {
            ctx.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"" + e.getMessage().replace("\"", "'") + "\"}");
        } catch (Exception e) {
            ctx.response().setStatusCode(500).putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"" + String.valueOf(e.getMessage()).replace("\"", "'") + "\"}");
        }
    }
}
