package dev.notionsync.sync;

import static dev.notionsync.sync.ContentTestSupport.contentRow;
import static dev.notionsync.sync.ContentTestSupport.pageIds;
import static dev.notionsync.sync.ContentTestSupport.requests;
import static dev.notionsync.sync.ContentTestSupport.resetStats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.notion.WebhookSignature;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import dev.notionsync.store.PageContents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Attacks on page content read sync (issue 18 items 1, 2, 6): each test is what a user would observe when the content
 * is lost, cut, corrupted or stale for ever, against the simulator over HTTP and real PostgreSQL.
 */
@ExtendWith(IntegrationExtension.class)
class PageContentAdversaryTest {

    private static final String MARKDOWN_READS = "GET /v1/pages/{id}/markdown";
    private static final String WEBHOOK_TOKEN = "secret_adversary_webhook";

    private static NotionSimulator simulator(Integration it, int pages, PageContentSyncTest.MovableClock clock) {
        return it.simulator(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(pages).withClock(clock));
    }

    private static Map<String, String> settings(Integration it, NotionSimulator simulator) {
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.source." + TestEngine.sourceName(settings, "projects") + ".content", "markdown");
        settings.put("notion.content.poll", "300ms");
        return settings;
    }

    private static String table(Map<String, String> settings, String name) {
        return "\"" + settings.get("notion.db.schema") + "\"." + name;
    }

    private static long fetched(NotionSync sync, String content) {
        return TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE fetched_at IS NOT NULL");
    }

