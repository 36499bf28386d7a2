package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Recordings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Page content over HTTP as Notion documents it: the block tree and its pagination, the request limits of appends,
 * unsupported blocks, GET /v1/pages/{id}/markdown (rendering, truncation and its completion, unshared content) and
 * PATCH /v1/pages/{id}/markdown (the four commands, kept block ids, the guard on child pages, last_edited_time).
 */
class PageContentApiTest {
    static final Pattern UNKNOWN = Pattern.compile("(\t*)<unknown url=\"[^\"]*#([0-9a-f]{32})\" alt=\"[^\"]*\"/>");

    /** The simulator's "now", moved by tests. */
    static final class MovableClock extends Clock {
        volatile Instant now = Instant.parse("2026-07-01T09:00:10Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static final MovableClock CLOCK = new MovableClock();
    static NotionSimulator sim;
    static SimClient client;
    static SimClient control;
    static String home;

    @BeforeAll
    static void start() throws Exception {
        sim = NotionSimulator.start(SimulatorConfig.defaults("secret_content").withPages(3).withClock(CLOCK));
        client = new SimClient(sim);
        control = new SimClient(sim.baseUrl(), null);
        home = client.get("/v1/databases/" + sim.workspace().source("projects").databaseId()).body().at("/parent/page_id").asText();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @AfterEach
    void defaults() {
        controlPost("/__sim/content-limits", Map.of("markdown_block_limit", 20_000, "block_cap", 0));
        controlPost("/__sim/capabilities", Map.of("read_content", true, "update_content", true));
        controlPost("/__sim/faults", Map.of());
    }

    // ---------------------------------------------------------------- helpers

    static JsonNode controlPost(String path, Object body) {
        SimClient.Reply r = control.send("POST", path, body, null, null);
        assertEquals(200, r.status(), path + ": " + r.body());
        return r.body();
    }

    static String newPage(String title) {
        SimClient.Reply r = client.post("/v1/pages", Map.of("parent", Map.of("page_id", home),
                "properties", Map.of("title", Map.of("title", List.of(Map.of("text", Map.of("content", title)))))));
        assertEquals(200, r.status(), r.body().toString());
        return r.body().get("id").asText();
    }

    static ObjectNode text(String type, String content, Object... children) {
        ObjectNode block = Json.object().put("type", type);
        ObjectNode body = block.putObject(type);
        body.set("rich_text", RichText.of(content));
        if (children.length > 0) {
            ArrayNode nested = body.putArray("children");
            for (Object c : children) nested.add((JsonNode) c);
        }
        return block;
    }

    static ArrayNode blocks(Object... items) {
        ArrayNode array = Json.array();
        for (Object item : items) array.add((JsonNode) item);
        return array;
    }

    static String seed(String page, ArrayNode children) {
        return controlPost("/__sim/pages/" + page + "/content", Map.of("children", children)).get("markdown").asText();
    }

    static JsonNode markdown(String page) {
        SimClient.Reply r = client.get("/v1/pages/" + page + "/markdown");
        assertEquals(200, r.status(), String.valueOf(r.body()));
        return r.body();
    }

    static SimClient.Reply update(String page, String type, Object command) {
        return client.patch("/v1/pages/" + page + "/markdown", Map.of("type", type, type, command));
    }

    static List<String> childIds(String parent) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode list = client.get("/v1/blocks/" + parent + "/children?page_size=100" + (cursor == null ? "" : "&start_cursor=" + cursor)).body();
            list.get("results").forEach(b -> ids.add(b.get("id").asText()));
            cursor = list.get("has_more").asBoolean() ? list.get("next_cursor").asText() : null;
        } while (cursor != null);
        return ids;
    }

