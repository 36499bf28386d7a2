package dev.notionsync.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.config.Settings;
import dev.notionsync.config.SettingsException;
import dev.notionsync.config.SubscriptionSettings;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.notion.WebhookSignature;
import dev.notionsync.sim.NotionSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Change events out (README "Change events"): subscriptions get the row changes at least once, in order, signed, with
 * their event id; a failing subscriber is retried and dead-lettered without holding back another; operators add and
 * remove subscriptions at runtime.
 */
@ExtendWith(IntegrationExtension.class)
class ChangeEventsOutTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "whsec_test_subscription_secret";
    private static final String PASSWORD = "secret_events_password";
    /** The source of the events the tests write themselves: no pull ever writes one. */
    private static final String TEST_SOURCE = "testsource";

    private static Map<String, String> engine(Integration it, NotionSimulator simulator) {
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.subscriptions.poll", "200ms");
        return settings;
    }

    private static void subscribe(Map<String, String> settings, String name, String uri, Map<String, String> more) {
        String list = settings.getOrDefault("notion.subscriptions", "");
        settings.put("notion.subscriptions", list.isEmpty() ? name : list + "," + name);
        settings.put("notion.subscription." + name + ".uri", uri);
        more.forEach((k, v) -> settings.put("notion.subscription." + name + "." + k, v));
    }

    /** Writes a change event as the trigger would; returns its event_id. */
    static long event(Connection c, String page, String operation, String before, String after) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.change_events (source, table_schema, table_name, page_id, row_key,"
                + " operation, side, changed_by, changed_columns, before, after) VALUES (?, 'notion', 'tasks', ?::uuid, ?::jsonb, ?, 'notion', 'user-1',"
                + " ?, ?::jsonb, ?::jsonb) RETURNING event_id")) {
            ps.setString(1, TEST_SOURCE);
            ps.setString(2, page);
            ps.setString(3, "{\"page_id\":\"" + page + "\"}");
            ps.setString(4, operation);
            ps.setArray(5, c.createArrayOf("text", new String[] {"status"}));
            ps.setString(6, before);
            ps.setString(7, after);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static long event(NotionSync sync, String page, String operation, String before, String after) throws Exception {
        try (Connection c = sync.database().dataSource().getConnection()) {
            return event(c, page, operation, before, after);
        }
    }

    private static String status(String value) {
        return value == null ? null : "{\"status\":\"" + value + "\"}";
    }

    @Test
    void aRealPullAndAPostgresEditReachAFileEndpointInOrder(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = engine(it, simulator);
        String source = TestEngine.sourceName(settings, "projects");
        Path folder = it.folder().resolve("events");
        subscribe(settings, "files", "file:" + folder, Map.of("sources", source));
        subscribe(settings, "review", "file:" + it.folder().resolve("review"), Map.of("when", "stage becomes Review"));
        NotionSync sync = it.start(settings);
        String table = "\"" + settings.get("notion.db.schema") + "\".projects";
        TestEngine.await("the pages in the table", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 3);
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        String stage = TestEngine.queryString(sync, "SELECT stage FROM " + table + " WHERE page_id = '" + page + "'");
        String target = "Review".equals(stage) ? "In progress" : "Review";

        simulator.model().editPage(page, (ObjectNode) JSON.readTree("{\"Client\":{\"rich_text\":[{\"text\":{\"content\":\"Edited in Notion\"}}]}}"));
        TestEngine.await("the Notion edit in the row", Duration.ofSeconds(30), () -> "Edited in Notion".equals(
                TestEngine.queryString(sync, "SELECT client FROM " + table + " WHERE page_id = '" + page + "'")));
        TestEngine.execute(sync, "UPDATE " + table + " SET client = 'Edited in Postgres' WHERE page_id = '" + page + "'");
        simulator.model().editPage(page, (ObjectNode) JSON.readTree("{\"Stage\":{\"status\":{\"name\":\"" + target + "\"}}}"));
        TestEngine.await("the stage in the row", Duration.ofSeconds(30), () -> target.equals(
                TestEngine.queryString(sync, "SELECT stage FROM " + table + " WHERE page_id = '" + page + "'")));

        TestEngine.await("the three edits delivered", Duration.ofSeconds(30), () -> files(folder).stream()
                .filter(e -> e.path("page_id").asText().equals(page) && e.path("operation").asText().equals("update")).count() >= 3);
        List<JsonNode> updates = files(folder).stream().filter(e -> e.path("page_id").asText().equals(page)
                && e.path("operation").asText().equals("update")).toList();
        JsonNode notion = updates.get(0);
        assertEquals("notion", notion.path("side").asText(), notion.toString());
        assertEquals("Edited in Notion", notion.path("after").path("client").asText());
        assertTrue(stream(notion.path("changed_columns")).anyMatch(c -> c.asText().equals("client")), notion.toString());
        assertEquals(source, notion.path("source").asText());
        assertEquals("projects", notion.path("table_name").asText());
        assertEquals(page, notion.path("row_key").path("page_id").asText());
        assertNotNull(UUID.fromString(notion.path("event_id").asText()));
        JsonNode postgres = updates.get(1);
        assertEquals(List.of("postgres", "Edited in Notion", "Edited in Postgres"), List.of(postgres.path("side").asText(),
                postgres.path("before").path("client").asText(), postgres.path("after").path("client").asText()));
        assertEquals(target, updates.get(2).path("after").path("stage").asText());
        List<Long> sequences = files(folder).stream().map(e -> e.path("sequence").asLong()).toList();
        assertEquals(sequences.stream().sorted().toList(), sequences, "files sort in delivery order");

        TestEngine.await("the stage change in the filtered subscription", Duration.ofSeconds(30), () -> !files(it.folder().resolve("review")).isEmpty());
        Thread.sleep(1000);
        List<JsonNode> review = files(it.folder().resolve("review"));
        if ("Review".equals(target)) {
            assertEquals(1, review.size(), review.toString());
            assertEquals(updates.get(2).path("event_id"), review.get(0).path("event_id"), "the same event, the same id");
        }
        assertTrue(review.stream().allMatch(e -> e.path("after").path("stage").asText().equals("Review")), review.toString());

        String log = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class)
                .events("row_change", source, 20);
        assertTrue(log.contains("update of page " + page + " in projects by postgres"), log);
    }

    private static List<JsonNode> files(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            List<JsonNode> events = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                events.add(JSON.readTree(Files.readString(file)));
            }
            return events;
        } catch (Exception e) {
            return List.of();
        }
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }

    @Test
    void signedHttpDeliveryTheWhenConditionAndAPoisonSubscriberDeadLetteredWithoutBlockingAnotherThenReplayed(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        try (Receiver good = new Receiver(); Receiver poison = new Receiver(); Receiver development = new Receiver()) {
            poison.status.set(500);
            Map<String, String> settings = engine(it, simulator);
            subscribe(settings, "good", good.url(), Map.of("sources", TEST_SOURCE, "secret", SECRET));
            subscribe(settings, "poison", poison.url(), Map.of("sources", TEST_SOURCE, "max-attempts", "3", "backoff", "100ms", "backoff-max", "200ms"));
            subscribe(settings, "development", development.url(), Map.of("when", "status becomes Development", "operations", "insert,update"));
            NotionSync sync = it.start(settings);
            TestEngine.await("the subscriptions in the table", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM notion_sync.subscriptions") == 3);
            String a = UUID.randomUUID().toString();
            String b = UUID.randomUUID().toString();
            List<Long> ids = new ArrayList<>();
            ids.add(event(sync, a, "insert", null, status("Backlog")));
            ids.add(event(sync, b, "insert", null, status("Development")));        // becomes: an insert with the value
            ids.add(event(sync, a, "update", status("Backlog"), status("Development")));  // becomes
            ids.add(event(sync, a, "update", status("Development"), status("Development")));  // was already
            ids.add(event(sync, b, "delete", status("Development"), null));
            ids.add(event(sync, a, "update", status("Development"), status("Done")));

            TestEngine.await("every event at the good subscriber", Duration.ofSeconds(30), () -> good.received.size() >= ids.size());
            assertEquals(ids, good.sequences(), "in event order, each once");
            for (Receiver.Request request : good.received) {
                assertEquals(WebhookSignature.sign(request.body(), SECRET), request.signature(), "signed over the exact body");
                assertEquals(request.json().path("event_id").asText(), request.eventId(), "the event id in the header and the payload");
                assertEquals("good", request.subscription());
                assertTrue(request.contentType().startsWith("application/json"), request.contentType());
            }
            JsonNode first = good.received.get(0).json();
            assertEquals(List.of(TEST_SOURCE, "insert", "notion", "user-1", "Backlog"), List.of(first.path("source").asText(),
                    first.path("operation").asText(), first.path("side").asText(), first.path("changed_by").asText(), first.path("after").path("status").asText()));
            assertTrue(first.path("before").isNull());

            TestEngine.await("the two 'becomes Development' events", Duration.ofSeconds(30), () -> development.received.size() >= 2);
            Thread.sleep(1000);
            assertEquals(List.of(ids.get(1), ids.get(2)), development.sequences());
            assertEquals(null, development.received.get(0).signature(), "no secret, no signature");

            // the poison subscriber: each event tried 3 times, then dead-lettered; the cursor moves on
            TestEngine.await("every event dead-lettered", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM notion_sync.dead_letters WHERE route_id = 'subscription-poison' AND status = 'open'") == ids.size());
            assertEquals(3 * ids.size(), poison.refused.get());
            String letter = TestEngine.queryString(sync, "SELECT exception_message FROM notion_sync.dead_letters WHERE route_id = 'subscription-poison'"
                    + " ORDER BY id LIMIT 1");
            assertTrue(letter.contains("500"), letter);
            NotionSyncManagement management = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
            JsonNode listed = stream(JSON.readTree(management.listSubscriptions())).filter(s -> s.path("name").asText().equals("poison")).findFirst().orElseThrow();
            assertEquals(ids.size(), listed.path("dead_lettered").asInt(), listed.toString());
            assertTrue(listed.path("passed_through").asLong() >= ids.get(ids.size() - 1), "the cursor moved on: " + listed);

            // fixed, the subscriber gets a dead letter by replay: the same event, the same id, signed as it is now
            poison.status.set(200);
            long deadLetter = TestEngine.count(sync, "SELECT min(id) FROM notion_sync.dead_letters WHERE route_id = 'subscription-poison'");
            assertEquals("resolved", management.replayDeadLetter(deadLetter));
            assertEquals(1, poison.received.size());
            assertEquals(ids.get(0).longValue(), poison.received.get(0).json().path("sequence").asLong());
            assertEquals(good.received.get(0).eventId(), poison.received.get(0).eventId(), "a replay keeps the event id");
            assertEquals("resolved", TestEngine.queryString(sync, "SELECT status FROM notion_sync.dead_letters WHERE id = " + deadLetter));
            String events = management.events("dead_letter", "", 50);
            assertTrue(events.contains("subscription-poison"), events);
        }
    }

    @Test
    void aSubscriberDownForAMinuteLosesNothingAndKeepsTheOrder(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        try (Receiver receiver = new Receiver()) {
            Map<String, String> settings = engine(it, simulator);
            subscribe(settings, "patient", receiver.url(), Map.of("sources", TEST_SOURCE, "max-attempts", "40", "backoff", "500ms", "backoff-max", "4s"));
            NotionSync sync = it.start(settings);
            TestEngine.await("the subscription in the table", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM notion_sync.subscriptions") == 1);
            List<String> pages = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString());
            List<Long> ids = new ArrayList<>();
            ids.add(event(sync, pages.get(0), "insert", null, status("A")));
            TestEngine.await("the first event", Duration.ofSeconds(30), () -> receiver.received.size() == 1);

            receiver.stop();
            long downSince = System.nanoTime();
            for (int i = 0; i < 12; i++) {
                String page = pages.get(i % 3);
                ids.add(event(sync, page, "update", status("v" + i), status("v" + (i + 1))));
                Thread.sleep(2000);
            }
            Thread.sleep(Math.max(0, Duration.ofSeconds(60).toMillis() - (System.nanoTime() - downSince) / 1_000_000));
            String state = TestEngine.queryString(sync, "SELECT attempts || ' ' || coalesce(last_error, '') FROM notion_sync.subscriptions WHERE name = 'patient'");
            assertTrue(Integer.parseInt(state.split(" ")[0]) > 5, "retried while down: " + state);
            receiver.start();

            TestEngine.await("every event after the subscriber is back", Duration.ofSeconds(30), () -> receiver.received.size() >= ids.size());
            assertEquals(ids, receiver.sequences(), "nothing lost, nothing twice, in order");
            for (String page : pages) {
                List<Long> ofPage = receiver.received.stream().filter(r -> r.json().path("page_id").asText().equals(page))
                        .map(r -> r.json().path("sequence").asLong()).toList();
                assertEquals(ofPage.stream().sorted().toList(), ofPage, "order per page");
            }
            assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"));
        }
    }

    @Test
    void anEventWhoseTransactionCommitsAfterAHigherOneIsNotSkipped(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        try (Receiver receiver = new Receiver()) {
            Map<String, String> settings = engine(it, simulator);
            subscribe(settings, "ordered", receiver.url(), Map.of("sources", TEST_SOURCE));
            NotionSync sync = it.start(settings);
            TestEngine.await("the subscription in the table", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM notion_sync.subscriptions") == 1);
            String page = UUID.randomUUID().toString();
            try (Connection slow = sync.database().dataSource().getConnection(); Connection fast = sync.database().dataSource().getConnection()) {
                slow.setAutoCommit(false);
                long lower = event(slow, page, "update", status("a"), status("b"));
                long higher = event(fast, page, "update", status("b"), status("c"));
                assertTrue(lower < higher);
                Thread.sleep(3000);
                assertEquals(List.of(), receiver.sequences(), "nothing delivered past an event still being written");
                slow.commit();
                TestEngine.await("both events", Duration.ofSeconds(30), () -> receiver.received.size() >= 2);
                assertEquals(List.of(lower, higher), receiver.sequences());
            }
        }
    }

    @Test
    void operatorsAddAndRemoveSubscriptionsAtRuntimeAuditedAndNeverSeeTheSecret(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        try (Receiver receiver = new Receiver()) {
            Map<String, String> settings = engine(it, simulator);
            settings.put("notion.management.user", "ops-bob");
            settings.put("notion.management.password", PASSWORD);
            NotionSync sync = it.start(settings);
            String base = "http://127.0.0.1:" + settings.get("camel.management.port") + "/observe/subscriptions";
            String uri = receiver.url() + "?authMethod=Basic&authUsername=hook&authPassword=hunter2pass";
            String body = JSON.createObjectNode().put("name", "agent").put("uri", uri).put("secret", SECRET).put("when", "status = Development")
                    .put("sources", TEST_SOURCE).toString();
            HttpResponse<String> added = send("POST", base, body);
            assertEquals(200, added.statusCode(), added.body());
            assertTrue(added.body().contains("subscription agent added") && added.body().contains("(signed)"), added.body());

            HttpResponse<String> listed = send("GET", base, null);
            assertEquals(200, listed.statusCode(), listed.body());
            JsonNode agent = JSON.readTree(listed.body()).get(0);
            assertEquals(List.of("agent", "runtime", "status = Development", "true"), List.of(agent.path("name").asText(), agent.path("origin").asText(),
                    agent.path("when").asText(), agent.path("signed").asText()));
            for (String response : List.of(added.body(), listed.body())) {
                assertFalse(response.contains(SECRET) || response.contains("hunter2pass"), response);
            }

            HttpResponse<String> again = send("POST", base, body);
            assertEquals(404, again.statusCode());
            assertTrue(again.body().contains("a subscription named agent exists"), again.body());
            HttpResponse<String> bad = send("POST", base, JSON.createObjectNode().put("name", "x").put("uri", receiver.url())
                    .put("operations", "insert,upsert").toString());
            assertEquals(404, bad.statusCode());
            assertTrue(bad.body().contains("operations has 'upsert': write a list of insert, update, delete"), bad.body());

            long skipped = event(sync, UUID.randomUUID().toString(), "insert", null, status("Backlog"));
            long wanted = event(sync, UUID.randomUUID().toString(), "insert", null, status("Development"));
            TestEngine.await("the event at the subscriber", Duration.ofSeconds(30), () -> !receiver.received.isEmpty());
            assertEquals(List.of(wanted), receiver.sequences(), "only the event with status = Development, not " + skipped);
            assertEquals(WebhookSignature.sign(receiver.received.get(0).body(), SECRET), receiver.received.get(0).signature());

            HttpResponse<String> removed = send("DELETE", base + "/agent", null);
            assertEquals(200, removed.statusCode(), removed.body());
            assertEquals("[]", send("GET", base, null).body());
            TestEngine.await("its route gone", Duration.ofSeconds(10), () -> sync.context().getRoute("subscription-agent") == null);
            assertEquals(404, send("DELETE", base + "/agent", null).statusCode());

            String audit = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + settings.get("camel.management.port")
                    + "/observe/audit?limit=10")).header("Authorization", basic()).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertFalse(audit.contains(SECRET) || audit.contains("hunter2pass"), audit);
            List<String> lines = new ArrayList<>();
            for (JsonNode entry : JSON.readTree(audit)) {
                lines.add(entry.path("actor").asText() + " | " + entry.path("action").asText() + " | " + entry.path("target").asText() + " | "
                        + entry.path("outcome").asText());
            }
            assertEquals(List.of("ops-bob | removeSubscription | agent | failed", "ops-bob | removeSubscription | agent | ok",
                    "ops-bob | addSubscription | x | failed", "ops-bob | addSubscription | agent | failed", "ops-bob | addSubscription | agent | ok"),
                    lines, audit);
        }
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString(("ops-bob:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> send(String method, String url, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", basic())
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBadSubscriptionSettingStopsTheStartNamingIt(Integration it) throws Exception {
        Map<String, String> values = new HashMap<>();
        values.put("notion.subscriptions", "agent");
        values.put("notion.subscription.agent.uri", "https://example.com/hook");
        values.put("notion.subscription.agent.when", "status is Development");
        SettingsException when = assertThrows(SettingsException.class, () -> SubscriptionSettings.of(settings(values)));
        assertEquals("notion.subscription.agent.when must be '<column> becomes <value>' or '<column> = <value>', e.g. status becomes Development;"
                + " was 'status is Development'", when.getMessage());
        values.remove("notion.subscription.agent.when");
        values.put("notion.subscription.agent.backoff", "soon");
        SettingsException backoff = assertThrows(SettingsException.class, () -> SubscriptionSettings.of(settings(values)));
        assertTrue(backoff.getMessage().contains("notion.subscription.agent.backoff must be a duration like 30s"), backoff.getMessage());
        values.remove("notion.subscription.agent.backoff");
        values.remove("notion.subscription.agent.uri");
        SettingsException uri = assertThrows(SettingsException.class, () -> SubscriptionSettings.of(settings(values)));
        assertTrue(uri.getMessage().startsWith("missing setting notion.subscription.agent.uri (environment NOTION_SUBSCRIPTION_AGENT_URI)"),
                uri.getMessage());

        Map<String, String> engine = engine(it, it.simulator(1));
        subscribe(engine, "broker", "nosuchcomponent://queue?password=hunter2pass", Map.of());
        Exception start = assertThrows(Exception.class, () -> it.start(engine));
        String message = messages(start);
        assertTrue(message.contains("notion.subscription.broker.uri") && message.contains("is no endpoint Camel can send to")
                && message.contains("write https://..., http://... or file:<folder>"), message);
        assertFalse(message.contains("hunter2pass"), message);
    }

    private static Settings settings(Map<String, String> values) {
        return Settings.load(Path.of("application.properties"), name -> null).with(values);
    }

    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }
}
