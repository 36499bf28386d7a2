package dev.notionsync.sync;

import static dev.notionsync.sync.ContentTestSupport.contentRow;
import static dev.notionsync.sync.ContentTestSupport.pageIds;
import static dev.notionsync.sync.ContentTestSupport.requests;
import static dev.notionsync.sync.ContentTestSupport.resetStats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.config.EngineSettings;
import dev.notionsync.config.SettingsException;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Page content of a mirror source in {@code <table>_content}: read through the door from the simulator over HTTP,
 * incrementally (by the mirror's last_edited_time, after the edit minute closed, and on page.content_updated webhooks),
 * and at most about one read per changed page.
 */
@ExtendWith(IntegrationExtension.class)
class PageContentSyncTest {

    private static final String MARKDOWN_READS = "GET /v1/pages/{id}/markdown";
    private static final String PAGE_READS = "GET /v1/pages/{id}";

    /**
     * The simulator's clock, movable: seeded content three minutes back and later edits one minute back, so each edit's
     * minute has closed for the engine's clock (no waiting for the minute rule) and differs from the seed's.
     */
    static final class MovableClock extends Clock {
        volatile Duration offset = Duration.ZERO;

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }

    private static NotionSimulator simulator(Integration it, int pages, MovableClock clock) {
        return it.simulator(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(pages).withClock(clock));
    }

    private static Map<String, String> contentSettings(Integration it, NotionSimulator simulator, String pullPoll, String mode) {
        Map<String, String> settings = it.settings(simulator, pullPoll, "projects");
        settings.put("notion.source." + TestEngine.sourceName(settings, "projects") + ".content", mode);
        settings.put("notion.content.poll", "300ms");
        return settings;
    }

    private static String table(Map<String, String> settings, String name) {
        return "\"" + settings.get("notion.db.schema") + "\"." + name;
    }

    @Test
    void contentIsReadFirstThenOnlyPagesEditedSinceAndTrashedPagesAreLeftAlone(Integration it) throws Exception {
        MovableClock clock = new MovableClock();
        clock.offset = Duration.ofMinutes(-3);
        NotionSimulator simulator = simulator(it, 100, clock);
        List<String> pages = pageIds(simulator, "projects");
        for (int i = 0; i < pages.size(); i++) {
            simulator.model().editContent(pages.get(i), "# Page " + i + "\n\nThe body of page " + i + ".\n\n- one\n- two");
        }
        // without a last_edited_time property, a body edit changes none of the row's values: only its last_edited_time moves
        TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + simulator.workspace().source("projects").dataSourceId(),
                "{\"properties\":{\"Updated\":null}}");
        Map<String, String> settings = contentSettings(it, simulator, "1s", "markdown");
        settings.put("notion.sync.sweep", "1s");
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);

        TestEngine.await("the content of every page", Duration.ofSeconds(90),
                () -> TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE fetched_at IS NOT NULL") == 100);
        for (String page : pages) {
            Map<String, String> row = contentRow(sync, content, page);
            assertEquals(simulator.model().markdown(page), row.get("markdown"));
            assertEquals(dev.notionsync.store.PageContents.sha256(row.get("markdown")), row.get("content_hash"));
            assertEquals("false", row.get("truncated"));
            assertEquals("markdown", row.get("content_mode"));
            assertNull(row.get("unreadable_reason"));
        }
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + content + " c JOIN " + table(settings, "projects")
                + " m USING (page_id) WHERE c.last_edited_time <> date_trunc('minute', m.last_edited_time)"), "the edit each content reflects");

        // 20 pages of 100 edited: those 20 are read again, once each; the others not at all
        resetStats(simulator);
        clock.offset = Duration.ofMinutes(-1);
        List<String> edited = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            edited.add(pages.get(i * 5));
            simulator.model().editContent(pages.get(i * 5), "# Page edited " + i + "\n\nA new body, שלום 👋, " + i + ".");
        }
        TestEngine.await("the 20 edits in PostgreSQL", Duration.ofSeconds(60), () -> edited.stream()
                .allMatch(p -> simulator.model().markdown(p).equals(contentRow(sync, content, p).get("markdown"))));
        Thread.sleep(3000);   // more polls of both routes: nothing else is due
        long reads = requests(simulator, MARKDOWN_READS);
        assertTrue(reads >= 20 && reads <= 22, "markdown reads for 20 edited pages: " + reads);
        assertEquals(0, requests(simulator, PAGE_READS), "no page reads for content");

        // a trashed page is not read; its content row stays (the mirror row says deleted_at)
        String trashed = pages.get(99);
        String before = contentRow(sync, content, trashed).get("fetched_at");
        simulator.model().trashPage(trashed, true);
        TestEngine.await("the trash in the mirror", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM " + table(settings, "projects") + " WHERE deleted_at IS NOT NULL AND page_id = '" + trashed + "'") == 1);
        Thread.sleep(1500);
        assertEquals(before, contentRow(sync, content, trashed).get("fetched_at"));
        assertEquals(reads, requests(simulator, MARKDOWN_READS), "the trashed page was not read");
    }

    @Test
    void aContentWebhookCostsOneMarkdownReadAndNoPageReadAndThePollDoesNotReadItAgain(Integration it) throws Exception {
        MovableClock clock = new MovableClock();
        clock.offset = Duration.ofMinutes(-3);
        NotionSimulator simulator = simulator(it, 100, clock);
        List<String> pages = pageIds(simulator, "projects");
        for (int i = 0; i < pages.size(); i++) {
            simulator.model().editContent(pages.get(i), "Body " + i);
        }
        Map<String, String> settings = contentSettings(it, simulator, "2s", "markdown");
        settings.put("notion.webhook.verification-token", "secret_sim_webhook");
        settings.put("notion.webhook.inbox-poll", "200ms");
        String content = table(settings, "projects_content");
        NotionSync sync = it.start(settings);
        TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + settings.get("camel.server.port")
                + "/webhooks/notion\",\"verification_token\":\"secret_sim_webhook\",\"aggregation_window_ms\":200}");
        TestEngine.await("the content of every page", Duration.ofSeconds(90),
                () -> TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE fetched_at IS NOT NULL") == 100);
        Thread.sleep(1000);

        // edits now, in Notion's current minute: the poll may not read them before that minute closes; the webhook does
        clock.offset = Duration.ZERO;
        resetStats(simulator);
        List<String> edited = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            edited.add(pages.get(i * 5));
            simulator.model().editContent(pages.get(i * 5), "Edited by a person " + i);
        }
        Instant lastEdit = Instant.now();
        TestEngine.await("the 20 edits in PostgreSQL by webhook, long before their minute closes", Duration.ofSeconds(20), () -> edited.stream()
                .allMatch(p -> simulator.model().markdown(p).equals(contentRow(sync, content, p).get("markdown"))));
        assertTrue(TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE event_type = 'page.content_updated'"
                + " AND status = 'applied'") >= 1);
        // the pull saw the edits too (its mirror rows moved); once their minute closed the poll finds nothing due
        Instant closed = lastEdit.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1)).plusSeconds(4);
        while (Instant.now().isBefore(closed)) {
            Thread.sleep(500);
        }
        assertEquals(20, TestEngine.count(sync, "SELECT count(*) FROM " + table(settings, "projects") + " m JOIN " + content
                + " c USING (page_id) WHERE c.last_edited_time = date_trunc('minute', m.last_edited_time) AND m.page_id IN ("
                + String.join(",", edited.stream().map(p -> "'" + p + "'").toList()) + ")"), "the pull saw the edits");
        long reads = requests(simulator, MARKDOWN_READS);
        assertTrue(reads >= 20 && reads <= 22, "markdown reads for 20 pages edited, with webhooks: " + reads);
        assertEquals(0, requests(simulator, PAGE_READS), "content events read no page");
    }

    @Test
    void pagesNotionWillNotGiveAreRecordedAndNotReadEachPoll(Integration it) throws Exception {
        MovableClock clock = new MovableClock();
        clock.offset = Duration.ofMinutes(-3);
        NotionSimulator simulator = simulator(it, 10, clock);
        List<String> pages = pageIds(simulator, "projects");
        for (int i = 0; i < pages.size(); i++) {
            simulator.model().editContent(pages.get(i), "Secret " + i);
        }
        TestEngine.simControl(simulator, "capabilities", "{\"read_content\":false}");
        Map<String, String> settings = contentSettings(it, simulator, "1s", "markdown");
        String content = table(settings, "projects_content");
        StringWriter log = new StringWriter();
        WriterAppender appender = WriterAppender.newBuilder().setName("content-403").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %m%n").build()).build();
        appender.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(appender, null, null);
        try {
            NotionSync sync = it.start(settings);
            TestEngine.await("every page recorded unreadable", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM " + content + " WHERE unreadable_reason LIKE '%403 restricted_resource%' AND unreadable_at IS NOT NULL") == 10);
            long reads = requests(simulator, MARKDOWN_READS);
            Thread.sleep(2500);   // several content polls
            assertEquals(reads, requests(simulator, MARKDOWN_READS), "unreadable pages are not read again each poll");
            assertEquals(10, reads);
            assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE markdown IS NOT NULL"));
            assertEquals(1, log.toString().split("enable the capability \"Read content\"", -1).length - 1, "logged once: " + log);

            // the capability given back, an edited page is read again, the others wait for their edit (or the retry time)
            TestEngine.simControl(simulator, "capabilities", "{\"read_content\":true}");
            clock.offset = Duration.ofMinutes(-1);
            simulator.model().editContent(pages.get(3), "Readable now");
            TestEngine.await("the edited page read", Duration.ofSeconds(30),
                    () -> "Readable now".equals(contentRow(sync, content, pages.get(3)).get("markdown")));
            assertNull(contentRow(sync, content, pages.get(3)).get("unreadable_reason"));
            assertEquals(9, TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE unreadable_reason IS NOT NULL"));
            assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"), "no dead letters");
            assertEquals(org.apache.camel.ServiceStatus.Started, sync.context().getRouteController().getRouteStatus("notion-content"));
        } finally {
            logging.getConfiguration().getRootLogger().removeAppender("content-403");
            appender.stop();
        }
    }

    @Test
    void thePropertyPullIsNotSlowedByAContentBacklog(Integration it) throws Exception {
        MovableClock clock = new MovableClock();
        clock.offset = Duration.ofMinutes(-3);
        NotionSimulator simulator = simulator(it, 150, clock);
        Map<String, String> settings = contentSettings(it, simulator, "500ms", "markdown");
        settings.put("notion.api.rate", "8");   // the background lane: 4 reads a second, so 150 pages take about 40 s
        String content = table(settings, "projects_content");
        String mirror = table(settings, "projects");
        NotionSync sync = it.start(settings);
        TestEngine.await("the rows", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + mirror) == 150);
        TestEngine.await("content being read", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + content) > 0);
        // content reads take at most notion.api.background-share (0.5) of the budget: 4 a second, not the door's 8
        long readBefore = TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE fetched_at IS NOT NULL");
        Thread.sleep(5000);
        double perSecond = (TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE fetched_at IS NOT NULL") - readBefore) / 5.0;
        assertTrue(perSecond > 1 && perSecond <= 4.6, "content reads a second: " + perSecond);

        var page = TestEngine.notion(simulator, "GET", "/v1/pages/" + pageIds(simulator, "projects").get(7), "");
        long start = System.nanoTime();
        simulator.model().editPage(page.path("id").asText(), TestEngine.titleEdit(page, "edited during a content backlog"));
        String title = TestEngine.titleName(page);
        TestEngine.await("the title edit in PostgreSQL", Duration.ofSeconds(10), () -> TestEngine.count(sync, "SELECT count(*) FROM " + mirror
                + " WHERE properties->'" + title + "'->'title'->0->>'plain_text' = 'edited during a content backlog'") == 1);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        long backlog = 150 - TestEngine.count(sync, "SELECT count(*) FROM " + content + " WHERE fetched_at IS NOT NULL");
        assertTrue(backlog > 10, "the content backlog was still there: " + backlog);
        assertTrue(took.compareTo(Duration.ofSeconds(4)) < 0, "the property edit took " + took.toMillis() + " ms");
    }

    @Test
    void aPageFoundByItsEditIsDueOnlyOnceItsEditMinuteClosedAndAWebhookMakesItDueAtOnce(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        String schema = settings.get("notion.db.schema");
        NotionSync sync = it.start(settings);   // content off: the content tables are driven by hand below
        TestEngine.await("the rows", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table(settings, "projects")) == 3);
        String page = pageIds(simulator, "projects").get(0);
        TestEngine.execute(sync, "UPDATE " + table(settings, "projects") + " SET last_edited_time = '2026-05-01T10:07:00Z'");
        dev.notionsync.store.PageContents contents = new dev.notionsync.store.PageContents(sync.database().dataSource());
        dev.notionsync.store.PageContents.Table t = contents.ensure(schema, "projects", false);
        Instant minute = Instant.parse("2026-05-01T10:07:00Z");
        Duration retry = Duration.ofHours(24);

        assertEquals(0, contents.due(t, "markdown", minute.plusSeconds(59), retry, 10).size(), "the edit minute is still open");
        List<dev.notionsync.store.PageContents.Due> due = contents.due(t, "markdown", minute.plusSeconds(60), retry, 10);
        assertEquals(3, due.size());
        dev.notionsync.store.PageContents.Due first = due.stream().filter(d -> d.pageId().equals(page)).findFirst().orElseThrow();
        assertEquals(minute, first.edited());
        contents.store(t, first, new dev.notionsync.store.PageContents.Content("markdown", "body", dev.notionsync.store.PageContents.sha256("body"), false, List.of()), null);
        assertEquals(2, contents.due(t, "markdown", minute.plusSeconds(3600), retry, 10).size(), "read: not due again for the same edit");
        assertEquals(1, contents.due(t, "blocks", minute.plusSeconds(3600), retry, 10).stream().filter(d -> d.pageId().equals(page)).count(),
                "another mode reads it again");

        // a later edit moves last_edited_time: due once its minute closed
        TestEngine.execute(sync, "UPDATE " + table(settings, "projects") + " SET last_edited_time = '2026-05-01T10:08:00Z' WHERE page_id = '" + page + "'");
        assertEquals(0, contents.due(t, "markdown", minute.plusSeconds(119), retry, 10).stream().filter(d -> d.pageId().equals(page)).count());
        assertEquals(1, contents.due(t, "markdown", minute.plusSeconds(120), retry, 10).stream().filter(d -> d.pageId().equals(page)).count());

        // a webhook: due at once, whatever the minute; a request made while the page was being read is kept for one more read
        TestEngine.execute(sync, "UPDATE " + table(settings, "projects") + " SET last_edited_time = '2026-05-01T10:07:00Z' WHERE page_id = '" + page + "'");
        assertTrue(contents.request(t, page, Instant.parse("2026-05-01T10:09:00Z")));
        assertFalse(contents.request(t, "00000000-0000-4000-8000-000000000000", minute), "a page no mirror row holds");
        due = contents.due(t, "markdown", minute, retry, 10);
        assertEquals(page, due.get(0).pageId(), "webhook requests first, whatever the minute");
        assertEquals("2026-05-01 10:09:00+00", TestEngine.queryString(sync, "SELECT last_edited_time::text FROM \"" + schema
                + "\".projects_content WHERE page_id = '" + page + "'").replace("+00:00", "+00"));
        contents.request(t, page, Instant.parse("2026-05-01T10:09:00Z"));   // another event while it is read
        contents.store(t, due.get(0), new dev.notionsync.store.PageContents.Content("markdown", "body 2", dev.notionsync.store.PageContents.sha256("body 2"), false, List.of()), null);
        assertEquals(1, contents.due(t, "markdown", minute, retry, 10).stream().filter(d -> d.pageId().equals(page)).count(), "the later request stays");
        contents.store(t, contents.due(t, "markdown", minute, retry, 10).get(0),
                new dev.notionsync.store.PageContents.Content("markdown", "body 3", dev.notionsync.store.PageContents.sha256("body 3"), false, List.of()), null);
        assertEquals(0, contents.due(t, "markdown", minute.plusSeconds(3600), retry, 10).stream().filter(d -> d.pageId().equals(page)).count(),
                "the webhook's minute is recorded: the poll does not read it again");

        // unreadable: not due until the retry time has passed
        TestEngine.execute(sync, "UPDATE " + table(settings, "projects") + " SET last_edited_time = '2026-05-01T10:20:00Z' WHERE page_id = '" + page + "'");
        dev.notionsync.store.PageContents.Due again = contents.due(t, "markdown", minute.plusSeconds(3600), retry, 10).stream()
                .filter(d -> d.pageId().equals(page)).findFirst().orElseThrow();
        contents.unreadable(t, again, "markdown", "404 object_not_found");
        assertEquals("body 3", contentRow(sync, "\"" + schema + "\".projects_content", page).get("markdown"), "what was read before stays");
        Instant now = Instant.now();
        assertEquals(0, contents.due(t, "markdown", now, retry, 10).stream().filter(d -> d.pageId().equals(page)).count());
        assertEquals(1, contents.due(t, "markdown", now.plus(retry).plusSeconds(5), retry, 10).stream().filter(d -> d.pageId().equals(page)).count());
    }

    @Test
    void aBadContentSettingOrATableNameTakenStopsTheStartNamingIt() {
        Map<String, String> base = new java.util.HashMap<>(Map.of("notion.sources", "docs,docs_content",
                "notion.source.docs.id", "0123456789abcdef0123456789abcdef", "notion.source.docs_content.id", "fedcba9876543210fedcba9876543210"));
        Map<String, String> bad = new java.util.HashMap<>(base);
        bad.put("notion.source.docs.content", "html");
        SettingsException wrong = assertThrows(SettingsException.class, () -> EngineSettings.of(TestEngine.settings(bad)));
        assertEquals("setting notion.source.docs.content (environment NOTION_SOURCE_DOCS_CONTENT) must be none, markdown or blocks, was 'html'",
                wrong.getMessage());

        Map<String, String> taken = new java.util.HashMap<>(base);
        taken.put("notion.source.docs.content", "markdown");
        SettingsException collision = assertThrows(SettingsException.class, () -> EngineSettings.of(TestEngine.settings(taken)));
        assertTrue(collision.getMessage().contains("table docs_content, which is the mirror table of source 'docs_content'"), collision.getMessage());

        Map<String, String> fine = new java.util.HashMap<>(base);
        fine.put("notion.source.docs.content", "Blocks");
        fine.put("notion.source.docs_content.table", "other");
        assertNotNull(EngineSettings.of(TestEngine.settings(fine)).content().modes().get("docs"));
        assertEquals(ContentMode.NONE, EngineSettings.of(TestEngine.settings(fine)).content().mode("docs_content"), "none by default");
    }
}