    /** What a client does with a truncated answer: reads every unknown block as a page and puts its markdown in the tag's place. */
    static String complete(String markdown, int[] requests) {
        Matcher m = UNKNOWN.matcher(markdown);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            SimClient.Reply r = client.get("/v1/pages/" + m.group(2) + "/markdown");
            requests[0]++;
            assertEquals(200, r.status(), String.valueOf(r.body()));
            String subtree = r.body().get("truncated").asBoolean() ? complete(r.body().get("markdown").asText(), requests) : r.body().get("markdown").asText();
            m.appendReplacement(out, Matcher.quoteReplacement(subtree.replaceAll("(?m)^(?=.)", m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    // ---------------------------------------------------------------- the block tree

    @Test
    void childrenArePaginatedByAtMost100() {
        String page = newPage("Long list");
        ArrayNode many = Json.array();
        for (int i = 0; i < 250; i++) many.add(text("paragraph", "line " + i));
        seed(page, many);
        JsonNode first = client.get("/v1/blocks/" + page + "/children?page_size=100").body();
        assertEquals(100, first.get("results").size());
        assertTrue(first.get("has_more").asBoolean());
        List<String> ids = childIds(page);
        assertEquals(250, ids.size());
        assertEquals(250, ids.stream().distinct().count(), "each block once");
        JsonNode last = client.get("/v1/blocks/" + page + "/children?page_size=100&start_cursor=" + ids.get(200)).body();
        assertEquals(50, last.get("results").size());
        assertFalse(last.get("has_more").asBoolean());
        assertTrue(last.get("next_cursor").isNull());
        SimClient.Reply tooBig = client.get("/v1/blocks/" + page + "/children?page_size=101");
        assertEquals(400, tooBig.status());
        assertEquals("query failed validation: query.page_size should be ≤ `100`, instead was `101`.", tooBig.body().get("message").asText());
    }

    @Test
    void anAppendTakesTwoLevelsOfNestingAndNoMore() {
        String page = newPage("Nesting");
        ObjectNode threeLevels = text("bulleted_list_item", "1", text("bulleted_list_item", "1.1", text("bulleted_list_item", "1.1.1")));
        SimClient.Reply ok = client.patch("/v1/blocks/" + page + "/children", Map.of("children", blocks(threeLevels)));
        assertEquals(200, ok.status(), ok.body().toString());
        String top = ok.body().at("/results/0/id").asText();
        assertTrue(ok.body().at("/results/0/has_children").asBoolean());
        String second = childIds(top).get(0);
        assertEquals(1, childIds(second).size(), "the third level is there");

        ObjectNode fourLevels = text("bulleted_list_item", "1", text("bulleted_list_item", "1.1", text("bulleted_list_item", "1.1.1",
                text("bulleted_list_item", "1.1.1.1"))));
        SimClient.Reply refused = client.patch("/v1/blocks/" + page + "/children", Map.of("children", blocks(text("paragraph", "first"), fourLevels)));
        assertEquals(400, refused.status());
        assertEquals("validation_error", refused.body().get("code").asText());
        assertTrue(refused.body().get("message").asText().startsWith("body failed validation: body.children[1].bulleted_list_item.children[0]"
                + ".bulleted_list_item.children[0].bulleted_list_item.children should be not present, instead was `[{\"type\":\"bulleted_list_item\","), refused.body().toString());
        assertEquals(1, childIds(page).size(), "nothing of a refused request is written");

        // deeper trees go in one request per level, each below the blocks the previous one made
        String parent = page;
        for (int level = 0; level < 10; level++) {
            SimClient.Reply r = client.patch("/v1/blocks/" + parent + "/children", Map.of("children", blocks(text("toggle", "level " + level))));
            assertEquals(200, r.status());
            parent = r.body().at("/results/0/id").asText();
        }
        assertTrue(markdown(page).get("markdown").asText().contains("\t".repeat(9) + "<summary>level 9</summary>"));
    }

    @Test
    void appendsAreRefusedPastNotionsSizeLimits() {
        String page = newPage("Limits");
        ArrayNode big = Json.array();
        for (int i = 0; i < 11; i++) {
            ObjectNode toggle = text("toggle", "group " + i);
            ArrayNode inner = ((ObjectNode) toggle.get("toggle")).putArray("children");
            for (int j = 0; j < 90; j++) inner.add(text("paragraph", "item " + j));
            big.add(toggle);
        }
        SimClient.Reply elements = client.patch("/v1/blocks/" + page + "/children", Map.of("children", big));
        assertEquals(400, elements.status());
        assertEquals("validation_error", elements.body().get("code").asText());
        assertTrue(elements.body().get("message").asText().contains("1001 block elements"), elements.body().toString());

        SimClient.Reply longText = client.patch("/v1/blocks/" + page + "/children", Map.of("children", blocks(text("paragraph", "x".repeat(2001)))));
        assertEquals(400, longText.status());
        assertEquals("body failed validation: body.children[0].paragraph.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`.",
                longText.body().get("message").asText());

        ObjectNode manyItems = text("paragraph", "");
        ArrayNode items = ((ObjectNode) manyItems.get("paragraph")).putArray("rich_text");
        for (int i = 0; i < 101; i++) items.add(RichText.text("w"));
        SimClient.Reply tooManyItems = client.patch("/v1/blocks/" + page + "/children", Map.of("children", blocks(text("toggle", "t", manyItems))));
        assertEquals(400, tooManyItems.status());
        assertEquals("body failed validation: body.children[0].toggle.children[0].paragraph.rich_text.length should be ≤ `100`, instead was `101`.",
                tooManyItems.body().get("message").asText());

        ArrayNode heavy = Json.array();
        for (int i = 0; i < 90; i++) {
            ObjectNode p = text("paragraph", "");
            ArrayNode rich = ((ObjectNode) p.get("paragraph")).putArray("rich_text");
            for (int k = 0; k < 4; k++) rich.add(RichText.text("y".repeat(1500)));
            heavy.add(p);
        }
        SimClient.Reply overweight = client.patch("/v1/blocks/" + page + "/children", Map.of("children", heavy));
        assertEquals(400, overweight.status());
        assertEquals("validation_error", overweight.body().get("code").asText());
        assertTrue(overweight.body().get("message").asText().contains("500KB"), overweight.body().toString());

        SimClient.Reply unknownType = client.patch("/v1/blocks/" + page + "/children", Map.of("children", List.of(Map.of("type", "form", "form", Map.of()))));
        assertEquals(400, unknownType.status());
        assertTrue(unknownType.body().get("message").asText().startsWith("body failed validation. Fix one:\nbody.children[0].audio should be defined"),
                unknownType.body().toString());
        assertEquals(List.of(), childIds(page), "no refused request wrote anything");
    }

    @Test
    void blocksTheApiDoesNotKnowReadAsUnsupported() {
        String page = newPage("Odd blocks");
        ArrayNode content = blocks(text("paragraph", "before"), Json.object().put("type", "form").set("form", Json.object().put("title", "Signup")),
                Json.object().put("type", "bookmark").set("bookmark", Json.object().put("url", "https://example.com")), text("paragraph", "after"));
        seed(page, content);
        JsonNode children = client.get("/v1/blocks/" + page + "/children").body().get("results");
        JsonNode form = children.get(1);
        assertEquals("unsupported", form.get("type").asText());
        assertEquals(Map.of("block_type", "form"), SimClient.MAPPER.convertValue(form.get("unsupported"), Map.class));
        assertFalse(form.has("form"));
        assertEquals(200, client.get("/v1/blocks/" + form.get("id").asText()).status());

        JsonNode md = markdown(page);
        String url = Renderer.pageUrl(null, page);
        assertEquals("before\n\n<unknown url=\"" + url + "#" + Ids.compact(form.get("id").asText()) + "\" alt=\"form\"/>\n\n<unknown url=\""
                + url + "#" + Ids.compact(children.get(2).get("id").asText()) + "\" alt=\"bookmark\"/>\n\nafter", md.get("markdown").asText());
        assertFalse(md.get("truncated").asBoolean(), "blocks the format leaves out do not make an answer truncated");
        assertEquals(0, md.get("unknown_block_ids").size());

        List<String> before = childIds(page);
        assertEquals(200, update(page, "update_content", Map.of("content_updates", List.of(Map.of("old_str", "after", "new_str", "AFTER")))).status());
        assertEquals(before, childIds(page), "an edit elsewhere keeps the blocks markdown has no form for");
        assertEquals("form", client.get("/v1/blocks/" + before.get(1)).body().at("/unsupported/block_type").asText());
    }

    // ---------------------------------------------------------------- GET markdown

    static final String KNOWLEDGE_BASE = """
            # Onboarding

            Welcome to **Northwind**, *costs* \\$5 \\* 2 ~~never~~ `code` [docs](https://example.com/docs).

            - First day
            \t- Laptop
            - Second day

            1. Read the handbook
            2. Meet the team

            - [x] Sign the contract
            - [ ] Set up VPN

            ```python
            def hi():
                return 1
            ```

            > Ship small<br>and often

            <details>
            <summary>FAQ</summary>
            \tAsk in the help channel
            \t<details>
            \t<summary>Nested</summary>
            \t\tDeep answer
            \t</details>
            </details>

            <table header-row="true" header-column="false">
            \t<tr>
            \t\t<td>Tool</td>
            \t\t<td>Owner</td>
            \t</tr>
            \t<tr>
            \t\t<td>Jira</td>
            \t\t<td>**Ada**</td>
            \t</tr>
            </table>

            ---

            <callout icon="💡" color="yellow_bg">
            \tKeep it short
            </callout>

            $$
            e = mc^2
            $$

            ## Links {color="red"}

            <empty-block/>

            ### Last""";

    @Test
    void aPageRendersAsNotionsEnhancedMarkdownAndChildPagesAreNotInlined() {
        String page = newPage("Knowledge base");
        ObjectNode welcome = Json.object().put("type", "paragraph");
        ArrayNode rich = welcome.putObject("paragraph").putArray("rich_text");
        rich.add(RichText.text("Welcome to "));
        rich.add(RichText.text("Northwind"));
        ((ObjectNode) rich.get(1).get("annotations")).put("bold", true);
        rich.add(RichText.text(", "));
        rich.add(RichText.text("costs"));
        ((ObjectNode) rich.get(3).get("annotations")).put("italic", true);
        rich.add(RichText.text(" $5 * 2 "));
        rich.add(RichText.text("never"));
        ((ObjectNode) rich.get(5).get("annotations")).put("strikethrough", true);
        rich.add(RichText.text(" "));
        rich.add(RichText.text("code"));
        ((ObjectNode) rich.get(7).get("annotations")).put("code", true);
        rich.add(RichText.text(" "));
        ObjectNode link = RichText.text("docs");
        ((ObjectNode) link.get("text")).putObject("link").put("url", "https://example.com/docs");
        rich.add(link);
        rich.add(RichText.text("."));
        ObjectNode code = Json.object().put("type", "code");
        code.putObject("code").put("language", "python").set("rich_text", RichText.of("def hi():\n    return 1"));
        ObjectNode table = Json.object().put("type", "table");
        ObjectNode row1 = Json.object().put("type", "table_row");
        row1.putObject("table_row").putArray("cells").add(RichText.of("Tool")).add(RichText.of("Owner"));
        ObjectNode row2 = Json.object().put("type", "table_row");
        ArrayNode ada = RichText.of("Ada");
        ((ObjectNode) ada.get(0).get("annotations")).put("bold", true);
        row2.putObject("table_row").putArray("cells").add(RichText.of("Jira")).add(ada);
        table.putObject("table").put("table_width", 2).put("has_column_header", true).put("has_row_header", false).putArray("children").add(row1).add(row2);
        ObjectNode callout = text("callout", "Keep it short");
        ((ObjectNode) callout.get("callout")).put("color", "yellow_bg").putObject("icon").put("type", "emoji").put("emoji", "💡");
        ObjectNode heading = text("heading_2", "Links");
        ((ObjectNode) heading.get("heading_2")).put("color", "red");
        ArrayNode content = blocks(text("heading_1", "Onboarding"), welcome,
                text("bulleted_list_item", "First day", text("bulleted_list_item", "Laptop")), text("bulleted_list_item", "Second day"),
                text("numbered_list_item", "Read the handbook"), text("numbered_list_item", "Meet the team"),
                todo("Sign the contract", true), todo("Set up VPN", false), code, text("quote", "Ship small\nand often"),
                text("toggle", "FAQ", text("paragraph", "Ask in the help channel"), text("toggle", "Nested", text("paragraph", "Deep answer"))),
                table, Json.object().put("type", "divider").set("divider", Json.object()), callout,
                Json.object().put("type", "equation").set("equation", Json.object().put("expression", "e = mc^2")),
                heading, text("paragraph", ""), text("heading_3", "Last"));
        seed(page, content);
        String child = client.post("/v1/pages", Map.of("parent", Map.of("page_id", page), "properties", Map.of("title", Map.of("title",
                List.of(Map.of("text", Map.of("content", "Team handbook"))))), "children", List.of(text("paragraph", "Not inlined")))).body().get("id").asText();

        JsonNode md = markdown(page);
        assertEquals(List.of("object", "id", "markdown", "truncated", "unknown_block_ids", "request_id"), SimulatorApiTest.keys(md));
        assertEquals("page_markdown", md.get("object").asText());
        assertEquals(page, md.get("id").asText());
        assertEquals(KNOWLEDGE_BASE + "\n\n<page url=\"" + Renderer.pageUrl(null, child) + "\">Team handbook</page>", md.get("markdown").asText());
        assertFalse(md.get("truncated").asBoolean());
        assertFalse(md.get("markdown").asText().contains("Not inlined"), "a child page is a reference, its content is read separately");
    }

    static ObjectNode todo(String content, boolean checked) {
        ObjectNode block = text("to_do", content);
        ((ObjectNode) block.get("to_do")).put("checked", checked);
        return block;
    }

    @Test
    void markdownRoundTripsThroughBlocks() {
        String page = newPage("Round trip");
        SimClient.Reply written = update(page, "replace_content", Map.of("new_str", KNOWLEDGE_BASE));
        assertEquals(200, written.status(), written.body().toString());
        assertEquals(KNOWLEDGE_BASE, written.body().get("markdown").asText(), "the answer is the page's markdown after the update");
        assertEquals(KNOWLEDGE_BASE, markdown(page).get("markdown").asText());

        List<String> types = new ArrayList<>();
        client.get("/v1/blocks/" + page + "/children").body().get("results").forEach(b -> types.add(b.get("type").asText()));
        assertEquals(List.of("heading_1", "paragraph", "bulleted_list_item", "bulleted_list_item", "numbered_list_item", "numbered_list_item", "to_do",
                "to_do", "code", "quote", "toggle", "table", "divider", "callout", "equation", "heading_2", "paragraph", "heading_3"), types);
        JsonNode blocks = client.get("/v1/blocks/" + page + "/children").body().get("results");
        assertEquals("def hi():\n    return 1", blocks.at("/8/code/rich_text/0/plain_text").asText());
        assertEquals("python", blocks.at("/8/code/language").asText());
        assertEquals("Ship small\nand often", blocks.at("/9/quote/rich_text/0/plain_text").asText());
        assertTrue(blocks.at("/6/to_do/checked").asBoolean());
        assertEquals("red", blocks.at("/15/heading_2/color").asText());
        assertEquals("💡", blocks.at("/13/callout/icon/emoji").asText());
        assertTrue(blocks.at("/11/table/has_column_header").asBoolean());
        assertEquals(2, blocks.at("/11/table/table_width").asInt());
        JsonNode welcome = blocks.at("/1/paragraph/rich_text");
        assertEquals("Welcome to Northwind, costs $5 * 2 never code docs.", RichText.plain(welcome));
        assertTrue(welcome.get(1).at("/annotations/bold").asBoolean());
        assertEquals("https://example.com/docs", welcome.get(9).at("/text/link/url").asText());
        List<String> toggleChildren = childIds(blocks.get(10).get("id").asText());
        assertEquals(2, toggleChildren.size(), "the toggle's nested children are blocks under it");
    }

    @Test
    void blocksMadeFromMarkdownHaveTheRecordedShape() {
        String page = newPage("Recorded shapes");
        assertEquals(200, update(page, "replace_content", Map.of("new_str", KNOWLEDGE_BASE)).status());
        JsonNode blocks = client.get("/v1/blocks/" + page + "/children").body().get("results");
        JsonNode recordedHeading = recorded("append_blocks.json", "heading_1");
        assertEquals(SimulatorApiTest.keys(recordedHeading), SimulatorApiTest.keys(blocks.get(0)));
        assertEquals(SimulatorApiTest.keys(recordedHeading.get("heading_1")), SimulatorApiTest.keys(blocks.get(0).get("heading_1")));
        JsonNode recordedTable = recorded("create_table_blocks.json", "table");
        assertEquals(SimulatorApiTest.keys(recordedTable), SimulatorApiTest.keys(blocks.get(11)));
        assertEquals(SimulatorApiTest.keys(recordedTable.get("table")), SimulatorApiTest.keys(blocks.get(11).get("table")));
        JsonNode recordedRow = recorded("create_table_blocks.json", "table_row");
        JsonNode row = client.get("/v1/blocks/" + blocks.get(11).get("id").asText() + "/children").body().at("/results/0");
        assertEquals(SimulatorApiTest.keys(recordedRow), SimulatorApiTest.keys(row));
    }

    /** The last block of a type in a recording's block lists. */
    static JsonNode recorded(String file, String type) {
        JsonNode found = null;
        for (JsonNode exchange : Recordings.exchanges(file)) {
            for (JsonNode result : exchange.path("response_body").path("results")) if (result.path("type").asText().equals(type)) found = result;
        }
        assertTrue(found != null, "no " + type + " block in " + file);
        return found;
    }

    @Test
    void aTruncatedAnswerIsCompletedByReadingItsUnknownBlocks() {
        String page = newPage("Big page");
        ArrayNode content = Json.array();
        for (int i = 1; i <= 30; i++) {
            if (i != 5) {
                content.add(text("paragraph", "p" + i));
                continue;
            }
            ObjectNode toggle = text("toggle", "T");
            ArrayNode inner = ((ObjectNode) toggle.get("toggle")).putArray("children");
            for (int j = 1; j <= 12; j++) inner.add(text("bulleted_list_item", "c" + j));
            content.add(toggle);
        }
        String full = seed(page, content);
        assertFalse(markdown(page).get("truncated").asBoolean(), "under Notion's 20,000 records");

        controlPost("/__sim/content-limits", Map.of("markdown_block_limit", 10));
        JsonNode cut = markdown(page);
        assertTrue(cut.get("truncated").asBoolean());
        String text = cut.get("markdown").asText();
        assertTrue(text.startsWith("p1\n\np2\n\np3\n\np4\n\n<details>\n<summary>T</summary>\n\t- c1\n"), text);
        assertTrue(text.contains("\t- c5\n\t<unknown url=\"" + Renderer.pageUrl(null, page) + "#"), text);
        assertEquals(7 + 25, cut.get("unknown_block_ids").size(), "c6..c12 and p6..p30");
        Matcher tags = UNKNOWN.matcher(text);
        List<String> tagged = new ArrayList<>();
        while (tags.find()) tagged.add(Ids.normalize(tags.group(2)));
        List<String> listed = new ArrayList<>();
        cut.get("unknown_block_ids").forEach(id -> listed.add(id.asText()));
        assertEquals(tagged, listed, "each unknown tag's block is listed, in order");

        int[] requests = {0};
        assertEquals(full, complete(text, requests), "the completed answer is the whole page");
        assertEquals(32, requests[0]);
    }

    @Test
    void anUnknownBlocksSubtreeCanItselfBeTruncatedAndAtMost100IdsAreListed() {
        String page = newPage("Deep and wide");
        ArrayNode content = Json.array();
        for (int i = 1; i <= 10; i++) content.add(text("paragraph", "p" + i));
        ObjectNode toggle = text("toggle", "Archive");
        ArrayNode inner = ((ObjectNode) toggle.get("toggle")).putArray("children");
        for (int j = 1; j <= 30; j++) inner.add(text("paragraph", "old " + j));
        content.add(toggle);
        String full = seed(page, content);
        controlPost("/__sim/content-limits", Map.of("markdown_block_limit", 10));
        JsonNode cut = markdown(page);
        assertEquals(1, cut.get("unknown_block_ids").size());
        JsonNode subtree = markdown(cut.at("/unknown_block_ids/0").asText());
        assertEquals(cut.at("/unknown_block_ids/0").asText(), subtree.get("id").asText());
        assertTrue(subtree.get("truncated").asBoolean(), "the subtree has 31 blocks, more than the limit");
        assertTrue(subtree.get("markdown").asText().startsWith("<details>\n<summary>Archive</summary>\n\told 1\n"));
        assertEquals(21, subtree.get("unknown_block_ids").size());
        int[] requests = {0};
        assertEquals(full, complete(cut.get("markdown").asText(), requests));

        String wide = newPage("Wide");
        ArrayNode many = Json.array();
        for (int i = 0; i < 150; i++) many.add(text("paragraph", "w" + i));
        seed(wide, many);
        controlPost("/__sim/content-limits", Map.of("markdown_block_limit", 1));
        JsonNode w = markdown(wide);
        assertEquals(100, w.get("unknown_block_ids").size(), "Notion lists at most 100 unknown block ids");
        Matcher tags = UNKNOWN.matcher(w.get("markdown").asText());
        int count = 0;
        while (tags.find()) count++;
        assertEquals(149, count, "every block not rendered has its tag, so a client can still complete the page");
    }

    @Test
    void contentNotSharedWithTheIntegrationIsUnknownAndItsIdNotFound() {
        String page = newPage("Partly shared");
        ObjectNode secret = text("toggle", "Salaries", text("paragraph", "confidential"));
        secret.put("unshared", true);
        seed(page, blocks(text("paragraph", "public"), secret));
        JsonNode md = markdown(page);
        assertTrue(md.get("truncated").asBoolean(), "permissions make an answer truncated too");
        assertEquals(1, md.get("unknown_block_ids").size());
        String id = md.at("/unknown_block_ids/0").asText();
        assertFalse(md.get("markdown").asText().contains("confidential"));
        SimClient.Reply denied = client.get("/v1/pages/" + id + "/markdown");
        assertEquals(404, denied.status());
        assertEquals("object_not_found", denied.body().get("code").asText());
        assertEquals(404, client.get("/v1/blocks/" + id).status());
        assertEquals(1, childIds(page).size(), "the block API does not list it either");

        controlPost("/__sim/blocks/" + id, Map.of("unshared", false));
        assertTrue(markdown(page).get("markdown").asText().contains("confidential"), "shared again");
        assertEquals(404, client.get("/v1/pages/" + java.util.UUID.randomUUID() + "/markdown").status());
        String database = sim.workspace().source("projects").databaseId();
        assertEquals(400, client.get("/v1/pages/" + database + "/markdown").status(), "a database is not a page");
    }

    // ---------------------------------------------------------------- PATCH markdown

    @Test
    void updateContentReplacesTextAndKeepsTheBlocksItLeavesAlone() {
        String page = newPage("Meeting notes");
        update(page, "replace_content", Map.of("new_str", "# Meeting Notes\n\n## Action items\n\n- [ ] Draft proposal\n- [ ] Schedule follow-up\n\nclosing words"));
        List<String> before = childIds(page);
        SimClient.Reply r = update(page, "update_content", Map.of("content_updates", List.of(
                Map.of("old_str", "Draft proposal", "new_str", "Draft proposal (due Friday)"),
                Map.of("old_str", "Schedule follow-up", "new_str", "Schedule follow-up with design team"))));
        assertEquals(200, r.status(), r.body().toString());
        assertEquals("# Meeting Notes\n\n## Action items\n\n- [ ] Draft proposal (due Friday)\n- [ ] Schedule follow-up with design team\n\nclosing words",
                r.body().get("markdown").asText());
        assertEquals(before, childIds(page), "edited in place: the same blocks, the same ids");

        SimClient.Reply caseSensitive = update(page, "update_content", Map.of("content_updates", List.of(Map.of("old_str", "draft proposal", "new_str", "x"))));
        assertEquals(400, caseSensitive.status());
        assertEquals("validation_error", caseSensitive.body().get("code").asText());
        SimClient.Reply twice = update(page, "update_content", Map.of("content_updates", List.of(Map.of("old_str", "- [ ] ", "new_str", "- [x] "))));
        assertEquals(400, twice.status());
        assertTrue(twice.body().get("message").asText().contains("matches 2 locations"), twice.body().toString());
        SimClient.Reply all = update(page, "update_content", Map.of("content_updates", List.of(Map.of("old_str", "- [ ] ", "new_str", "- [x] ", "replace_all_matches", true))));
        assertEquals(200, all.status());
        JsonNode todos = client.get("/v1/blocks/" + page + "/children").body().get("results");
        assertTrue(todos.at("/2/to_do/checked").asBoolean() && todos.at("/3/to_do/checked").asBoolean());
        assertEquals(before, childIds(page));

        SimClient.Reply removed = update(page, "update_content", Map.of("content_updates", List.of(Map.of("old_str", "\n\nclosing words", "new_str", ""))));
        assertEquals(200, removed.status());
        List<String> after = childIds(page);
        assertEquals(before.subList(0, 4), after, "one block gone, the others kept");
        assertTrue(client.get("/v1/blocks/" + before.get(4)).body().get("in_trash").asBoolean(), "a deleted block goes to the trash");
    }

    @Test
    void insertAndReplaceRangeUseEllipsisSelections() {
        String page = newPage("Selections");
        update(page, "replace_content", Map.of("new_str", "# Meeting Notes\n\nDiscussed roadmap.\n\n## Action items\n\n- Draft proposal\n\t- with numbers\n- Follow up"));
        SimClient.Reply after = update(page, "insert_content", Map.of("content", "Inserted line", "after", "- Draft...proposal"));
        assertEquals(200, after.status(), after.body().toString());
        assertEquals("# Meeting Notes\n\nDiscussed roadmap.\n\n## Action items\n\n- Draft proposal\n\t- with numbers\n\nInserted line\n\n- Follow up",
                after.body().get("markdown").asText(), "after the whole selected block, children included");
        String draft = childIds(page).get(3);
        assertTrue(client.get("/v1/blocks/" + draft).body().get("has_children").asBoolean());
        SimClient.Reply nested = update(page, "insert_content", Map.of("content", "- and charts", "after", "with numbers"));
        assertEquals("# Meeting Notes\n\nDiscussed roadmap.\n\n## Action items\n\n- Draft proposal\n\t- with numbers\n\t- and charts\n\nInserted line\n\n- Follow up",
                nested.body().get("markdown").asText(), "a sibling of the selected block, at its depth");
        SimClient.Reply start = update(page, "insert_content", Map.of("content", "Top", "position", Map.of("type", "start")));
        assertTrue(start.body().get("markdown").asText().startsWith("Top\n\n# Meeting Notes"));
        SimClient.Reply end = update(page, "insert_content", Map.of("content", "Bottom"));
        assertTrue(end.body().get("markdown").asText().endsWith("- Follow up\n\nBottom"), "without after, content is appended");
        assertEquals(400, update(page, "insert_content", Map.of("content", "x", "after", "Top", "position", Map.of("type", "end"))).status());
        assertEquals(400, update(page, "insert_content", Map.of("content", "x", "after", "Nowhere...to be found")).status());

        SimClient.Reply range = update(page, "replace_content_range", Map.of("content", "## Decisions\n\nShip it", "content_range", "## Action...Inserted line"));
        assertEquals(200, range.status(), range.body().toString());
        assertEquals("Top\n\n# Meeting Notes\n\nDiscussed roadmap.\n\n## Decisions\n\nShip it\n\n- Follow up\n\nBottom", range.body().get("markdown").asText());

        SimClient.Reply flat = update(page, "update_content", Map.of("content_updates", List.of(Map.of("old_str", "- Follow up", "new_str", "- Follow up\n\t- soon"))));
        String follow = childIds(page).get(5);
        assertTrue(client.get("/v1/blocks/" + follow).body().get("has_children").asBoolean(), flat.body().toString());
        update(page, "update_content", Map.of("content_updates", List.of(Map.of("old_str", "\n\t- soon", "new_str", ""))));
        assertFalse(client.get("/v1/blocks/" + follow).body().get("has_children").asBoolean(), "a trashed child is not a child");
    }

    @Test
    void childPagesAreNotDeletedUnlessAllowed() {
        String page = newPage("Parent");
        update(page, "replace_content", Map.of("new_str", "Intro"));
        String child = client.post("/v1/pages", Map.of("parent", Map.of("page_id", page), "properties", Map.of("title", Map.of("title",
                List.of(Map.of("text", Map.of("content", "Child notes"))))))).body().get("id").asText();
        String md = markdown(page).get("markdown").asText();
        assertEquals("Intro\n\n<page url=\"" + Renderer.pageUrl(null, child) + "\">Child notes</page>", md);

        SimClient.Reply kept = update(page, "update_content", Map.of("content_updates", List.of(Map.of("old_str", "Intro", "new_str", "Introduction"))));
        assertEquals(200, kept.status(), "an edit that keeps the <page> tag keeps the page");
        SimClient.Reply refused = update(page, "replace_content", Map.of("new_str", "Fresh start"));
        assertEquals(400, refused.status());
        assertEquals("validation_error", refused.body().get("code").asText());
        assertTrue(refused.body().get("message").asText().contains("\"Child notes\" (" + child + ")"), refused.body().toString());
        assertEquals(400, update(page, "replace_content_range", Map.of("content", "x", "content_range", "<page...</page>")).status());
        assertEquals(md.replace("Intro", "Introduction"), markdown(page).get("markdown").asText(), "a refused update changes nothing");

        SimClient.Reply allowed = update(page, "replace_content", Map.of("new_str", "Fresh start", "allow_deleting_content", true));
        assertEquals(200, allowed.status());
        assertEquals("Fresh start", allowed.body().get("markdown").asText());
        assertTrue(client.get("/v1/pages/" + child).body().get("in_trash").asBoolean(), "the child page went to the trash");
    }

    @Test
    void anUpdateMovesLastEditedTimeToTheMinute() {
        String page = newPage("Clocked");
        JsonNode created = client.get("/v1/pages/" + page).body();
        CLOCK.now = CLOCK.now.plus(Duration.ofMinutes(5)).plusSeconds(20);
        try {
            assertEquals(200, update(page, "insert_content", Map.of("content", "New paragraph")).status());
            JsonNode edited = client.get("/v1/pages/" + page).body();
            assertNotEquals(created.get("last_edited_time").asText(), edited.get("last_edited_time").asText());
            assertEquals(Times.minuteZ(CLOCK.now), edited.get("last_edited_time").asText());
            assertTrue(edited.get("last_edited_time").asText().endsWith(":00.000Z"));
            assertEquals(sim.model().botUserId(), edited.at("/last_edited_by/id").asText());
        } finally {
            CLOCK.now = CLOCK.now.plus(Duration.ofMinutes(1));
        }
    }

    @Test
    void updatesAreRefusedWhereNotionRefusesThem() {
        String page = newPage("Refusals");
        assertEquals(400, client.patch("/v1/pages/" + page + "/markdown", Map.of("type", "rewrite", "rewrite", Map.of())).status());
        assertEquals(400, client.patch("/v1/pages/" + page + "/markdown", Map.of("type", "replace_content")).status());
        seed(page, blocks(text("paragraph", "x")));
        String block = childIds(page).get(0);
        SimClient.Reply onBlock = update(block, "replace_content", Map.of("new_str", "y"));
        assertEquals(400, onBlock.status(), "the markdown update takes pages, not blocks");
        assertEquals(404, update(java.util.UUID.randomUUID().toString(), "replace_content", Map.of("new_str", "y")).status());

        StringBuilder huge = new StringBuilder();
        for (int i = 0; i < 1001; i++) huge.append("line ").append(i).append("\n\n");
        SimClient.Reply tooMany = update(page, "replace_content", Map.of("new_str", huge.toString()));
        assertEquals(400, tooMany.status());
        assertTrue(tooMany.body().get("message").asText().contains("1001 blocks"), tooMany.body().toString());

        controlPost("/__sim/capabilities", Map.of("update_content", false));
        SimClient.Reply denied = update(page, "replace_content", Map.of("new_str", "y"));
        assertEquals(403, denied.status());
        assertEquals("restricted_resource", denied.body().get("code").asText());
        controlPost("/__sim/capabilities", Map.of("update_content", true, "read_content", false));
        assertEquals(403, client.get("/v1/pages/" + page + "/markdown").status());
    }

    @Test
    void theFreePlansBlockCapRefusesWritesThatCreateBlocks() {
        String page = newPage("Capped");
        seed(page, blocks(text("paragraph", "one"), text("paragraph", "two")));
        controlPost("/__sim/content-limits", Map.of("block_cap", 1));
        SimClient.Reply refused = client.patch("/v1/blocks/" + page + "/children", Map.of("children", blocks(text("paragraph", "one more"))));
        assertEquals(403, refused.status(), "the workspace has created more blocks than the cap");
        assertEquals("restricted_resource", refused.body().get("code").asText());
        assertEquals("block_creation", refused.body().at("/additional_data/block_limit").asText(), "as Notion's reference documents it");
        assertEquals(403, update(page, "insert_content", Map.of("content", "more")).status());
        assertEquals(200, client.get("/v1/pages/" + page + "/markdown").status(), "reads still work");
    }

    @Test
    void newEndpointsGoThroughTheVersionCheckRateLimitAndFaults() {
        String page = newPage("Door");
        SimClient.Reply noVersion = client.send("GET", "/v1/pages/" + page + "/markdown", null, null, sim.config().token());
        assertEquals(400, noVersion.status());
        assertEquals("missing_version", noVersion.body().get("code").asText());
        assertEquals(401, client.send("GET", "/v1/comments?block_id=" + page, null, SimClient.LATEST, "wrong").status());
        assertEquals(200, client.send("GET", "/v1/pages/" + page + "/markdown", null, "2022-06-28", sim.config().token()).status(),
                "the markdown endpoints are not tied to a version");

        controlPost("/__sim/faults", Map.of("errors", Map.of("503", 1.0)));
        for (String path : List.of("/v1/pages/" + page + "/markdown", "/v1/comments?block_id=" + page, "/v1/users")) {
            assertEquals(503, client.get(path).status(), path);
        }
        controlPost("/__sim/faults", Map.of());
        sim.setRate(1);
        try {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 6; i++) statuses.add(client.get("/v1/pages/" + page + "/markdown").status());
            assertTrue(statuses.contains(429), "the rate limiter answers the markdown endpoint too: " + statuses);
        } finally {
            sim.setRate(0);
        }
        JsonNode stats = control.send("GET", "/__sim/stats", null, null, null).body();
        assertTrue(stats.at("/by_endpoint").has("GET /v1/pages/{id}/markdown"), stats.toString());
    }
}
