package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.notion.WebhookSignature;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Attacks on comment sync (README "Comments"): hostile text, rows aimed at pages outside the source, reads racing the
 * write-back, forged webhooks. Each test is what a user would observe, against the simulator over HTTP and PostgreSQL.
 */
@ExtendWith(IntegrationExtension.class)
class CommentsAdversaryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A person's comment holding U+0000 (Notion text may; PostgreSQL text and jsonb may not) must not stop comment
     * reading: before, its page's listing failed to store at every poll, first in line, so no page was ever listed again.
     */
    @Test
    void aNulInAPersonsCommentIsStoredAndReadingGoesOn(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(4);
        List<String> pages = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pages.add(TestEngine.seededPageId(simulator, "projects", i));
            person(simulator, "{\"page_id\":\"" + pages.get(i) + "\",\"text\":\"fine " + i + "\"}");
        }
        person(simulator, "{\"page_id\":\"" + pages.get(0) + "\",\"text\":\"nul\\u0000inside\"}");
        Map<String, String> settings = settings(it, simulator, "2s");
        NotionSync sync = it.start(settings);
        String comments = table(settings);

        TestEngine.await("every page's comments, the NUL one as U+FFFD", Duration.ofSeconds(30),
                () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments) == 5);
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE plain_text = 'nul\uFFFDinside'"));
        JsonNode late = person(simulator, "{\"page_id\":\"" + pages.get(3) + "\",\"text\":\"later\"}");
        TestEngine.await("a later comment, found by the rescan", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM " + comments + " WHERE comment_id = '" + late.get("id").asText() + "'") == 1);
    }

    /**
     * Two pollers on one database (two engines): a row whose claim ran out while its first poller was still busy with
     * other rows is claimed by the second; the first must then not send it too (it would post the comment twice), and
     * no poller claims a row while its POST is on its way.
     */
    @Test
    void aRowWhoseClaimRanOutIsSentByTheNewClaimerOnly(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = settings(it, simulator, "1h");
        NotionSync sync = it.start(settings);
        sync.context().getRouteController().stopRoute("notion-comments-post");   // the two pollers are this test's
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        TestEngine.execute(sync, "INSERT INTO " + table(settings) + " (page_id, plain_text) VALUES ('" + page + "', 'once')");
        dev.notionsync.store.CommentRows rows = new dev.notionsync.store.CommentRows(sync.database().dataSource());
        dev.notionsync.store.CommentTables.Table comments = new dev.notionsync.store.CommentTables.Table(settings.get("notion.db.schema"),
                "projects_comments", TestEngine.sourceName(settings, "projects"));

        List<dev.notionsync.store.CommentRows.Claim> first = rows.claimDue(comments, Duration.ofMinutes(2), 10);
        assertEquals(1, first.size());
        // the first poller's lease runs out (it is slow, or stuck behind the door)
        TestEngine.execute(sync, "BEGIN; SELECT set_config('notion_sync.origin', 'engine', true); UPDATE " + table(settings)
                + " SET post_next_at = now() - interval '1 second'; COMMIT");
        List<dev.notionsync.store.CommentRows.Claim> second = rows.claimDue(comments, Duration.ofMinutes(2), 10);
        assertEquals(1, second.size());

        assertTrue(!rows.sending(comments, first.get(0).localId(), first.get(0).until(), Duration.ofMinutes(10)),
                "the first poller lost its claim: it does not send");
        assertTrue(rows.sending(comments, second.get(0).localId(), second.get(0).until(), Duration.ofMinutes(10)));
        assertEquals(0, rows.claimDue(comments, Duration.ofMinutes(2), 10).size(), "a row being sent is not claimed again");
    }

    /**
     * A row being posted (its POST met a 500: nothing made, sent again later) must not be "completed" by an older
     * comment of this integration with the same text that no row holds (the user deleted its row, as the README allows,
     * or it was posted before comments were turned on): the row would say posted and its comment would never be made.
     */
    @Test
    void anOlderCommentOfThisIntegrationWithTheSameTextIsNeverTakenForARowBeingPosted(Integration it) throws Exception {
        MovableClock clock = new MovableClock();
        NotionSimulator simulator = it.simulator(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2).withClock(clock));
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        clock.offset = Duration.ofMinutes(-30);
        JsonNode old = TestEngine.notion(simulator, "POST", "/v1/comments", "{\"parent\":{\"page_id\":\"" + page + "\"},"
                + "\"rich_text\":[{\"type\":\"text\",\"text\":{\"content\":\"Done\"}}]}");
        clock.offset = Duration.ZERO;
        Map<String, String> settings = settings(it, simulator, "1h");
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        TestEngine.await("the old comment read", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE comment_id = '" + old.get("id").asText() + "'") == 1);
        TestEngine.execute(sync, "DELETE FROM " + comments + " WHERE comment_id = '" + old.get("id").asText() + "'");

        TestEngine.simControl(simulator, "faults", "{\"errors\":{\"500\":1.0}}");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + page + "', 'Done')");
        TestEngine.await("the 500 seen", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'Done' AND post_status = 'sending' AND post_error IS NOT NULL") == 1);
        sync.context().getRouteController().stopRoute("notion-comments-post");
        TestEngine.simControl(simulator, "faults", "{}");
        TestEngine.execute(sync, "DELETE FROM notion_sync.comment_pages");   // the page is listed again now, not in an hour
        TestEngine.await("the page listed again", Duration.ofSeconds(30),
                () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.comment_pages") == 2);
        sync.context().getRouteController().startRoute("notion-comments-post");

        TestEngine.await("the row's own comment made", Duration.ofSeconds(30), () -> count(notionComments(simulator, page), "Done") == 2);
        TestEngine.await("the row posted", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE post_status = 'posted'") == 1);
        assertNotEquals(old.get("id").asText(), TestEngine.queryString(sync, "SELECT comment_id FROM " + comments + " WHERE post_status = 'posted'"));
    }

    /**
     * The comments table of a source posts only on that source's pages: a row naming a page of another source (or of
     * no source), or replying to a discussion of another page, is refused saying why; nothing is posted there. Else
     * anyone who may insert into one comments table could comment on every page shared with the integration.
     */
    @Test
    void aRowAimedOutsideTheSourceIsRefusedAndNothingIsPostedThere(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = TestEngine.settingsFor(simulator, it.folder(), "1s", "projects", "revenue");
        settings.put("notion.source." + TestEngine.sourceName(settings, "projects") + ".comments", "true");
        settings.put("notion.comments.poll", "1s");
        settings.put("notion.comments.rescan", "1h");
        settings.put("notion.comments.post-poll", "300ms");
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        String ours = TestEngine.seededPageId(simulator, "projects", 0);
        String revenue = TestEngine.seededPageId(simulator, "revenue", 0);
        String unsynced = TestEngine.seededPageId(simulator, "agents", 0);
        JsonNode elsewhere = person(simulator, "{\"page_id\":\"" + unsynced + "\",\"text\":\"A thread elsewhere\"}");
        TestEngine.await("the pages synced", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.comment_pages") == 2);

        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + revenue + "', 'On another source')");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + unsynced + "', 'On no source')");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, discussion_id, plain_text) VALUES ('" + ours + "', '"
                + elsewhere.get("discussion_id").asText() + "', 'A reply elsewhere')");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + ours + "', 'On our page')");
        TestEngine.await("the row on our page posted", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'On our page' AND post_status = 'posted'") == 1);
        TestEngine.await("the others refused", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE post_status = 'refused' AND post_error LIKE '%not a page of source%'") == 3);
        assertEquals(0, notionComments(simulator, revenue).size());
        assertEquals(1, notionComments(simulator, unsynced).size(), "no reply was posted in the other page's discussion");
    }

    /**
     * A row on a page of the source whose parent_block_id is a block of another page (of no source) was posted on that
     * block. The block's page is now found by its parents (GET /v1/blocks/{id} per level) before the post.
     */
    @Test
    void aRowOnABlockOfAnotherPageIsRefused(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        Map<String, String> settings = settings(it, simulator, "1h");
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        String ours = TestEngine.seededPageId(simulator, "projects", 0);
        String unsynced = TestEngine.seededPageId(simulator, "agents", 0);
        String block = TestEngine.notion(simulator, "PATCH", "/v1/blocks/" + unsynced + "/children", "{\"children\":[{\"type\":\"paragraph\","
                + "\"paragraph\":{\"rich_text\":[{\"type\":\"text\",\"text\":{\"content\":\"Private notes\"}}]}}]}").at("/results/0/id").asText();
        TestEngine.await("the page pulled", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM \""
                + settings.get("notion.db.schema") + "\".projects") == 1);
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, parent_block_id, plain_text) VALUES ('" + ours + "', '" + block
                + "', 'On a block elsewhere')");
        TestEngine.await("the row refused", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE post_status = 'refused'") == 1);
        assertEquals(0, notionComments(simulator, block).size());

        // a block nested in a block of the row's own page is fine
        String toggle = TestEngine.notion(simulator, "PATCH", "/v1/blocks/" + ours + "/children", "{\"children\":[{\"type\":\"toggle\","
                + "\"toggle\":{\"rich_text\":[{\"type\":\"text\",\"text\":{\"content\":\"Details\"}}],\"children\":[{\"type\":\"paragraph\","
                + "\"paragraph\":{\"rich_text\":[{\"type\":\"text\",\"text\":{\"content\":\"Inside\"}}]}}]}}]}").at("/results/0/id").asText();
        String inside = TestEngine.notion(simulator, "GET", "/v1/blocks/" + toggle + "/children", null).at("/results/0/id").asText();
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, parent_block_id, plain_text) VALUES ('" + ours + "', '" + inside
                + "', 'On a block of ours')");
        TestEngine.await("the row on our block posted", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'On a block of ours' AND post_status = 'posted'") == 1);
        assertEquals(1, notionComments(simulator, inside).size());
    }

    /**
     * A listing of a page answered before our own comment was made, but stored after its write-back, must not mark
     * that comment deleted ("not listed"): without webhooks the page is not listed again before the rescan (hours).
     * Nor may it bring back a comment a webhook marked deleted meanwhile.
     */
    @Test
    void aListingOlderThanTheWriteBackOrADeletionNeverUndoesThem(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = settings(it, simulator, "1h");
        settings.put("notion.webhook.verification-token", "secret_sim_webhook");
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        JsonNode doomed = person(simulator, "{\"page_id\":\"" + page + "\",\"text\":\"Soon deleted\"}");
        TestEngine.await("both pages listed", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.comment_pages") == 2);
        TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + settings.get("camel.server.port")
                + "/webhooks/notion\",\"verification_token\":\"secret_sim_webhook\",\"aggregation_window_ms\":100}");

        // the page's listing is computed now and reaches the engine 4 s later
        TestEngine.simControl(simulator, "faults", "{\"stale_answers\":{\"GET /v1/comments\":4000}}");
        TestEngine.execute(sync, "DELETE FROM notion_sync.comment_pages WHERE page_id = '" + page + "'");
        TestEngine.await("the listing under way", Duration.ofSeconds(10), () -> stale(simulator) > 0);
        TestEngine.simControl(simulator, "faults", "{}");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + page + "', 'Posted during a listing')");
        TestEngine.simControl(simulator, "comments/" + doomed.get("id").asText(), "{\"deleted\":true}");
        TestEngine.await("the row posted", Duration.ofSeconds(10), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'Posted during a listing' AND post_status = 'posted'") == 1);
        TestEngine.await("the deletion's webhook", Duration.ofSeconds(10), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE comment_id = '" + doomed.get("id").asText() + "' AND deleted_at IS NOT NULL") == 1);
        TestEngine.await("the old listing stored", Duration.ofSeconds(15),
                () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.comment_pages WHERE page_id = '" + page + "'") == 1);

        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE plain_text = 'Posted during a listing'"
                + " AND deleted_at IS NULL"), "our comment is in Notion: not deleted");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE comment_id = '" + doomed.get("id").asText()
                + "' AND deleted_at IS NOT NULL"), "the comment deleted in Notion stays deleted");
    }

    /**
     * Two rows with the same text on one page ("+1" twice): the first's POST met a 500 (nothing made, sent again later),
     * the second's comment is read by a listing before its write-back. The listing may take it for the first row; the
     * write-back must then give the first row back to its own post, not delete it: else one "+1" is never made.
     */
    @Test
    void aWriteBackNeverDeletesAnotherRowStillToBePosted(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        Map<String, String> settings = settings(it, simulator, "1h");
        settings.put("notion.push.backoff-base", "10s");   // the first row waits while the second is posted
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        TestEngine.await("the page listed", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.comment_pages") == 1);

        TestEngine.simControl(simulator, "faults", "{\"errors\":{\"500\":1.0}}");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + page + "', '+1')");
        TestEngine.await("the 500 seen", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE post_status = 'sending' AND post_error IS NOT NULL") == 1);
        // the second row's comment is made now, its answer reaches the engine 4 s later; a listing comes in between
        TestEngine.simControl(simulator, "faults", "{\"stale_answers\":{\"POST /v1/comments\":4000}}");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + page + "', '+1')");
        TestEngine.await("the second comment made", Duration.ofSeconds(10), () -> notionComments(simulator, page).size() == 1);
        TestEngine.execute(sync, "DELETE FROM notion_sync.comment_pages");
        TestEngine.await("the page listed again", Duration.ofSeconds(10), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.comment_pages") == 1);
        TestEngine.simControl(simulator, "faults", "{}");

        TestEngine.await("both rows posted", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE post_status = 'posted'") == 2);
        assertEquals(2, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE plain_text = '+1'"));
        assertEquals(2, count(notionComments(simulator, page), "+1"), "each row's comment made once");
    }

    /**
     * A comment event signed with the right secret (a replay, or a sender that has it) naming a page of a source with
     * comments on, but a comment on another page (of a source without comments), must not put that comment into this
     * source's comments table: the comment's own parent, as Notion answers it, decides, as for pages.
     */
    @Test
    void aSignedCommentEventNeverStoresACommentOfAnotherSourcesPage(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = TestEngine.settingsFor(simulator, it.folder(), "1s", "projects", "revenue");
        settings.put("notion.source." + TestEngine.sourceName(settings, "projects") + ".comments", "true");
        settings.put("notion.comments.poll", "1s");
        settings.put("notion.comments.rescan", "1h");
        settings.put("notion.webhook.verification-token", "secret_sim_webhook");
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        String ours = TestEngine.seededPageId(simulator, "projects", 0);
        String revenue = TestEngine.seededPageId(simulator, "revenue", 0);
        JsonNode theirs = person(simulator, "{\"page_id\":\"" + revenue + "\",\"text\":\"Salary figures, not for the projects table\"}");
        TestEngine.await("the pages listed", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.comment_pages") == 2);

        ObjectNode event = JSON.createObjectNode().put("id", UUID.randomUUID().toString()).put("timestamp", Instant.now().toString())
                .put("workspace_id", simulator.model().workspaceId()).put("subscription_id", UUID.randomUUID().toString())
                .put("integration_id", simulator.model().botUserId()).put("type", "comment.created").put("attempt_number", 1);
        event.putArray("authors").addObject().put("id", UUID.randomUUID().toString()).put("type", "person");
        event.putObject("entity").put("id", theirs.get("id").asText()).put("type", "comment");
        ObjectNode data = event.putObject("data").put("page_id", ours);
        data.putObject("parent").put("id", ours).put("type", "page");
        byte[] body = event.toString().getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + settings.get("camel.server.port") + "/webhooks/notion")).header("Content-Type", "application/json")
                .header("X-Notion-Signature", WebhookSignature.sign(body, "secret_sim_webhook")).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        TestEngine.await("the event handled", Duration.ofSeconds(15), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox"
                + " WHERE event_type = 'comment.created' AND status IN ('applied', 'ignored')") == 1);
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE comment_id = '" + theirs.get("id").asText() + "'"),
                "another source's comment is not in this table");
    }

    /** Text that is only white space (newlines, tabs, no-break spaces) is no comment: refused at the INSERT, as an empty one. */
    @Test
    void whitespaceOnlyTextIsRefusedAtTheInsert(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        Map<String, String> settings = settings(it, simulator, "1h");
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        for (String blank : List.of("E'\\n\\t\\r '", "E'\\u00a0\\u3000'")) {
            SQLException refused = assertThrows(SQLException.class, () -> TestEngine.execute(sync, "INSERT INTO " + comments
                    + " (page_id, plain_text) VALUES ('" + page + "', " + blank + ")"), blank);
            assertTrue(refused.getMessage().contains("plain_text, the comment's text, is required"), refused.getMessage());
        }
        Thread.sleep(1500);
        assertEquals(0, notionComments(simulator, page).size());
    }

    /**
     * Held: long text (100,000 characters, an emoji straddling each 2,000-character chunk), right-to-left text, posted
     * once with the text intact; and through a lost answer it is found, not sent again.
     */
    @Test
    void longAndHostileTextIsPostedOnceIntact(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        Map<String, String> settings = settings(it, simulator, "1h");
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        StringBuilder text = new StringBuilder();
        while (text.length() < 100_000) {
            text.append("x".repeat(1999 - text.length() % 2000)).append("\uD83D\uDE00");   // 😀 across the chunk boundary
        }
        String rtl = "שלום עולם مرحبا \u202Eevil\u202C";
        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0,\"truncate_only\":[\"POST /v1/comments\"]}");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + page + "', '" + text + "'), ('" + page + "', '" + rtl + "')");
        TestEngine.await("the lost answers seen", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE post_status = 'sending' AND post_error IS NOT NULL") == 2);
        TestEngine.simControl(simulator, "faults", "{}");
        TestEngine.await("both found", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE post_status = 'posted'") == 2);
        List<JsonNode> inNotion = notionComments(simulator, page);
        assertEquals(2, inNotion.size());
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE plain_text = '" + text + "' AND length(plain_text) = "
                + text.codePointCount(0, text.length())));
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE plain_text = '" + rtl + "'"));
    }

    // ------------------------------------------------------------------ helpers

    /** A clock the simulator reads, moved by the test. */
    static final class MovableClock extends Clock {
        volatile Duration offset = Duration.ZERO;

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

    private static Map<String, String> settings(Integration it, NotionSimulator simulator, String rescan) {
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.source." + TestEngine.sourceName(settings, "projects") + ".comments", "true");
        settings.put("notion.comments.poll", "1s");
        settings.put("notion.comments.rescan", rescan);
        settings.put("notion.comments.post-poll", "300ms");
        settings.put("notion.push.backoff-base", "500ms");
        return settings;
    }

    private static String table(Map<String, String> settings) {
        return "\"" + settings.get("notion.db.schema") + "\".projects_comments";
    }

    private static JsonNode person(NotionSimulator simulator, String body) throws Exception {
        return JSON.readTree(TestEngine.simControl(simulator, "comments", body));
    }

    private static List<JsonNode> notionComments(NotionSimulator simulator, String page) {
        List<JsonNode> all = new ArrayList<>();
        TestEngine.notion(simulator, "GET", "/v1/comments?block_id=" + page + "&page_size=100", "").get("results").forEach(all::add);
        return all;
    }

    private static long count(List<JsonNode> comments, String text) {
        return comments.stream().filter(c -> c.at("/rich_text/0/plain_text").asText().equals(text)).count();
    }

    private static long stale(NotionSimulator simulator) {
        try {
            return JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats")).path("faults_injected").path("stale_answer").asLong();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
