package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An UPDATE whose PATCH landed in Notion but whose outbox entry was never closed (the engine died in between, as in
 * the push drill's kill -9) is pushed again. Notion then holds the very values the change sets: that is our own
 * write, not an edit made in Notion, so no conflict is recorded under any policy and nothing is sent twice.
 * The crash point is simulated with a trigger that makes the first completion of the page's outbox entry fail.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
class PushResentAfterCrashTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> POLICIES = List.of("notion-wins", "postgres-wins", "newest-wins");

    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;
    String schema;
    String suffix;
    List<String> pages;

    @BeforeAll
    void start(Integration integration) throws Exception {
        simulator = integration.simulator(12);
        settings = integration.settings(simulator, "1s", "projects");
        String first = TestEngine.sourceName(settings, "projects");
        suffix = first.substring("projects".length());
        String dataSource = settings.get("notion.source." + first + ".id");
        settings.keySet().removeIf(key -> key.startsWith("notion.source." + first + "."));
        List<String> names = new ArrayList<>();
        // one source per policy, all on the projects data source, each into a table of its own
        for (String policy : POLICIES) {
            String name = "p" + POLICIES.indexOf(policy) + suffix;
            names.add(name);
            settings.put("notion.source." + name + ".id", dataSource);
            settings.put("notion.source." + name + ".table", table(policy));
            settings.put("notion.source." + name + ".poll", "1s");
            settings.put("notion.source." + name + ".direction", "both");
            settings.put("notion.source." + name + ".conflict", policy);
        }
        settings.put("notion.sources", String.join(",", names));
        settings.put("notion.push.poll", "300ms");
        settings.put("notion.push.backoff-base", "200ms");
        schema = settings.get("notion.db.schema");
        sync = integration.start(settings);
        String projects = simulator.workspace().source("projects").dataSourceId();
        long expected = simulator.model().pages(projects).size();
        for (String policy : POLICIES) {
            String table = qualified(table(policy));
            TestEngine.await(table + " rows", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == expected
                    && TestEngine.count(sync, "SELECT count(*) FROM pg_trigger WHERE tgname = 'notion_sync_capture' AND tgrelid = '" + table + "'::regclass") == 1);
        }
        pages = simulator.model().pages(projects).stream().map(p -> p.path("id").asText()).sorted().toList();
        // the crash point: the first attempt to close an outbox entry of a chosen page fails, after its PATCH landed
        sql("CREATE TABLE \"" + schema + "\".crash_before_completion (page_id uuid PRIMARY KEY)");
        sql("CREATE FUNCTION \"" + schema + "\".crash_before_completion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " IF NEW.status = 'pushed' AND NEW.attempts = 0"
                + " AND EXISTS (SELECT 1 FROM \"" + schema + "\".crash_before_completion c WHERE c.page_id = NEW.page_id) THEN"
                + " RAISE EXCEPTION 'simulated crash: the engine died before the outbox entry was closed'; END IF;"
                + " RETURN NEW; END $$");
        sql("CREATE TRIGGER crash_before_completion BEFORE UPDATE ON notion_sync.outbox FOR EACH ROW"
                + " EXECUTE FUNCTION \"" + schema + "\".crash_before_completion()");
    }

    @AfterAll
    void stop() throws Exception {
        if (sync != null) {
            sql("DROP TRIGGER IF EXISTS crash_before_completion ON notion_sync.outbox");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"notion-wins", "postgres-wins", "newest-wins"})
    void anUpdatePushedAgainAfterItLandedIsNoConflict(String policy) throws Exception {
        String id = pages.get(POLICIES.indexOf(policy));
        String table = qualified(table(policy));
        sql("INSERT INTO \"" + schema + "\".crash_before_completion VALUES ('" + id + "')");
        long patches = endpoint("PATCH /v1/pages/{id}");
        sql("UPDATE " + table + " SET client = 'landed once', budget = 1234.50, tags = ARRAY['Web', 'Data'],"
                + " timeline = '2026-03-04' WHERE page_id = '" + id + "'");
        TestEngine.await("the outbox entry of " + id + " closed after one failed completion", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + id + "' AND status <> 'pending' AND attempts = 1") == 1);

        assertEquals("pushed", TestEngine.queryString(sync, "SELECT status FROM notion_sync.outbox WHERE page_id = '" + id + "'"));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE page_id = '" + id + "'"),
                "nobody edited the page in Notion: Notion holds our own values");
        JsonNode page = simulator.model().page(id).orElseThrow().path("properties");
        assertEquals("landed once", page.at("/Client/rich_text/0/plain_text").asText());
        assertEquals(0, page.at("/Budget/number").decimalValue().compareTo(new BigDecimal("1234.5")));
        assertEquals("[\"Web\",\"Data\"]", JSON.writeValueAsString(names(page.at("/Tags/multi_select"))));
        assertEquals("2026-03-04", page.at("/Timeline/date/start").asText());
        assertEquals("landed once|1234.5|{Web,Data}|2026-03-04", TestEngine.queryString(sync,
                "SELECT client || '|' || budget::float8 || '|' || tags::text || '|' || timeline FROM " + table + " WHERE page_id = '" + id + "'"));
        assertEquals(1, endpoint("PATCH /v1/pages/{id}") - patches, "the values already in Notion are not sent again");
    }

    @ParameterizedTest
    @ValueSource(strings = {"notion-wins", "postgres-wins", "newest-wins"})
    void aDeleteAfterAnUpdateThatLandedBeforeACrashTrashesThePage(String policy) throws Exception {
        String id = pages.get(3 + POLICIES.indexOf(policy));
        String table = qualified(table(policy));
        String source = "p" + POLICIES.indexOf(policy) + suffix;
        sql("UPDATE " + table + " SET client = 'landed before the crash' WHERE page_id = '" + id + "'");
        TestEngine.await("the update pushed", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + id + "' AND status = 'pushed'") == 1);
        // the pull waits meanwhile: a pull between a DELETE and its push brings the row back (a separate matter)
        sync.context().getRouteController().suspendRoute("poll-" + source);
        try {
            sync.context().getRouteController().suspendRoute("push-" + source);
            try {
                // the crash point: the update's PATCH landed, its outbox entry was never closed; then the row is deleted
                sql("UPDATE notion_sync.outbox SET status = 'pending', processed_at = NULL, claimed_at = NULL WHERE page_id = '" + id + "'");
                sql("DELETE FROM " + table + " WHERE page_id = '" + id + "'");
            } finally {
                sync.context().getRouteController().resumeRoute("push-" + source);
            }
            TestEngine.await("the outbox of " + id + " done", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + id + "' AND status = 'pending'") == 0);
        } finally {
            sync.context().getRouteController().resumeRoute("poll-" + source);
        }
        assertEquals(true, simulator.model().page(id).orElseThrow().path("in_trash").asBoolean(), "the page is in Notion's trash");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE page_id = '" + id + "'"),
                "Notion held our own update, nobody edited the page there");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + id + "'"), "the deleted row stays deleted");
    }

    static List<String> names(JsonNode options) {
        List<String> names = new ArrayList<>();
        options.forEach(o -> names.add(o.path("name").asText()));
        return names;
    }

    static String table(String policy) {
        return "projects_" + policy.replace("-", "_");
    }

    String qualified(String table) {
        return "\"" + schema + "\"." + table;
    }

    void sql(String statement) throws SQLException {
        TestEngine.execute(sync, statement);
    }

    long endpoint(String name) {
        JsonNode stats;
        try {
            stats = JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return stats.path("by_endpoint").path(name).path("200").asLong();
    }
}
