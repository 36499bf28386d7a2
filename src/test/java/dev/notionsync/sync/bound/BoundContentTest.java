package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Page content of a bound table (notion.source.&lt;name&gt;.content-column): an application's own table with a text
 * column of bodies, bootstrapped into Notion with each row's body as its page's content, then kept in step both ways
 * through the simulator over HTTP and real PostgreSQL: an UPDATE of the column replaces the page's content (no echo,
 * the column keeps its text), an edit in Notion lands in the column, a new row's page gets its body, an edit made on
 * both sides is a conflict by policy, and the engine's copy of the content cannot be edited in place of the column.
 */
@ExtendWith(IntegrationExtension.class)
class BoundContentTest {

    private static final String PATCHES = "PATCH /v1/pages/{id}/markdown";

    /**
     * The simulator's clock runs minutes behind, and moves a minute on before each person's edit in Notion: every edit's
     * minute has closed by the time the engine looks, so content is read at once (the minute rule, README) rather than
     * a minute later, and no edit shares a minute with an earlier read.
     */
    static final class StepClock extends Clock {
        volatile Duration offset = Duration.ofMinutes(-4);

        void step() {
            offset = offset.plusMinutes(1);
        }

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
            return Instant.now().plus(offset);
        }
    }

    private final StepClock clock = new StepClock();

    private NotionSimulator simulator(Integration it) {
        return it.simulator(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1).withClock(clock));
    }

    static Map<String, String> settings(Integration it, NotionSimulator simulator, String conflict) {
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.sources", "notes");
        settings.put("notion.source.notes.mode", "bind");
        settings.put("notion.source.notes.table", "public.notes");
        settings.put("notion.source.notes.poll", "1s");   // a source of its own takes the 30 s default otherwise
        settings.put("notion.source.notes.content-column", "body");
        settings.put("notion.source.notes.conflict", conflict);
        settings.put("notion.bind.apply-poll", "300ms");
        settings.put("notion.content.poll", "300ms");
        settings.put("notion.push.poll", "300ms");
        settings.put("notion.push.backoff-base", "300ms");
        return settings;
    }

    static NotionSync bootstrapped(Integration it, NotionSimulator simulator, Map<String, String> settings) throws Exception {
        NotionSync sync = it.create(settings);
        TestEngine.execute(sync, "CREATE TABLE public.notes (id bigint PRIMARY KEY, title text NOT NULL, body text)");
        TestEngine.execute(sync, "INSERT INTO public.notes VALUES (1, 'One', E'# One\\n\\nThe first body.'), (2, 'Two', NULL), (3, 'Three', '')");
        sync.start();
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        assertTrue(sync.bootstrap().bootstrap("notes", BootstrapTest.parentPage(simulator), progress::add).complete(), String.join("\n", progress));
        return sync;
    }

    static String pageOf(NotionSync sync, long id) {
        return TestEngine.queryString(sync, "SELECT page_id::text FROM notion_sync.links WHERE source = 'notes' AND row_key = '{\"id\": " + id + "}'");
    }

    static String body(NotionSync sync, long id) {
        return TestEngine.queryString(sync, "SELECT body FROM public.notes WHERE id = " + id);
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "''") + "'";
    }


    private static String state(NotionSync sync, Map<String, String> settings, String page) {
        String schema = "\"" + settings.get("notion.db.schema") + "\"";
        return "content: " + TestEngine.queryString(sync, "SELECT to_jsonb(c)::text FROM " + schema + ".notes_content c WHERE page_id = '" + page + "'")
                + "; mirror: " + TestEngine.queryString(sync, "SELECT last_edited_time::text FROM " + schema + ".notes WHERE page_id = '" + page + "'")
                + "; link: " + TestEngine.queryString(sync, "SELECT content_hash || '/' || coalesce(content_row_hash, '-') FROM notion_sync.links"
                + " WHERE page_id = '" + page + "'") + "; changes: " + TestEngine.queryString(sync, "SELECT string_agg(status || ' ' || operation"
                + " || ' ' || coalesce(note, ''), ' | ') FROM notion_sync.row_changes") + "; problems: " + TestEngine.queryString(sync,
                "SELECT string_agg(detail, ' | ') FROM notion_sync.bound_problems");
    }

    @Test
    void bodiesGoBothWaysBetweenTheColumnAndThePages(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it);
        Map<String, String> settings = settings(it, simulator, "notion-wins");
        NotionSync sync = bootstrapped(it, simulator, settings);
        String one = pageOf(sync, 1);
        String two = pageOf(sync, 2);

        // bootstrap made the pages; each row's body follows as its page's content
        TestEngine.await("row 1's body in its page", Duration.ofSeconds(60), () -> simulator.model().markdown(one).contains("The first body."));
        TestEngine.await("every link in step", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.links WHERE source = 'notes' AND content_hash IS NOT NULL") == 3);
        assertEquals("", simulator.model().markdown(two).strip(), "a NULL body leaves the page empty");
        assertEquals("# One\n\nThe first body.", body(sync, 1), "the column keeps its own text");
        assertEquals(null, body(sync, 2), "nothing is written into a NULL body that agrees with an empty page");

        // an UPDATE of the column replaces the page's content, once, and nothing comes back
        long patches = TestEngine.simRequests(simulator, PATCHES);
        TestEngine.execute(sync, "UPDATE public.notes SET body = " + quote("# One\n\n* edited in PostgreSQL") + " WHERE id = 1");
        TestEngine.await("the edit in Notion", Duration.ofSeconds(30), () -> simulator.model().markdown(one).contains("edited in PostgreSQL"));
        Thread.sleep(2500);   // content reads and Apply passes after the push
        assertEquals(patches + 1, TestEngine.simRequests(simulator, PATCHES), "one PATCH per edit: no echo, no resend");
        assertEquals("# One\n\n* edited in PostgreSQL", body(sync, 1), "the column keeps the text as written (Notion renders it its way)");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE status = 'pending'"));

        // an edit made in Notion lands in the column
        clock.step();
        simulator.model().editContent(two, "## Made in Notion\n\nA paragraph.");
        try {
            TestEngine.await("Notion's edit in the column", Duration.ofSeconds(60), () -> String.valueOf(body(sync, 2)).contains("Made in Notion"));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; " + state(sync, settings, two));
        }
        assertEquals(simulator.model().markdown(two), body(sync, 2));
        Thread.sleep(1500);
        assertEquals(patches + 1, TestEngine.simRequests(simulator, PATCHES), "an edit from Notion is not pushed back");

        // a new row: its page is made, then gets the row's body
        TestEngine.execute(sync, "INSERT INTO public.notes VALUES (4, 'Four', " + quote("Body of four") + ")");
        TestEngine.await("row 4's page", Duration.ofSeconds(30), () -> pageOf(sync, 4) != null);
        String four = pageOf(sync, 4);
        TestEngine.await("row 4's body in its page", Duration.ofSeconds(30), () -> simulator.model().markdown(four).contains("Body of four"));

        // the engine's copy is not where bodies are edited: the error names the column
        SQLException refused = assertThrows(SQLException.class, () -> TestEngine.execute(sync, "UPDATE \"" + settings.get("notion.db.schema")
                + "\".notes_content SET markdown = 'x' WHERE page_id = '" + one + "'"));
        assertTrue(refused.getMessage().contains("edit column public.notes.body instead"), refused.getMessage());
        TestEngine.execute(sync, "UPDATE \"" + settings.get("notion.db.schema") + "\".notes_content SET requested_at = now() WHERE page_id = '"
                + one + "'");   // asking for a read is allowed
    }

    @Test
    void anEditOnBothSidesIsAConflictTheColumnLosesUnderNotionWins(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it);
        Map<String, String> settings = settings(it, simulator, "notion-wins");
        NotionSync sync = bootstrapped(it, simulator, settings);
        String one = pageOf(sync, 1);
        TestEngine.await("every link in step", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.links WHERE source = 'notes' AND content_hash IS NOT NULL") == 3);
        // the row's edit waits (its push held back) while a person edits the page: the Apply pass leaves a row with an edit waiting alone
        sync.context().getRouteController().suspendRoute("bind-push-notes");
        TestEngine.execute(sync, "UPDATE public.notes SET body = 'PostgreSQL''s version' WHERE id = 1");
        clock.step();
        simulator.model().editContent(one, "Notion's version");
        Thread.sleep(1500);
        assertEquals("PostgreSQL's version", body(sync, 1), "an edit waiting to be pushed is not overwritten by Apply");
        sync.context().getRouteController().resumeRoute("bind-push-notes");
        TestEngine.await("Notion's version in the column", Duration.ofSeconds(60), () -> "Notion's version".equals(String.valueOf(body(sync, 1)).strip()));
        assertEquals("Notion's version", simulator.model().markdown(one).strip(), "Notion's content stays");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE source = 'notes' AND property_name = 'page content'"
                + " AND winner = 'notion' AND postgres_value->>'markdown' = 'PostgreSQL''s version'"), "the column's edit is kept in the conflict");
    }
}
