package dev.notionsync.sync;

import static dev.notionsync.sync.ContentTestSupport.contentRow;
import static dev.notionsync.sync.ContentTestSupport.pageIds;
import static dev.notionsync.sync.ContentTestSupport.requests;
import static dev.notionsync.sync.ContentTestSupport.resetStats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Page content edited in PostgreSQL: an UPDATE of markdown in {@code <table>_content} of a source that pushes reaches
 * Notion (PATCH /v1/pages/{id}/markdown, replace_content) through the door, over HTTP to the simulator, with the push's
 * guarantees: no echo, no lost edit, a lost answer resent safely, conflicts by policy, refusals as dead letters.
 */
@ExtendWith(IntegrationExtension.class)
class PageContentPushTest {

    private static final String PATCHES = "PATCH /v1/pages/{id}/markdown";
    private static final String MARKDOWN_READS = "GET /v1/pages/{id}/markdown";

    /** A workspace of a few pages, each with a body, edited two minutes back so the engine reads them at once (the minute rule). */
    private static NotionSimulator simulator(Integration it, PageContentSyncTest.MovableClock clock) {
        clock.offset = Duration.ofMinutes(-3);
        NotionSimulator simulator = it.simulator(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(4).withClock(clock));
        List<String> pages = pageIds(simulator, "projects");
        for (int i = 0; i < pages.size(); i++) {
            simulator.model().editContent(pages.get(i), "# Page " + i + "\n\nThe body of page " + i + ".");
        }
        clock.offset = Duration.ofMinutes(-2);
        return simulator;
    }

    private static Map<String, String> settings(Integration it, NotionSimulator simulator, String pullPoll, String direction, String conflict) {
        Map<String, String> settings = it.settings(simulator, pullPoll, "projects");
        String source = TestEngine.sourceName(settings, "projects");
        settings.put("notion.source." + source + ".content", "markdown");
        settings.put("notion.source." + source + ".direction", direction);
        if (conflict != null) {
            settings.put("notion.source." + source + ".conflict", conflict);
        }
        settings.put("notion.content.poll", "300ms");
        settings.put("notion.push.poll", "300ms");
        settings.put("notion.push.backoff-base", "300ms");
        return settings;
    }

    private static String table(Map<String, String> settings, String name) {
        return "\"" + settings.get("notion.db.schema") + "\"." + name;
    }

    private static void awaitRead(NotionSync sync, String content, int pages) throws InterruptedException {
        TestEngine.await("every page's content read", Duration.ofSeconds(60),
                () -> TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE fetched_at IS NOT NULL") == pages);
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static void edit(NotionSync sync, String content, String page, String markdown) throws SQLException {
        TestEngine.execute(sync, "UPDATE " + content + " SET markdown = " + quote(markdown) + " WHERE page_id = '" + page + "'");
    }

    private static String column(NotionSync sync, String content, String page, String column) {
        return TestEngine.queryString(sync, "SELECT " + column + "::text FROM " + content + " WHERE page_id = '" + page + "'");
    }

    private static long openDeadLetters(NotionSync sync, String containing) {
        return TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open' AND endpoint_uri = 'direct:content-push'"
                + " AND exception_message LIKE " + quote("%" + containing + "%"));
    }

    @Test
    void anUpdateReachesNotionAndComesBackWithoutEcho(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "1s", "both", null);
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 4);
        String page = pageIds(simulator, "projects").get(0);
        resetStats(simulator);

        String edited = "# Page 0, edited in PostgreSQL\n\nNew text, שלום 👋.\n\n- one\n- two";
        edit(sync, content, page, edited);
        TestEngine.await("the edit in Notion", Duration.ofSeconds(20), () -> simulator.model().markdown(page).equals(edited));
        TestEngine.await("the row no longer pending", Duration.ofSeconds(20), () -> column(sync, content, page, "push_pending_since") == null);
        Map<String, String> row = contentRow(sync, content, page);
        assertEquals(edited, row.get("markdown"));
        assertEquals(dev.notionsync.store.PageContents.sha256(edited), row.get("content_hash"), "the row's base is what Notion holds now");
        String hashAfterPush = row.get("content_hash");

