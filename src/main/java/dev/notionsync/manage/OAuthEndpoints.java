package dev.notionsync.manage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two HTTP ends of OAuth. GET /oauth/notion/url?connection=NAME on the management port (behind its guard: only an
 * operator hands out authorize links) answers the link as JSON. GET /oauth/notion/callback on the business port (where
 * Notion sends the person's browser back) exchanges the code and answers a small page saying what happened. Without
 * OAuth settings both answer 503 with how auth works now and what to set.
 */
public final class OAuthEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(OAuthEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Callbacks handled at once, at most: the callback is open to the internet (Notion sends browsers there), and a
     * flood of forged ones must not hold every worker thread the business server shares with webhooks.
     */
    static final int MAX_CALLBACKS_AT_ONCE = 4;

    private OAuthEndpoints() {
    }

    public static void install(CamelContext context, NotionOAuth oauth) {
        ManagementHttpServer management = context.hasService(ManagementHttpServer.class);
        if (management != null) {
            management.getRouter().route(HttpMethod.GET, NotionOAuth.URL_PATH).blockingHandler(ctx -> url(ctx, oauth));
        } else {
            LOG.warn("no management server (camel.management.enabled=false): OAuth links cannot be asked for");
        }
        MainHttpServer business = context.hasService(MainHttpServer.class);
        if (business != null && business.getRouter() != null) {
            AtomicInteger inFlight = new AtomicInteger();
            business.getRouter().route(HttpMethod.GET, NotionOAuth.CALLBACK_PATH).handler(ctx -> {
                if (inFlight.incrementAndGet() > MAX_CALLBACKS_AT_ONCE) {
                    inFlight.decrementAndGet();
                    page(ctx, 503, "Busy", "notion-sync is handling other authorizations: reload this page in a few seconds");
                    return;
                }
                ctx.vertx().<Void>executeBlocking(() -> {
                    callback(ctx, oauth);
                    return null;
                }, false).onComplete(done -> inFlight.decrementAndGet());
            });
        } else {
            LOG.warn("no business HTTP server (camel.server.enabled=false): the OAuth callback is not served");
        }
    }

    private static void url(RoutingContext ctx, NotionOAuth oauth) {
        if (!oauth.configured()) {
            json(ctx, 503, oauth.notConfigured());
            return;
        }
        try {
            json(ctx, 200, oauth.authorizeUrl(ctx.request().getParam("connection")));
        } catch (NotionOAuth.Refused e) {
            json(ctx, e.status(), JSON.createObjectNode().put("error", e.getMessage()));
        } catch (Exception e) {
            LOG.warn("oauth: could not make an authorize link: {}", e.getMessage());
            json(ctx, 500, JSON.createObjectNode().put("error", "could not make an authorize link: " + e.getMessage()));
        }
    }

    private static void callback(RoutingContext ctx, NotionOAuth oauth) {
        if (!oauth.configured()) {
            json(ctx, 503, oauth.notConfigured());
            return;
        }
        try {
            ObjectNode done = oauth.callback(ctx.request().getParam("code"), ctx.request().getParam("state"), ctx.request().getParam("error"));
            page(ctx, 200, "Connected", "Workspace \u201c" + done.path("workspace_name").asText("") + "\u201d is connection "
                    + done.path("connection").asText() + " of notion-sync. You can close this page.");
        } catch (NotionOAuth.Refused e) {
            page(ctx, e.status(), "Not connected", e.getMessage());
        } catch (Exception e) {
            LOG.warn("oauth: callback failed: {}", e.getMessage());
            page(ctx, 500, "Not connected", "notion-sync could not store the connection (" + e.getMessage() + "); ask for a new link and try again");
        }
    }

    private static void json(RoutingContext ctx, int status, ObjectNode body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store").end(body.toString());
    }

    private static void page(RoutingContext ctx, int status, String title, String text) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8").putHeader("Cache-Control", "no-store")
                .putHeader("Content-Security-Policy", "default-src 'none'")
                .end("<!doctype html><html><head><meta charset=\"utf-8\"><title>notion-sync: " + escape(title) + "</title></head><body><h1>"
                        + escape(title) + "</h1><p>" + escape(text) + "</p></body></html>");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
