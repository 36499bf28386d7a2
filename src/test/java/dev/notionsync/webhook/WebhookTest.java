package dev.notionsync.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.notion.WebhookSignature;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POST /webhooks/notion as Notion (and attackers) would call it, and the inbox behind it. */
class WebhookTest {

    static final String WEBHOOK_TOKEN = "secret_webhook_test_token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tempDir;

    private Map<String, String> settings(NotionSimulator simulator) {
        Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
        values.put("notion.webhook.verification-token", WEBHOOK_TOKEN);
        values.put("notion.webhook.max-body-bytes", "20000");
        return values;
    }

    static ObjectNode event(String type, String pageId, String dataSourceId) {
        ObjectNode event = JSON.createObjectNode();
        event.put("id", UUID.randomUUID().toString());
        event.put("timestamp", Instant.now().toString());
        event.put("workspace_id", UUID.randomUUID().toString());
        event.put("subscription_id", UUID.randomUUID().toString());
        event.put("integration_id", UUID.randomUUID().toString());
        event.put("type", type);
        event.putArray("authors").addObject().put("id", UUID.randomUUID().toString()).put("type", "person");
        event.put("attempt_number", 1);
        event.put("api_version", "2026-03-11");
        event.putObject("entity").put("id", pageId).put("type", "page");
        event.putObject("data").putObject("parent").put("id", UUID.randomUUID().toString()).put("type", "database")
                .put("data_source_id", dataSourceId);
        return event;
    }

    int post(Map<String, String> values, byte[] body, String signature) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + values.get("camel.server.port") + "/webhooks/notion"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            request.header("X-Notion-Signature", signature);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void verifiesOnRawBytesAndStoresOnlyWhatIsSigned() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5))) {
            Map<String, String> values = settings(simulator);
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                sync.context().getRouteController().stopRoute("notion-webhook-inbox");
                SeededSource projects = simulator.workspace().source("projects");
                String pageId = simulator.model().pages(projects.dataSourceId()).get(0).path("id").asText();
                byte[] body = event("page.properties_updated", pageId, projects.dataSourceId()).toString().getBytes(StandardCharsets.UTF_8);

                assertEquals(401, post(values, body, null), "unsigned");
                assertEquals(401, post(values, body, WebhookSignature.sign(body, "secret_someone_else")), "wrong key");
                byte[] reserialised = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(JSON.readTree(body));
                assertEquals(401, post(values, reserialised, WebhookSignature.sign(body, WEBHOOK_TOKEN)), "same JSON, other bytes");
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox"), "a 401 stores nothing");

                byte[] malformed = "{\"id\": \"x\", oops".getBytes(StandardCharsets.UTF_8);
                assertEquals(400, post(values, malformed, WebhookSignature.sign(malformed, WEBHOOK_TOKEN)));
                byte[] huge = ("{\"pad\":\"" + "x".repeat(30_000) + "\"}").getBytes(StandardCharsets.UTF_8);
                assertEquals(413, post(values, huge, WebhookSignature.sign(huge, WEBHOOK_TOKEN)));
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox"));

                assertEquals(200, post(values, body, WebhookSignature.sign(body, WEBHOOK_TOKEN)));
                assertEquals(200, post(values, body, WebhookSignature.sign(body, WEBHOOK_TOKEN)), "a redelivery is acknowledged");
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox"), "and stored once");

                byte[] handshake = "{\"verification_token\":\"secret_from_notion\"}".getBytes(StandardCharsets.UTF_8);
                assertEquals(200, post(values, handshake, null), "the handshake may come unsigned");
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_subscriptions WHERE verification_token = 'secret_from_notion'"));
            }
        }
    }

    @Test
    void anEventCommittedBeforeACrashIsAppliedAfterRestart() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5))) {
            Map<String, String> values = settings(simulator);
            values.put("notion.webhook.reclaim-after", "1s");
            SeededSource projects = simulator.workspace().source("projects");
            JsonNode page = simulator.model().pages(projects.dataSourceId()).get(1);
            String pageId = page.path("id").asText();
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                sync.context().getRouteController().stopRoute("notion-webhook-inbox");
                // the first pull has not run (poll 1h after a 1 s delay): wait for it, then edit and notify
                TestEngine.await("first pull", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 5);
                ObjectNode edit = JSON.createObjectNode();
                edit.putObject(titleName(page)).putArray("title").addObject().putObject("text").put("content", "Edited before the crash");
                simulator.model().editPage(pageId, edit);
                byte[] body = event("page.properties_updated", pageId, projects.dataSourceId()).toString().getBytes(StandardCharsets.UTF_8);
                assertEquals(200, post(values, body, WebhookSignature.sign(body, WEBHOOK_TOKEN)));
                // a claim that was taken and never finished, as if the process died while applying it
                TestEngine.count(sync, "UPDATE notion_sync.webhook_inbox SET status = 'processing', claimed_at = now() - interval '1 hour' RETURNING 1");
            }
            values.put("camel.server.port", String.valueOf(TestEngine.freePort()));
            values.put("camel.management.port", String.valueOf(TestEngine.freePort()));
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("the event applied after restart", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'applied'") == 1);
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE properties->'" + titleName(page)
                        + "'->'title'->0->>'plain_text' = 'Edited before the crash'"));
            }
        }
    }

    static String titleName(JsonNode page) {
        for (var it = page.path("properties").fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().path("type").asText().equals("title")) {
                return e.getKey();
            }
        }
        throw new AssertionError("no title");
    }
}
