package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Adversary probes of bound sources: rows the application deleted must not come back from a page whose row's
 * changes were settled without the shadow mirror knowing what became of the page. One bound source (notes, an existing
 * Notion database bound by record matching, on-trash = unlink), few push attempts so a failing push gives up quickly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
class WithdrawalAdversaryTest {

    Integration integration;
    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;
    String notes;
    final String notesDs = UUID.randomUUID().toString();

    @BeforeAll
    void start(Integration integration) throws Exception {
        this.integration = integration;
        simulator = integration.simulator(0);
        settings = integration.settings(simulator, "1s", "none-of-the-seeded");
        String schema = settings.get("notion.db.schema");
        notes = "notes" + schema.substring("notion_test_".length());
        sql("CREATE SCHEMA s13");
        sql("CREATE TABLE s13.notes (id bigint PRIMARY KEY, name text NOT NULL, body text)");
        BindAdversarialTest.importDatabase(simulator, UUID.randomUUID().toString(), notesDs, "Notes",
                BindAdversarialTest.properties("Name", "title", "Row key", "rich_text", "Body", "rich_text"));
        settings.put("notion.sources", notes);
        settings.put("notion.source." + notes + ".mode", "bind");
        settings.put("notion.source." + notes + ".id", notesDs);
        settings.put("notion.source." + notes + ".table", "s13.notes");
        settings.put("notion.source." + notes + ".poll", "1s");
        settings.put("notion.bind.apply-poll", "300ms");
        settings.put("notion.sync.sweep", "2s");
        settings.put("notion.push.poll", "300ms");
        // the lost create answer is the first attempt, the withdrawal the second and last
        settings.put("notion.push.backoff-base", "3s");
        settings.put("notion.push.max-attempts", "2");
        settings.put("notion.api.backoff-base", "100ms");
        settings.put("notion.api.backoff-max", "200ms");
        settings.put("notion.api.breaker.minimum-calls", "1000");
        sync = integration.start(settings);
        TestEngine.await("record matching of the source", Duration.ofSeconds(60), () ->
                count("SELECT count(*) FROM notion_sync.bound_sources WHERE matched_at IS NOT NULL") == 1);
        TestEngine.await("the capture trigger", Duration.ofSeconds(30), () ->
                count("SELECT count(*) FROM pg_trigger WHERE tgname = 'notion_sync_capture'") == 1);
    }

    /**
     * Finding 1: a row inserted and deleted while its create's answer was lost; the push's withdrawal of the page it
     * made cannot reach Notion and, after its last attempt, is a dead letter. The row's changes are settled (dead_letter)
     * without the shadow mirror or a link saying anything of the page, so the Apply bridge finds a live page naming key
     * 51, no row 51 and nothing pending: it makes the deleted row again, and tells subscribers Notion inserted it.
     * A user sees the row they deleted back in their table. (A DELETE of a linked row that dead-letters leaves the row
     * deleted: the link keeps the page from becoming a new row; the withdrawal has no link.)
     */
    @Test
    void aWithdrawalThatDeadLettersDoesNotBringTheDeletedRowBack() throws Exception {
        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0,\"truncate_only\":[\"POST /v1/pages\"]}");
        String page;
        try {
            sql("INSERT INTO s13.notes (id, name, body) VALUES (51, 'Withdrawn in vain', 'x')");
            TestEngine.await("the create went out and its answer was lost", Duration.ofSeconds(30), () -> livePagesWithKey("51").size() == 1
                    && count("SELECT count(*) FROM notion_sync.row_changes WHERE note IS NOT NULL AND status = 'pending'") > 0);
            sync.context().getRouteController().stopRoute("bind-push-" + notes);
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        page = livePagesWithKey("51").get(0).path("id").asText();
        try {
            sql("DELETE FROM s13.notes WHERE id = 51");
            TestEngine.await("the page in the shadow mirror", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM \""
                    + settings.get("notion.db.schema") + "\"." + notes + " WHERE page_id = '" + page + "'") == 1);
            // the page cannot be written for now (Notion answers 503 for it): the withdrawal fails, and gives up
            TestEngine.simControl(simulator, "faults", "{\"failing_ids\":[\"" + page + "\"],\"failing_status\":503}");
            sync.context().getRouteController().startRoute("bind-push-" + notes);
            TestEngine.await("the withdrawal a dead letter", Duration.ofSeconds(60), () -> count("SELECT count(*) FROM notion_sync.row_changes"
                    + " WHERE status = 'dead_letter' AND row_key = '{\"id\": 51}'") > 0);
            Thread.sleep(4000);   // pulls and Apply passes
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        assertEquals(0, count("SELECT count(*) FROM s13.notes WHERE id = 51"), "the application deleted row 51: it stays deleted");
        assertEquals(0, count("SELECT count(*) FROM notion_sync.change_events WHERE source = '" + notes + "' AND row_key = '{\"id\": 51}'"
                + " AND operation = 'insert' AND side <> 'postgres'"), "no subscriber was told the deleted row came back");
        // Notion answers again: the dead letter's replay withdraws the page, and the row stays deleted
        long letter = count("SELECT max(id) FROM notion_sync.dead_letters WHERE endpoint_uri = 'direct:bind-push-row' AND status = 'open'");
        java.net.http.HttpResponse<String> replay = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + settings.get("camel.management.port") + "/observe/dead-letters/replay?id=" + letter))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals("{\"outcome\":\"resolved\"}", replay.body());
        assertEquals(0, livePagesWithKey("51").size(), "the replay moved the page to Notion's trash");
        Thread.sleep(3000);
        assertEquals(0, count("SELECT count(*) FROM s13.notes WHERE id = 51"), "and row 51 stays deleted");
    }

    List<JsonNode> livePagesWithKey(String key) {
        return simulator.model().pages(notesDs).stream().filter(p -> !p.path("in_trash").asBoolean()).filter(p -> {
            StringBuilder text = new StringBuilder();
            p.at("/properties/Row key/rich_text").forEach(t -> text.append(t.path("plain_text").asText()));
            return key.equals(text.toString());
        }).map(p -> (JsonNode) p).toList();
    }

    void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(settings.get("notion.db.url")); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    long count(String sql) {
        return TestEngine.count(sync, sql);
    }
}