        Thread.sleep(5000);   // many polls of the pull, the content read and the push
        assertEquals(1, requests(simulator, PATCHES), "one PATCH for one edit: the write-back and the next polls push nothing again");
        long reads = requests(simulator, MARKDOWN_READS);
        assertTrue(reads <= 2, "the push's read before the PATCH and at most one read after the write: " + reads);
        assertEquals(edited, contentRow(sync, content, page).get("markdown"), "the row is not rewritten with anything else");
        assertEquals(hashAfterPush, contentRow(sync, content, page).get("content_hash"));
        assertNull(column(sync, content, page, "push_pending_since"));

        // ... and back: an edit made in Notion afterwards comes into the row, and is not pushed
        clock.offset = Duration.ofMinutes(-1);
        simulator.model().editContent(page, "# Edited in Notion\n\nafter the push");
        TestEngine.await("Notion's edit in the row", Duration.ofSeconds(30),
                () -> "# Edited in Notion\n\nafter the push".equals(contentRow(sync, content, page).get("markdown")));
        Thread.sleep(1500);
        assertEquals(1, requests(simulator, PATCHES), "a read is not an edit to push");
    }

    @Test
    void anEditMadeWhileItsPushIsInFlightIsPushedNext(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "1h", "both", null);
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 4);
        String page = pageIds(simulator, "projects").get(1);

        TestEngine.simControl(simulator, "faults", "{\"latency_ms\":1500}");
        try {
            edit(sync, content, page, "first edit");
            TestEngine.await("the first edit's PATCH in flight", Duration.ofSeconds(20), () -> column(sync, content, page, "push_sent_at") != null);
            edit(sync, content, page, "second edit");
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        TestEngine.await("the second edit in Notion", Duration.ofSeconds(30), () -> simulator.model().markdown(page).equals("second edit"));
        TestEngine.await("the row settled", Duration.ofSeconds(20), () -> column(sync, content, page, "push_pending_since") == null);
        assertEquals("second edit", contentRow(sync, content, page).get("markdown"), "the later edit is neither lost nor overwritten by the first's answer");
    }

    @Test
    void aLostAnswerIsResentAndThePageHasTheContentOnce(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "1h", "both", null);
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 4);
        String page = pageIds(simulator, "projects").get(2);
        resetStats(simulator);

        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0,\"truncate_only\":[\"" + PATCHES + "\"]}");
        try {
            edit(sync, content, page, "Once only\n\n- a\n- b");
            TestEngine.await("a PATCH whose answer was cut", Duration.ofSeconds(20), () -> requests(simulator, PATCHES) >= 1);
            TestEngine.await("Notion holds the edit", Duration.ofSeconds(20), () -> simulator.model().markdown(page).equals("Once only\n\n- a\n- b"));
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        TestEngine.await("the row settled", Duration.ofSeconds(30), () -> column(sync, content, page, "push_pending_since") == null);
        assertEquals("Once only\n\n- a\n- b", simulator.model().markdown(page), "sent again after the lost answer, the content is there once");
        assertEquals("Once only\n\n- a\n- b", contentRow(sync, content, page).get("markdown"));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts"), "our own earlier send is no edit made in Notion");
        assertEquals(0, openDeadLetters(sync, ""));
    }

    /** Notion's content changed since the row was read, then the row is edited: the policy decides, a conflict is recorded. */
    private static void conflict(Integration it, String policy, boolean notionEditThisMinute, String winner) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "1h", "both", policy);
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 4);
        String page = pageIds(simulator, "projects").get(3);
        resetStats(simulator);

        if (notionEditThisMinute) {
            clock.offset = Duration.ZERO;
        }
        simulator.model().editContent(page, "Edited in Notion");
        edit(sync, content, page, "Edited in PostgreSQL");
        TestEngine.await("the conflict decided", Duration.ofSeconds(20), () -> column(sync, content, page, "push_pending_since") == null);
        String expected = winner.equals("postgres") ? "Edited in PostgreSQL" : "Edited in Notion";
        assertEquals(expected, simulator.model().markdown(page), policy);
        assertEquals(expected, contentRow(sync, content, page).get("markdown"), policy + ": the row shows what Notion holds");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE property_name = 'page content'"
                + " AND page_id = '" + page + "' AND winner = '" + winner + "' AND postgres_value ->> 'markdown' = 'Edited in PostgreSQL'"
                + " AND notion_value ->> 'markdown' = 'Edited in Notion'"), policy + ": the local edit is recorded, not silently dropped");
        assertEquals(winner.equals("postgres") ? 1 : 0, requests(simulator, PATCHES), policy);
    }

    @Test
    void notionWinsKeepsNotionsContentAndRecordsTheLocalEdit(Integration it) throws Exception {
        conflict(it, "notion-wins", false, "notion");
    }

    @Test
    void postgresWinsReplacesNotionsContent(Integration it) throws Exception {
        conflict(it, "postgres-wins", false, "postgres");
    }

    @Test
    void newestWinsTakesTheLocalEditMadeAfterNotionsEditMinute(Integration it) throws Exception {
        conflict(it, "newest-wins", false, "postgres");
    }

    @Test
    void newestWinsKeepsNotionsEditOfTheSameMinute(Integration it) throws Exception {
        conflict(it, "newest-wins", true, "notion");
    }

    @Test
    void aChildPageIsKeptAndTheRefusalDeadLetteredUntilTheSettingAllowsIt(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        String page = pageIds(simulator, "projects").get(0);
        String child = TestEngine.notion(simulator, "POST", "/v1/pages", "{\"parent\":{\"page_id\":\"" + page + "\"},\"properties\":{\"title\":"
                + "{\"title\":[{\"text\":{\"content\":\"Team handbook\"}}]}}}").path("id").asText();
        Map<String, String> settings = settings(it, simulator, "1h", "both", null);
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 4);
        assertTrue(contentRow(sync, content, page).get("markdown").contains("Team handbook</page>"));

        edit(sync, content, page, "A body without the child page");
        TestEngine.await("the refusal as a dead letter", Duration.ofSeconds(20), () -> openDeadLetters(sync, "notion.content.allow-deleting-pages") == 1);
        String error = column(sync, content, page, "push_error");
        assertTrue(error.contains("Team handbook") && error.contains("notion.content.allow-deleting-pages"), error);
        assertTrue(simulator.model().markdown(page).contains("Team handbook</page>"), "the child page is kept");
        assertEquals("A body without the child page", contentRow(sync, content, page).get("markdown"), "the edit stays in the row");
        String letter = TestEngine.queryString(sync, "SELECT body FROM notion_sync.dead_letters WHERE endpoint_uri = 'direct:content-push'");
        assertTrue(!letter.contains("A body without") && !letter.contains(TestEngine.TOKEN), "neither the markdown nor the token: " + letter);
        Thread.sleep(1500);
        assertEquals(1, requests(simulator, PATCHES), "a refused edit is not tried again by itself");

        // the operator allows it (a second engine on the database with the setting) and replays the dead letter
        sync.close();
        Map<String, String> allowing = new HashMap<>(settings);
        allowing.put("notion.content.allow-deleting-pages", "true");
        allowing.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        allowing.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        NotionSync allowed = it.start(allowing);
        long id = TestEngine.count(allowed, "SELECT id FROM notion_sync.dead_letters WHERE endpoint_uri = 'direct:content-push'");
        assertTrue(allowed.deadLetters().replay(id), "the replay pushes the row's edit");
        assertEquals("A body without the child page", simulator.model().markdown(page));
        assertTrue(TestEngine.notion(simulator, "GET", "/v1/pages/" + child, "").path("in_trash").asBoolean(), "the child page went to Notion's trash");
        assertNull(column(allowed, content, page, "push_pending_since"));
    }

    @Test
    void tooManyBlocksAndTheFreePlansBlockCapAreDeadLetteredSayingWhy(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "1h", "both", null);
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 4);
        List<String> pages = pageIds(simulator, "projects");

        StringBuilder long1001 = new StringBuilder();
        for (int i = 0; i < 1001; i++) {
            long1001.append("Paragraph ").append(i).append("\n\n");
        }
        String before = simulator.model().markdown(pages.get(0));
        edit(sync, content, pages.get(0), long1001.toString().strip());
        TestEngine.await("too many blocks dead-lettered", Duration.ofSeconds(20), () -> openDeadLetters(sync, "at most 1000 blocks") == 1);
        assertTrue(column(sync, content, pages.get(0), "push_error").contains("split"), column(sync, content, pages.get(0), "push_error"));
        assertEquals(before, simulator.model().markdown(pages.get(0)), "Notion's content is unchanged");

        TestEngine.simControl(simulator, "content-limits", "{\"block_cap\":1}");
        edit(sync, content, pages.get(1), "# Page 1\n\nThe body of page 1.\n\nOne more paragraph.");
        TestEngine.await("the block cap dead-lettered", Duration.ofSeconds(20), () -> openDeadLetters(sync, "Free plan") == 1);
        assertTrue(column(sync, content, pages.get(1), "push_error").contains("upgrade"), column(sync, content, pages.get(1), "push_error"));
        assertNotNull(column(sync, content, pages.get(1), "push_pending_since"), "the edit is kept, waiting");
    }

    @Test
    void whatAPersonMayNotDoIsRefusedWithAMessageAndTheMirrorsCascadeStillWorks(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "1h", "pull", null);
        String content = table(settings, "projects_content");
        String source = TestEngine.sourceName(settings, "projects");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 4);
        List<String> pages = pageIds(simulator, "projects");

        SQLException readOnly = assertThrows(SQLException.class, () -> edit(sync, content, pages.get(0), "nope"));
        assertTrue(readOnly.getMessage().contains("read-only") && readOnly.getMessage().contains("notion.source." + source + ".direction = both"),
                readOnly.getMessage());
        SQLException insert = assertThrows(SQLException.class, () -> TestEngine.execute(sync, "INSERT INTO " + content
                + " (page_id, markdown) VALUES (gen_random_uuid(), 'x')"));
        assertTrue(insert.getMessage().contains("set markdown = ''"), insert.getMessage());
        SQLException delete = assertThrows(SQLException.class, () -> TestEngine.execute(sync, "DELETE FROM " + content
                + " WHERE page_id = '" + pages.get(0) + "'"));
        assertTrue(delete.getMessage().contains("set markdown = ''"), delete.getMessage());
        SQLException other = assertThrows(SQLException.class, () -> TestEngine.execute(sync, "UPDATE " + content
                + " SET content_hash = 'x' WHERE page_id = '" + pages.get(0) + "'"));
        assertTrue(other.getMessage().contains("only markdown"), other.getMessage());
        // the README's troubleshooting: setting requested_at asks for a read, and works
        TestEngine.execute(sync, "UPDATE " + content + " SET requested_at = now() WHERE page_id = '" + pages.get(0) + "'");
        TestEngine.await("the requested read", Duration.ofSeconds(20), () -> column(sync, content, pages.get(0), "requested_at") == null);

        // the mirror row deleted: its content goes with it (ON DELETE CASCADE, which the trigger lets through)
        TestEngine.execute(sync, "DELETE FROM " + table(settings, "projects") + " WHERE page_id = '" + pages.get(1) + "'");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE page_id = '" + pages.get(1) + "'"));
        assertEquals(0, requests(simulator, PATCHES));
    }

    @Test
    void twoEnginesOnOneDatabasePushEachEditOnce(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "1h", "both", null);
        String content = table(settings, "projects_content");
        NotionSync first = it.start(settings);
        Map<String, String> other = new HashMap<>(settings);
        other.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        other.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        it.start(other);
        awaitRead(first, content, 4);
        List<String> pages = pageIds(simulator, "projects");
        resetStats(simulator);

        TestEngine.simControl(simulator, "faults", "{\"latency_ms\":400}");
        try {
            for (int i = 0; i < pages.size(); i++) {
                edit(first, content, pages.get(i), "Edit " + i + " of two engines");
            }
            TestEngine.await("every edit pushed", Duration.ofSeconds(40), () -> TestEngine.count(first,
                    "SELECT count(*) FROM " + content + " WHERE push_pending_since IS NULL AND markdown LIKE 'Edit % of two engines'") == pages.size());
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        Thread.sleep(1500);
        assertEquals(pages.size(), requests(simulator, PATCHES), "one PATCH per edit, whichever engine sent it");
    }
}
