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
    /** Events in the burst test: twice the pages, so most pages hear of more than one. */
    private static final int BURST = 400;
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
                simulator.model().editPage(pageId, TestEngine.titleEdit(page, "Edited before the crash"));
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
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE properties->'" + TestEngine.titleName(page)
                        + "'->'title'->0->>'plain_text' = 'Edited before the crash'"));
            }
        }
    }

    /**
     * On Notion-Version 2026-12-01 a query returns only titles, but retrieving a page still returns all of its
     * properties (Notion's upgrade guide names Search and Query only): an applied event brings every mapped value.
     */
    @Test
    void onVersion20261201AnAppliedPageEventBringsItsMappedValues() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5))) {
            Map<String, String> values = settings(simulator);
            values.put("notion.api.version", "2026-12-01");
            SeededSource projects = simulator.workspace().source("projects");
            JsonNode page = simulator.model().pages(projects.dataSourceId()).get(2);
            String pageId = page.path("id").asText();
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first pull", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 5);
                String budgetBefore = TestEngine.queryString(sync, "SELECT budget::text FROM " + table + " WHERE page_id = '" + pageId + "'");
                simulator.model().editPage(pageId, (ObjectNode) JSON.readTree(
                        "{\"Client\":{\"rich_text\":[{\"text\":{\"content\":\"told by a webhook\"}}]}}"));
                byte[] body = event("page.properties_updated", pageId, projects.dataSourceId()).toString().getBytes(StandardCharsets.UTF_8);
                assertEquals(200, post(values, body, WebhookSignature.sign(body, WEBHOOK_TOKEN)));
                TestEngine.await("the event applied", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'applied'") == 1);
                assertEquals("told by a webhook", TestEngine.queryString(sync, "SELECT client FROM " + table + " WHERE page_id = '" + pageId + "'"));
                assertEquals(budgetBefore, TestEngine.queryString(sync, "SELECT budget::text FROM " + table + " WHERE page_id = '" + pageId + "'"),
                        "a value the event did not change is kept");
            }
        }
    }

    @Test
    void aBurstWithPermanentFailuresEndsAppliedOrDeadLetteredAndReplayFixesIt() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(200))) {
            Map<String, String> values = settings(simulator);
            values.put("notion.api.rate", "200");
            values.put("notion.api.max-retries", "1");
            values.put("notion.api.backoff-base", "10ms");
            values.put("notion.dead-letter.max-redeliveries", "1");
            values.put("notion.dead-letter.redelivery-delay-ms", "10");
            // each event reads its page (page-events = read): a page Notion fails to give is that page's dead letter
            values.put("notion.webhook.page-events", "read");
            SeededSource projects = simulator.workspace().source("projects");
            java.util.List<String> pageIds = simulator.model().pages(projects.dataSourceId()).stream().map(p -> p.path("id").asText()).toList();
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first pull", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 200);
                // 5% of the pages cannot be fetched, whatever we do
                java.util.List<String> failing = pageIds.subList(0, 10);
                TestEngine.simControl(simulator, "faults", "{\"failing_ids\":" + JSON.writeValueAsString(failing) + ",\"failing_status\":500}");

                java.util.Random random = new java.util.Random(5);
                for (int i = 0; i < BURST; i++) {
                    String pageId = pageIds.get(random.nextInt(pageIds.size()));
                    byte[] body = event("page.properties_updated", pageId, projects.dataSourceId()).toString().getBytes(StandardCharsets.UTF_8);
                    assertEquals(200, post(values, body, WebhookSignature.sign(body, WEBHOOK_TOKEN)));
                }
                TestEngine.await("the inbox drained", Duration.ofSeconds(120), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status IN ('pending', 'processing')") == 0);
                long applied = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'applied'");
                long dead = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'dead_letter'");
                assertEquals(BURST, applied + dead, "every event applied or dead-lettered");
                assertEquals(BURST, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox"));
                assertTrue(dead > 0, "the failing pages' events are dead letters");
                // the dead letters hold exactly the dead-lettered events, each once
                assertEquals(dead, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters d,"
                        + " jsonb_array_elements_text(CAST(d.body AS jsonb)->'event_ids') e WHERE d.status = 'open'"));
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM (SELECT e FROM notion_sync.dead_letters d,"
                        + " jsonb_array_elements_text(CAST(d.body AS jsonb)->'event_ids') e GROUP BY e HAVING count(*) > 1) twice"));
                assertEquals(dead, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox i WHERE i.status = 'dead_letter'"
                        + " AND i.entity_id IN (" + String.join(",", failing.stream().map(id -> "'" + id + "'").toList()) + ")"),
                        "only the failing pages' events are dead letters");

                // operators see the same dead letters through JMX and the command line
                long open = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'");
                javax.management.ObjectName mbean = new javax.management.ObjectName(dev.notionsync.manage.NotionSyncManagement.OBJECT_NAME);
                assertEquals(open, java.lang.management.ManagementFactory.getPlatformMBeanServer().getAttribute(mbean, "OpenDeadLetters"));
                java.io.ByteArrayOutputStream listed = new java.io.ByteArrayOutputStream();
                assertEquals(0, dev.notionsync.cli.DeadLetterCommand.run(new String[] {"list"},
                        dev.notionsync.cli.ManagementAddress.local(Integer.parseInt(values.get("camel.management.port"))), java.util.Optional.empty(), new java.io.PrintStream(listed, true), System.err));
                assertEquals(open, listed.toString().lines().filter(l -> l.contains("direct:page-apply")).count(), listed.toString());

                TestEngine.simControl(simulator, "faults", "{}");
                String replay = "http://127.0.0.1:" + values.get("camel.management.port") + "/observe/dead-letters/replay";
                String outcome = http.send(HttpRequest.newBuilder(URI.create(replay)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(outcome.contains("0 still open"), outcome);
                assertEquals(BURST, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'applied'"));
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'"));
                long resolved = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'resolved'");
                String again = http.send(HttpRequest.newBuilder(URI.create(replay)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(again.contains("0 resolved, 0 still open"), "replay is idempotent: " + again);
                assertEquals(resolved, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'resolved' AND replay_count = 1"));
            }
        }
    }

    /**
     * A configured source Notion no longer resolves (unshared or deleted: 404) must not stop the webhook events of the
     * healthy sources: it is skipped, and the event is applied to the source that holds the page.
     */
    @Test
    void anUnresolvableSourceDoesNotStopTheEventsOfTheOthers() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            SeededSource projects = simulator.workspace().source("projects");
            Map<String, String> values = settings(simulator);
            values.put("notion.dead-letter.redelivery-delay-ms", "10");
            // listed first, so every lookup meets it before the healthy source
            values.put("notion.sources", "unshared," + values.get("notion.sources"));
            values.put("notion.source.unshared.id", "7d2b7a4e-3c1f-4b8e-9a6d-5e4f3c2b1a09");
            values.put("notion.source.unshared.poll", "1h");
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 3);
                ObjectNode page = simulator.model().pages(projects.dataSourceId()).get(0);
                String pageId = page.path("id").asText();
                simulator.model().editPage(pageId, TestEngine.titleEdit(page, "edited, announced by a webhook"));
                byte[] body = event("page.properties_updated", pageId, projects.dataSourceId()).toString().getBytes(StandardCharsets.UTF_8);
                assertEquals(200, post(values, body, WebhookSignature.sign(body, WEBHOOK_TOKEN)));
                TestEngine.await("the event settles", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status IN ('applied', 'ignored', 'dead_letter')") == 1);
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"),
                        "a healthy source's event is not dead-lettered: " + TestEngine.queryString(sync,
                                "SELECT string_agg(exception_message, ' | ') FROM notion_sync.dead_letters"));
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'applied'"));
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + pageId
                        + "' AND properties::text LIKE '%edited, announced by a webhook%'"));
            }
        }
    }

    /** The page's own source failing for now (503) is not skipped: the event is retried and applied once Notion is back. */
    @Test
    void aTransientFailureOfThePagesOwnSourceRetriesTheEvent() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            SeededSource projects = simulator.workspace().source("projects");
            Map<String, String> values = settings(simulator);
            values.put("notion.sync.schema-refresh", "1s");
            values.put("notion.api.max-retries", "1");
            values.put("notion.api.backoff-base", "10ms");
            values.put("notion.dead-letter.redelivery-delay-ms", "1500");
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first sync", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 3);
                TestEngine.simControl(simulator, "faults", "{\"failing_ids\":[\"" + projects.dataSourceId() + "\",\""
                        + projects.databaseId() + "\"],\"failing_status\":503}");
                Thread.sleep(1500);   // the cached tables expire
                ObjectNode page = simulator.model().pages(projects.dataSourceId()).get(0);
                String pageId = page.path("id").asText();
                simulator.model().editPage(pageId, TestEngine.titleEdit(page, "edited while Notion stumbles"));
                byte[] body = event("page.properties_updated", pageId, projects.dataSourceId()).toString().getBytes(StandardCharsets.UTF_8);
                assertEquals(200, post(values, body, WebhookSignature.sign(body, WEBHOOK_TOKEN)));
                Thread.sleep(1000);
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status <> 'pending' AND status <> 'processing'"),
                        "not skipped while its source cannot be resolved");
                TestEngine.simControl(simulator, "faults", "{}");
                TestEngine.await("the event is applied", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'applied'") == 1);
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"));
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + pageId
                        + "' AND properties::text LIKE '%edited while Notion stumbles%'"));
            }
        }
    }
}
