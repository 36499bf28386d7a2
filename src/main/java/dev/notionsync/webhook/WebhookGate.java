package dev.notionsync.webhook;

import dev.notionsync.observe.NotionMetrics;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POST /webhooks/notion on the business server (camel.server.*): a Vert.x handler that owns the HTTP side and hands
 * each body to the route direct:notion-webhook (routes/notion-webhooks.camel.yaml). It turns a request away before
 * reading its body when it announces more than notion.webhook.max-body-bytes (413) or when notion.webhook.max-concurrent
 * requests are already being handled (503), and reads the body as raw bytes whatever its Content-Type (never
 * form-decoded), stopping at the limit (413), after {@link #READ_TIMEOUT_MS} or {@link #IDLE_TIMEOUT_MS} without a byte
 * (408). So at most max-concurrent bodies of at most max-body-bytes are ever in memory. One sender (see {@link #sender})
 * holds at most a quarter of the slots, so slow senders from one address cannot lock everyone else out (503 beyond).
 * The route answers with CamelHttpResponseCode and a JSON body.
 */
public final class WebhookGate implements Handler<RoutingContext> {

    public static final String PATH = "/webhooks/notion";
    /** A body must arrive within this time: a slow sender cannot hold one of the few slots for long. */
    static final long READ_TIMEOUT_MS = 10_000;
    /** A pause this long between bytes ends the request (408): a sender that stalls frees its slot soon. */
    static final long IDLE_TIMEOUT_MS = 2_000;

    private static final Logger LOG = LoggerFactory.getLogger(WebhookGate.class);

    private final int maxBodyBytes;
    private final int maxConcurrent;
    private final NotionMetrics metrics;
    private final int maxPerSender;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Slots held per sender; an entry goes when its count reaches 0, so at most max-concurrent entries. */
    private final Map<String, Integer> inFlightBySender = new HashMap<>();
    private final RareWarnings warnings = new RareWarnings();
    private ProducerTemplate route;

    public WebhookGate(int maxBodyBytes, int maxConcurrent, NotionMetrics metrics) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxConcurrent = maxConcurrent;
        this.maxPerSender = Math.max(1, maxConcurrent / 4);
        this.metrics = metrics;
    }

    /** Opens POST /webhooks/notion on the business server, once the routes run. */
    public static void install(CamelContext context, WebhookGate gate) {
        MainHttpServer server = context.hasService(MainHttpServer.class);
        if (server == null || server.getRouter() == null) {
            LOG.warn("no business HTTP server (camel.server.enabled=false): webhooks are not received");
            return;
        }
        gate.route = context.createProducerTemplate();
        server.getRouter().route(HttpMethod.POST, PATH).handler(gate);
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (contentLength(request) > maxBodyBytes) {
            refuse(ctx, 413, "too_large");
            return;
        }
        String from = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        String sender = sender(from);
        if (!takeSlot(sender)) {
            refuse(ctx, 503, "busy");
            return;
        }
        ctx.addEndHandler(ended -> releaseSlot(sender));
        Buffer body = Buffer.buffer();
        boolean[] done = {false};
        long[] idleTimer = {-1};
        Runnable tooSlow = () -> {
            if (!done[0]) {
                done[0] = true;
                refuse(ctx, 408, "too_slow");
            }
        };
        long timer = ctx.vertx().setTimer(READ_TIMEOUT_MS, t -> tooSlow.run());
        Runnable stopTimers = () -> {
            ctx.vertx().cancelTimer(timer);
            ctx.vertx().cancelTimer(idleTimer[0]);
        };
        idleTimer[0] = ctx.vertx().setTimer(IDLE_TIMEOUT_MS, t -> tooSlow.run());
        request.handler(chunk -> {
            if (done[0]) {
                return;
            }
            ctx.vertx().cancelTimer(idleTimer[0]);
            idleTimer[0] = ctx.vertx().setTimer(IDLE_TIMEOUT_MS, t -> tooSlow.run());
            if (body.length() + chunk.length() > maxBodyBytes) {
                done[0] = true;
                stopTimers.run();
                refuse(ctx, 413, "too_large");
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(e -> {
            if (!done[0]) {
                done[0] = true;
                stopTimers.run();
                ctx.response().close();
            }
        });
        request.endHandler(v -> {
            if (!done[0]) {
                done[0] = true;
                stopTimers.run();
                receive(ctx, body.getBytes(), from);
            }
        });
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect")) && request.version() != HttpVersion.HTTP_1_0) {
            ctx.response().writeContinue();   // curl asks before sending a body over 1 KiB
        }
        request.resume();
    }

    /**
     * Who a request counts against in the per-sender limits: its TCP peer address (never a header such as
     * X-Forwarded-For, which anyone can write), and for IPv6 its /64 network, since one host commonly holds all of one.
     */
    static String sender(String address) {
        if (address == null) {
            return "?";
        }
        if (address.indexOf(':') < 0) {
            return address;
        }
        try {
            byte[] bytes = InetAddress.getByName(address).getAddress();   // a literal: no lookup
            return bytes.length == 16 ? HexFormat.of().formatHex(bytes, 0, 8) + "::/64" : address;
        } catch (UnknownHostException e) {
            return address;
        }
    }

    private synchronized boolean takeSlot(String sender) {
        int held = inFlightBySender.getOrDefault(sender, 0);
        if (held >= maxPerSender || inFlight.get() >= maxConcurrent) {
            return false;
        }
        inFlight.incrementAndGet();
        inFlightBySender.put(sender, held + 1);
        return true;
    }

    private synchronized void releaseSlot(String sender) {
        inFlight.decrementAndGet();
        inFlightBySender.computeIfPresent(sender, (key, held) -> held <= 1 ? null : held - 1);
    }

    /** Runs the route on a worker thread (it verifies and stores) and writes its answer. */
    private void receive(RoutingContext ctx, byte[] body, String from) {
        String signature = ctx.request().getHeader("X-Notion-Signature");
        ctx.vertx().executeBlocking(() -> route.request("direct:notion-webhook", exchange -> {
            exchange.getIn().setBody(body);
            exchange.getIn().setHeader("X-Notion-Signature", signature);
            exchange.setProperty(WebhookReceiver.FROM, from);
        }), false).onComplete(done -> {
            if (ctx.response().ended()) {
                return;
            }
            Exchange answer = done.succeeded() ? done.result() : null;
            if (answer == null || answer.getException() != null) {
                Throwable error = answer == null ? done.cause() : answer.getException();
                LOG.warn("webhook request failed: {}; answered 500 so Notion delivers it again", String.valueOf(error));
                ctx.response().setStatusCode(500).putHeader("Content-Type", "application/json").end("{\"status\":\"error\"}");
                return;
            }
            Message message = answer.getMessage();
            ctx.response().setStatusCode(message.getHeader(Exchange.HTTP_RESPONSE_CODE, 500, Integer.class))
                    .putHeader("Content-Type", "application/json");
            String retryAfter = message.getHeader("Retry-After", String.class);
            if (retryAfter != null) {
                ctx.response().putHeader("Retry-After", retryAfter);
            }
            ctx.response().end(message.getBody(String.class));
        });
    }

    /** Answers without reading the rest of the body, and closes the connection so the sender stops sending. */
    private void refuse(RoutingContext ctx, int status, String outcome) {
        metrics.webhook(outcome);
        if (warnings.shouldWarn(outcome)) {
            LOG.warn("webhook requests refused: {} (HTTP {}), the last from {}; notion_webhook_requests_total counts them all",
                    outcome, status, ctx.request().remoteAddress() == null ? "?" : ctx.request().remoteAddress().hostAddress());
        }
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Connection", "close");
        if (status == 503) {
            ctx.response().putHeader("Retry-After", "1");
        }
        HttpServerRequest request = ctx.request();
        ctx.response().end("{\"status\":\"" + outcome + "\"}").onComplete(sent -> {
            if (request.version() == HttpVersion.HTTP_2) {
                if (!request.isEnded()) {
                    ctx.response().reset();   // this stream only: other requests share the connection
                }
            } else {
                request.connection().close();
            }
        });
    }

    private static long contentLength(HttpServerRequest request) {
        String header = request.getHeader("Content-Length");
        try {
            return header == null ? -1 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;   // unreadable: treated as too large
        }
    }
}
