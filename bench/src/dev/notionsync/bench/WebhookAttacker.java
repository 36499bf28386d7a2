package dev.notionsync.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.WebhookSignature;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The webhook drill's attacker, running beside the genuine deliveries until stopped: forged handshakes, 9 MB bodies
 * (announced and chunked, 24 at once), signed events naming the wrong parent (the worst case: a trusted sender whose
 * parent field is wrong), unsigned, wrongly signed and malformed events; and a health probe every half second.
 */
final class WebhookAttacker {

    private static final int OVERSIZED_BYTES = 9_000_000;
    private static final int PARALLEL = 24;

    /** forgedParentIds: those the engine accepted (signed), so stored in the inbox. */
    record Report(Map<String, Integer> answers, Set<String> unsignedOrMalformedIds, Set<String> forgedParentIds, Set<String> revenuePageIds,
                  int oversizedAccepted, int healthChecks, int healthNotUp) {

        String summary() {
            return answers.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(", "));
        }

        String quoted(Set<String> ids) {
            return ids.isEmpty() ? "''" : ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(","));
        }
    }

    private final EngineProcess engine;
    private final String projectsDataSource;
    private final List<String> revenuePages;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicBoolean running = new AtomicBoolean();
    private final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    private final Set<String> unsignedOrMalformedIds = ConcurrentHashMap.newKeySet();
    private final Set<String> forgedParentIds = ConcurrentHashMap.newKeySet();
    private final AtomicInteger oversizedAccepted = new AtomicInteger();
    private final AtomicInteger healthChecks = new AtomicInteger();
    private final AtomicInteger healthNotUp = new AtomicInteger();
    private static final byte[] ZEROS = new byte[64 * 1024];

    WebhookAttacker(EngineProcess engine, Sim sim, String token) {
        this.engine = engine;
        this.projectsDataSource = sim.source("projects").dataSourceId();
        this.revenuePages = sim.pages("revenue").stream().map(p -> p.path("id").asText()).toList();
        this.token = token;
    }

    void start() {
        running.set(true);
        loop("handshakes", 20, () -> count("forged handshake", handshake("secret_attacker_" + UUID.randomUUID())));
        loop("oversized", 500, () -> parallel("9 MB announced", false));
        loop("chunked", 500, () -> parallel("9 MB chunked", true));
        loop("forged parents", 200, () -> {
            String revenuePage = revenuePages.get(forgedParentIds.size() % revenuePages.size());
            ObjectNode event = event(revenuePage);
            int status = post(bytes(event), sign(bytes(event), token));
            if (status == 200) {
                forgedParentIds.add(event.path("id").asText());   // stored: the applier must ignore it
            }
            count("forged parent (signed)", status);
        });
        loop("forged events", 30, () -> {
            ObjectNode event = event(revenuePages.get(0));
            unsignedOrMalformedIds.add(event.path("id").asText());
            count("unsigned event", post(bytes(event), null));
            ObjectNode wrong = event(revenuePages.get(0));
            unsignedOrMalformedIds.add(wrong.path("id").asText());
            count("wrongly signed event", post(bytes(wrong), sign(bytes(wrong), "secret_guessed")));
            ObjectNode malformed = event(revenuePages.get(0));
            malformed.remove("entity");
            unsignedOrMalformedIds.add(malformed.path("id").asText());
            count("malformed signed event", post(bytes(malformed), sign(bytes(malformed), token)));
            byte[] garbage = "{\"id\":\"x\", oops".getBytes(StandardCharsets.UTF_8);
            count("garbage signed", post(garbage, sign(garbage, token)));
        });
        loop("health", 500, () -> {
            healthChecks.incrementAndGet();
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.managementPort + "/observe/health"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() != 200 || !health.body().contains("\"UP\"")) {
                    healthNotUp.incrementAndGet();
                    System.err.println("[drill] health " + health.statusCode() + ": " + health.body());
                }
            } catch (Exception e) {
                healthNotUp.incrementAndGet();
            }
        });
    }

    Report stop() throws InterruptedException {
        running.set(false);
        threads.shutdown();
        threads.awaitTermination(2, TimeUnit.MINUTES);
        return new Report(answers.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())),
                Set.copyOf(unsignedOrMalformedIds), Set.copyOf(forgedParentIds), Set.copyOf(revenuePages),
                oversizedAccepted.get(), healthChecks.get(), healthNotUp.get());
    }

    /** An unsigned handshake; the HTTP status. */
    int handshake(String forgedToken) {
        return post(("{\"verification_token\":\"" + forgedToken + "\"}").getBytes(StandardCharsets.UTF_8), null);
    }

    private interface Step {
        void run() throws Exception;
    }

    private void loop(String name, long pauseMillis, Step step) {
        threads.submit(() -> {
            while (running.get()) {
                try {
                    step.run();
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    count(name + " error " + e.getClass().getSimpleName(), 0);
                }
            }
        });
    }

    private void count(String what, int status) {
        answers.computeIfAbsent(what + " → " + status, k -> new AtomicInteger()).incrementAndGet();
    }

    /** {@link #PARALLEL} 9 MB POSTs at once, each sent in full unless the engine cuts it off. */
    private void parallel(String what, boolean chunked) throws Exception {
        List<java.util.concurrent.Future<Integer>> sent = new ArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(PARALLEL);
        try {
            for (int i = 0; i < PARALLEL; i++) {
                sent.add(senders.submit(() -> oversized(chunked)));
            }
            for (var status : sent) {
                int s = status.get();
                count(what, s);
                if (s / 100 == 2) {
                    oversizedAccepted.incrementAndGet();
                }
            }
        } finally {
            senders.shutdownNow();
        }
    }

    /** The status line's code; 0 when the engine closed the connection before answering. */
    private int oversized(boolean chunked) {
        try (Socket socket = new Socket("127.0.0.1", engine.serverPort)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /webhooks/notion HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + OVERSIZED_BYTES + "\r\n") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            try {
                for (int written = 0; written < OVERSIZED_BYTES; written += ZEROS.length) {
                    if (chunked) {
                        out.write((Integer.toHexString(ZEROS.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write(ZEROS);
                    if (chunked) {
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                }
                if (chunked) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
            } catch (java.io.IOException cutOff) {
                // the engine answered and closed: read what it said
            }
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                line.append((char) c);
            }
            String[] parts = line.toString().split(" ");
            return parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    private ObjectNode event(String pageId) {
        ObjectNode event = Sim.JSON.createObjectNode();
        event.put("id", UUID.randomUUID().toString());
        event.put("timestamp", Instant.now().toString());
        event.put("type", "page.properties_updated");
        event.putArray("authors").addObject().put("id", UUID.randomUUID().toString()).put("type", "person");
        event.putObject("entity").put("id", pageId).put("type", "page");
        event.putObject("data").putObject("parent").put("id", UUID.randomUUID().toString()).put("type", "database")
                .put("data_source_id", projectsDataSource);
        return event;
    }

    private static byte[] bytes(ObjectNode event) {
        return event.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String sign(byte[] body, String key) {
        return WebhookSignature.sign(body, key);
    }

    private int post(byte[] body, String signature) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(engine.webhookUrl())).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (signature != null) {
                request.header("X-Notion-Signature", signature);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return 0;
        }
    }
}
