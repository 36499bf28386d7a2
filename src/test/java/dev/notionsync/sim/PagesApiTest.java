package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Page create, retrieve, update, trash, property items and request validation. */
class PagesApiTest {
    static NotionSimulator sim;
    static SimClient client;

    @BeforeAll
    static void start() throws Exception {
        sim = NotionSimulator.start(SimulatorConfig.defaults("secret_pages").withPages(40));
        client = new SimClient(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static Map<String, Object> title(String text) {
        return Map.of("title", List.of(Map.of("type", "text", "text", Map.of("content", text))));
    }

    static String revenue() {
        return sim.workspace().source("revenue").dataSourceId();
    }

    @Test
    void createPageInDataSourceThenRetrieveAndUpdate() {
        Map<String, Object> body = Map.of(
                "parent", Map.of("type", "data_source_id", "data_source_id", revenue()),
                "properties", Map.of(
                        "Deal", title("Acme – expansion"),
                        "Amount", Map.of("number", 25000),
                        "Service type", Map.of("select", Map.of("name", "Consulting")),
                        "Closed", Map.of("date", Map.of("start", "2026-11-02")),
                        "Paid", Map.of("checkbox", true)));
        SimClient.Reply created = client.post("/v1/pages", body);
        assertEquals(200, created.status(), created.body().toString());
        JsonNode page = created.body();
        String id = page.get("id").asText();
        assertEquals(sim.model().botUserId(), page.at("/last_edited_by/id").asText());
        assertEquals("Acme – expansion", page.at("/properties/Deal/title/0/plain_text").asText());
        assertEquals(25000, page.at("/properties/Amount/number").asInt());
        assertEquals("Consulting", page.at("/properties/Service type/select/name").asText());
        assertEquals("2026-11-02", page.at("/properties/Closed/date/start").asText());
        assertEquals("REV", page.at("/properties/Deal ID/unique_id/prefix").asText());
        assertEquals("Mid-market", page.at("/properties/Amount band/formula/string").asText(), "formulas are computed");

        JsonNode fetched = client.get("/v1/pages/" + id.replace("-", "")).body();
        assertEquals(id, fetched.get("id").asText());

        SimClient.Reply updated = client.patch("/v1/pages/" + id, Map.of("properties", Map.of("Amount", Map.of("number", 150000))));
        assertEquals(200, updated.status());
        assertEquals(150000, updated.body().at("/properties/Amount/number").asInt());
        assertEquals("Enterprise", updated.body().at("/properties/Amount band/formula/string").asText());

        JsonNode trashed = client.patch("/v1/pages/" + id, Map.of("in_trash", true)).body();
        assertTrue(trashed.get("in_trash").asBoolean());
        JsonNode restored = client.send("PATCH", "/v1/pages/" + id, Map.of("archived", false), "2025-09-03", sim.config().token()).body();
        assertFalse(restored.get("in_trash").asBoolean());
        assertFalse(restored.get("archived").asBoolean());
        assertEquals(400, client.patch("/v1/pages/" + id, Map.of("archived", true)).status(), "2026-03-11 only takes in_trash");
    }

    @Test
    void databaseParentWorksForSingleSourceDatabases() {
        SeededSource projects = sim.workspace().source("projects");
        SimClient.Reply r = client.post("/v1/pages", Map.of("parent", Map.of("database_id", projects.databaseId()), "properties", Map.of("Name", title("Via database"))));
        assertEquals(200, r.status(), r.body().toString());
        assertEquals(projects.dataSourceId(), r.body().at("/parent/data_source_id").asText());
        assertEquals("Lead", r.body().at("/properties/Stage/status/name").asText(), "new pages start in the first To-do status");
    }

    @Test
    void unknownSelectOptionIsAddedToTheSchema() {
        SimClient.Reply r = client.post("/v1/pages", Map.of("parent", Map.of("data_source_id", revenue()),
                "properties", Map.of("Service type", Map.of("select", Map.of("name", "Audit")), "Regions", Map.of("multi_select", List.of(Map.of("name", "LATAM"))))));
        assertEquals(200, r.status(), r.body().toString());
        JsonNode schema = client.get("/v1/data_sources/" + revenue()).body();
        Set<String> names = new HashSet<>();
        schema.at("/properties/Service type/select/options").forEach(o -> names.add(o.get("name").asText()));
        assertTrue(names.contains("Audit"));
        Set<String> regions = new HashSet<>();
        schema.at("/properties/Regions/multi_select/options").forEach(o -> regions.add(o.get("name").asText()));
        assertTrue(regions.contains("LATAM"));
    }

    @Test
    void readOnlyPropertiesCannotBeWritten() {
        String page = sim.model().pages(revenue()).get(0).get("id").asText();
        for (String name : List.of("Amount band", "Created time", "Deal ID", "Project stage", "Sign-off", "Last edited by")) {
            SimClient.Reply r = client.patch("/v1/pages/" + page, Map.of("properties", Map.of(name, Map.of("formula", Map.of("string", "x")))));
            assertEquals(400, r.status(), name);
            assertEquals("validation_error", r.body().get("code").asText());
            assertTrue(r.body().get("message").asText().startsWith("body failed validation. Fix one:\nbody.properties." + name + ".title should be defined"), r.body().toString());
        }
        String agents = sim.workspace().source("agents").dataSourceId();
        String agent = sim.model().pages(agents).get(0).get("id").asText();
        assertEquals(400, client.patch("/v1/pages/" + agent, Map.of("properties", Map.of("Verification", Map.of("verification", Map.of("state", "verified"))))).status());
    }

    @Test
    void requestLimitsAreEnforced() {
        String page = sim.model().pages(revenue()).get(1).get("id").asText();
        SimClient.Reply tooLong = client.patch("/v1/pages/" + page, Map.of("properties", Map.of("Deal", title("x".repeat(2001)))));
        assertEquals(400, tooLong.status());
        assertEquals("body failed validation: body.properties.Deal.title[0].text.content.length should be ≤ `2000`, instead was `2001`.", tooLong.body().get("message").asText());

        List<Map<String, Object>> many = new java.util.ArrayList<>();
        for (int i = 0; i < 101; i++) many.add(Map.of("type", "text", "text", Map.of("content", "a")));
        SimClient.Reply tooMany = client.patch("/v1/pages/" + page, Map.of("properties", Map.of("Notes", Map.of("rich_text", many))));
        assertEquals(400, tooMany.status());
        assertEquals("body failed validation: body.properties.Notes.rich_text.length should be ≤ `100`, instead was `101`.", tooMany.body().get("message").asText());

        List<Map<String, Object>> relations = new java.util.ArrayList<>();
        for (int i = 0; i < 101; i++) relations.add(Map.of("id", java.util.UUID.randomUUID().toString()));
        assertEquals(400, client.patch("/v1/pages/" + page, Map.of("properties", Map.of("Project", Map.of("relation", relations)))).status());
        assertEquals(400, client.patch("/v1/pages/" + page, Map.of("properties", Map.of("No such column", Map.of("number", 1)))).status());
        assertEquals(400, client.send("PATCH", "/v1/pages/" + page, "{not json", "2026-03-11", sim.config().token()).status());
    }

    @Test
    void propertyItemsReturnFullRelationsWithPagination() {
        String projects = sim.workspace().source("projects").dataSourceId();
        JsonNode big = null;
        for (JsonNode p : sim.model().pages(projects)) {
            if (p.at("/properties/Deals/has_more").asBoolean()) big = p;
        }
        assertTrue(big != null, "a project with more than 25 deals");
        String propertyId = big.at("/properties/Deals/id").asText();
        String path = "/v1/pages/" + big.get("id").asText() + "/properties/" + propertyId;
        JsonNode all = client.get(path + "?page_size=100").body();
        assertEquals(List.of("object", "results", "next_cursor", "has_more", "type", "property_item", "request_id"), SimulatorApiTest.keys(all));
        assertEquals(30, all.get("results").size());
        assertEquals("property_item", all.at("/results/0/object").asText());
        assertEquals("relation", all.at("/property_item/type").asText());
        assertTrue(all.at("/property_item/next_url").isNull());

        JsonNode first = client.get(path + "?page_size=20").body();
        assertEquals(20, first.get("results").size());
        assertTrue(first.get("has_more").asBoolean());
        JsonNode rest = client.get(path + "?page_size=20&start_cursor=" + first.get("next_cursor").asText()).body();
        assertEquals(10, rest.get("results").size());

        JsonNode number = client.get("/v1/pages/" + big.get("id").asText() + "/properties/" + big.at("/properties/Budget/id").asText()).body();
        assertEquals(List.of("object", "type", "id", "number", "request_id"), SimulatorApiTest.keys(number));
        JsonNode titleItems = client.get("/v1/pages/" + big.get("id").asText() + "/properties/title").body();
        assertEquals("title", titleItems.at("/results/0/type").asText());
    }

    @Test
    void dualRelationsStayTwoSided() {
        String projects = sim.workspace().source("projects").dataSourceId();
        String project = sim.model().pages(projects).get(5).get("id").asText();
        SimClient.Reply deal = client.post("/v1/pages", Map.of("parent", Map.of("data_source_id", revenue()),
                "properties", Map.of("Deal", title("Linked deal"), "Project", Map.of("relation", List.of(Map.of("id", project))))));
        assertEquals(200, deal.status(), deal.body().toString());
        String dealId = deal.body().get("id").asText();
        JsonNode items = client.get("/v1/pages/" + project + "/properties/" + sim.model().page(project).orElseThrow().at("/properties/Deals/id").asText()).body();
        boolean linked = false;
        for (JsonNode r : items.get("results")) linked |= r.at("/relation/id").asText().equals(dealId);
        assertTrue(linked);
    }

    @Test
    void controlApiEditsActAsAPerson() {
        SimClient control = new SimClient(sim.baseUrl(), null);
        JsonNode page = sim.model().pages(revenue()).get(2);
        String id = page.get("id").asText();
        SimClient.Reply r = control.send("POST", "/__sim/pages/" + id, Map.of("properties", Map.of("Amount", Map.of("number", 777))), null, null);
        assertEquals(200, r.status(), r.body().toString());
        assertEquals(777, r.body().at("/properties/Amount/number").asInt());
        String editor = r.body().at("/last_edited_by/id").asText();
        assertEquals("person", sim.model().page(id).orElseThrow().at("/properties/Last edited by/last_edited_by/type").asText());
        assertFalse(editor.equals(sim.model().botUserId()));

        assertEquals(200, control.send("DELETE", "/__sim/pages/" + id, null, null, null).status());
        assertEquals(404, client.get("/v1/pages/" + id).status());
    }

    @Test
    void modelEditBumpsLastEditedTimeToTheMinute() {
        JsonNode page = sim.model().pages(revenue()).get(3);
        String id = page.get("id").asText();
        JsonNode edited = sim.model().editPage(id, (com.fasterxml.jackson.databind.node.ObjectNode) SimClient.json("{\"Paid\":{\"checkbox\":false}}"));
        assertTrue(edited.get("last_edited_time").asText().compareTo(page.get("last_edited_time").asText()) >= 0);
        assertTrue(edited.get("last_edited_time").asText().endsWith(":00.000Z"));
        sim.model().trashPage(id, true);
        assertTrue(client.get("/v1/pages/" + id).body().get("in_trash").asBoolean());
        sim.model().trashPage(id, false);
    }

    @Test
    void mentionsAndPeopleAreTruncatedAt25InPageObjects() {
        String agents = sim.workspace().source("agents").dataSourceId();
        String page = sim.model().pages(agents).get(1).get("id").asText();
        List<Map<String, Object>> mentions = new java.util.ArrayList<>();
        List<Map<String, Object>> people = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String user = java.util.UUID.randomUUID().toString();
            mentions.add(Map.of("type", "mention", "mention", Map.of("type", "user", "user", Map.of("id", user))));
            people.add(Map.of("object", "user", "id", user));
        }
        SimClient.Reply r = client.patch("/v1/pages/" + page, Map.of("properties", Map.of("Description", Map.of("rich_text", mentions), "Owner", Map.of("people", people))));
        assertEquals(200, r.status(), r.body().toString());
        assertEquals(25, r.body().at("/properties/Description/rich_text").size());
        assertEquals(25, r.body().at("/properties/Owner/people").size());
        String description = r.body().at("/properties/Description/id").asText();
        assertEquals(30, client.get("/v1/pages/" + page + "/properties/" + description).body().get("results").size());
        String owner = r.body().at("/properties/Owner/id").asText();
        assertEquals(30, client.get("/v1/pages/" + page + "/properties/" + owner).body().get("results").size());
    }
}
