package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * `notion-sync bootstrap` from the command line (Mode.BOOTSTRAP, no engine running) while the application keeps
 * writing to its table: the capture trigger is in place before bootstrap reads the rows, so every INSERT, UPDATE and
 * DELETE made during the bootstrap or after it, before the engine runs, reaches Notion once the engine starts, and a
 * row inserted during the bootstrap has exactly one page (bootstrap's or the push's: one create intent).
 */
@ExtendWith(IntegrationExtension.class)
class BootstrapCaptureTest {

    @Test
    void changesDuringAndAfterACommandLineBootstrapReachNotionOnceTheEngineStarts(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.sources", "tasks");
        settings.put("notion.source.tasks.mode", "bind");
        settings.put("notion.source.tasks.table", "public.tasks");
        String url = settings.get("notion.db.url");
        NotionSync bootstrap = it.createForBootstrap(settings);
        TestEngine.execute(bootstrap, "CREATE TABLE tasks (id int PRIMARY KEY, title text NOT NULL, points int)");
        TestEngine.execute(bootstrap, "INSERT INTO tasks SELECT g, 'task ' || g, g FROM generate_series(1, 40) g");
        bootstrap.start();
        String parent = BootstrapTest.parentPage(simulator);
        // every request takes a while: the application writes while bootstrap fills the database
        TestEngine.simControl(simulator, "faults", "{\"latency_ms\":40}");

        CompletableFuture<Void> application = CompletableFuture.runAsync(() -> {
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (count(st, "SELECT count(*) FROM notion_sync.links WHERE source = 'tasks'") < 5) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("bootstrap made no pages");
                    }
                    Thread.sleep(20);
                }
                st.execute("UPDATE tasks SET points = 1002 WHERE id = 2");          // its page is made already
                st.execute("UPDATE tasks SET title = 'renamed 38' WHERE id = 38");  // read by bootstrap, its page not made yet
                st.execute("DELETE FROM tasks WHERE id = 3");                       // its page is made already
                st.execute("DELETE FROM tasks WHERE id = 39");                      // read, its page not made yet
                st.execute("INSERT INTO tasks VALUES (41, 'inserted during', 41)"); // bootstrap's next batch makes its page too
                assertTrue(count(st, "SELECT count(*) FROM notion_sync.links WHERE source = 'tasks'") < 36,
                        "the changes were made while bootstrap was filling");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        assertTrue(bootstrap.bootstrap().bootstrap("tasks", parent, progress::add).complete(), String.join("\n", progress));
        application.join();
        TestEngine.simControl(simulator, "faults", "{}");
        // after the bootstrap, before the engine runs
        TestEngine.execute(bootstrap, "INSERT INTO tasks VALUES (42, 'inserted after', 42)");
        TestEngine.execute(bootstrap, "UPDATE tasks SET title = 'renamed 10', points = NULL WHERE id = 10");
        TestEngine.execute(bootstrap, "DELETE FROM tasks WHERE id = 20");
        bootstrap.close();

        NotionSync engine = it.start(settings);
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, title || '/' || coalesce(points::text, '-') FROM tasks")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2));
            }
        }
        assertEquals(39, rows.size(), "40 rows, 3 deleted, 2 inserted");
        try {
            TestEngine.await("Notion showing every row as it is", Duration.ofSeconds(60), () -> rows.equals(notion(simulator, engine)));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nrows:   " + rows + "\nnotion: " + notion(simulator, engine));
        }
        // no key has two pages, in the trash or not
        String dataSource = TestEngine.queryString(engine, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = 'tasks'");
        Map<String, Integer> perKey = new TreeMap<>();
        for (JsonNode page : simulator.model().pages(dataSource)) {
            perKey.merge(BootstrapTest.text(page, "Row key"), 1, Integer::sum);
        }
        assertEquals(42, perKey.size(), perKey.toString());
        assertTrue(perKey.values().stream().allMatch(n -> n == 1), "one page per key: " + perKey);
        for (String gone : List.of("3", "39", "20")) {
            JsonNode page = simulator.model().pages(dataSource).stream().map(p -> (JsonNode) p)
                    .filter(p -> BootstrapTest.text(p, "Row key").equals(gone)).findFirst().orElseThrow();
            assertTrue(page.path("in_trash").asBoolean(), "the deleted row " + gone + "'s page is in the trash");
        }
        TestEngine.await("every captured change settled", Duration.ofSeconds(30), () -> TestEngine.count(engine,
                "SELECT count(*) FROM notion_sync.row_changes WHERE status NOT IN ('pushed', 'ignored')") == 0);
    }

    /** The pages not in the trash: key -> title/points, as the rows read. */
    private static Map<String, String> notion(NotionSimulator simulator, NotionSync engine) {
        Map<String, String> shown = new TreeMap<>();
        for (JsonNode page : BootstrapTest.pages(simulator, engine, "tasks")) {
            JsonNode points = page.path("properties").path("points").path("number");
            shown.put(BootstrapTest.text(page, "Row key"), BootstrapTest.text(page, "title") + "/"
                    + (points.isNull() || points.isMissingNode() ? "-" : points.decimalValue().stripTrailingZeros().toPlainString()));
        }
        return shown;
    }

    private static long count(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
