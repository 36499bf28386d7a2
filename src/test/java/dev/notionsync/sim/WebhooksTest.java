package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Webhook handshake, signatures, payload shape, authors, retries and aggregation, against a local receiver. */
class WebhooksTest {
    static final String TOKEN = "secret_verification_token";

    record Received(byte[] body, String signature) {
        JsonNode json() {
            return SimClient.json(new String(body, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    NotionSimulator sim;
    HttpServer receiver;
    final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    final AtomicInteger failuresLeft = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        sim = NotionSimulator.start(SimulatorConfig.defaults("secret_hooks").withPages(5));
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(body, exchange.getRequestHeaders().getFirst("X-Notion-Signature")));
            int status = failuresLeft.getAndDecrement() > 0 ? 500 : 200;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        sim.close();
        receiver.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    JsonNode subscribe(long windowMs) {
        SimClient control = new SimClient(sim.baseUrl(), null);
        return control.send("POST", "/__sim/webhooks", Map.of("url", url(), "verification_token", TOKEN,
                "aggregation_window_ms", windowMs, "retry_backoff_base_ms", 20), null, null).body();
    }

    Received next() throws InterruptedException {
        return received.poll(5, TimeUnit.SECONDS);
    }

    static ObjectNode props(String json) {
        return (ObjectNode) SimClient.json(json);
    }

    @Test
    void handshakeThenSignedPropertyUpdateFromAPerson() throws Exception {
        JsonNode subscription = subscribe(50);
        assertEquals("verified", subscription.get("handshake").asText());
        Received handshake = next();
        assertEquals(TOKEN, handshake.json().get("verification_token").asText());

        String ds = sim.workspace().source("revenue").dataSourceId();
        String page = sim.model().pages(ds).get(0).get("id").asText();
        sim.model().editPage(page, props("{\"Amount\":{\"number\":42}}"));
        Received event = next();
        assertNotNull(event, "delivery");
        assertEquals("sha256=" + Webhooks.sign(event.body(), TOKEN), event.signature());
        assertTrue(event.signature().matches("sha256=[0-9a-f]{64}"));
        JsonNode p = event.json();
        assertEquals(List.of("id", "timestamp", "workspace_id", "workspace_name", "subscription_id", "integration_id", "type", "authors",
                "attempt_number", "api_version", "entity", "data"), SimulatorApiTest.keys(p));
        assertEquals("page.properties_updated", p.get("type").asText());
        assertEquals("person", p.at("/authors/0/type").asText());
        assertEquals(page, p.at("/entity/id").asText());
        assertEquals("page", p.at("/entity/type").asText());
        assertEquals("database", p.at("/data/parent/type").asText());
        assertEquals(sim.workspace().source("revenue").databaseId(), p.at("/data/parent/id").asText());
        assertEquals(ds, p.at("/data/parent/data_source_id").asText());
        String amountId = sim.model().page(page).orElseThrow().at("/properties/Amount/id").asText();
        assertEquals(amountId, p.at("/data/updated_properties/0").asText());
        assertEquals(1, p.get("attempt_number").asInt());
        assertEquals(sim.workspace().workspaceName(), p.get("workspace_name").asText());
    }

    @Test
    void apiWritesComeBackWithTheBotAsAuthor() throws Exception {
        subscribe(50);
        next();
        String ds = sim.workspace().source("projects").dataSourceId();
        SimClient.Reply created = new SimClient(sim).post("/v1/pages", Map.of("parent", Map.of("data_source_id", ds),
                "properties", Map.of("Name", Map.of("title", List.of(Map.of("text", Map.of("content", "From the API")))))));
        JsonNode p = next().json();
        assertEquals("page.created", p.get("type").asText());
        assertEquals(created.body().get("id").asText(), p.at("/entity/id").asText());
        assertEquals("bot", p.at("/authors/0/type").asText());
        assertEquals(sim.model().botUserId(), p.at("/authors/0/id").asText());
    }

    @Test
    void failedDeliveriesAreRetriedWithIncreasingAttemptNumbers() throws Exception {
        subscribe(20);
        next();
        failuresLeft.set(2);
        String ds = sim.workspace().source("agents").dataSourceId();
        String page = sim.model().pages(ds).get(0).get("id").asText();
        sim.model().trashPage(page, true);
        JsonNode first = next().json();
        JsonNode second = next().json();
        JsonNode third = next().json();
        assertEquals("page.deleted", first.get("type").asText());
        assertEquals(List.of(1, 2, 3), List.of(first.get("attempt_number").asInt(), second.get("attempt_number").asInt(), third.get("attempt_number").asInt()));
        assertEquals(first.get("id").asText(), third.get("id").asText(), "retries repeat the event id");
        assertNull(received.poll(300, TimeUnit.MILLISECONDS), "no more attempts after a 2xx");
    }

    @Test
    void rapidEditsToOnePageAreAggregated() throws Exception {
        subscribe(400);
        next();
        String ds = sim.workspace().source("revenue").dataSourceId();
        String page = sim.model().pages(ds).get(1).get("id").asText();
        sim.model().editPage(page, props("{\"Amount\":{\"number\":1}}"));
        sim.model().editPage(page, props("{\"Paid\":{\"checkbox\":true}}"));
        sim.model().editPage(page, props("{\"Amount\":{\"number\":2}}"));
        JsonNode p = next().json();
        assertEquals("page.properties_updated", p.get("type").asText());
        assertEquals(2, p.at("/data/updated_properties").size());
        assertNull(received.poll(600, TimeUnit.MILLISECONDS), "one event for the burst");

        String created = sim.model().createPage(ds, props("{\"Deal\":{\"title\":[{\"text\":{\"content\":\"short-lived\"}}]}}")).get("id").asText();
        sim.model().trashPage(created, true);
        assertNull(received.poll(900, TimeUnit.MILLISECONDS), "created and trashed within the window: nothing");
    }

    @Test
    void schemaChangesAreDataSourceEvents() throws Exception {
        subscribe(20);
        next();
        String ds = sim.workspace().source("agents").dataSourceId();
        SimClient.Reply r = new SimClient(sim).patch("/v1/data_sources/" + ds, Map.of("properties", Map.of("Region", Map.of("type", "select", "select", Map.of()))));
        assertEquals(200, r.status(), r.body().toString());
        JsonNode p = next().json();
        assertEquals("data_source.schema_updated", p.get("type").asText());
        assertEquals("data_source", p.at("/entity/type").asText());
        assertEquals("created", p.at("/data/updated_properties/0/action").asText());
        assertEquals("Region", p.at("/data/updated_properties/0/name").asText());
    }

    @Test
    void appendingBlocksIsAContentUpdate() throws Exception {
        subscribe(50);
        next();
        String ds = sim.workspace().source("projects").dataSourceId();
        String page = sim.model().pages(ds).get(0).get("id").asText();
        Map<String, Object> paragraph = Map.of("type", "paragraph", "paragraph", Map.of("rich_text", List.of(Map.of("text", Map.of("content", "Status: green")))));
        SimClient.Reply r = new SimClient(sim).patch("/v1/blocks/" + page + "/children", Map.of("children", List.of(paragraph, paragraph)));
        assertEquals(200, r.status(), r.body().toString());
        JsonNode p = next().json();
        assertEquals("page.content_updated", p.get("type").asText());
        assertEquals(page, p.at("/entity/id").asText());
        assertEquals(2, p.at("/data/updated_blocks").size());
        assertEquals("bot", p.at("/authors/0/type").asText());
    }

    String pageUnderHome() {
        SimClient client = new SimClient(sim);
        String home = client.get("/v1/databases/" + sim.workspace().source("projects").databaseId()).body().at("/parent/page_id").asText();
        return client.post("/v1/pages", Map.of("parent", Map.of("page_id", home), "properties", Map.of("title", Map.of("title",
                List.of(Map.of("text", Map.of("content", "Handbook"))))))).body().get("id").asText();
    }

    @Test
    void aMarkdownUpdateIsOneContentUpdateNamingItsBlocks() throws Exception {
        String page = pageUnderHome();
        subscribe(50);
        next();
        SimClient.Reply r = new SimClient(sim).patch("/v1/pages/" + page + "/markdown", Map.of("type", "replace_content",
                "replace_content", Map.of("new_str", "# Handbook\n\n- one\n- two")));
        assertEquals(200, r.status(), r.body().toString());
        JsonNode p = next().json();
        assertEquals("page.content_updated", p.get("type").asText());
        assertEquals(page, p.at("/entity/id").asText());
        assertEquals("bot", p.at("/authors/0/type").asText());
        assertEquals(3, p.at("/data/updated_blocks").size(), "the three new blocks, in one event");
        assertEquals("block", p.at("/data/updated_blocks/0/type").asText());
        assertEquals("page", p.at("/data/parent/type").asText());
        assertNull(received.poll(300, TimeUnit.MILLISECONDS), "aggregated: one event");

        sim.model().editContent(page, "# Handbook\n\n- one\n- two, edited by a person");
        JsonNode edit = next().json();
        assertEquals("page.content_updated", edit.get("type").asText());
        assertEquals("person", edit.at("/authors/0/type").asText());
        assertEquals(1, edit.at("/data/updated_blocks").size(), "only the edited block");
    }

    @Test
    void commentsAreCreatedEventsWithTheirPage() throws Exception {
        String page = pageUnderHome();
        subscribe(20);
        next();
        SimClient client = new SimClient(sim);
        String first = client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "rich_text", List.of(Map.of("text", Map.of("content", "one")))))
                .body().get("id").asText();
        new SimClient(sim.baseUrl(), null).send("POST", "/__sim/comments", Map.of("page_id", page, "text", "two"), null, null);
        JsonNode a = next().json();
        JsonNode b = next().json();
        if (!a.at("/entity/id").asText().equals(first)) {
            JsonNode swap = a;
            a = b;
            b = swap;
        }
        assertEquals("comment.created", a.get("type").asText());
        assertEquals("comment", a.at("/entity/type").asText());
        assertEquals(first, a.at("/entity/id").asText());
        assertEquals(List.of("page_id", "parent"), SimulatorApiTest.keys(a.get("data")));
        assertEquals(page, a.at("/data/page_id").asText());
        assertEquals(Map.of("id", page, "type", "page"), SimClient.MAPPER.convertValue(a.at("/data/parent"), Map.class));
        assertEquals("bot", a.at("/authors/0/type").asText());
        assertEquals("comment.created", b.get("type").asText(), "comment events are not aggregated");
        assertEquals("person", b.at("/authors/0/type").asText());
    }

    @Test
    void commentsEditedAndDeletedAreUpdatedAndDeletedEvents() throws Exception {
        String page = pageUnderHome();
        subscribe(20);
        next();
        SimClient client = new SimClient(sim);
        String id = client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "rich_text", List.of(Map.of("text", Map.of("content", "one")))))
                .body().get("id").asText();
        assertEquals("comment.created", next().json().get("type").asText());
        new SimClient(sim.baseUrl(), null).send("POST", "/__sim/comments/" + id, Map.of("text", "one, edited"), null, null);
        JsonNode updated = next().json();
        assertEquals("comment.updated", updated.get("type").asText());
        assertEquals(id, updated.at("/entity/id").asText());
        assertEquals(page, updated.at("/data/page_id").asText());
        assertEquals("person", updated.at("/authors/0/type").asText());
        client.delete("/v1/comments/" + id);
        JsonNode deleted = next().json();
        assertEquals("comment.deleted", deleted.get("type").asText());
        assertEquals(Map.of("id", id, "type", "comment"), SimClient.MAPPER.convertValue(deleted.get("entity"), Map.class));
        assertEquals(page, deleted.at("/data/page_id").asText());
        assertEquals("bot", deleted.at("/authors/0/type").asText());
    }
}
