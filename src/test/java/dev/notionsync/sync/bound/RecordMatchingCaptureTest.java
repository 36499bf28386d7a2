package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Binding an existing Notion database while the application keeps writing: the first pull of a large database takes a
 * while, and the capture trigger is on before record matching has linked the rows to their pages. A row updated then
 * has no link yet; its change waits for matching and goes to the page matching links the row to, instead of making the
 * row a second page.
 */
@ExtendWith(IntegrationExtension.class)
class RecordMatchingCaptureTest {

    @Test
    void anUpdateMadeBeforeRecordMatchingGoesToTheMatchedPage(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "none-of-the-seeded");
        String source = "tasks" + settings.get("notion.db.schema").substring("notion_test_".length());
        String database = UUID.randomUUID().toString();
        String dataSource = UUID.randomUUID().toString();
        BindAdversarialTest.importDatabase(simulator, database, dataSource, "Tasks",
                BindAdversarialTest.properties("Name", "title", "Row key", "rich_text", "Points", "number"));
        for (int i = 1; i <= 8; i++) {
            BindAdversarialTest.createPage(simulator, dataSource, "task " + i, String.valueOf(i), null);
        }
        settings.put("notion.sources", source);
        settings.put("notion.source." + source + ".mode", "bind");
        settings.put("notion.source." + source + ".id", dataSource);
        settings.put("notion.source." + source + ".table", "public.tasks");
        settings.put("notion.source." + source + ".poll", "1s");
        settings.put("notion.bind.apply-poll", "300ms");
        settings.put("notion.push.poll", "300ms");
        settings.put("notion.sync.page-size", "2");   // the first pull reads the database in several slow queries
        NotionSync sync = it.create(settings);
        TestEngine.execute(sync, "CREATE TABLE tasks (id int PRIMARY KEY, name text NOT NULL, points int)");
        TestEngine.execute(sync, "INSERT INTO tasks SELECT g, 'task ' || g, NULL FROM generate_series(1, 8) g");
        TestEngine.simControl(simulator, "faults", "{\"latency_ms\":700}");
        sync.start();

        TestEngine.await("the capture trigger on the table", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.tasks'::regclass AND tgname = 'notion_sync_capture'") == 1);
        TestEngine.execute(sync, "UPDATE tasks SET points = 77 WHERE id = 3");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.bound_sources WHERE matched_at IS NOT NULL"),
                "the update was made before record matching");
        TestEngine.simControl(simulator, "faults", "{}");

        TestEngine.await("the update on task 3's page", Duration.ofSeconds(60), () -> pages(simulator, dataSource).get("3") != null
                && pages(simulator, dataSource).get("3").path("properties").path("Points").path("number").asInt() == 77);
        Thread.sleep(3000);   // pulls and Apply passes: a second page would be a row's page by now
        Map<String, Integer> perKey = new TreeMap<>();
        for (JsonNode page : simulator.model().pages(dataSource)) {
            perKey.merge(key(page), 1, Integer::sum);
        }
        assertEquals(8, perKey.size(), perKey.toString());
        assertTrue(perKey.values().stream().allMatch(n -> n == 1), "one page per row: " + perKey);
    }

    /** The pages not in the trash, by key. */
    private static Map<String, JsonNode> pages(NotionSimulator simulator, String dataSource) {
        Map<String, JsonNode> pages = new TreeMap<>();
        for (JsonNode page : simulator.model().pages(dataSource)) {
            if (!page.path("in_trash").asBoolean()) {
                pages.put(key(page), page);
            }
        }
        return pages;
    }

    private static String key(JsonNode page) {
        return page.path("properties").path("Row key").path("rich_text").path(0).path("plain_text").asText();
    }
}
