package dev.notionsync.sync;

import static dev.notionsync.sync.ContentTestSupport.array;
import static dev.notionsync.sync.ContentTestSupport.block;
import static dev.notionsync.sync.ContentTestSupport.contentRow;
import static dev.notionsync.sync.ContentTestSupport.pageIds;
import static dev.notionsync.sync.ContentTestSupport.requests;
import static dev.notionsync.sync.ContentTestSupport.withChildren;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Big and odd content (issue 18 item 6): a 1 MB page, deep nesting, block types markdown has no form for, pages over
 * the markdown truncation limit (5,000 blocks; more left out than unknown_block_ids lists), emoji and right-to-left
 * text. Each is stored whole, equal to what the simulator renders without its limit, or explicitly flagged.
 */
@ExtendWith(IntegrationExtension.class)
class PageContentBigTest {

    private static final String RTL_AND_EMOJI = "שלום עולם — مرحبا بالعالم 🎉👩‍👩‍👧 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 e\u0301";

    private static NotionSimulator simulator(Integration it, int pages) {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        clock.offset = Duration.ofMinutes(-3);   // seeded content's edit minute has closed: no waiting for the minute rule
        return it.simulator(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(pages).withClock(clock));
    }

    private static Map<String, String> settings(Integration it, NotionSimulator simulator, String mode) {
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.source." + TestEngine.sourceName(settings, "projects") + ".content", mode);
        settings.put("notion.content.poll", "300ms");
        return settings;
    }

    private static String text(int length, int seed) {
        StringBuilder text = new StringBuilder();
        String words = "Lorem ipsum dolor sit amet, consectetur adipiscing elit " + seed + ". ";
        while (text.length() < length) {
            text.append(words);
        }
        return text.substring(0, length);
    }

    /** A bulleted list item nested {@code levels} deep, each level with its own text. */
    private static ObjectNode nested(int level, int levels) {
        ObjectNode item = block("bulleted_list_item", "level " + level + " " + RTL_AND_EMOJI);
        return level == levels ? item : withChildren(item, List.of(nested(level + 1, levels)));
    }

    @Test
    void bigAndOddPagesAreStoredWholeOrFlagged(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it, 7);
        List<String> pages = pageIds(simulator, "projects");
        String megabyte = pages.get(0);
        String deep = pages.get(1);
        String odd = pages.get(2);
        String sections = pages.get(3);
        String flat = pages.get(4);
        String unshared = pages.get(5);
        String rtl = pages.get(6);

