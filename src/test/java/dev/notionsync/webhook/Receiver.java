package dev.notionsync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.notionsync.TestEngine;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A subscriber's HTTP endpoint for the tests (the JDK's HTTP server): records every request it answers with
 * {@link #status} (200 unless a test says otherwise), and can be stopped and started again on the same port.
 */
final class Receiver implements AutoCloseable {

    /** One request as the subscriber saw it: the exact body and the headers that matter. */
    record Request(byte[] body, String eventId, String signature, String subscription, String contentType, String query) {

        JsonNode json() {
            try {
                return new ObjectMapper().readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    final List<Request> received = new CopyOnWriteArrayList<>();
    final AtomicInteger status = new AtomicInteger(200);
    final AtomicInteger refused = new AtomicInteger();
    private final int port = TestEngine.freePort();
    private HttpServer server;

    Receiver() throws IOException {
        start();
    }

    String url() {
        return "http://127.0.0.1:" + port + "/hook";
    }

    synchronized void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/hook", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            int answer = status.get();
            if (answer / 100 == 2) {
                received.add(new Request(body, exchange.getRequestHeaders().getFirst("X-Notion-Sync-Event-Id"),
                        exchange.getRequestHeaders().getFirst("X-Notion-Sync-Signature"),
                        exchange.getRequestHeaders().getFirst("X-Notion-Sync-Subscription"), exchange.getRequestHeaders().getFirst("Content-Type"),
                        exchange.getRequestURI().getRawQuery()));
            } else {
                refused.incrementAndGet();
            }
            exchange.sendResponseHeaders(answer, -1);
            exchange.close();
        });
        server.start();
    }

    /** The subscriber goes away: connections are refused until {@link #start}. */
    synchronized void stop() {
        server.stop(0);
    }

    List<Long> sequences() {
        return received.stream().map(r -> r.json().path("sequence").asLong()).toList();
    }

    @Override
    public synchronized void close() {
        server.stop(0);
    }
}
