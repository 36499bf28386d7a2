package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The milestone-1 surface over real HTTP: headers, errors, retrieve and query shapes, pagination. */
class SimulatorApiTest {
    static final Pattern MINUTE = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:00\\.000Z");
    static final Pattern MILLIS_OFFSET = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\+00:00");
    static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    static NotionSimulator sim;
    static SimClient client;

    @BeforeAll
    static void start() throws Exception {
        sim = NotionSimulator.start(SimulatorConfig.defaults("secret_api_test").withPages(130));
        client = new SimClient(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static String projects() {
        return sim.workspace().source("projects").dataSourceId();
    }

    @Test
    void usersMeIsTheBotWithItsWorkspace() {
        SimClient.Reply r = client.get("/v1/users/me");
        assertEquals(200, r.status());
        assertEquals(List.of("object", "id", "name", "avatar_url", "type", "bot", "request_id"), keys(r.body()));
        assertEquals("bot", r.body().get("type").asText());
        JsonNode bot = r.body().get("bot");
        assertEquals("workspace", bot.at("/owner/type").asText());
        assertTrue(bot.at("/owner/workspace").asBoolean());
        assertEquals(sim.workspace().workspaceName(), bot.get("workspace_name").asText());
        assertTrue(bot.at("/workspace_limits/max_file_upload_size_in_bytes").isNumber());
    }

    @Test
    void requestIdIsInEveryBodyAndHeader() {
        for (SimClient.Reply r : List.of(client.get("/v1/users/me"), client.get("/v1/pages/" + java.util.UUID.randomUUID()),
                client.send("GET", "/v1/users/me", null, "2026-03-11", "wrong"))) {
            String id = r.body().get("request_id").asText();
            assertTrue(UUID.matcher(id).matches(), id);
            assertEquals(id, r.header("x-notion-request-id"));
        }
    }

    @Test
    void wrongTokenIsUnauthorized() {
        SimClient.Reply r = client.send("GET", "/v1/users/me", null, "2026-03-11", "not-the-token");
        assertEquals(401, r.status());
        assertEquals("error", r.body().get("object").asText());
        assertEquals(401, r.body().get("status").asInt());
        assertEquals("unauthorized", r.body().get("code").asText());
        assertEquals("API token is invalid.", r.body().get("message").asText());
        assertEquals(401, client.send("GET", "/v1/users/me", null, "2026-03-11", null).status());
    }

    @Test
    void missingVersionIsRejected() {
        SimClient.Reply r = client.send("GET", "/v1/users/me", null, null, sim.config().token());
        assertEquals(400, r.status());
        assertEquals("missing_version", r.body().get("code").asText());
        assertEquals("Notion-Version header failed validation: Notion-Version header should be defined, instead was undefined.", r.body().get("message").asText());
    }

    @Test
    void dataSourcesDoNotExistIn2022() {
        SimClient.Reply r = client.send("GET", "/v1/data_sources/" + projects(), null, "2022-06-28", sim.config().token());
        assertEquals(400, r.status());
        assertEquals("invalid_request_url", r.body().get("code").asText());
        assertEquals("Invalid request URL.", r.body().get("message").asText());
    }

    @Test
    void unknownIdsAreNotFoundWithNotionsMessage() {
        String id = "7855b161-f63e-4683-b7c7-8ca6e97ee266";
        SimClient.Reply r = client.get("/v1/pages/" + id);
        assertEquals(404, r.status());
        assertEquals("object_not_found", r.body().get("code").asText());
        assertTrue(r.body().get("message").asText().startsWith("Could not find page with ID: " + id + ". Make sure the relevant pages and databases are shared with your integration"));
        assertEquals(404, client.get("/v1/data_sources/" + id).status());
        assertEquals(404, client.get("/v1/databases/" + id).status());
    }

    @Test
    void invalidUuidInPathIsAValidationError() {
        SimClient.Reply r = client.get("/v1/pages/12345678-1234-1234-1234-123456789abc");
        assertEquals(400, r.status());
        assertEquals("validation_error", r.body().get("code").asText());
        assertEquals("path failed validation: path.page_id should be a valid uuid, instead was `\"12345678-1234-1234-1234-123456789abc\"`.", r.body().get("message").asText());
    }

    @Test
    void idsWorkWithOrWithoutDashes() {
        String id = projects();
        SimClient.Reply r = client.get("/v1/data_sources/" + id.replace("-", ""));
        assertEquals(200, r.status());
        assertEquals(id, r.body().get("id").asText());
    }

    @Test
    void databaseIsAContainerWithoutSchema() {
        SeededSource s = sim.workspace().source("revenue");
        SimClient.Reply r = client.get("/v1/databases/" + s.databaseId());
        assertEquals(200, r.status());
        assertEquals(List.of("object", "id", "title", "description", "parent", "is_inline", "in_trash", "is_locked", "created_time",
                "last_edited_time", "data_sources", "icon", "cover", "url", "public_url", "request_id"), keys(r.body()));
        assertFalse(r.body().has("properties"));
        assertEquals(s.dataSourceId(), r.body().at("/data_sources/0/id").asText());
        assertEquals("Revenue operations", r.body().at("/data_sources/0/name").asText());
        assertTrue(MILLIS_OFFSET.matcher(r.body().get("created_time").asText()).matches());
    }

    @Test
    void dataSourceHasTheSchemaInRecordedKeyOrder() {
        SimClient.Reply r = client.get("/v1/data_sources/" + projects());
        assertEquals(List.of("object", "id", "cover", "icon", "created_time", "created_by", "last_edited_by", "last_edited_time", "title",
                "description", "is_inline", "properties", "parent", "database_parent", "url", "public_url", "in_trash", "request_id"), keys(r.body()));
        JsonNode stage = r.body().at("/properties/Stage");
        assertEquals(List.of("id", "name", "description", "type", "status"), keys(stage));
        assertEquals(3, stage.at("/status/groups").size());
        assertEquals("dollar", r.body().at("/properties/Budget/number/format").asText());
        assertEquals("title", r.body().at("/properties/Name/id").asText());
        assertEquals("dual_property", r.body().at("/properties/Deals/relation/type").asText());
    }

    @Test
    void seededSourcesUseEveryPropertyType() {
        Set<String> types = new HashSet<>();
        for (SeededSource s : sim.workspace().sources()) {
            client.get("/v1/data_sources/" + s.dataSourceId()).body().get("properties").forEach(p -> types.add(p.get("type").asText()));
        }
        for (String t : List.of("title", "rich_text", "number", "select", "multi_select", "status", "date", "people", "files", "checkbox", "url",
                "email", "phone_number", "formula", "relation", "rollup", "created_time", "created_by", "last_edited_time", "last_edited_by",
                "unique_id", "button", "place", "verification")) {
            assertTrue(types.contains(t), "missing " + t);
        }
        JsonNode agents = client.get("/v1/data_sources/" + sim.workspace().source("agents").dataSourceId()).body();
        assertEquals("verification", agents.at("/properties/Verification/id").asText());
    }

    @Test
    void pageObjectsHaveRecordedShapeAndVersionedTrashFields() {
        String ds = projects();
        JsonNode page = client.post("/v1/data_sources/" + ds + "/query", Map.of("page_size", 1)).body().at("/results/0");
        assertEquals(List.of("object", "id", "created_time", "last_edited_time", "created_by", "last_edited_by", "cover", "icon", "parent",
                "in_trash", "is_archived", "is_locked", "properties", "url", "public_url"), keys(page));
        assertTrue(MINUTE.matcher(page.get("created_time").asText()).matches());
        assertTrue(MINUTE.matcher(page.get("last_edited_time").asText()).matches());
        assertEquals("data_source_id", page.at("/parent/type").asText());
        assertEquals(ds, page.at("/parent/data_source_id").asText());
        assertEquals(sim.workspace().source("projects").databaseId(), page.at("/parent/database_id").asText());

        String id = page.get("id").asText();
        JsonNode v2025 = client.send("GET", "/v1/pages/" + id, null, "2025-09-03", sim.config().token()).body();
        assertTrue(v2025.has("archived"));
        assertTrue(v2025.has("in_trash"));
        JsonNode v2026 = client.get("/v1/pages/" + id).body();
        assertFalse(v2026.has("archived"));
        assertTrue(v2026.has("in_trash"));
    }

    @Test
    void queryPaginatesWithOpaqueCursors() {
        String ds = projects();
        SimClient.Reply first = client.post("/v1/data_sources/" + ds + "/query", Map.of());
        assertEquals(List.of("object", "results", "next_cursor", "has_more", "type", "page_or_data_source", "request_id"), keys(first.body()));
        assertEquals(100, first.body().get("results").size());
        assertTrue(first.body().get("has_more").asBoolean());
        String cursor = first.body().get("next_cursor").asText();
        assertTrue(Pattern.matches("s:" + UUID.pattern() + ":" + UUID.pattern(), cursor), cursor);
        assertEquals("page_or_data_source", first.body().get("type").asText());
        assertTrue(first.body().get("page_or_data_source").isEmpty());

        SimClient.Reply second = client.post("/v1/data_sources/" + ds + "/query", Map.of("start_cursor", cursor));
        assertEquals(30, second.body().get("results").size());
        assertFalse(second.body().get("has_more").asBoolean());
        assertTrue(second.body().get("next_cursor").isNull());
        assertEquals(cursor.substring(cursor.lastIndexOf(':') + 1), second.body().at("/results/0/id").asText());

        Set<String> ids = new HashSet<>();
        first.body().get("results").forEach(p -> ids.add(p.get("id").asText()));
        second.body().get("results").forEach(p -> ids.add(p.get("id").asText()));
        assertEquals(130, ids.size());
    }

    @Test
    void pageSizeIsLimitedTo100() {
        SimClient.Reply r = client.post("/v1/data_sources/" + projects() + "/query", Map.of("page_size", 101));
        assertEquals(400, r.status());
        assertEquals("validation_error", r.body().get("code").asText());
    }

    @Test
    void timestampFilterAndSortSupportIncrementalSync() {
        String ds = projects();
        List<JsonNode> all = queryAll(ds, Map.of("sorts", List.of(Map.of("timestamp", "last_edited_time", "direction", "ascending"))));
        assertEquals(130, all.size());
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i - 1).get("last_edited_time").asText().compareTo(all.get(i).get("last_edited_time").asText()) <= 0);
        }
        String since = all.get(100).get("last_edited_time").asText();
        List<JsonNode> recent = queryAll(ds, Map.of(
                "filter", Map.of("timestamp", "last_edited_time", "last_edited_time", Map.of("on_or_after", since)),
                "sorts", List.of(Map.of("timestamp", "last_edited_time", "direction", "ascending"))));
        long expected = all.stream().filter(p -> p.get("last_edited_time").asText().compareTo(since) >= 0).count();
        assertEquals(expected, recent.size());
        assertTrue(recent.stream().allMatch(p -> p.get("last_edited_time").asText().compareTo(since) >= 0));
    }

    @Test
    void relationsAreTruncatedAt25WithHasMore() {
        boolean found = false;
        for (JsonNode page : queryAll(projects(), Map.of())) {
            JsonNode deals = page.at("/properties/Deals");
            if (deals.get("has_more").asBoolean()) {
                assertEquals(25, deals.get("relation").size());
                found = true;
            } else {
                assertTrue(deals.get("relation").size() <= 25);
            }
        }
        assertTrue(found, "the first project has 30 deals");
    }

    @Test
    void controlApiDescribesTheWorkspace() {
        SimClient control = new SimClient(sim.baseUrl(), null);
        SimClient.Reply r = control.send("GET", "/__sim/workspace", null, null, null);
        assertEquals(200, r.status());
        assertEquals(sim.workspace().workspaceName(), r.body().get("workspace_name").asText());
        JsonNode sources = r.body().get("sources");
        assertEquals(3, sources.size());
        assertEquals(List.of("name", "title", "database_id", "data_source_id"), keys(sources.get(0)));
        assertEquals("projects", sources.get(0).get("name").asText());
        assertEquals("Projects pipeline", sources.get(0).get("title").asText());
        assertEquals("Revenue operations", sources.get(1).get("title").asText());
        assertEquals("AI agents", sources.get(2).get("title").asText());
    }

    @Test
    void seedingIsDeterministic() throws Exception {
        try (NotionSimulator a = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(5).withSeed(7));
             NotionSimulator b = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(5).withSeed(7))) {
            assertEquals(a.workspace(), b.workspace());
            String ds = a.workspace().source("revenue").dataSourceId();
            List<String> titlesA = a.model().pages(ds).stream().map(p -> p.at("/properties/Deal/title/0/plain_text").asText()).toList();
            List<String> titlesB = b.model().pages(ds).stream().map(p -> p.at("/properties/Deal/title/0/plain_text").asText()).toList();
            assertEquals(titlesA, titlesB);
        }
    }

    static List<JsonNode> queryAll(String ds, Map<String, Object> body) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            Map<String, Object> b = new java.util.HashMap<>(body);
            if (cursor != null) b.put("start_cursor", cursor);
            JsonNode r = client.post("/v1/data_sources/" + ds + "/query", b).body();
            assertNotNull(r.get("results"), r.toString());
            r.get("results").forEach(out::add);
            cursor = r.get("has_more").asBoolean() ? r.get("next_cursor").asText() : null;
        } while (cursor != null);
        return out;
    }

    static List<String> keys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) keys.add(it.next());
        return keys;
    }
}
