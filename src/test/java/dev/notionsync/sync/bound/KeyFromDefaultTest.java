package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A page made in Notion without a key becomes a row whose key comes from the key column's default (here a uuid);
 * the row's key is then written into the page's key property, once, so the page can be traced back to its row; the
 * write comes back as nothing (no echo, no loop).
 */
@ExtendWith(IntegrationExtension.class)
class KeyFromDefaultTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aNewPageWithoutKeyShowsItsRowsKeyFromTheDefault(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.sources", "notes");
        settings.put("notion.source.notes.mode", "bind");
        settings.put("notion.source.notes.table", "public.notes");
        settings.put("notion.source.notes.poll", "1s");   // not the default 30 s: as long as the waits below
        settings.put("notion.bind.apply-poll", "300ms");
        NotionSync sync = it.create(settings);
        TestEngine.execute(sync, "CREATE TABLE notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), body text NOT NULL, stars int)");
        TestEngine.execute(sync, "INSERT INTO notes (body, stars) VALUES ('from the table', 1)");
        sync.start();
        List<String> progress = new ArrayList<>();
        assertTrue(sync.bootstrap().bootstrap("notes", BootstrapTest.parentPage(simulator), progress::add).complete(), String.join("\n", progress));
        String dataSource = TestEngine.queryString(sync, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = 'notes'");

        ObjectNode body = JSON.createObjectNode();
        body.putObject("parent").put("type", "data_source_id").put("data_source_id", dataSource);
        ObjectNode properties = body.putObject("properties");
        properties.putObject("body").putArray("title").addObject().putObject("text").put("content", "Made in Notion");
        properties.putObject("stars").put("number", 5);
        String page = TestEngine.notion(simulator, "POST", "/v1/pages", body.toString()).path("id").asText();
        TestEngine.await("the new page's row", Duration.ofSeconds(30),
                () -> TestEngine.count(sync, "SELECT count(*) FROM notes WHERE body = 'Made in Notion' AND stars = 5") == 1);
        String key = TestEngine.queryString(sync, "SELECT id::text FROM notes WHERE body = 'Made in Notion'");
        // an edit in Notion while the key's write may still be waiting: it reaches the row all the same
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + page, "{\"properties\":{\"stars\":{\"number\":7}}}");
        TestEngine.await("the edit in the row", Duration.ofSeconds(30),
                () -> TestEngine.count(sync, "SELECT count(*) FROM notes WHERE id = '" + key + "' AND stars = 7") == 1);

        try {
            TestEngine.await("the row's key in the page's key property", Duration.ofSeconds(30),
                    () -> key.equals(BootstrapTest.text(simulator.model().page(page).orElseThrow(), "Row key")));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; page: " + simulator.model().page(page).orElseThrow().path("properties")
                    + "; row changes: " + TestEngine.queryString(sync, "SELECT string_agg(to_jsonb(r)::text, ' | ') FROM notion_sync.row_changes r"));
        }
        TestEngine.await("the key in the link's base", Duration.ofSeconds(10), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links"
                + " WHERE source = 'notes' AND page_id = '" + page + "' AND row_key = jsonb_build_object('id', '" + key + "'::uuid)"
                + " AND page_values::text LIKE '%" + key + "%'") == 1);

        // nothing comes back: no second row, no further change, the page is not written again
        String edited = simulator.model().page(page).orElseThrow().path("last_edited_time").asText();
        long changes = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE source = 'notes'");
        Thread.sleep(4000);   // several pulls and Apply passes
        assertEquals(1, changes, "one change: the key written into the page");
        assertEquals(changes, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE source = 'notes'"));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE source = 'notes' AND status <> 'pushed'"));
        assertEquals(edited, simulator.model().page(page).orElseThrow().path("last_edited_time").asText());
        assertEquals(2, TestEngine.count(sync, "SELECT count(*) FROM notes"));
        assertEquals(2, BootstrapTest.pages(simulator, sync, "notes").size());
        assertEquals("Made in Notion/7", TestEngine.queryString(sync, "SELECT body || '/' || stars FROM notes WHERE id = '" + key + "'"));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"));
    }
}
