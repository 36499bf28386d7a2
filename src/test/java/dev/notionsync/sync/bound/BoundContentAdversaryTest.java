package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Adversarial tests of page content of bound tables (notion.source.&lt;name&gt;.content-column), through the simulator
 * over HTTP and real PostgreSQL: each test is a way a body edited on one side could fail to reach the other, or be
 * overwritten unseen. The clock trick is BoundContentTest's (the minute rule never makes a test wait).
 */
@ExtendWith(IntegrationExtension.class)
class BoundContentAdversaryTest {

    private final BoundContentTest.StepClock clock = new BoundContentTest.StepClock();

    private NotionSimulator simulator(Integration it) {
        return it.simulator(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1).withClock(clock));
    }

    private static void inStep(NotionSync sync, int links) throws Exception {
        TestEngine.await("every link in step", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.links WHERE source = 'notes' AND content_hash IS NOT NULL") == links);
    }

    private static void settled(NotionSync sync) throws Exception {
        TestEngine.await("no change waiting", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.row_changes WHERE status = 'pending'") == 0);
    }

    /**
     * A pull-only bound source (direction = pull) bootstrapped from a table whose row has a body: the page is made
     * empty, and the content push never runs for a source that only pulls. Then a person writes the page's body in
     * Notion: it must reach the column, as any edit in Notion does for a source that pulls.
     */
    @Test
    void aPullOnlySourceTakesABodyWrittenInNotionAfterBootstrap(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it);
        Map<String, String> settings = BoundContentTest.settings(it, simulator, "notion-wins");
        settings.put("notion.source.notes.direction", "pull");
        NotionSync sync = BoundContentTest.bootstrapped(it, simulator, settings);
        String one = BoundContentTest.pageOf(sync, 1);
        String schema = "\"" + settings.get("notion.db.schema") + "\"";
        TestEngine.await("the pages' contents read", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM " + schema + ".notes_content WHERE fetched_at IS NOT NULL") == 3);
        Thread.sleep(1500);   // Apply passes meet each row and its page
        clock.step();
        simulator.model().editContent(one, "Written in Notion");
        try {
            TestEngine.await("Notion's body in the column", Duration.ofSeconds(60), () -> "Written in Notion".equals(String.valueOf(BoundContentTest.body(sync, 1)).strip()));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; content row: " + TestEngine.queryString(sync, "SELECT to_jsonb(c)::text FROM " + schema
                    + ".notes_content c WHERE page_id = '" + one + "'"), e);
        }
    }

    /**
     * on-trash = unlink (the default): a page trashed in Notion keeps its row; the application edits the row's body while
     * the page is in the trash; the page is restored. The body written meanwhile must reach the page, as a property
     * edited meanwhile does (README "A page moved to the trash": the restore is a three-way merge).
     */
    @Test
    void aBodyEditedWhileThePageWasInTheTrashReachesItWhenRestored(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it);
        Map<String, String> settings = BoundContentTest.settings(it, simulator, "notion-wins");
        settings.put("notion.sync.sweep", "2s");   // the trash is found by the sweep
        NotionSync sync = BoundContentTest.bootstrapped(it, simulator, settings);
        String one = BoundContentTest.pageOf(sync, 1);
        inStep(sync, 3);
        TestEngine.await("row 1's body in its page", Duration.ofSeconds(30), () -> simulator.model().markdown(one).contains("The first body."));
        clock.step();
        simulator.model().trashPage(one, true);
        TestEngine.await("the row unlinked", Duration.ofSeconds(30), () -> "unlinked".equals(TestEngine.queryString(sync,
                "SELECT state FROM notion_sync.links WHERE source = 'notes' AND row_key = '{\"id\": 1}'")));
        TestEngine.execute(sync, "UPDATE public.notes SET body = 'Edited while the page was in the trash' WHERE id = 1");
        settled(sync);
        clock.step();
        simulator.model().trashPage(one, false);
        TestEngine.await("the row linked again", Duration.ofSeconds(30), () -> "linked".equals(TestEngine.queryString(sync,
                "SELECT state FROM notion_sync.links WHERE source = 'notes' AND row_key = '{\"id\": 1}'")));
        TestEngine.await("the body written meanwhile in the page", Duration.ofSeconds(60),
                () -> simulator.model().markdown(one).contains("Edited while the page was in the trash"));
        assertEquals("Edited while the page was in the trash", BoundContentTest.body(sync, 1), "the column keeps its edit");
    }

    /** A key change and a body change in one statement: the page follows the key and takes the body; no second page. */
    @Test
    void aKeyAndABodyChangedInOneStatementReachTheSamePage(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it);
        Map<String, String> settings = BoundContentTest.settings(it, simulator, "notion-wins");
        NotionSync sync = BoundContentTest.bootstrapped(it, simulator, settings);
        String one = BoundContentTest.pageOf(sync, 1);
        inStep(sync, 3);
        TestEngine.execute(sync, "UPDATE public.notes SET id = 10, body = 'Moved and rewritten' WHERE id = 1");
        TestEngine.await("the body in the page", Duration.ofSeconds(30), () -> simulator.model().markdown(one).contains("Moved and rewritten"));
        settled(sync);
        Thread.sleep(2000);
        assertEquals(one, BoundContentTest.pageOf(sync, 10), "the row keeps its page");
        assertEquals("Moved and rewritten", BoundContentTest.body(sync, 10));
        assertEquals(3, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links WHERE source = 'notes' AND state = 'linked'"));
        clock.step();
        simulator.model().editContent(one, "Then edited in Notion");
        TestEngine.await("Notion's edit in the moved row", Duration.ofSeconds(60),
                () -> "Then edited in Notion".equals(String.valueOf(BoundContentTest.body(sync, 10)).strip()));
    }

    /** A row deleted and inserted again under its key in one transaction, with another body: the page takes it. */
    @Test
    void aRowDeletedAndInsertedAgainUnderItsKeyGivesItsPageTheNewBody(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it);
        Map<String, String> settings = BoundContentTest.settings(it, simulator, "notion-wins");
        NotionSync sync = BoundContentTest.bootstrapped(it, simulator, settings);
        inStep(sync, 3);
        TestEngine.execute(sync, "BEGIN; DELETE FROM public.notes WHERE id = 1; INSERT INTO public.notes VALUES (1, 'One again', 'Reborn body'); COMMIT");
        settled(sync);
        TestEngine.await("row 1 has a page with the new body", Duration.ofSeconds(60), () -> {
            String page = BoundContentTest.pageOf(sync, 1);
            return page != null && simulator.model().markdown(page).contains("Reborn body");
        });
        Thread.sleep(2500);
        assertEquals("Reborn body", BoundContentTest.body(sync, 1));
        String page = BoundContentTest.pageOf(sync, 1);
        assertTrue(simulator.model().markdown(page).contains("Reborn body"), simulator.model().markdown(page));
    }

    /**
     * A varchar column too short for some pages' bodies: each such page is reported (content_refused) and tried again at
     * every pass. More than one pass's worth of them (500) must not hold back the body of another page: an edit in
     * Notion of a page whose body fits still reaches its row.
     */
    @Test
    void pagesTheColumnRefusesDoNotHoldBackTheOthers(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it);
        Map<String, String> settings = BoundContentTest.settings(it, simulator, "notion-wins");
        NotionSync sync = it.create(settings);
        TestEngine.execute(sync, "CREATE TABLE public.notes (id bigint PRIMARY KEY, title text NOT NULL, body varchar(5))");
        TestEngine.execute(sync, "INSERT INTO public.notes SELECT g, 'Note ' || g, NULL FROM generate_series(1, 501) g");
        sync.start();
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        assertTrue(sync.bootstrap().bootstrap("notes", BootstrapTest.parentPage(simulator), progress::add).complete(), String.join("\n", progress));
        inStep(sync, 501);
        String last = TestEngine.queryString(sync, "SELECT max(page_id::text) FROM notion_sync.links WHERE source = 'notes'");
        clock.step();
        for (String page : TestEngine.queryString(sync, "SELECT string_agg(page_id::text, ',') FROM notion_sync.links WHERE source = 'notes'"
                + " AND page_id::text <> '" + last + "'").split(",")) {
            simulator.model().editContent(page, "A body far longer than five characters");
        }
        simulator.model().editContent(last, "fits");
        TestEngine.await("the bodies that do not fit reported", Duration.ofSeconds(120), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.bound_problems WHERE kind = 'content_refused' AND resolved_at IS NULL") == 500);
        TestEngine.await("the body that fits in its row", Duration.ofSeconds(30), () -> "fits".equals(TestEngine.queryString(sync,
                "SELECT n.body FROM public.notes n JOIN notion_sync.links l ON l.row_key = jsonb_build_object('id', n.id) WHERE l.page_id::text = '"
                        + last + "'")));
    }

    /**
     * A source switched from direction = both to pull while a body edit waits for the content push (which no longer
     * runs for it, and whose waiting edit the column can no longer replace: a pull-only source has no capture trigger,
     * and the engine's copy refuses edits). The page's later edits in Notion must still reach the column.
     */
    @Test
    void aSourceSwitchedToPullWithAnEditWaitingStillTakesNotionsEdits(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it);
        Map<String, String> settings = BoundContentTest.settings(it, simulator, "notion-wins");
        NotionSync sync = BoundContentTest.bootstrapped(it, simulator, settings);
        String one = BoundContentTest.pageOf(sync, 1);
        inStep(sync, 3);
        sync.context().getRouteController().suspendRoute("notion-content-push");
        TestEngine.execute(sync, "UPDATE public.notes SET body = 'Waiting edit' WHERE id = 1");
        settled(sync);
        sync.close();
        settings.put("notion.source.notes.direction", "pull");
        NotionSync pulling = it.start(settings);
        clock.step();
        simulator.model().editContent(one, "Written in Notion after the switch");
        TestEngine.await("Notion's edit in the column", Duration.ofSeconds(60),
                () -> "Written in Notion after the switch".equals(String.valueOf(BoundContentTest.body(pulling, 1)).strip()));
    }

    @Test
    void aTriggerOfTheTableRefusingOneBodyHoldsBackOnlyThatPage(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it);
        Map<String, String> settings = BoundContentTest.settings(it, simulator, "notion-wins");
        NotionSync sync = it.create(settings);
        TestEngine.execute(sync, "CREATE TABLE public.notes (id bigint PRIMARY KEY, title text NOT NULL, body text)");
        TestEngine.execute(sync, "INSERT INTO public.notes SELECT g, 'Note ' || g, NULL FROM generate_series(1, 3) g");
        // the application's own rule: no body may mention a secret
        TestEngine.execute(sync, "CREATE FUNCTION public.no_secrets() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " IF NEW.body LIKE '%secret%' THEN RAISE EXCEPTION 'bodies may not mention secrets'; END IF; RETURN NEW; END $$");
        TestEngine.execute(sync, "CREATE TRIGGER no_secrets BEFORE UPDATE ON public.notes FOR EACH ROW EXECUTE FUNCTION public.no_secrets()");
        sync.start();
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        assertTrue(sync.bootstrap().bootstrap("notes", BootstrapTest.parentPage(simulator), progress::add).complete(), String.join("\n", progress));
        inStep(sync, 3);
        clock.step();
        List<String> pages = List.of(BoundContentTest.pageOf(sync, 1), BoundContentTest.pageOf(sync, 2), BoundContentTest.pageOf(sync, 3));
        // the refused page sorts first, so a pass that stopped at it would never reach the others
        String refused = pages.stream().sorted().findFirst().orElseThrow();
        for (String page : pages) {
            simulator.model().editContent(page, page.equals(refused) ? "the secret plan" : "an ordinary body");
        }
        TestEngine.await("the other bodies in their rows", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM public.notes WHERE body = 'an ordinary body'") == 2);
        TestEngine.await("the refused body reported", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.bound_problems WHERE kind = 'content_refused' AND resolved_at IS NULL"
                        + " AND detail LIKE '%bodies may not mention secrets%'") == 1);
    }
}
