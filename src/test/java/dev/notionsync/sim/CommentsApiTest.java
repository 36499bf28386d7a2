package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Comments over HTTP as Notion documents them: the comment object, open comments of exactly one page or block oldest
 * first and paginated, new discussions and replies, rich text or markdown, the capabilities, and a person's comment
 * added through the control API.
 */
class CommentsApiTest {
    static NotionSimulator sim;
    static SimClient client;
    static SimClient control;
    static String home;

    @BeforeAll
    static void start() throws Exception {
        sim = NotionSimulator.start(SimulatorConfig.defaults("secret_comments").withPages(2));
        client = new SimClient(sim);
        control = new SimClient(sim.baseUrl(), null);
        home = client.get("/v1/databases/" + sim.workspace().source("projects").databaseId()).body().at("/parent/page_id").asText();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @AfterEach
    void allCapabilities() {
        control.send("POST", "/__sim/capabilities", Map.of("read_comments", true, "insert_comments", true), null, null);
    }

    static String newPage() {
        return client.post("/v1/pages", Map.of("parent", Map.of("page_id", home), "properties", Map.of("title", Map.of("title",
                List.of(Map.of("text", Map.of("content", "Discussed page"))))))).body().get("id").asText();
    }

    static Map<String, Object> richText(String content) {
        return Map.of("text", Map.of("content", content));
    }

    static List<String> texts(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.get("results").forEach(c -> out.add(RichText.plain(c.get("rich_text"))));
        return out;
    }

    @Test
    void aCommentOnAPageHasNotionsShape() {
        String page = newPage();
        SimClient.Reply r = client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "rich_text", List.of(richText("Hello from my integration."))));
        assertEquals(200, r.status(), r.body().toString());
        JsonNode c = r.body();
        assertEquals(List.of("object", "id", "parent", "discussion_id", "created_time", "last_edited_time", "created_by", "rich_text", "display_name",
                "request_id"), SimulatorApiTest.keys(c));
        assertEquals("comment", c.get("object").asText());
        assertEquals(Map.of("type", "page_id", "page_id", page), SimClient.MAPPER.convertValue(c.get("parent"), Map.class));
        assertEquals(List.of("object", "id"), SimulatorApiTest.keys(c.get("created_by")));
        assertEquals(sim.model().botUserId(), c.at("/created_by/id").asText());
        assertTrue(c.get("created_time").asText().endsWith(":00.000Z"));
        assertEquals("integration", c.at("/display_name/type").asText());
        assertEquals("notion-sync", c.at("/display_name/resolved_name").asText());
        assertEquals("Hello from my integration.", c.at("/rich_text/0/plain_text").asText());
        assertNotEquals(c.get("id").asText(), c.get("discussion_id").asText());
        assertEquals(c, withoutRequestId(client.get("/v1/comments/" + c.get("id").asText()).body(), c));
    }

    private static JsonNode withoutRequestId(JsonNode fetched, JsonNode created) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) fetched).put("request_id", created.get("request_id").asText());
        return fetched;
    }

    @Test
    void openCommentsOfExactlyThatPageOrBlockOldestFirstAndPaginated() {
        String page = newPage();
        String block = client.patch("/v1/blocks/" + page + "/children", Map.of("children", List.of(Map.of("type", "paragraph",
                "paragraph", Map.of("rich_text", List.of(richText("Commented paragraph"))))))).body().at("/results/0/id").asText();
        String first = client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "rich_text", List.of(richText("one")))).body()
                .get("discussion_id").asText();
        client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "markdown", "two is **bold**"));
        SimClient.Reply reply = client.post("/v1/comments", Map.of("discussion_id", first, "rich_text", List.of(richText("three, a reply"))));
        assertEquals(200, reply.status(), reply.body().toString());
        assertEquals(first, reply.body().get("discussion_id").asText(), "a reply joins the discussion");
        assertEquals(page, reply.body().at("/parent/page_id").asText(), "and its parent");
        client.post("/v1/comments", Map.of("parent", Map.of("block_id", block), "rich_text", List.of(richText("on the block"))));

        JsonNode all = client.get("/v1/comments?block_id=" + page).body();
        assertEquals(List.of("object", "results", "next_cursor", "has_more", "type", "comment", "request_id"), SimulatorApiTest.keys(all));
        assertEquals(List.of("one", "two is bold", "three, a reply"), texts(all), "a flat list, oldest first, only the page's own");
        assertTrue(all.at("/results/1/rich_text/1/annotations/bold").asBoolean(), "markdown comments get inline formatting");
        JsonNode onBlock = client.get("/v1/comments?block_id=" + block).body();
        assertEquals(List.of("on the block"), texts(onBlock));
        assertEquals("block_id", onBlock.at("/results/0/parent/type").asText());

        JsonNode firstPage = client.get("/v1/comments?block_id=" + page + "&page_size=2").body();
        assertEquals(2, firstPage.get("results").size());
        assertTrue(firstPage.get("has_more").asBoolean());
        JsonNode secondPage = client.get("/v1/comments?block_id=" + page + "&page_size=2&start_cursor=" + firstPage.get("next_cursor").asText()).body();
        assertEquals(List.of("three, a reply"), texts(secondPage));
        assertFalse(secondPage.get("has_more").asBoolean());

        String resolved = all.at("/results/0/id").asText();
        assertEquals(200, control.send("POST", "/__sim/comments/" + resolved, Map.of("resolved", true), null, null).status());
        assertEquals(List.of("two is bold"), texts(client.get("/v1/comments?block_id=" + page).body()), "a resolved discussion is no longer listed");
    }

    @Test
    void requestsNotionRefuses() {
        String page = newPage();
        assertEquals(400, client.get("/v1/comments").status());
        assertEquals("query failed validation: query.block_id should be defined, instead was `undefined`.", client.get("/v1/comments").body().get("message").asText());
        assertEquals(400, client.get("/v1/comments?block_id=" + page + "&page_size=101").status());
        assertEquals(404, client.get("/v1/comments?block_id=" + java.util.UUID.randomUUID()).status());
        assertEquals(400, client.post("/v1/comments", Map.of("parent", Map.of("page_id", page))).status(), "no text");
        assertEquals(400, client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "markdown", "a", "rich_text", List.of(richText("b")))).status());
        assertEquals(400, client.post("/v1/comments", Map.of("rich_text", List.of(richText("b")))).status(), "no parent and no discussion");
        assertEquals(404, client.post("/v1/comments", Map.of("discussion_id", java.util.UUID.randomUUID().toString(), "rich_text", List.of(richText("b")))).status());
        SimClient.Reply attachments = client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "rich_text", List.of(richText("b")),
                "attachments", List.of(Map.of("file_upload_id", "a"), Map.of("file_upload_id", "b"), Map.of("file_upload_id", "c"), Map.of("file_upload_id", "d"))));
        assertEquals("body failed validation: body.attachments.length should be ≤ `3`, instead was `4`.", attachments.body().get("message").asText());
        SimClient.Reply longText = client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "rich_text", List.of(richText("x".repeat(2001)))));
        assertEquals(400, longText.status());
        assertEquals(List.of(), texts(client.get("/v1/comments?block_id=" + page).body()), "nothing refused was written");
    }

    @Test
    void capabilitiesDecideWhatTheIntegrationMayDo() {
        String page = newPage();
        control.send("POST", "/__sim/capabilities", Map.of("read_comments", false), null, null);
        SimClient.Reply partial = client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "rich_text", List.of(richText("write-only"))));
        assertEquals(200, partial.status());
        assertEquals(List.of("object", "id", "request_id"), SimulatorApiTest.keys(partial.body()), "insert without read: only {object,id}");
        SimClient.Reply list = client.get("/v1/comments?block_id=" + page);
        assertEquals(403, list.status());
        assertEquals("restricted_resource", list.body().get("code").asText());
        control.send("POST", "/__sim/capabilities", Map.of("read_comments", true, "insert_comments", false), null, null);
        assertEquals(403, client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "rich_text", List.of(richText("no")))).status());
        assertEquals(List.of("write-only"), texts(client.get("/v1/comments?block_id=" + page).body()));
    }

    @Test
    void aPersonCommentsThroughTheControlApi() {
        String page = newPage();
        JsonNode person = control.send("POST", "/__sim/users", Map.of("name", "Grace Hopper", "email", "grace@northwind.example"), null, null).body();
        JsonNode added = control.send("POST", "/__sim/comments", Map.of("page_id", page, "markdown", "Please *review*", "user_id", person.get("id").asText(),
                "attachments", List.of(Map.of("category", "image", "url", "https://files.example/shot.png"))), null, null).body();
        assertEquals(person.get("id").asText(), added.at("/created_by/id").asText());
        assertEquals(Map.of("type", "user", "resolved_name", "Grace Hopper"), SimClient.MAPPER.convertValue(added.get("display_name"), Map.class));
        assertEquals("image", added.at("/attachments/0/category").asText());
        assertEquals("https://files.example/shot.png", added.at("/attachments/0/file/url").asText());
        JsonNode listed = client.get("/v1/comments?block_id=" + page).body();
        assertEquals("Please review", RichText.plain(listed.at("/results/0/rich_text")));
        SimClient.Reply answer = client.post("/v1/comments", Map.of("discussion_id", added.get("discussion_id").asText(), "markdown", "Done",
                "display_name", Map.of("type", "custom", "custom", Map.of("name", "Sync bot"))));
        assertEquals("Sync bot", answer.body().at("/display_name/resolved_name").asText());
        assertEquals(2, client.get("/v1/comments?block_id=" + page).body().get("results").size());
    }

    @Test
    void aCommentIsEditedAndDeletedByTheIntegrationOrAPerson() {
        String page = newPage();
        String mine = client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "rich_text", List.of(richText("first draft")))).body()
                .get("id").asText();
        SimClient.Reply edited = client.patch("/v1/comments/" + mine, Map.of("markdown", "second **draft**"));
        assertEquals(200, edited.status(), edited.body().toString());
        assertEquals("second draft", RichText.plain(edited.body().get("rich_text")));
        assertEquals("second draft", RichText.plain(client.get("/v1/comments/" + mine).body().get("rich_text")));
        assertEquals(400, client.patch("/v1/comments/" + mine, Map.of()).status(), "rich_text or markdown");

        String theirs = control.send("POST", "/__sim/comments", Map.of("page_id", page, "text", "a person's"), null, null).body().get("id").asText();
        assertEquals(200, control.send("POST", "/__sim/comments/" + theirs, Map.of("text", "a person's, edited"), null, null).status());
        assertEquals(List.of("second draft", "a person's, edited"), texts(client.get("/v1/comments?block_id=" + page).body()));

        SimClient.Reply deleted = client.delete("/v1/comments/" + mine);
        assertEquals(200, deleted.status(), deleted.body().toString());
        assertEquals(404, client.get("/v1/comments/" + mine).status());
        assertEquals(404, client.delete("/v1/comments/" + mine).status());
        assertEquals(200, control.send("POST", "/__sim/comments/" + theirs, Map.of("deleted", true), null, null).status());
        assertEquals(List.of(), texts(client.get("/v1/comments?block_id=" + page).body()));

        String other = client.post("/v1/comments", Map.of("parent", Map.of("page_id", page), "rich_text", List.of(richText("kept")))).body()
                .get("id").asText();
        control.send("POST", "/__sim/capabilities", Map.of("insert_comments", false), null, null);
        assertEquals(403, client.patch("/v1/comments/" + other, Map.of("markdown", "no")).status());
        assertEquals(403, client.delete("/v1/comments/" + other).status());
    }
}
