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
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Push end to end: rows changed in PostgreSQL reach the simulator's pages over HTTP through the door, and come back
 * around exactly once. projects pushes with notion-wins, revenue with postgres-wins.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
class PushSyncTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;
    String projects;
    String revenue;
    String agents;

    @BeforeAll
    void start(Integration integration) throws Exception {
        simulator = integration.simulator(30);
        settings = integration.settings(simulator, "1s", "projects", "revenue", "agents");
        projects = TestEngine.sourceName(settings, "projects");
        revenue = TestEngine.sourceName(settings, "revenue");
        settings.put("notion.source." + projects + ".direction", "both");
        settings.put("notion.source." + revenue + ".direction", "both");
        settings.put("notion.source." + revenue + ".conflict", "postgres-wins");
        agents = TestEngine.sourceName(settings, "agents");
        settings.put("notion.source." + agents + ".direction", "both");
        settings.put("notion.source." + agents + ".conflict", "newest-wins");
        settings.put("notion.push.poll", "300ms");
        settings.put("notion.push.backoff-base", "200ms");
        settings.put("notion.push.batch-size", "2");
        sync = integration.start(settings);
        for (String table : List.of("projects", "revenue", "agents")) {
            long expected = simulator.model().pages(simulator.workspace().source(table).dataSourceId()).size();
            TestEngine.await(table + " rows", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table(table)) == expected);
            pageId(table, 0);
        }
    }

    String table(String name) {
        return "\"" + settings.get("notion.db.schema") + "\"." + name;
    }

    void sql(String statement) throws SQLException {
        TestEngine.execute(sync, statement);
    }

    /** The seeded pages of a source in a fixed order; each test takes its own, so tests do not disturb each other. */
    String pageId(String source, int index) {
        return seeded.computeIfAbsent(source, name -> simulator.model().pages(simulator.workspace().source(name).dataSourceId()).stream()
                .map(page -> page.path("id").asText()).sorted().toList()).get(index);
    }

    final Map<String, List<String>> seeded = new java.util.concurrent.ConcurrentHashMap<>();

    JsonNode page(String id) {
        return simulator.model().page(id).orElseThrow();
    }

    void awaitOutboxDone(String pageId) throws InterruptedException {
        TestEngine.await("outbox of " + pageId + " done", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + pageId + "' AND status = 'pending'") == 0
                && TestEngine.count(sync, "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + pageId + "'") > 0);
    }

    long patches() {
        JsonNode stats = readJson(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats"));
        return stats.path("by_endpoint").path("PATCH /v1/pages/{id}").path("200").asLong();
    }

    static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anUpdatedRowPatchesOnlyItsChangedPropertiesWithNotionsShapes() throws Exception {
        String id = pageId("projects", 0);
        JsonNode before = page(id).path("properties").deepCopy();
        sql("UPDATE " + table("projects") + " SET client = 'Acme Push', budget = 1234.50, tags = ARRAY['Web','AI'], priority = 'High',"
                + " billable = NOT coalesce(billable, false), timeline = DATE '2027-01-05', repository = 'https://example.org/repo'"
                + " WHERE page_id = '" + id + "'");
        awaitOutboxDone(id);
        JsonNode after = page(id).path("properties");
        assertEquals("Acme Push", after.at("/Client/rich_text/0/text/content").asText());
        assertEquals(1, after.at("/Client/rich_text").size());
        assertEquals(0, after.at("/Budget/number").decimalValue().compareTo(new java.math.BigDecimal("1234.5")));
        assertEquals(List.of("Web", "AI"), names(after.at("/Tags/multi_select")));
        assertEquals("High", after.at("/Priority/select/name").asText());
        assertEquals(!before.at("/Billable/checkbox").asBoolean(), after.at("/Billable/checkbox").asBoolean());
        assertEquals("2027-01-05", after.at("/Timeline/date/start").asText());
        assertEquals("https://example.org/repo", after.at("/Repository/url").asText());
        for (String untouched : List.of("Name", "Stage", "Contact email", "Contact phone", "Owner", "Deals", "Brief", "Kickoff call", "Site")) {
            assertEquals(before.get(untouched), after.get(untouched), untouched + " must not be sent");
        }
        String metrics = TestEngine.httpGet("http://localhost:" + settings.get("camel.management.port") + "/observe/metrics");
        assertTrue(metrics.contains("notion_sync_pushed_total{outcome=\"updated\",source=\"" + projects + "\"}"), metrics);
        assertTrue(metrics.contains("notion_sync_outbox_backlog "), metrics);
        // the row shows Notion's answer, and no change was captured from that write
        assertEquals("Acme Push", TestEngine.queryString(sync, "SELECT client FROM " + table("projects") + " WHERE page_id = '" + id + "'"));
        assertEquals(page(id).path("last_edited_time").asText().substring(0, 16),
                TestEngine.queryString(sync, "SELECT to_char(last_edited_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI') FROM "
                        + table("projects") + " WHERE page_id = '" + id + "'"));
    }

    @Test
    void theOtherWritableTypesRoundTripThroughNotion() throws Exception {
        String id = pageId("projects", 7);
        String user = simulator.model().botUserId();
        String person = page(pageId("projects", 8)).at("/properties/Owner/people").path(0).path("id").asText(user);
        String deal = pageId("revenue", 5);
        sql("UPDATE " + table("projects") + " SET kickoff_call_at = TIMESTAMPTZ '2027-02-03 10:15:00+00', kickoff_call_end_at = NULL,"
                + " owner_ids = ARRAY['" + person + "'], deals = ARRAY['" + deal + "'], brief_urls = ARRAY['https://files.example.org/brief.pdf'],"
                + " brief = ARRAY['Brief v2'], contact_email = 'ops@example.org', contact_phone = '+49 30 1234', site = 'HQ',"
                + " site_address = 'Berlin', site_lat = 52.52, site_lon = 13.405 WHERE page_id = '" + id + "'");
        awaitOutboxDone(id);
        JsonNode p = page(id).path("properties");
        assertTrue(p.at("/Kickoff call/date/start").asText().startsWith("2027-02-03T10:15:00"), p.at("/Kickoff call").toString());
        assertEquals(person, p.at("/Owner/people/0/id").asText());
        assertEquals(1, p.at("/Owner/people").size());
        assertEquals(deal, p.at("/Deals/relation/0/id").asText());
        assertEquals("Brief v2", p.at("/Brief/files/0/name").asText());
        assertEquals("https://files.example.org/brief.pdf", p.at("/Brief/files/0/external/url").asText());
        assertEquals("ops@example.org", p.at("/Contact email/email").asText());
        assertEquals("+49 30 1234", p.at("/Contact phone/phone_number").asText());
        assertEquals("Berlin", p.at("/Site/place/address").asText());
        assertEquals(0, p.at("/Site/place/lat").decimalValue().compareTo(new java.math.BigDecimal("52.52")));
        // what the pull maps back from Notion's answer is what was written
        assertEquals("2027-02-03 10:15:00+00|" + deal + "|ops@example.org|Berlin", TestEngine.queryString(sync,
                "SELECT (kickoff_call_at AT TIME ZONE 'UTC')::text || '+00|' || deals[1] || '|' || contact_email || '|' || site_address FROM "
                        + table("projects") + " WHERE page_id = '" + id + "'"));
    }

    @Test
    void aChangeGoesAroundOnceNotForever() throws Exception {
        String id = pageId("projects", 1);
        sql("UPDATE " + table("projects") + " SET client = 'Once around' WHERE page_id = '" + id + "'");
        awaitOutboxDone(id);
        long patchesAfterPush = patches();
        long outboxAfterPush = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.outbox");
        long runsBefore = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + projects + "' AND finished_at IS NOT NULL");
        TestEngine.await("two more pulls", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + projects + "' AND finished_at IS NOT NULL") >= runsBefore + 2);
        Thread.sleep(1000);   // a few push polls
        assertEquals(0, TestEngine.count(sync, "SELECT coalesce(sum(pages_inserted + pages_updated), 0) FROM (SELECT * FROM notion_sync.sync_runs"
                + " WHERE source = '" + projects + "' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 2) r"), "the pulls after a push write nothing");
        assertEquals(outboxAfterPush, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.outbox"), "the pull's writes are not captured");
        assertEquals(patchesAfterPush, patches(), "nothing is pushed again");
    }

    @Test
    void anInsertedRowCreatesAPageAndTakesItsId() throws Exception {
        sql("INSERT INTO " + table("projects") + " (name, client, budget, tags) VALUES ('Made in Postgres', 'Row client', 42, ARRAY['Data'])");
        TestEngine.await("the row's page", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table("projects")
                + " WHERE name = 'Made in Postgres' AND synced_at IS NOT NULL") == 1);
        String id = TestEngine.queryString(sync, "SELECT page_id FROM " + table("projects") + " WHERE name = 'Made in Postgres'");
        JsonNode page = page(id);
        assertEquals("Made in Postgres", page.at("/properties/Name/title/0/plain_text").asText());
        assertEquals("Row client", page.at("/properties/Client/rich_text/0/plain_text").asText());
        assertEquals(42, page.at("/properties/Budget/number").asInt());
        assertEquals(List.of("Data"), names(page.at("/properties/Tags/multi_select")));
        assertEquals(page.path("url").asText(), TestEngine.queryString(sync, "SELECT url FROM " + table("projects") + " WHERE page_id = '" + id + "'"));
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table("projects") + " WHERE name = 'Made in Postgres'"));
    }

    @Test
    void aDeletedRowTrashesItsPage() throws Exception {
        String id = pageId("projects", 2);
        sql("DELETE FROM " + table("projects") + " WHERE page_id = '" + id + "'");
        TestEngine.await("page in trash", Duration.ofSeconds(30), () -> page(id).path("in_trash").asBoolean());
        awaitOutboxDone(id);
    }

    @Test
    void aTenThousandCharacterTextRoundTrips() throws Exception {
        String id = pageId("projects", 3);
        sql("UPDATE " + table("projects") + " SET client = repeat('0123456789', 1000) || '😀' WHERE page_id = '" + id + "'");
        awaitOutboxDone(id);
        JsonNode items = page(id).at("/properties/Client/rich_text");
        assertEquals(6, items.size(), "10,002 UTF-16 units in text objects of at most 2000");
        StringBuilder text = new StringBuilder();
        items.forEach(item -> text.append(item.path("text").path("content").asText()));
        assertEquals("0123456789".repeat(1000) + "😀", text.toString());
        assertEquals(10_002, TestEngine.count(sync, "SELECT length(client) + 1 FROM " + table("projects") + " WHERE page_id = '" + id + "'"));
    }

    @Test
    void a150OptionMultiSelectIsRejectedClearlyAsADeadLetter() throws Exception {
        String id = pageId("projects", 4);
        JsonNode before = page(id).at("/properties/Tags");
        sql("UPDATE " + table("projects") + " SET tags = ARRAY(SELECT 'tag ' || n FROM generate_series(1, 150) n) WHERE page_id = '" + id + "'");
        awaitOutboxDone(id);
        assertEquals("dead_letter", TestEngine.queryString(sync, "SELECT status FROM notion_sync.outbox WHERE page_id = '" + id + "' ORDER BY id DESC LIMIT 1"));
        String reason = TestEngine.queryString(sync, "SELECT exception_message FROM notion_sync.dead_letters WHERE body LIKE '%" + id + "%'");
        assertTrue(reason != null && reason.contains("'Tags' has 150 options") && reason.contains("at most 100"), reason);
        assertEquals(before, page(id).at("/properties/Tags"), "nothing was sent");
    }

    @Test
    void aNotionRejectionIsADeadLetterWithNotionsReasonAndItsReplayCannotUndoALaterFix() throws Exception {
        String id = pageId("projects", 5);
        String original = page(id).at("/properties/Stage/status/name").asText();
        String fixed = original.equals("Review") ? "Scoping" : "Review";
        sql("UPDATE " + table("projects") + " SET stage = 'No such stage' WHERE page_id = '" + id + "'");
        awaitOutboxDone(id);
        String reason = TestEngine.queryString(sync, "SELECT exception_message FROM notion_sync.dead_letters WHERE body LIKE '%" + id + "%'");
        assertTrue(reason != null && reason.contains("400 validation_error") && reason.contains("No such stage"), reason);
        assertEquals(original, page(id).at("/properties/Stage/status/name").asText());
        long letter = TestEngine.count(sync, "SELECT id FROM notion_sync.dead_letters WHERE body LIKE '%" + id + "%'");
        // the operator fixes the row; the fix is pushed. Replaying the old change then meets a page that changed
        // since that change was made: the conflict policy (notion-wins) keeps the fix, and the letter resolves
        sql("UPDATE " + table("projects") + " SET stage = '" + fixed + "' WHERE page_id = '" + id + "'");
        TestEngine.await("the fix reaches Notion", Duration.ofSeconds(30), () -> fixed.equals(page(id).at("/properties/Stage/status/name").asText()));
        assertTrue(sync.deadLetters().replay(letter));
        assertEquals("resolved", TestEngine.queryString(sync, "SELECT status FROM notion_sync.dead_letters WHERE id = " + letter));
        assertEquals(fixed, page(id).at("/properties/Stage/status/name").asText());
    }

    @Test
    void aConflictFollowsNotionWinsAndIsRecorded() throws Exception {
        String id = pageId("projects", 6);
        sync.context().getRouteController().suspendRoute("poll-" + projects);
        try {
            simulator.model().editPage(id, (ObjectNode) readJson("{\"Client\":{\"rich_text\":[{\"text\":{\"content\":\"Notion side\"}}]}}"));
            sql("UPDATE " + table("projects") + " SET client = 'Postgres side' WHERE page_id = '" + id + "'");
            awaitOutboxDone(id);
        } finally {
            sync.context().getRouteController().resumeRoute("poll-" + projects);
        }
        assertEquals("Notion side", page(id).at("/properties/Client/rich_text/0/plain_text").asText());
        assertEquals("Notion side", TestEngine.queryString(sync, "SELECT client FROM " + table("projects") + " WHERE page_id = '" + id + "'"));
        assertEquals("notion", TestEngine.queryString(sync, "SELECT winner FROM notion_sync.conflicts WHERE page_id = '" + id + "'"));
        assertEquals("Postgres side", TestEngine.queryString(sync, "SELECT postgres_value #>> '{rich_text,0,text,content}' FROM notion_sync.conflicts WHERE page_id = '" + id + "'"));
        assertEquals("Notion side", TestEngine.queryString(sync, "SELECT notion_value #>> '{rich_text,0,plain_text}' FROM notion_sync.conflicts WHERE page_id = '" + id + "'"));
    }

    @Test
    void aConflictFollowsPostgresWinsPerProperty() throws Exception {
        String id = pageId("revenue", 0);
        sync.context().getRouteController().suspendRoute("poll-" + revenue);
        try {
            simulator.model().editPage(id, (ObjectNode) readJson("{\"Deal\":{\"title\":[{\"text\":{\"content\":\"Renamed in Notion\"}}]}}"));
            String title = TestEngine.queryString(sync, "SELECT column_base FROM notion_sync.column_catalog WHERE table_name = 'revenue'"
                    + " AND property_name = 'Deal' AND table_schema = '" + settings.get("notion.db.schema") + "'");
            sql("UPDATE " + table("revenue") + " SET \"" + title + "\" = 'Renamed in Postgres', amount = 777 WHERE page_id = '" + id + "'");
            awaitOutboxDone(id);
        } finally {
            sync.context().getRouteController().resumeRoute("poll-" + revenue);
        }
        JsonNode page = page(id);
        assertEquals("Renamed in Postgres", page.at("/properties/Deal/title/0/plain_text").asText());
        assertEquals(777, page.at("/properties/Amount/number").asInt());
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE page_id = '" + id + "'"),
                "only the title changed on both sides");
        assertEquals("postgres", TestEngine.queryString(sync, "SELECT winner FROM notion_sync.conflicts WHERE page_id = '" + id + "'"));
    }

    /**
     * newest-wins. Notion rounds last_edited_time down to the minute, so a PostgreSQL change made in the minute of an
     * edit in Notion may be the older one: the edit made in Notion stays. A change made after that minute wins. A
     * conflict record is kept either way.
     */
    @Test
    void aConflictFollowsNewestWins() throws Exception {
        String sameMinute = pageId("agents", 0);
        String minuteLater = pageId("agents", 1);
        sync.context().getRouteController().suspendRoute("poll-" + agents);
        try {
            PushAdversaryTest.awaitRoomInThisMinute(10);
            simulator.model().editPage(minuteLater, description("Older, in Notion"));
            simulator.model().editPage(sameMinute, description("Older, in Notion"));
            sql("UPDATE " + table("agents") + " SET description = 'Newer, in Postgres' WHERE page_id = '" + sameMinute + "'");
            awaitOutboxDone(sameMinute);
            // the next change comes after the minute Notion shows for its edit has ended
            Instant notionEdited = Instant.parse(page(minuteLater).path("last_edited_time").asText());
            TestEngine.await("the minute of the edit in Notion over", Duration.ofSeconds(70),
                    () -> Instant.now().isAfter(notionEdited.plusSeconds(60).plusMillis(500)));
            sql("UPDATE " + table("agents") + " SET description = 'Newer, in Postgres, a minute later' WHERE page_id = '" + minuteLater + "'");
            awaitOutboxDone(minuteLater);
        } finally {
            sync.context().getRouteController().resumeRoute("poll-" + agents);
        }
        assertEquals("Older, in Notion", page(sameMinute).at("/properties/Description/rich_text/0/plain_text").asText(),
                "within Notion's minute the order is unknown: the edit made in Notion stays");
        assertEquals("notion|newest-wins", TestEngine.queryString(sync,
                "SELECT winner || '|' || policy FROM notion_sync.conflicts WHERE page_id = '" + sameMinute + "'"));
        assertEquals("Newer, in Postgres, a minute later", page(minuteLater).at("/properties/Description/rich_text/0/plain_text").asText(),
                "a change made after the minute of the edit in Notion is the newer one");
        assertEquals("postgres|newest-wins", TestEngine.queryString(sync,
                "SELECT winner || '|' || policy FROM notion_sync.conflicts WHERE page_id = '" + minuteLater + "'"));
    }

    static ObjectNode description(String text) {
        return (ObjectNode) readJson("{\"Description\":{\"rich_text\":[{\"text\":{\"content\":\"" + text + "\"}}]}}");
    }

    @Test
    void twoInstancesPushEachChangeOnce() throws Exception {
        Map<String, String> second = new java.util.LinkedHashMap<>(settings);
        second.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        second.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        second.put("notion.db.url", sync.database().displayUrl());
        second.put("notion.db.user", "postgres");
        second.put("notion.source." + projects + ".poll", "1h");
        second.put("notion.source." + revenue + ".poll", "1h");
        second.put("notion.source." + agents + ".poll", "1h");
        // small claims, so both instances take part
        second.put("notion.push.batch-size", "2");
        try (NotionSync other = NotionSync.create(TestEngine.settings(second))) {
            other.start();
            long before = patches();
            List<String> ids = new ArrayList<>();
            for (int i = 10; i < 30; i++) {
                ids.add(pageId("projects", i));
            }
            for (String id : ids) {
                sql("UPDATE " + table("projects") + " SET budget = 5000 + " + ids.indexOf(id) + " WHERE page_id = '" + id + "'");
            }
            for (String id : ids) {
                awaitOutboxDone(id);
            }
            for (String id : ids) {
                assertEquals(5000 + ids.indexOf(id), page(id).at("/properties/Budget/number").asInt());
            }
            assertEquals(20, patches() - before, "20 changes, 20 PATCH requests");
            String idList = "'" + String.join("','", ids) + "'";
            assertEquals(2, TestEngine.count(sync, "SELECT count(DISTINCT claimed_by) FROM notion_sync.outbox WHERE page_id IN (" + idList + ")"),
                    "both instances pushed");
        }
    }

    static List<String> names(JsonNode options) {
        List<String> names = new ArrayList<>();
        options.forEach(o -> names.add(o.path("name").asText()));
        return names;
    }
}
