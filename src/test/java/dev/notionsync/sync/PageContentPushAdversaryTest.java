package dev.notionsync.sync;

import static dev.notionsync.sync.ContentTestSupport.contentRow;
import static dev.notionsync.sync.ContentTestSupport.pageIds;
import static dev.notionsync.sync.ContentTestSupport.requests;
import static dev.notionsync.sync.ContentTestSupport.resetStats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
 * Attacks on the content push (README "Editing content from PostgreSQL"), each against the simulator over HTTP and
 * real PostgreSQL: a person's edit in Notion overwritten without a conflict, a local edit never pushed, an edit that
 * can be neither pushed nor dropped.
 */
@ExtendWith(IntegrationExtension.class)
class PageContentPushAdversaryTest {

    private static final String PATCHES = "PATCH /v1/pages/{id}/markdown";

    private static NotionSimulator simulator(Integration it, PageContentSyncTest.MovableClock clock) {
        clock.offset = Duration.ofMinutes(-3);
        NotionSimulator simulator = it.simulator(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2).withClock(clock));
        List<String> pages = pageIds(simulator, "projects");
        for (int i = 0; i < pages.size(); i++) {
            simulator.model().editContent(pages.get(i), "# Page " + i + "\n\nThe body of page " + i + ".");
        }
        clock.offset = Duration.ofMinutes(-2);
        return simulator;
    }

    private static Map<String, String> settings(Integration it, NotionSimulator simulator, String direction) {
        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        String source = TestEngine.sourceName(settings, "projects");
        settings.put("notion.source." + source + ".content", "markdown");
        settings.put("notion.source." + source + ".direction", direction);
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

    private static long conflicts(NotionSync sync, String page) {
        return TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE property_name = 'page content' AND page_id = '" + page + "'");
    }

    /**
     * A PATCH's answer is lost (the edit landed), and before the next attempt a person edits the page in Notion. The next
     * attempt used to take any page differing from the row's last read as "our own earlier send" and replaced the
     * person's edit without a conflict. The page's last_edited_by tells them apart: a person's edit is a conflict.
     */
    @Test
    void aPersonsEditAfterALostAnswerIsAConflictNotOverwritten(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "both");
        settings.put("notion.push.backoff-base", "4s");   // time for a person's edit between two attempts
        settings.put("notion.api.max-retries", "0");       // the door hands the cut-off answer back at once
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 2);
        String page = pageIds(simulator, "projects").get(0);

        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0,\"truncate_only\":[\"" + PATCHES + "\"]}");
        try {
            edit(sync, content, page, "Edited in PostgreSQL");
            TestEngine.await("the PATCH landed, its answer lost, a retry waits", Duration.ofSeconds(20),
                    () -> "1".equals(column(sync, content, page, "push_attempts")));
            assertEquals("Edited in PostgreSQL", simulator.model().markdown(page), "the first PATCH landed");
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        simulator.model().editContent(page, "A person's edit in Notion");
        TestEngine.await("the row settled", Duration.ofSeconds(30), () -> column(sync, content, page, "push_pending_since") == null);
        assertEquals("A person's edit in Notion", simulator.model().markdown(page), "notion-wins: the person's later edit is kept");
        assertEquals(1, conflicts(sync, page), "the local edit lost to a person's edit is recorded as a conflict");
        assertEquals("A person's edit in Notion", contentRow(sync, content, page).get("markdown"));
    }

    /**
     * notion-wins: Notion's content changed, the row is edited, and edited AGAIN while the push reads Notion. The
     * conflict kept Notion's content, but moved the row's base to it while the newer edit stayed pending, so the next
     * round pushed the newer edit over Notion's without a conflict: the conflict record said Notion won, Notion lost.
     */
    @Test
    void aSecondLocalEditDuringALostConflictDoesNotOverwriteNotion(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "both");
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 2);
        String page = pageIds(simulator, "projects").get(1);
        resetStats(simulator);

        simulator.model().editContent(page, "Edited in Notion");
        TestEngine.simControl(simulator, "faults", "{\"latency_ms\":2000}");
        try {
            edit(sync, content, page, "First local edit");
            TestEngine.await("the push claimed the page and reads Notion", Duration.ofSeconds(20),
                    () -> column(sync, content, page, "push_claimed_until") != null);
            edit(sync, content, page, "Second local edit");
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        TestEngine.await("the row settled", Duration.ofSeconds(30), () -> column(sync, content, page, "push_pending_since") == null);
        Thread.sleep(1500);
        assertEquals("Edited in Notion", simulator.model().markdown(page), "notion-wins: neither local edit replaces Notion's");
        assertEquals(0, requests(simulator, PATCHES), "nothing sent");
        assertEquals("Edited in Notion", contentRow(sync, content, page).get("markdown"));
        assertTrue(TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE property_name = 'page content' AND page_id = '" + page
                + "' AND postgres_value ->> 'markdown' = 'Second local edit'") == 1, "the second edit is kept in a conflict record");
    }

    /**
     * A user's own trigger (on another table) writes markdown: the guard let every write at trigger depth > 1 through
     * unmarked (meant for the foreign key's cascade), so the edit was never pushed, and the next read overwrote it.
     */
    @Test
    void markdownWrittenByAUsersTriggerIsPushed(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "both");
        String content = table(settings, "projects_content");
        String notes = table(settings, "adv_notes");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 2);
        String page = pageIds(simulator, "projects").get(0);

        TestEngine.execute(sync, "CREATE TABLE " + notes + " (page uuid, body text)");
        TestEngine.execute(sync, "CREATE FUNCTION " + table(settings, "adv_copy_note") + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " UPDATE " + content + " SET markdown = NEW.body WHERE page_id = NEW.page; RETURN NEW; END $$");
        TestEngine.execute(sync, "CREATE TRIGGER adv_copy AFTER INSERT ON " + notes + " FOR EACH ROW EXECUTE FUNCTION "
                + table(settings, "adv_copy_note") + "()");
        TestEngine.execute(sync, "INSERT INTO " + notes + " VALUES ('" + page + "', 'Written by a trigger')");
        assertEquals("Written by a trigger", contentRow(sync, content, page).get("markdown"));
        TestEngine.await("the trigger's edit in Notion", Duration.ofSeconds(20), () -> simulator.model().markdown(page).equals("Written by a trigger"));
        TestEngine.await("the row settled", Duration.ofSeconds(20), () -> column(sync, content, page, "push_pending_since") == null);

        // the mirror's cascade still passes the guard (a deleted mirror row takes its content row)
        TestEngine.execute(sync, "DELETE FROM " + table(settings, "projects") + " WHERE page_id = '" + page + "'");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE page_id = '" + page + "'"));
    }

    /**
     * An edit waits, and the source is switched to direction = pull: it can never be pushed, and while it waits the page
     * is never read again. The README's way out, SET markdown = NULL, was refused as "read-only".
     */
    @Test
    void aWaitingEditCanBeDroppedAfterTheSourceStopsPushing(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "both");
        settings.put("notion.api.max-retries", "0");
        String content = table(settings, "projects_content");
        NotionSync first = it.start(settings);
        awaitRead(first, content, 2);
        String page = pageIds(simulator, "projects").get(0);
        TestEngine.simControl(simulator, "faults", "{\"failing_ids\":[\"" + page + "\"],\"failing_status\":503}");
        edit(first, content, page, "Waits, never pushed");   // Notion fails for the page: the edit waits
        TestEngine.await("a push tried", Duration.ofSeconds(20), () -> column(first, content, page, "push_error") != null);
        first.close();
        TestEngine.simControl(simulator, "faults", "{}");

        Map<String, String> pulling = new HashMap<>(settings);
        pulling.put("notion.source." + TestEngine.sourceName(settings, "projects") + ".direction", "pull");
        pulling.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        pulling.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        NotionSync sync = it.start(pulling);
        simulator.model().editContent(page, "Edited in Notion meanwhile");
        TestEngine.execute(sync, "UPDATE " + content + " SET markdown = NULL WHERE page_id = '" + page + "'");
        TestEngine.await("Notion's content read into the row", Duration.ofSeconds(30),
                () -> "Edited in Notion meanwhile".equals(contentRow(sync, content, page).get("markdown")));
        assertNull(column(sync, content, page, "push_pending_since"));
        assertEquals(0, requests(simulator, PATCHES));
    }

    /** Held: an UPDATE to the same text, and an edit undone before the push runs, send nothing and leave nothing pending. */
    @Test
    void anUpdateToTheSameTextOrUndoneBeforeThePushSendsNothing(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "both");
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        awaitRead(sync, content, 2);
        List<String> pages = pageIds(simulator, "projects");
        resetStats(simulator);

        TestEngine.execute(sync, "UPDATE " + content + " SET markdown = markdown WHERE page_id = '" + pages.get(0) + "'");
        assertNull(column(sync, content, pages.get(0), "push_pending_since"), "the same text is no edit");
        String original = contentRow(sync, content, pages.get(1)).get("markdown");
        TestEngine.execute(sync, "UPDATE " + content + " SET markdown = 'for a moment' WHERE page_id = '" + pages.get(1) + "';"
                + " UPDATE " + content + " SET markdown = " + quote(original) + " WHERE page_id = '" + pages.get(1) + "'");
        TestEngine.await("the undone edit settled", Duration.ofSeconds(20), () -> column(sync, content, pages.get(1), "push_pending_since") == null);
        Thread.sleep(1000);
        assertEquals(0, requests(simulator, PATCHES), "nothing to send");
        assertEquals(original, simulator.model().markdown(pages.get(1)));
    }

    /**
     * Held: with webhooks on, the page.content_updated of the engine's own PATCH is ignored (no echo, one PATCH), and a
     * person's edit right after the push, in the same minute, comes into the row by its webhook and is not pushed back.
     */
    @Test
    void withWebhooksTheOwnPatchIsNoEchoAndAPersonsNextEditComesIn(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        NotionSimulator simulator = simulator(it, clock);
        Map<String, String> settings = settings(it, simulator, "both");
        settings.put("notion.webhook.verification-token", "secret_sim_webhook");
        settings.put("notion.webhook.inbox-poll", "200ms");
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + settings.get("camel.server.port")
                + "/webhooks/notion\",\"verification_token\":\"secret_sim_webhook\",\"aggregation_window_ms\":200}");
        awaitRead(sync, content, 2);
        String page = pageIds(simulator, "projects").get(0);
        clock.offset = Duration.ZERO;
        resetStats(simulator);

        edit(sync, content, page, "Pushed with webhooks on");
        TestEngine.await("the row settled", Duration.ofSeconds(20), () -> column(sync, content, page, "push_pending_since") == null);
        TestEngine.await("our own write's event ignored", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.webhook_inbox WHERE event_type = 'page.content_updated' AND status = 'ignored'") >= 1);
        Thread.sleep(2000);
        assertEquals(1, requests(simulator, PATCHES));
        assertEquals("Pushed with webhooks on", contentRow(sync, content, page).get("markdown"));

        simulator.model().editContent(page, "A person's edit after the push");
        TestEngine.await("the person's edit in the row by its webhook", Duration.ofSeconds(20),
                () -> "A person's edit after the push".equals(contentRow(sync, content, page).get("markdown")));
        Thread.sleep(2000);
        assertEquals(1, requests(simulator, PATCHES), "a read is not pushed back");
        assertEquals("A person's edit after the push", simulator.model().markdown(page));
        assertEquals(0, conflicts(sync, page));
    }
}