    /** A page.content_updated event as Notion sends it, signed with the subscription's token. */
    private static int postContentEvent(Map<String, String> settings, String pageId, String timestamp) throws Exception {
        ObjectNode event = ContentTestSupport.JSON.createObjectNode();
        event.put("id", UUID.randomUUID().toString());
        event.put("timestamp", timestamp);
        event.put("workspace_id", UUID.randomUUID().toString());
        event.put("subscription_id", UUID.randomUUID().toString());
        event.put("integration_id", UUID.randomUUID().toString());
        event.put("type", "page.content_updated");
        event.putArray("authors").addObject().put("id", UUID.randomUUID().toString()).put("type", "person");
        event.put("attempt_number", 1);
        event.put("api_version", "2026-03-11");
        event.putObject("entity").put("id", pageId).put("type", "page");
        event.putObject("data").putArray("updated_blocks");
        byte[] body = event.toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + settings.get("camel.server.port") + "/webhooks/notion"))
                .header("Content-Type", "application/json").header("X-Notion-Signature", WebhookSignature.sign(body, WEBHOOK_TOKEN))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Waits, if needed, until at least {@code needed} of the current minute are left. */
    private static void roomInThisMinute(Duration needed) throws InterruptedException {
        Instant now = Instant.now();
        Instant next = now.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        if (Duration.between(now, next).compareTo(needed) < 0) {
            Thread.sleep(Duration.between(now, next).toMillis() + 200);
        }
    }

    /**
     * A correctly signed page.content_updated whose timestamp lies in the future (a forged event, or Notion's clock far
     * ahead) recorded that minute as the edit the content reflects: every later edit's minute was earlier, so the page
     * was never read again. Events naming a random page, or a page of a source without content, cost no Notion call
     * and make no row.
     */
    @Test
    void aContentEventStampedInTheFutureDoesNotFreezeThePage(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        clock.offset = Duration.ofMinutes(-3);
        NotionSimulator simulator = simulator(it, 3, clock);
        List<String> pages = pageIds(simulator, "projects");
        for (int i = 0; i < pages.size(); i++) {
            simulator.model().editContent(pages.get(i), "Body " + i);
        }
        Map<String, String> settings = settings(it, simulator);
        settings.put("notion.webhook.verification-token", WEBHOOK_TOKEN);
        settings.put("notion.webhook.inbox-poll", "200ms");
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        TestEngine.await("the content of every page", Duration.ofSeconds(60), () -> fetched(sync, content) == 3);

        resetStats(simulator);
        String page = pages.get(0);
        String otherSource = pageIds(simulator, "revenue").get(0);
        assertEquals(200, postContentEvent(settings, page, "2099-01-01T00:00:00.000Z"));
        assertEquals(200, postContentEvent(settings, UUID.randomUUID().toString(), Instant.now().toString()));
        assertEquals(200, postContentEvent(settings, otherSource, Instant.now().toString()));
        TestEngine.await("the three events handled", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status IN ('applied', 'ignored')") == 3);
        TestEngine.await("the page read on its event", Duration.ofSeconds(20), () -> contentRow(sync, content, page).get("requested_at") == null);
        assertEquals(1, requests(simulator, MARKDOWN_READS), "only the page of a content-enabled source was read");
        assertEquals(3, TestEngine.count(sync, "SELECT count(*) FROM " + content), "no row for a random page or another source's");

        // a person edits the page in a later minute (no webhook for it): once that minute has closed, the poll must read it
        clock.offset = Duration.ZERO;
        Thread.sleep(Duration.between(Instant.now(), Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1))).toMillis() + 500);
        simulator.model().editContent(page, "Edited after the event");
        Instant closed = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        TestEngine.await("the edit read once its minute closed", Duration.between(Instant.now(), closed).plusSeconds(20),
                () -> "Edited after the event".equals(contentRow(sync, content, page).get("markdown")));
    }

    /**
     * A page whose markdown Notion always fails with a 5xx (a body too big for Notion's renderer, a broken block) was
     * the oldest due page, so every pass died on it: no other page's content was ever read again. It must only hold up
     * itself, and be read once Notion gives it.
     */
    @Test
    void onePageNotionAlwaysFailsDoesNotStarveTheOthers(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        clock.offset = Duration.ofMinutes(-5);
        NotionSimulator simulator = simulator(it, 6, clock);
        List<String> pages = pageIds(simulator, "projects");
        String failing = pages.get(3);
        simulator.model().editContent(failing, "The page Notion fails");   // the oldest edit: first in the due order
        clock.offset = Duration.ofMinutes(-3);
        for (String page : pages) {
            if (!page.equals(failing)) {
                simulator.model().editContent(page, "Body of " + page);
            }
        }
        TestEngine.simControl(simulator, "faults", "{\"failing_ids\":[\"" + failing + "\"],\"failing_status\":500}");
        Map<String, String> settings = settings(it, simulator);
        settings.put("notion.api.max-retries", "1");
        settings.put("notion.api.backoff-base", "100ms");
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);

        TestEngine.await("the five other pages read", Duration.ofSeconds(30), () -> fetched(sync, content) == 5);
        Map<String, String> row = contentRow(sync, content, failing);
        assertNull(row.get("fetched_at"), "not read");
        assertNull(row.get("unreadable_reason"), "a 5xx may pass: not marked unreadable");

        TestEngine.simControl(simulator, "faults", "{}");
        TestEngine.await("the page read once Notion gives it", Duration.ofSeconds(90),
                () -> "The page Notion fails".equals(contentRow(sync, content, failing).get("markdown")));
    }

    /**
     * A user drops the content table (to start over, or by mistake): the engine remembered it had made it, so every pass
     * failed on the missing table until a restart. It must make it again and read the pages back.
     */
    @Test
    void aContentTableDroppedByAUserIsMadeAgainAndFilled(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        clock.offset = Duration.ofMinutes(-3);
        NotionSimulator simulator = simulator(it, 3, clock);
        List<String> pages = pageIds(simulator, "projects");
        for (int i = 0; i < pages.size(); i++) {
            simulator.model().editContent(pages.get(i), "Body " + i);
        }
        Map<String, String> settings = settings(it, simulator);
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        TestEngine.await("the content of every page", Duration.ofSeconds(60), () -> fetched(sync, content) == 3);

        TestEngine.execute(sync, "DROP TABLE " + content);
        clock.offset = Duration.ofMinutes(-1);
        simulator.model().editContent(pages.get(0), "After the drop");
        TestEngine.await("the table made again and every page read", Duration.ofSeconds(30), () -> fetched(sync, content) == 3
                && "After the drop".equals(contentRow(sync, content, pages.get(0)).get("markdown")));
    }

    /**
     * Two engines on one database (DESIGN: several instances share one PostgreSQL) each read a due page. Engine A found
     * it for the edit of 10:07 and its read is slow; meanwhile the page is edited at 10:08 and engine B reads it whole.
     * A's older body landed last and the newer minute (kept by GREATEST) said it was current: stale for ever.
     */
    @Test
    void aSlowerReadOfAnotherEngineNeverOverwritesANewerOne(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        String schema = settings.get("notion.db.schema");
        NotionSync sync = it.start(settings);   // content off: the two engines' content workers are driven by hand
        String mirror = table(settings, "projects");
        TestEngine.await("the rows", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + mirror) == 3);
        String page = pageIds(simulator, "projects").get(0);
        TestEngine.execute(sync, "UPDATE " + mirror + " SET last_edited_time = '2026-05-01T10:07:00Z' WHERE page_id = '" + page + "'");
        PageContents contents = new PageContents(sync.database().dataSource());
        PageContents.Table t = contents.ensure(schema, "projects", false);
        Instant minute = Instant.parse("2026-05-01T10:07:00Z");
        Duration retry = Duration.ofHours(24);

        PageContents.Due foundByA = only(contents.due(t, "markdown", minute.plusSeconds(61), retry, 10), page);
        // A reads the body of 10:07 ... slowly. The page is edited at 10:08; the pull moves the row; B reads it whole
        TestEngine.execute(sync, "UPDATE " + mirror + " SET last_edited_time = '2026-05-01T10:08:00Z' WHERE page_id = '" + page + "'");
        Thread.sleep(20);
        PageContents.Due foundByB = only(contents.due(t, "markdown", minute.plusSeconds(121), retry, 10), page);
        contents.store(t, foundByB, content("body of 10:08"), null);
        contents.store(t, foundByA, content("body of 10:07"), null);   // A's answer lands last

        assertEquals("body of 10:08", contentRow(sync, "\"" + schema + "\".projects_content", page).get("markdown"));
    }

    private static PageContents.Due only(List<PageContents.Due> due, String page) {
        return due.stream().filter(d -> d.pageId().equals(page)).findFirst().orElseThrow();
    }

    private static PageContents.Content content(String markdown) {
        return new PageContents.Content("markdown", markdown, PageContents.sha256(markdown), false, List.of());
    }

    /**
     * Text a user typed that looks like Notion's unknown tags (a code block of 2 MB on one line, pasted from a markdown
     * export) was scanned in quadratic time whenever the page was truncated: 600 KB took seconds, 2 MB more than ten
     * minutes of CPU per read, on the one content worker. It must take about as long as reading the text.
     */
    @Test
    void tagLikeTextIsScannedInLinearTime() {
        StringBuilder unclosed = new StringBuilder();
        while (unclosed.length() < 600_000) {
            unclosed.append("<unknown url=\"#0123456789abcdef0123456789abcdef\" ");
        }
        StringBuilder closed = new StringBuilder();
        while (closed.length() < 600_000) {
            closed.append("<unknown url=\"#0123456789abcdef0123456789abcdef\"/> ");
        }
        long start = System.nanoTime();
        assertEquals(0, UnknownBlocks.tags(unclosed.toString()).size());
        List<UnknownBlocks.Tag> tags = UnknownBlocks.tags(closed.toString());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tags.size() > 10_000 && tags.stream().allMatch(tag -> tag.indent().isEmpty()));
        assertTrue(millis < 1500, "1.2 MB of tag-like text scanned in " + millis + " ms");
        // a tag on its own line keeps its indent (its depth): the splice indents the block's lines like it
        List<UnknownBlocks.Tag> indented = UnknownBlocks.tags("- a\n\t\t<unknown url=\"#0123456789abcdef0123456789abcdef\" alt=\"x\"/>\nx <unknown url=\"#"
                + "0123456789abcdef0123456789abcdee\"/>");
        assertEquals("\t\t", indented.get(0).indent());
        assertEquals("", indented.get(1).indent());
    }

    /**
     * FINDING, NOT FIXED (a design trade-off for the integrator): a webhook read records the event's minute as read,
     * even when it ran while that minute was still open; so a second edit in the same minute is read only if its own
     * event arrives. Notion "aims for at-most-once delivery" and drops aggregated events: when the second event is lost,
     * the page keeps the first edit's body for ever (until it is edited again). Fixing it means a second read after the
     * minute closed for every webhook-read page, which is what the README's "one markdown read per event" rules out
     * (PageContentSyncTest#aContentWebhookCostsOneMarkdownReadAndNoPageReadAndThePollDoesNotReadItAgain).
     */
    @Test
    @Disabled("finding not fixed: a lost page.content_updated for a second edit in the same minute leaves the content stale for ever;"
            + " fixing it costs a second read per webhook edit, against the README's one read per event (integrator's call)")
    void aLostEventForASecondEditInTheSameMinuteLeavesTheContentStale(Integration it) throws Exception {
        PageContentSyncTest.MovableClock clock = new PageContentSyncTest.MovableClock();
        clock.offset = Duration.ofMinutes(-3);
        NotionSimulator simulator = simulator(it, 3, clock);
        List<String> pages = pageIds(simulator, "projects");
        for (int i = 0; i < pages.size(); i++) {
            simulator.model().editContent(pages.get(i), "Body " + i);
        }
        Map<String, String> settings = settings(it, simulator);
        settings.put("notion.webhook.verification-token", WEBHOOK_TOKEN);
        settings.put("notion.webhook.inbox-poll", "200ms");
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        TestEngine.await("the content of every page", Duration.ofSeconds(60), () -> fetched(sync, content) == 3);
        TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + settings.get("camel.server.port")
                + "/webhooks/notion\",\"verification_token\":\"" + WEBHOOK_TOKEN + "\",\"aggregation_window_ms\":200}");

        clock.offset = Duration.ZERO;
        roomInThisMinute(Duration.ofSeconds(25));
        String page = pages.get(0);
        simulator.model().editContent(page, "First edit");
        TestEngine.await("the first edit read by its webhook", Duration.ofSeconds(15),
                () -> "First edit".equals(contentRow(sync, content, page).get("markdown")));
        // the second edit's event is lost (Notion drops it, or gives up delivering it)
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/__sim/webhooks")).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
        simulator.model().editContent(page, "Second edit, same minute");
        Instant closed = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        TestEngine.await("the second edit read once its minute closed", Duration.between(Instant.now(), closed).plusSeconds(20),
                () -> "Second edit, same minute".equals(contentRow(sync, content, page).get("markdown")));
    }
}
