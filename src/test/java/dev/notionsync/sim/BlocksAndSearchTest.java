package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Block children (append with position/after, tables) and search. */
class BlocksAndSearchTest {
    static NotionSimulator sim;
    static SimClient client;

    @BeforeAll
    static void start() throws Exception {
        sim = NotionSimulator.start(SimulatorConfig.defaults("secret_blocks").withPages(10));
        client = new SimClient(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static Map<String, Object> heading(String text) {
        return Map.of("object", "block", "type", "heading_2", "heading_2", Map.of("rich_text", List.of(Map.of("type", "text", "text", Map.of("content", text)))));
    }

    static String newPage() {
        String projects = sim.workspace().source("projects").dataSourceId();
        return client.post("/v1/pages", Map.of("parent", Map.of("data_source_id", projects),
                "properties", Map.of("Name", Map.of("title", List.of(Map.of("text", Map.of("content", "Weekly report"))))))).body().get("id").asText();
    }

    @Test
    void appendAndListChildren() {
        String page = newPage();
        JsonNode empty = client.get("/v1/blocks/" + page + "/children?page_size=100").body();
        assertEquals(List.of("object", "results", "next_cursor", "has_more", "type", "block", "request_id"), SimulatorApiTest.keys(empty));
        assertEquals(0, empty.get("results").size());

        JsonNode added = client.patch("/v1/blocks/" + page + "/children", Map.of("children", List.of(heading("A"), heading("C")))).body();
        assertEquals(2, added.get("results").size());
        JsonNode block = added.at("/results/0");
        assertEquals(List.of("object", "id", "parent", "created_time", "last_edited_time", "created_by", "last_edited_by", "has_children", "in_trash",
                "type", "heading_2"), SimulatorApiTest.keys(block));
        assertEquals(List.of("rich_text", "is_toggleable", "color"), SimulatorApiTest.keys(block.get("heading_2")));
        String first = block.get("id").asText();

        JsonNode inserted = client.patch("/v1/blocks/" + page + "/children", Map.of("children", List.of(heading("B")),
                "position", Map.of("type", "after_block", "after_block", Map.of("id", first)))).body();
        assertEquals(2, inserted.get("results").size(), "the new block and the siblings after it");
        client.patch("/v1/blocks/" + page + "/children", Map.of("children", List.of(heading("start")), "position", Map.of("type", "start")));
        assertEquals(400, client.patch("/v1/blocks/" + page + "/children", Map.of("children", List.of(heading("x")), "after", first)).status());
        assertEquals(200, client.send("PATCH", "/v1/blocks/" + page + "/children", Map.of("children", List.of(heading("D")), "after", first), "2025-09-03", sim.config().token()).status());

        List<String> texts = new ArrayList<>();
        client.get("/v1/blocks/" + page + "/children").body().get("results").forEach(b -> texts.add(b.at("/heading_2/rich_text/0/plain_text").asText()));
        assertEquals(List.of("start", "A", "D", "B", "C"), texts);

        JsonNode paged = client.get("/v1/blocks/" + page + "/children?page_size=2").body();
        assertTrue(paged.get("has_more").asBoolean());
        String cursor = paged.get("next_cursor").asText();
        assertEquals(cursor, client.get("/v1/blocks/" + page + "/children?page_size=2&start_cursor=" + cursor).body().at("/results/0/id").asText());
    }

    @Test
    void aPagesChildrenListItsChildPagesAndDatabasesAsNotionDoes() {
        String home = client.get("/v1/databases/" + sim.workspace().source("projects").databaseId()).body().at("/parent/page_id").asText();
        JsonNode before = client.get("/v1/blocks/" + home + "/children?page_size=100").body();
        List<String> databases = new ArrayList<>();
        before.get("results").forEach(b -> {
            if (b.path("type").asText().equals("child_database")) databases.add(b.at("/child_database/title").asText());
        });
        assertTrue(databases.size() >= 3, "the sample databases under their parent page: " + before);

        String reports = client.post("/v1/pages", Map.of("parent", Map.of("page_id", home),
                "properties", Map.of("title", Map.of("title", List.of(Map.of("text", Map.of("content", "Reports"))))))).body().get("id").asText();
        List<String> titles = new ArrayList<>();
        for (String title : List.of("Report 1", "Report 2")) {
            client.post("/v1/pages", Map.of("parent", Map.of("page_id", reports),
                    "properties", Map.of("title", Map.of("title", List.of(Map.of("text", Map.of("content", title))))),
                    "children", List.of(heading("Summary"))));
            titles.add(title);
        }
        client.patch("/v1/blocks/" + reports + "/children", Map.of("children", List.of(heading("After the reports"))));
        JsonNode children = client.get("/v1/blocks/" + reports + "/children").body().get("results");
        assertEquals(3, children.size(), children.toString());
        JsonNode first = children.get(0);
        assertEquals("child_page", first.get("type").asText());
        assertEquals("Report 1", first.at("/child_page/title").asText());
        assertEquals(reports, first.at("/parent/page_id").asText());
        assertEquals("Report 2", children.get(1).at("/child_page/title").asText());
        assertEquals("heading_2", children.get(2).get("type").asText(), "in the order they were made");
        assertTrue(client.get("/v1/blocks/" + home + "/children?page_size=100").body().toString().contains("\"Reports\""), "the new page under its parent");

        assertEquals(200, client.patch("/v1/pages/" + first.get("id").asText(), Map.of("in_trash", true)).status());
        JsonNode after = client.get("/v1/blocks/" + reports + "/children").body().get("results");
        assertEquals(2, after.size(), "a trashed child page is no longer listed: " + after);
        assertEquals("Report 2", after.get(0).at("/child_page/title").asText());
    }

    @Test
    void tablesKeepTheirRowsAsChildren() {
        String page = newPage();
        Map<String, Object> row = Map.of("object", "block", "type", "table_row", "table_row", Map.of("cells", List.of(
                List.of(Map.of("type", "text", "text", Map.of("content", "Client"))), List.of(Map.of("type", "text", "text", Map.of("content", "Revenue"))))));
        Map<String, Object> table = Map.of("object", "block", "type", "table", "table", Map.of("table_width", 2, "has_column_header", true,
                "has_row_header", false, "children", List.of(row, row, row)));
        JsonNode added = client.patch("/v1/blocks/" + page + "/children", Map.of("children", List.of(table))).body();
        JsonNode t = added.at("/results/0");
        assertTrue(t.get("has_children").asBoolean());
        assertEquals(List.of("table_width", "has_column_header", "has_row_header"), SimulatorApiTest.keys(t.get("table")));
        JsonNode rows = client.get("/v1/blocks/" + t.get("id").asText() + "/children").body();
        assertEquals(3, rows.get("results").size());
        assertEquals("block_id", rows.at("/results/0/parent/type").asText());
        assertEquals("Revenue", rows.at("/results/0/table_row/cells/1/0/plain_text").asText());

        String rowId = rows.at("/results/1/id").asText();
        JsonNode updated = client.patch("/v1/blocks/" + rowId, Map.of("type", "table_row", "table_row", Map.of("cells", List.of(
                List.of(Map.of("type", "text", "text", Map.of("content", "Acme"))), List.of())))).body();
        assertEquals("Acme", updated.at("/table_row/cells/0/0/plain_text").asText());
    }

    @Test
    void appendLimitsAre100Children() {
        String page = newPage();
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < 101; i++) many.add(heading("h" + i));
        SimClient.Reply r = client.patch("/v1/blocks/" + page + "/children", Map.of("children", many));
        assertEquals(400, r.status());
        assertEquals("body failed validation: body.children.length should be ≤ `100`, instead was `101`.", r.body().get("message").asText());
    }

    @Test
    void searchFindsPagesAndDataSources() {
        JsonNode sources = client.post("/v1/search", Map.of("filter", Map.of("property", "object", "value", "data_source"))).body();
        assertEquals(List.of("object", "results", "next_cursor", "has_more", "type", "page_or_data_source", "request_id"), SimulatorApiTest.keys(sources));
        assertEquals(3, sources.get("results").size());
        assertEquals("data_source", sources.at("/results/0/object").asText());

        JsonNode revenue = client.post("/v1/search", Map.of("query", "revenue", "filter", Map.of("property", "object", "value", "data_source"))).body();
        assertEquals(1, revenue.get("results").size());

        JsonNode pages = client.post("/v1/search", Map.of("filter", Map.of("property", "object", "value", "page"), "page_size", 5)).body();
        assertEquals(5, pages.get("results").size());
        assertTrue(pages.get("has_more").asBoolean());
        JsonNode next = client.post("/v1/search", Map.of("filter", Map.of("property", "object", "value", "page"), "page_size", 5,
                "start_cursor", pages.get("next_cursor").asText())).body();
        assertEquals(5, next.get("results").size());

        JsonNode legacy = client.send("POST", "/v1/search", Map.of("filter", Map.of("property", "object", "value", "database")), "2022-06-28", sim.config().token()).body();
        assertEquals("database", legacy.at("/results/0/object").asText());
        assertTrue(legacy.at("/results/0/properties").isObject(), "2022-06-28 databases carry their schema");
    }
}
