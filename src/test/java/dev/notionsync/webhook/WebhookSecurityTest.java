package dev.notionsync.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.notion.WebhookSignature;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /webhooks/notion under attack: forged handshakes, events that name another table, bodies too large or too
 * many at once, requests without the JSON content type, signed events with missing fields.
 */
class WebhookSecurityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = WebhookTest.WEBHOOK_TOKEN;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tempDir;

    private Map<String, String> settings(NotionSimulator simulator, String token) {
        Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
        values.put("notion.webhook.verification-token", token);
        values.put("notion.webhook.max-body-bytes", "20000");
        return values;
    }

    private static String url(Map<String, String> values) {
        return "http://127.0.0.1:" + values.get("camel.server.port") + "/webhooks/notion";
    }

    private HttpResponse<String> post(Map<String, String> values, byte[] body, String signature, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(values))).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (signature != null) {
            request.header("X-Notion-Signature", signature);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int signed(Map<String, String> values, ObjectNode event, String token) throws Exception {
        byte[] body = event.toString().getBytes(StandardCharsets.UTF_8);
        return post(values, body, WebhookSignature.sign(body, token), "application/json").statusCode();
    }

    private int handshake(Map<String, String> values, String token) throws Exception {
        byte[] body = JSON.createObjectNode().put("verification_token", token).toString().getBytes(StandardCharsets.UTF_8);
        return post(values, body, null, "application/json").statusCode();
    }

    private static long inbox(NotionSync sync) {
        return TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox");
    }

    @Test
    void aHandshakeNeverReplacesTheTokenInForce() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = settings(simulator, TOKEN);
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                sync.context().getRouteController().stopRoute("notion-webhook-inbox");
                SeededSource projects = simulator.workspace().source("projects");
                String pageId = simulator.model().pages(projects.dataSourceId()).get(0).path("id").asText();

                assertEquals(200, handshake(values, "secret_attacker"), "a handshake is acknowledged (and only recorded)");
                assertEquals(401, signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), "secret_attacker"),
                        "the attacker's token is not in force");
                assertEquals(200, signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), TOKEN),
                        "the configured token still is");
                assertEquals(1, inbox(sync));
            }
        }
    }

    @Test
    void withoutATokenTheFirstHandshakeWaitsForTheOperatorsConfirmation() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = settings(simulator, "");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                sync.context().getRouteController().stopRoute("notion-webhook-inbox");
                SeededSource projects = simulator.workspace().source("projects");
                String pageId = simulator.model().pages(projects.dataSourceId()).get(0).path("id").asText();
                String notionsToken = "secret_from_notion_1";

                assertEquals(200, handshake(values, notionsToken));
                assertEquals(401, signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), notionsToken),
                        "a handshake alone puts no token in force");
                assertEquals(0, inbox(sync));
                long id = TestEngine.count(sync, "SELECT id FROM notion_sync.webhook_subscriptions WHERE verification_token = '" + notionsToken + "'");
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_subscriptions WHERE status = 'pending'"));

                // the operator sees it (status, without the token itself) and confirms it from the command line
                int managementPort = Integer.parseInt(values.get("camel.management.port"));
                java.io.ByteArrayOutputStream shown = new java.io.ByteArrayOutputStream();
                assertEquals(0, dev.notionsync.cli.WebhookTokenCommand.run(new String[0], dev.notionsync.cli.ManagementAddress.local(managementPort), java.util.Optional.empty(),
                        new java.io.PrintStream(shown, true), System.err));
                assertTrue(shown.toString().contains("pending handshake #" + id), shown.toString());
                assertFalse(shown.toString().contains(notionsToken), "the token is a secret: " + shown);
                java.io.ByteArrayOutputStream status = new java.io.ByteArrayOutputStream();
                dev.notionsync.cli.StatusCommand.run(new String[0], dev.notionsync.cli.ManagementAddress.local(managementPort), java.util.Optional.empty(), new java.io.PrintStream(status, true), System.err);
                assertTrue(status.toString().contains("pending handshake #" + id), status.toString());

                java.io.ByteArrayOutputStream confirmed = new java.io.ByteArrayOutputStream();
                assertEquals(0, dev.notionsync.cli.WebhookTokenCommand.run(new String[] {"confirm", String.valueOf(id)}, dev.notionsync.cli.ManagementAddress.local(managementPort),
                        java.util.Optional.empty(), new java.io.PrintStream(confirmed, true), System.err), confirmed.toString());
                assertEquals(200, signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), notionsToken));
                assertEquals(1, inbox(sync));

                // a later handshake (an attacker's, or Notion's "resend") waits too; the confirmed token stays in force
                assertEquals(200, handshake(values, "secret_attacker"));
                assertEquals(401, signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), "secret_attacker"));
                assertEquals(200, signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), notionsToken));
                assertEquals(2, inbox(sync));

                // confirming through JMX switches to the new one
                long attackerId = TestEngine.count(sync, "SELECT id FROM notion_sync.webhook_subscriptions WHERE verification_token = 'secret_attacker'");
                javax.management.ObjectName mbean = new javax.management.ObjectName(dev.notionsync.manage.NotionSyncManagement.OBJECT_NAME);
                var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
                assertEquals(1L, server.getAttribute(mbean, "PendingWebhookHandshakes"));
                server.invoke(mbean, "confirmWebhookToken", new Object[] {attackerId}, new String[] {"long"});
                assertEquals(401, signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), notionsToken));
                assertEquals(200, signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), "secret_attacker"));
            }
        }
    }

    @Test
    void handshakesAreLimitedInSizeRateAndNumber() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = settings(simulator, "");
            values.put("notion.webhook.handshakes-per-minute", "30");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                assertEquals(400, handshake(values, "secret_" + "x".repeat(5000)), "an oversized token is refused");
                int refused = 0;
                for (int i = 0; i < 200; i++) {
                    int status = handshake(values, "secret_flood_" + i);
                    if (status == 429) {
                        refused++;
                    } else {
                        assertEquals(200, status);
                    }
                }
                assertTrue(refused > 150, "the flood is rate-limited: " + refused + " of 200 refused");
                long stored = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_subscriptions");
                assertTrue(stored > 0 && stored <= 20, "the table keeps at most 20 pending handshakes: " + stored);
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_subscriptions WHERE length(verification_token) > 200"));
            }
        }
    }

    /**
     * The handshake limits are per sender (the TCP peer address, never a header): a flood from 127.0.0.2 neither gets
     * Notion's handshake (from 127.0.0.1) refused with 429 nor pushes it out of the pending ones.
     */
    @Test
    void aForgedHandshakeFloodFromOneAddressLeavesNotionsHandshakeAlone() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = settings(simulator, "");
            values.put("notion.webhook.handshakes-per-minute", "50");
            int port = Integer.parseInt(values.get("camel.server.port"));
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                int flooded = 0;
                for (int i = 0; i < 25; i++) {
                    flooded += rawPost(port, "127.0.0.2", handshakeBody("secret_forged_" + i), "X-Forwarded-For: 127.0.0.1\r\n") == 200 ? 1 : 0;
                }
                assertEquals(200, rawPost(port, "127.0.0.1", handshakeBody("secret_genuine_1"), ""), "Notion's handshake is recorded");
                for (int i = 25; i < 50; i++) {
                    flooded += rawPost(port, "127.0.0.2", handshakeBody("secret_forged_" + i), "X-Forwarded-For: 127.0.0.1\r\n") == 200 ? 1 : 0;
                }
                assertEquals(50, flooded, "the flood used up its own budget");
                assertEquals(429, rawPost(port, "127.0.0.2", handshakeBody("secret_forged_50"), "X-Forwarded-For: 127.0.0.1\r\n"),
                        "a forged X-Forwarded-For does not move the flood to another budget");
                assertEquals(200, rawPost(port, "127.0.0.1", handshakeBody("secret_genuine_2"), ""), "Notion's resent handshake is not refused");
                assertEquals(2, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_subscriptions"
                        + " WHERE verification_token LIKE 'secret_genuine_%' AND status = 'pending'"), "no flood pushed Notion's out");
                assertEquals(3, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_subscriptions WHERE received_from = '127.0.0.2'"),
                        "the flood's entries pushed each other out");
            }
        }
    }

    /**
     * Slow senders from one address (127.0.0.2) hold at most a quarter of notion.webhook.max-concurrent (16), and a
     * sender that stalls is cut off after 2 s without a byte: a signed event from 127.0.0.1 gets in meanwhile.
     */
    @Test
    void slowSendersFromOneAddressLeaveSlotsForNotion() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = settings(simulator, TOKEN);
            int port = Integer.parseInt(values.get("camel.server.port"));
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                sync.context().getRouteController().stopRoute("notion-webhook-inbox");
                SeededSource projects = simulator.workspace().source("projects");
                String pageId = simulator.model().pages(projects.dataSourceId()).get(0).path("id").asText();
                byte[] event = WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()).toString().getBytes(StandardCharsets.UTF_8);
                List<Socket> slow = new ArrayList<>();
                try {
                    for (int i = 0; i < 16; i++) {
                        Socket socket = new Socket();
                        socket.bind(new java.net.InetSocketAddress("127.0.0.2", 0));
                        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
                        socket.setSoTimeout(5000);
                        socket.getOutputStream().write(("POST /webhooks/notion HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        socket.getOutputStream().write(new byte[10]);
                        socket.getOutputStream().flush();
                        slow.add(socket);
                    }
                    Thread.sleep(300);
                    long start = System.nanoTime();
                    assertEquals(200, rawPost(port, "127.0.0.1", event, "X-Notion-Signature: " + WebhookSignature.sign(event, TOKEN) + "\r\n"),
                            "the genuine event gets a slot");
                    List<Integer> statuses = new ArrayList<>();
                    for (Socket socket : slow) {
                        statuses.add(status(socket));
                    }
                    assertEquals(4, statuses.stream().filter(s -> s == 408).count(), "4 slots held, then cut off as idle: " + statuses);
                    assertEquals(12, statuses.stream().filter(s -> s == 503).count(), "the rest turned away at once: " + statuses);
                    assertTrue(System.nanoTime() - start < 5_000_000_000L, "idle senders are cut off well before 10 s");
                } finally {
                    for (Socket socket : slow) {
                        socket.close();
                    }
                }
                assertEquals(1, inbox(sync));
            }
        }
    }

    private static byte[] handshakeBody(String token) {
        return JSON.createObjectNode().put("verification_token", token).toString().getBytes(StandardCharsets.UTF_8);
    }

    /** POSTs {@code body} from local address {@code from} (any 127.x works on Linux) and returns the status code. */
    private static int rawPost(int port, String from, byte[] body, String extraHeaders) throws Exception {
        try (Socket socket = new Socket()) {
            socket.bind(new java.net.InetSocketAddress(from, 0));
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /webhooks/notion HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n" + extraHeaders
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return status(socket);
        }
    }

    @Test
    void anEventNeverChoosesTheTable() throws Exception {
        for (String mode : List.of("pull", "read")) {
            try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
                Map<String, String> values = settings(simulator, TOKEN);
                values.put("notion.webhook.page-events", mode);
                String table = "\"" + values.get("notion.db.schema") + "\".projects";
                try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                    sync.start();
                    TestEngine.await("first pull", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 3);
                    SeededSource projects = simulator.workspace().source("projects");
                    SeededSource revenue = simulator.workspace().source("revenue");
                    String revenuePage = simulator.model().pages(revenue.dataSourceId()).get(0).path("id").asText();
                    // signed, so it passes verification: the sender is trusted, the parent it names is not
                    assertEquals(200, signed(values, WebhookTest.event("page.properties_updated", revenuePage, projects.dataSourceId()), TOKEN));
                    TestEngine.await("the event settled", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                            "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status IN ('pending', 'processing')") == 0);
                    assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + revenuePage + "'"),
                            mode + ": a revenue page never lands in the projects table");
                    assertEquals(3, TestEngine.count(sync, "SELECT count(*) FROM " + table));
                    if (mode.equals("pull")) {
                        // the parent it names only chooses which source's query runs: that query answers projects pages only
                        assertEquals("applied/read by a pull of " + TestEngine.sourceName(values, "projects"), TestEngine.queryString(sync,
                                "SELECT status || '/' || note FROM notion_sync.webhook_inbox"));
                    } else {
                        assertEquals("ignored", TestEngine.queryString(sync, "SELECT status FROM notion_sync.webhook_inbox"));
                        String metrics = TestEngine.httpGet("http://127.0.0.1:" + values.get("camel.management.port") + "/observe/metrics");
                        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("notion_webhook_events_ignored_total{")
                                && l.contains("reason=\"not_synced\"") && l.endsWith(" 1.0")), "counted on /observe/metrics");
                    }
                }
            }
        }
    }

    @Test
    void oversizedAndTooManyBodiesAreRefusedBeforeTheyAreRead() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = settings(simulator, TOKEN);
            values.put("notion.webhook.max-concurrent", "2");
            int port = Integer.parseInt(values.get("camel.server.port"));
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                // 5 MB announced (below Vert.x's own 10 MB default), 1 KB sent: answered at once, the rest never read
                try (Socket socket = open(port, "Content-Length: 5000000\r\n", 1000)) {
                    assertEquals(413, status(socket));
                }
                // chunked, no length announced: refused as soon as the limit is crossed
                try (Socket socket = new Socket("127.0.0.1", port)) {
                    socket.setSoTimeout(5000);
                    OutputStream out = socket.getOutputStream();
                    out.write(("POST /webhooks/notion HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = "x".repeat(8192).getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < 4; i++) {
                        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(chunk);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.flush();
                    assertEquals(413, status(socket));
                }
                // 24 parallel 9 MB POSTs: every one refused, none buffered
                ExecutorService pool = Executors.newFixedThreadPool(24);
                try {
                    List<Future<Integer>> answers = new ArrayList<>();
                    for (int i = 0; i < 24; i++) {
                        answers.add(pool.submit(() -> {
                            try (Socket socket = open(port, "Content-Length: 9000000\r\n", 64 * 1024)) {
                                return status(socket);
                            }
                        }));
                    }
                    for (Future<Integer> answer : answers) {
                        assertEquals(413, answer.get());
                    }
                } finally {
                    pool.shutdownNow();
                }
                // two slow senders hold both slots: a third request is turned away at once, with nothing read
                SeededSource projects = simulator.workspace().source("projects");
                String pageId = simulator.model().pages(projects.dataSourceId()).get(0).path("id").asText();
                try (Socket slow1 = open(port, "Content-Length: 500\r\n", 10); Socket slow2 = open(port, "Content-Length: 500\r\n", 10)) {
                    Thread.sleep(300);
                    assertEquals(503, signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), TOKEN));
                }
                assertEquals(0, inbox(sync));
                // the senders hung up mid-body: their slots are free again, and a genuine event gets in
                TestEngine.await("a slot free again", Duration.ofSeconds(10), () -> {
                    try {
                        return signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), TOKEN) == 200;
                    } catch (Exception e) {
                        return false;
                    }
                });
                for (int i = 0; i < 5; i++) {
                    assertEquals(200, signed(values, WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()), TOKEN));
                }
                assertEquals(6, inbox(sync));
            }
        }
    }

    @Test
    void aSignedRequestWithoutTheJsonContentTypeIsReadAsRawBytes() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = settings(simulator, TOKEN);
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                sync.context().getRouteController().stopRoute("notion-webhook-inbox");
                SeededSource projects = simulator.workspace().source("projects");
                String pageId = simulator.model().pages(projects.dataSourceId()).get(0).path("id").asText();
                byte[] body = WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId()).toString().getBytes(StandardCharsets.UTF_8);
                assertEquals(200, post(values, body, WebhookSignature.sign(body, TOKEN), null).statusCode(), "no Content-Type at all");
                // curl -d sends application/x-www-form-urlencoded; a 15 KB body used to fail form decoding
                ObjectNode large = WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId());
                large.put("padding", "y".repeat(15_000));
                byte[] largeBody = large.toString().getBytes(StandardCharsets.UTF_8);
                HttpResponse<String> form = post(values, largeBody, WebhookSignature.sign(largeBody, TOKEN), "application/x-www-form-urlencoded");
                assertEquals(200, form.statusCode(), form.body());
                assertEquals(2, inbox(sync));

                // curl sends Expect: 100-continue before a body over 1 KiB, and waits for the go-ahead
                int port = Integer.parseInt(values.get("camel.server.port"));
                try (Socket socket = new Socket("127.0.0.1", port)) {
                    socket.setSoTimeout(5000);
                    socket.getOutputStream().write(("POST /webhooks/notion HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                            + "Content-Length: " + largeBody.length + "\r\nX-Notion-Signature: " + WebhookSignature.sign(largeBody, TOKEN) + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    assertEquals(100, status(socket));
                }
            }
        }
    }

    @Test
    void aSignedEventWithMissingFieldsIsNever500() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = settings(simulator, TOKEN);
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first pull", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 3);
                SeededSource projects = simulator.workspace().source("projects");
                var page = simulator.model().pages(projects.dataSourceId()).get(0);
                String pageId = page.path("id").asText();

                ObjectNode noEntity = WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId());
                noEntity.remove("entity");
                assertEquals(400, signed(values, noEntity, TOKEN));
                ObjectNode badEntityId = WebhookTest.event("page.properties_updated", "../users/me", projects.dataSourceId());
                assertEquals(400, signed(values, badEntityId, TOKEN));
                ObjectNode noType = WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId());
                noType.remove("type");
                assertEquals(400, signed(values, noType, TOKEN));
                assertEquals(0, inbox(sync), "a malformed event is stored nowhere");

                // authors and timestamp are not needed to apply an event: it is stored and applied without them
                simulator.model().editPage(pageId, TestEngine.titleEdit(page, "Edited, event without authors"));
                ObjectNode noAuthors = WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId());
                noAuthors.remove("authors");
                noAuthors.put("timestamp", "not a time");
                assertEquals(200, signed(values, noAuthors, TOKEN));
                ObjectNode oddAuthors = WebhookTest.event("page.properties_updated", pageId, projects.dataSourceId());
                oddAuthors.put("authors", "nobody");
                assertEquals(200, signed(values, oddAuthors, TOKEN));
                TestEngine.await("applied", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'applied'") == 2);
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE properties->'" + TestEngine.titleName(page)
                        + "'->'title'->0->>'plain_text' = 'Edited, event without authors'"));
            }
        }
    }

    /** Sends the request line, the headers and {@code bodyBytes} of the body, and no more. */
    private static Socket open(int port, String lengthHeader, int bodyBytes) throws Exception {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /webhooks/notion HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + lengthHeader + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[bodyBytes]);
        out.flush();
        return socket;
    }

    /** The status code of the response, or -1 when none comes within the socket's timeout. */
    private static int status(Socket socket) throws Exception {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        try {
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                line.append((char) c);
            }
        } catch (SocketTimeoutException e) {
            return -1;
        } catch (java.net.SocketException e) {
            return -2;   // reset without an answer
        }
        String[] parts = line.toString().split(" ");
        return parts.length > 1 ? Integer.parseInt(parts[1]) : -3;
    }
}