        List<ObjectNode> big = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            big.add(block("paragraph", text(2000, i)));
        }
        simulator.model().seedContent(megabyte, array(big));
        simulator.model().seedContent(deep, array(List.of(block("heading_1", "Ten levels"), nested(1, 10),
                withChildren(block("toggle", "toggle 1"), List.of(withChildren(block("toggle", "toggle 2"), List.of(block("paragraph", "inside"))))))));
        ObjectNode bookmark = ContentTestSupport.JSON.createObjectNode().put("type", "bookmark");
        bookmark.putObject("bookmark").put("url", "https://example.com/a");
        ObjectNode unknownType = ContentTestSupport.JSON.createObjectNode().put("type", "ai_block");
        unknownType.putObject("ai_block").put("prompt", "summarize");
        simulator.model().seedContent(odd, array(List.of(block("paragraph", "before"), bookmark, unknownType, block("paragraph", "after"))));
        List<ObjectNode> toggles = new ArrayList<>();
        for (int t = 0; t < 50; t++) {
            List<ObjectNode> children = new ArrayList<>();
            for (int c = 0; c < 99; c++) {
                children.add(block(c % 3 == 0 ? "bulleted_list_item" : "paragraph", "section " + t + " line " + c));
            }
            toggles.add(withChildren(block("toggle", "Section " + t), children));
        }
        simulator.model().seedContent(sections, array(toggles));
        List<ObjectNode> lines = new ArrayList<>();
        for (int i = 0; i < 1300; i++) {
            lines.add(block("paragraph", "line " + i));
        }
        simulator.model().seedContent(flat, array(lines));
        ObjectNode hidden = block("paragraph", "not shared with the integration");
        hidden.put("unshared", true);
        String hiddenId = simulator.model().seedContent(unshared, array(List.of(block("paragraph", "visible"), hidden, block("paragraph", "visible too"))))
                .get(1);
        simulator.model().seedContent(rtl, array(List.of(block("heading_2", RTL_AND_EMOJI), block("quote", "ltr then " + RTL_AND_EMOJI),
                block("code", "print('" + RTL_AND_EMOJI + "')\n\n  indented"))));
        TestEngine.simControl(simulator, "content-limits", "{\"markdown_block_limit\":1000}");

        Map<String, String> settings = settings(it, simulator, "markdown");
        String content = "\"" + settings.get("notion.db.schema") + "\".projects_content";
        NotionSync sync = it.start(settings);
        TestEngine.await("every page's content", Duration.ofSeconds(120),
                () -> TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE fetched_at IS NOT NULL") == 7);

        for (String page : List.of(megabyte, deep, odd, sections, flat, rtl)) {
            Map<String, String> row = contentRow(sync, content, page);
            assertEquals(simulator.model().markdown(page), row.get("markdown"), "page " + pages.indexOf(page) + " stored whole");
            assertEquals("false", row.get("truncated"), "page " + pages.indexOf(page));
            assertEquals(null, row.get("missing_block_ids"));
        }
        assertTrue(contentRow(sync, content, megabyte).get("markdown").length() >= 1_000_000);
        assertTrue(contentRow(sync, content, deep).get("markdown").contains("\t".repeat(9) + "- level 10 " + RTL_AND_EMOJI));
        String oddMarkdown = contentRow(sync, content, odd).get("markdown");
        assertTrue(oddMarkdown.contains("alt=\"bookmark\"/>") && oddMarkdown.contains("alt=\"unsupported\"/>") || oddMarkdown.contains("<unknown"),
                "unsupported blocks stay as Notion renders them: " + oddMarkdown);
        assertTrue(contentRow(sync, content, rtl).get("markdown").contains(RTL_AND_EMOJI));
        long sectionBlocks = 50 * 100;
        assertEquals(sectionBlocks, contentRow(sync, content, sections).get("markdown").lines().filter(l -> l.contains("section ") || l.contains("Section ")).count());

        // a block the integration may not see: the rest is stored, the page flagged with the block's id
        Map<String, String> cut = contentRow(sync, content, unshared);
        assertEquals("true", cut.get("truncated"));
        assertEquals(hiddenId, cut.get("missing_block_ids"));
        assertTrue(cut.get("markdown").contains("visible") && cut.get("markdown").contains("visible too") && cut.get("markdown").contains("<unknown"));
        assertTrue(requests(simulator, "GET /v1/pages/{id}/markdown") < 7 + 45 + 300 + 10, "splice reads stay near one per left-out subtree");
    }

    @Test
    void blocksModeStoresEveryBlockToTheDepthLimitAndFlagsDeeperOnes(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it, 3);
        List<String> pages = pageIds(simulator, "projects");
        String deep = pages.get(0);
        String flat = pages.get(1);
        String odd = pages.get(2);
        simulator.model().seedContent(deep, array(List.of(nested(1, 12))));
        List<ObjectNode> lines = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            lines.add(block(i % 2 == 0 ? "paragraph" : "to_do", "line " + i + " " + RTL_AND_EMOJI));
        }
        simulator.model().seedContent(flat, array(lines));
        ObjectNode unknownType = ContentTestSupport.JSON.createObjectNode().put("type", "ai_block");
        unknownType.putObject("ai_block").put("prompt", "summarize");
        simulator.model().seedContent(odd, array(List.of(block("paragraph", "before"), unknownType)));

        Map<String, String> settings = settings(it, simulator, "blocks");
        String schema = "\"" + settings.get("notion.db.schema") + "\"";
        NotionSync sync = it.start(settings);
        TestEngine.await("every page's blocks", Duration.ofSeconds(60),
                () -> TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".projects_content WHERE fetched_at IS NOT NULL") == 3);

        // ten levels read (the default notion.content.blocks-depth), the tenth flagged: its children were not read
        assertEquals(10, TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".projects_blocks WHERE page_id = '" + deep + "'"));
        assertEquals(10, TestEngine.count(sync, "SELECT max(depth) FROM " + schema + ".projects_blocks WHERE page_id = '" + deep + "'"));
        String tenth = TestEngine.queryString(sync, "SELECT block_id::text FROM " + schema + ".projects_blocks WHERE page_id = '" + deep
                + "' AND depth = 10 AND has_children AND children_truncated");
        Map<String, String> row = contentRow(sync, schema + ".projects_content", deep);
        assertEquals("true", row.get("truncated"));
        assertEquals(tenth, row.get("missing_block_ids"));
        assertEquals("level 10 " + RTL_AND_EMOJI, TestEngine.queryString(sync, "SELECT plain_text FROM " + schema + ".projects_blocks WHERE block_id = '" + tenth + "'"));
        assertEquals(9, TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".projects_blocks b JOIN " + schema
                + ".projects_blocks p ON p.block_id = b.parent_id AND p.depth = b.depth - 1 WHERE b.page_id = '" + deep + "'"), "parents link");

        // 250 blocks over three listings of 100, in order, with their text and raw JSON
        assertEquals(250, TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".projects_blocks WHERE page_id = '" + flat + "' AND depth = 1"
                + " AND parent_id = page_id"));
        assertEquals("line 249 " + RTL_AND_EMOJI, TestEngine.queryString(sync, "SELECT plain_text FROM " + schema + ".projects_blocks WHERE page_id = '"
                + flat + "' AND position = 249"));
        assertEquals("to_do", TestEngine.queryString(sync, "SELECT raw->>'type' FROM " + schema + ".projects_blocks WHERE page_id = '" + flat
                + "' AND position = 1"));
        assertEquals("false", contentRow(sync, schema + ".projects_content", flat).get("truncated"));
        assertEquals(null, contentRow(sync, schema + ".projects_content", flat).get("markdown"), "blocks mode reads no markdown");
        assertEquals(0, requests(simulator, "GET /v1/pages/{id}/markdown"));

        // a type the API does not know is stored as Notion lists it
        assertEquals("unsupported", TestEngine.queryString(sync, "SELECT type FROM " + schema + ".projects_blocks WHERE page_id = '" + odd
                + "' AND position = 1"));
    }
}
