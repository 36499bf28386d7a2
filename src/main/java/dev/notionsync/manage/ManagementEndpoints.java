package dev.notionsync.manage;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator endpoints on the management port, beside /observe/health:
 * GET /observe/dead-letters lists the open dead letters; POST /observe/dead-letters/replay replays all of them,
 * or one with ?id=N.
 */
public final class ManagementEndpoints {

    public static final String PATH = "/observe/dead-letters";

    private static final Logger LOG = LoggerFactory.getLogger(ManagementEndpoints.class);

    private ManagementEndpoints() {
    }

    public static void install(CamelContext context, NotionSyncManagement management) {
        ManagementHttpServer server = context.hasService(ManagementHttpServer.class);
        if (server == null) {
            LOG.warn("no management server (camel.management.enabled=false): dead letters are reachable through JMX only");
            return;
        }
        Router router = server.getRouter();
        router.route(HttpMethod.GET, PATH).blockingHandler(ctx -> answer(ctx, () -> management.listDeadLetters()));
        router.route(HttpMethod.POST, PATH + "/replay").blockingHandler(ctx -> answer(ctx, () -> {
            String id = ctx.request().getParam("id");
            String outcome = id == null ? management.replayAllDeadLetters() : management.replayDeadLetter(Long.parseLong(id));
            return "{\"outcome\":\"" + outcome.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        }));
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
