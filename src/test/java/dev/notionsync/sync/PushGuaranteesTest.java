package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a push guarantees (issue 15): no edit is lost or falsely taken for a conflict, deletes and replays follow the
 * conflict policy, rejected values leave nothing divergent, and a batch reads Notion with few requests.
 * projects pushes with notion-wins, revenue with postgres-wins; every test uses pages of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
class PushGuaranteesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;
    String projects;
    String revenue;

    @BeforeAll
    void start(Integration integration) throws Exception {
        simulator = integration.simulator(40);
        settings = integration.settings(simulator, "1s", "projects", "revenue");
        projects = TestEngine.sourceName(settings, "projects");
        revenue = TestEngine.sourceName(settings, "revenue");
        settings.put("notion.source." + projects + ".direction", "both");
        settings.put("notion.source." + revenue + ".direction", "both");
        settings.put("notion.source." + revenue + ".conflict", "postgres-wins");
        settings.put("notion.push.poll", "300ms");
        settings.put("notion.push.backoff-base", "200ms");
        sync = integration.start(settings);
        for (String table : List.of("projects", "revenue")) {
            long expected = simulator.model().pages(simulator.workspace().source(table).dataSourceId()).size();
            TestEngine.await(table + " rows", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table(table)) == expected);
        }
    }

    // ------------------------------------------------------------------ item 1: edits while a push is in flight

    @Test
    void aSecondEditMadeWhileTheFirstIsInFlightReachesNotion() throws Exception {
        String id = pageId("projects", 0);
        TestEngine.simControl(simulator, "faults", "{\"latency_ms\":1500}");
        try {
            sql("UPDATE " + table("projects") + " SET client = 'first edit' WHERE page_id = '" + id + "'");
            TestEngine.await("the first edit claimed", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + id + "' AND claimed_at IS NOT NULL AND status = 'pending'") == 1);
            sql("UPDATE " + table("projects") + " SET client = 'second edit' WHERE page_id = '" + id + "'");
            awaitOutboxDone(id, 2);
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        assertEquals("second edit", page(id).at("/properties/Client/rich_text/0/plain_text").asText());
        assertEquals("second edit", rowValue("projects", "client", id));
        assertEquals(0, conflicts(id), "only PostgreSQL changed the page");
        assertEquals(2, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + id + "' AND status = 'pushed'"));
    }

    /**
     * Notion cuts last_edited_time to the minute: a pull query answered just before the push's PATCH, but reaching the
     * engine after its write-back, holds the page as it was, with the same edit minute. It must not put the row back.
     */
    @Test
    void aQueryAnsweredBeforeThePushButReadAfterItNeverPutsTheRowBack() throws Exception {
        String id = pageId("projects", 5);
        TestEngine.simControl(simulator, "faults", "{\"stale_answers\":{\"POST /v1/data_sources/{id}/query\":2500}}");
        try {
            for (int round = 1; round <= 3; round++) {
                String value = "pushed past a stale query " + round;
                sql("UPDATE " + table("projects") + " SET client = '" + value + "' WHERE page_id = '" + id + "'");
                awaitOutboxDone(id, round);
                assertEquals(value, page(id).at("/properties/Client/rich_text/0/plain_text").asText());
                Thread.sleep(3500);   // the pull's queries in flight during the PATCH have all been answered and written
                assertEquals(value, rowValue("projects", "client", id), "round " + round + ": the row is not put back");
            }
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
    }

    // ------------------------------------------------------------------ item 2: values compared by meaning

    @Test
    void aFractionalNumberInNotionIsNoConflict() throws Exception {
        String id = pageId("projects", 1);
        simulator.model().editPage(id, (ObjectNode) readJson("{\"Budget\":{\"number\":1234.5}}"));
        TestEngine.await("the pull brings 1234.5", Duration.ofSeconds(30), () -> "1234.5".equals(rowValue("projects", "budget", id)));
        sql("UPDATE " + table("projects") + " SET budget = 2000 WHERE page_id = '" + id + "'");
        awaitOutboxDone(id, 1);
        assertEquals(0, page(id).at("/properties/Budget/number").decimalValue().compareTo(new BigDecimal("2000")));
        assertEquals("2000", rowValue("projects", "budget", id));
        assertEquals(0, conflicts(id));
    }

    @Test
    void aRelationOfMoreThan25PagesIsComparedComplete() throws Exception {
        String id = pageId("projects", 2);
        ObjectNode edit = (ObjectNode) readJson("{\"Deals\":{\"relation\":[]}}");
        for (int i = 0; i < 30; i++) {
            edit.withArray("/Deals/relation").addObject().put("id", pageId("revenue", i));
        }
        simulator.model().editPage(id, edit);
        TestEngine.await("the pull brings 30 deals", Duration.ofSeconds(30), () -> "30".equals(TestEngine.queryString(sync,
                "SELECT cardinality(deals) FROM " + table("projects") + " WHERE page_id = '" + id + "'")));
        sql("UPDATE " + table("projects") + " SET deals = deals[1:29] WHERE page_id = '" + id + "'");
        awaitOutboxDone(id, 1);
        assertEquals("29", TestEngine.queryString(sync, "SELECT cardinality(deals) FROM " + table("projects") + " WHERE page_id = '" + id + "'"));
        JsonNode items = TestEngine.notion(simulator, "GET", "/v1/pages/" + id + "/properties/" + page(id).at("/properties/Deals/id").asText()
                + "?page_size=100", "");
        assertEquals(29, items.path("results").size(), "Notion holds the 29 pages sent");
        assertEquals(0, conflicts(id));
    }

    // ------------------------------------------------------------------ item 3: deletes and replays follow the policy

    @Test
    void aDeletedRowWhosePageWasEditedInNotionComesBackUnderNotionWins() throws Exception {
        String id = pageId("projects", 3);
        suspendPull(projects);
        try {
            simulator.model().editPage(id, (ObjectNode) readJson("{\"Client\":{\"rich_text\":[{\"text\":{\"content\":\"Edited in Notion\"}}]}}"));
            sql("DELETE FROM " + table("projects") + " WHERE page_id = '" + id + "'");
            awaitOutboxDone(id, 1);
        } finally {
            resumePull(projects);
        }
        assertFalse(page(id).path("in_trash").asBoolean(), "the page stays");
        assertEquals("Edited in Notion", rowValue("projects", "client", id), "the row is back with Notion's page");
        assertEquals("notion|(row deleted)", TestEngine.queryString(sync,
                "SELECT winner || '|' || property_name FROM notion_sync.conflicts WHERE page_id = '" + id + "'"));
        assertTrue(TestEngine.queryString(sync, "SELECT notion_value::text FROM notion_sync.conflicts WHERE page_id = '" + id + "'")
                .contains("Edited in Notion"));
    }

    @Test
    void aDeletedRowWhosePageWasEditedInNotionIsTrashedUnderPostgresWinsWithAConflict() throws Exception {
        String id = pageId("revenue", 30);
        suspendPull(revenue);
        try {
            simulator.model().editPage(id, (ObjectNode) readJson("{\"Amount\":{\"number\":4242}}"));
            sql("DELETE FROM " + table("revenue") + " WHERE page_id = '" + id + "'");
            TestEngine.await("page in trash", Duration.ofSeconds(30), () -> page(id).path("in_trash").asBoolean());
            awaitOutboxDone(id, 1);
        } finally {
            resumePull(revenue);
        }
        assertEquals("postgres", TestEngine.queryString(sync, "SELECT winner FROM notion_sync.conflicts WHERE page_id = '" + id + "'"));
    }

    @Test
    void aReplayUnderPostgresWinsKeepsNewerNotionValuesUnlessForced() throws Exception {
        String id = pageId("revenue", 31);
        long letter = deadLetterOfAnUpdate(id, 111);
        simulator.model().editPage(id, (ObjectNode) readJson("{\"Amount\":{\"number\":222}}"));
        assertEquals("{\"outcome\":\"resolved\"}", replay(letter, false));
        assertEquals(222, page(id).at("/properties/Amount/number").asInt(), "the newer value in Notion stays");
        assertEquals("notion|postgres-wins (replay)", TestEngine.queryString(sync,
                "SELECT winner || '|' || policy FROM notion_sync.conflicts WHERE page_id = '" + id + "' ORDER BY id DESC LIMIT 1"));

        long second = deadLetterOfAnUpdate(id, 333);
        simulator.model().editPage(id, (ObjectNode) readJson("{\"Amount\":{\"number\":444}}"));
        // the operator's command, over the management port like the HTTP call above
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int status = dev.notionsync.cli.DeadLetterCommand.run(new String[]{"replay", "--id", String.valueOf(second), "--force"},
                dev.notionsync.cli.ManagementAddress.local(Integer.parseInt(settings.get("camel.management.port"))), java.util.Optional.empty(), new java.io.PrintStream(out), System.err);
        assertEquals(0, status);
        assertEquals("resolved", out.toString().trim());
        assertEquals(333, page(id).at("/properties/Amount/number").asInt(), "a forced replay overwrites");
    }

    /** An UPDATE of amount that Notion refuses (the page is in Notion's trash meanwhile): its dead letter's id. */
    long deadLetterOfAnUpdate(String id, int amount) throws Exception {
        long before = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters");
        simulator.model().trashPage(id, true);
        try {
            sql("UPDATE " + table("revenue") + " SET amount = " + amount + " WHERE page_id = '" + id + "'");
            TestEngine.await("a dead letter", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters") > before);
        } finally {
            simulator.model().trashPage(id, false);
        }
        return TestEngine.count(sync, "SELECT max(id) FROM notion_sync.dead_letters");
    }

    String replay(long letter, boolean force) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:"
                        + settings.get("camel.management.port") + "/observe/dead-letters/replay?id=" + letter + (force ? "&force=true" : "")))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    // ------------------------------------------------------------------ items 4 and 5: rejections

    @Test
    void aRejectedStatusLeavesTheRowWithNotionsValueAndTheAttemptInTheDeadLetter() throws Exception {
        String id = pageId("projects", 4);
        String original = page(id).at("/properties/Stage/status/name").asText();
        sql("UPDATE " + table("projects") + " SET stage = 'No such stage' WHERE page_id = '" + id + "'");
        awaitOutboxDone(id, 1);
        assertEquals(original, page(id).at("/properties/Stage/status/name").asText());
        TestEngine.await("the row shows Notion's stage", Duration.ofSeconds(10), () -> original.equals(rowValue("projects", "stage", id)));
        assertEquals("No such stage", TestEngine.queryString(sync, "SELECT o.changed ->> 'stage' FROM notion_sync.dead_letters d"
                + " JOIN notion_sync.outbox o ON o.id = (d.body::jsonb -> 'outbox_ids' ->> 0)::bigint WHERE d.body LIKE '%" + id + "%'"));
    }

    @Test
    void anEditOfAReadOnlyColumnIsUndoneAndDeadLettered() throws Exception {
        String id = pageId("projects", 5);
        String health = column("projects", "Health");
        String original = rowValue("projects", health, id);
        sql("UPDATE " + table("projects") + " SET \"" + health + "\" = 'edited by hand', client = 'goes through' WHERE page_id = '" + id + "'");
        awaitOutboxDone(id, 1);
        assertEquals("goes through", page(id).at("/properties/Client/rich_text/0/plain_text").asText());
        assertEquals(original, rowValue("projects", health, id), "the row shows Notion's formula again");
        String letter = TestEngine.queryString(sync, "SELECT body FROM notion_sync.dead_letters WHERE body LIKE '%" + id + "%'");
        assertTrue(letter != null && letter.contains("edited by hand") && letter.contains("read-only"), letter);
    }

    @Test
    void invalidValuesAreDeadLetteredAtOnceWithTheirColumnsWhileTheOtherChangesGo() throws Exception {
        String id = pageId("projects", 6);
        JsonNode before = page(id).path("properties").deepCopy();
        long started = System.nanoTime();
        sql("UPDATE " + table("projects") + " SET budget = 'NaN', tags = ARRAY['Web', NULL], timeline = 'infinity',"
                + " client = 'valid change' WHERE page_id = '" + id + "'");
        awaitOutboxDone(id, 1);
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos(), "no retries with backoff");
        JsonNode after = page(id).path("properties");
        assertEquals("valid change", after.at("/Client/rich_text/0/plain_text").asText());
        for (String untouched : List.of("Budget", "Tags", "Timeline")) {
            assertEquals(before.get(untouched), after.get(untouched), untouched + " must not be sent");
        }
        String reason = TestEngine.queryString(sync, "SELECT exception_message FROM notion_sync.dead_letters WHERE body LIKE '%" + id + "%'");
        assertTrue(reason != null && reason.contains("'budget'") && reason.contains("NaN") && reason.contains("'tags'")
                && reason.contains("NULL") && reason.contains("'timeline'") && reason.contains("infinity"), reason);
        assertEquals("0", TestEngine.queryString(sync, "SELECT max(attempts) FROM notion_sync.outbox WHERE page_id = '" + id + "'"));
        assertEquals(before.at("/Budget/number").isNull() ? null : before.at("/Budget/number").decimalValue().stripTrailingZeros().toPlainString(),
                rowValue("projects", "budget", id) == null ? null : new BigDecimal(rowValue("projects", "budget", id)).stripTrailingZeros().toPlainString(),
                "the row shows Notion's budget again");
    }

    // ------------------------------------------------------------------ items 9 and 10: requests

    @Test
    void aBatchReadsNotionWithOneQueryNotAGetPerPage() throws Exception {
        List<String> ids = List.of(pageId("projects", 10), pageId("projects", 11), pageId("projects", 12), pageId("projects", 13),
                pageId("projects", 14), pageId("projects", 15));
        String pushRoute = "push-" + projects;
        sync.context().getRouteController().suspendRoute(pushRoute);
        long gets;
        long patches;
        try {
            for (String id : ids) {
                sql("UPDATE " + table("projects") + " SET budget = 7000 + " + ids.indexOf(id) + " WHERE page_id = '" + id + "'");
            }
            gets = endpoint("GET /v1/pages/{id}");
            patches = endpoint("PATCH /v1/pages/{id}");
        } finally {
            sync.context().getRouteController().resumeRoute(pushRoute);
        }
        for (String id : ids) {
            awaitOutboxDone(id, 1);
        }
        for (String id : ids) {
            assertEquals(7000 + ids.indexOf(id), page(id).at("/properties/Budget/number").asInt());
        }
        assertEquals(6, endpoint("PATCH /v1/pages/{id}") - patches);
        assertEquals(0, endpoint("GET /v1/pages/{id}") - gets, "no GET per page");
    }

    @Test
    void manyEditsOfOnePageInOneBatchAreOnePatch() throws Exception {
        String id = pageId("projects", 16);
        String pushRoute = "push-" + projects;
        long patches;
        sync.context().getRouteController().suspendRoute(pushRoute);
        try {
            patches = endpoint("PATCH /v1/pages/{id}");
            for (int i = 1; i <= 5; i++) {
                sql("UPDATE " + table("projects") + " SET client = 'edit " + i + "', budget = " + (100 + i) + " WHERE page_id = '" + id + "'");
            }
        } finally {
            sync.context().getRouteController().resumeRoute(pushRoute);
        }
        awaitOutboxDone(id, 5);
        assertEquals(1, endpoint("PATCH /v1/pages/{id}") - patches);
        assertEquals("edit 5", page(id).at("/properties/Client/rich_text/0/plain_text").asText());
        assertEquals(105, page(id).at("/properties/Budget/number").asInt());
    }

    // ------------------------------------------------------------------ helpers

    String table(String name) {
        return "\"" + settings.get("notion.db.schema") + "\"." + name;
    }

    void sql(String statement) throws SQLException {
        TestEngine.execute(sync, statement);
    }

    String pageId(String source, int index) {
        return TestEngine.seededPageId(simulator, source, index);
    }

    JsonNode page(String id) {
        return simulator.model().page(id).orElseThrow();
    }

    String rowValue(String table, String column, String id) {
        return TestEngine.queryString(sync, "SELECT \"" + column + "\"::text FROM " + table(table) + " WHERE page_id = '" + id + "'");
    }

    String column(String table, String property) {
        return TestEngine.queryString(sync, "SELECT column_base FROM notion_sync.column_catalog WHERE table_name = '" + table
                + "' AND property_name = '" + property + "' AND table_schema = '" + settings.get("notion.db.schema") + "'");
    }

    long conflicts(String id) {
        return TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE page_id = '" + id + "'");
    }

    void awaitOutboxDone(String pageId, int entries) throws InterruptedException {
        TestEngine.await("outbox of " + pageId + " done", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + pageId + "' AND status = 'pending'") == 0
                && TestEngine.count(sync, "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + pageId + "'") >= entries);
    }

    long endpoint(String name) {
        JsonNode stats = readJson(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats"));
        return stats.path("by_endpoint").path(name).path("200").asLong();
    }

    void suspendPull(String source) throws Exception {
        sync.context().getRouteController().suspendRoute("poll-" + source);
    }

    void resumePull(String source) throws Exception {
        sync.context().getRouteController().resumeRoute("poll-" + source);
    }

    static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
