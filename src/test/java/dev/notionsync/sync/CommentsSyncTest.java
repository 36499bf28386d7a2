package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.config.SettingsException;
import dev.notionsync.sim.NotionSimulator;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Comments: <table>_comments read from the simulator over HTTP (polling and webhooks) and rows posted to it, exactly once. */
@ExtendWith(IntegrationExtension.class)
class CommentsSyncTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void commentsAreReadFirstThenNewAndDeletedOnesFoundWithoutWebhooks(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(4);
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        String other = TestEngine.seededPageId(simulator, "projects", 1);
        JsonNode first = person(simulator, page, "Is the budget final?");
        person(simulator, "{\"discussion_id\":\"" + first.get("discussion_id").asText() + "\",\"text\":\"Not yet.\"}");
        Map<String, String> settings = settings(it, simulator, "2s");
        settings.put("notion.users.refresh", "1s");
        NotionSync sync = it.start(settings);
        String comments = table(settings);

        TestEngine.await("the first read", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments) == 2);
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE comment_id = '" + first.get("id").asText()
                + "' AND page_id = '" + page + "' AND discussion_id = '" + first.get("discussion_id").asText() + "' AND parent_block_id IS NULL"
                + " AND author_id = '" + first.at("/created_by/id").asText() + "' AND plain_text = 'Is the budget final?' AND created_time IS NOT NULL"
                + " AND last_edited_time IS NOT NULL AND raw ->> 'object' = 'comment' AND deleted_at IS NULL AND post_status IS NULL"));
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE plain_text = 'Not yet.' AND discussion_id = '"
                + first.get("discussion_id").asText() + "'"));
        assertEquals(2, notionComments(simulator, page).size(), "the engine's own writes were not taken for comments to post");

        // without webhooks, a new comment on a page nobody edited is found by the rescan (here every 2 s)
        JsonNode late = person(simulator, other, "A late remark");
        TestEngine.await("the new comment, found without webhooks", Duration.ofSeconds(30),
                () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE comment_id = '" + late.get("id").asText() + "'") == 1);

        // deleted in Notion: kept, marked deleted (gone from a complete listing)
        TestEngine.simControl(simulator, "comments/" + first.get("id").asText(), "{\"deleted\":true}");
        TestEngine.await("the deleted comment marked", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE comment_id = '" + first.get("id").asText() + "' AND deleted_at IS NOT NULL AND deleted_reason = 'not listed'") == 1);
        assertEquals(3, TestEngine.count(sync, "SELECT count(*) FROM " + comments));

        // the README's join names the authors
        TestEngine.await("the users", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users") > 0);
        List<List<String>> joined = rows(sync, readmeQuery().replace("notion.projects", "\"" + settings.get("notion.db.schema") + "\".projects"));
        assertEquals(2, joined.size(), joined.toString());
        assertTrue(joined.stream().allMatch(r -> r.get(2) != null), "every author has a name: " + joined);
        assertTrue(joined.stream().anyMatch(r -> r.get(3).equals("A late remark")), joined.toString());
    }

    @Test
    void webhooksBringCommentsEditsAndDeletionsLongBeforeTheRescanAndCostNothingElsewhere(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = TestEngine.settingsFor(simulator, it.folder(), "1s", "projects", "revenue");
        String projects = TestEngine.sourceName(settings, "projects");
        settings.put("notion.source." + projects + ".comments", "true");
        settings.put("notion.comments.poll", "1s");
        settings.put("notion.comments.rescan", "1h");
        settings.put("notion.webhook.verification-token", "secret_sim_webhook");
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        String page = TestEngine.seededPageId(simulator, "projects", 2);
        TestEngine.await("every page listed once", Duration.ofSeconds(30),
                () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.comment_pages WHERE refused_status IS NULL") == 3);
        TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + settings.get("camel.server.port")
                + "/webhooks/notion\",\"verification_token\":\"secret_sim_webhook\",\"aggregation_window_ms\":100}");

        JsonNode added = person(simulator, page, "Seen by webhook");
        String id = added.get("id").asText();
        TestEngine.await("the webhook's comment (the rescan is an hour away)", Duration.ofSeconds(15),
                () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE comment_id = '" + id + "' AND plain_text = 'Seen by webhook'") == 1);
        TestEngine.simControl(simulator, "comments/" + id, "{\"text\":\"Seen by webhook, edited\"}");
        TestEngine.await("the edit", Duration.ofSeconds(15),
                () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE comment_id = '" + id + "' AND plain_text = 'Seen by webhook, edited'") == 1);
        TestEngine.simControl(simulator, "comments/" + id, "{\"deleted\":true}");
        TestEngine.await("the deletion", Duration.ofSeconds(15), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE comment_id = '" + id + "' AND deleted_reason = 'deleted'") == 1);

        // a comment on a page of a source without comments: no Notion call, no row
        long fetches = fetchesOfOneComment(simulator);
        String revenuePage = TestEngine.seededPageId(simulator, "revenue", 0);
        person(simulator, revenuePage, "Not ours to keep");
        TestEngine.await("the event ignored", Duration.ofSeconds(15), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox"
                + " WHERE event_type = 'comment.created' AND status = 'ignored'") == 1);
        assertEquals(fetches, fetchesOfOneComment(simulator));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE page_id = '" + revenuePage + "'"));
        assertEquals(2, fetchesOfOneComment(simulator), "one GET /v1/comments/{id} per created or updated comment of a source with comments on");
    }

    @Test
    void aRowInsertedIsPostedExactlyOnceThroughLostAnswersErrorsAndARacingRead(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = settings(it, simulator, "1h");
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        String bot = simulator.model().botUserId();

        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + page + "', 'Posted from PostgreSQL')");
        TestEngine.await("the row posted", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'Posted from PostgreSQL' AND post_status = 'posted' AND comment_id IS NOT NULL AND author_id = '" + bot + "'"
                + " AND created_time IS NOT NULL AND raw ->> 'object' = 'comment'") == 1);
        assertEquals(1, count(notionComments(simulator, page), "Posted from PostgreSQL"));
        String discussion = TestEngine.queryString(sync, "SELECT discussion_id FROM " + comments + " WHERE plain_text = 'Posted from PostgreSQL'");

        // a reply, by discussion alone (its page found from the discussion)
        TestEngine.execute(sync, "INSERT INTO " + comments + " (discussion_id, plain_text) VALUES ('" + discussion + "', 'A reply')");
        TestEngine.await("the reply posted", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'A reply' AND post_status = 'posted' AND page_id = '" + page + "' AND discussion_id = '" + discussion + "'") == 1);

        // the answer is lost after Notion made the comment: the next attempt finds it instead of posting it again
        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0,\"truncate_only\":[\"POST /v1/comments\"]}");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + page + "', 'Answer lost')");
        TestEngine.await("the lost answer seen", Duration.ofSeconds(20),
                () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE plain_text = 'Answer lost' AND post_status = 'sending'"
                        + " AND post_error IS NOT NULL") == 1);
        TestEngine.simControl(simulator, "faults", "{}");
        TestEngine.await("the comment found and kept", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'Answer lost' AND post_status = 'posted' AND comment_id IS NOT NULL") == 1);
        assertEquals(1, count(notionComments(simulator, page), "Answer lost"));

        // 500s: Notion did nothing; sent again, once it answers
        TestEngine.simControl(simulator, "faults", "{\"errors\":{\"500\":1.0}}");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + page + "', 'After 500s')");
        TestEngine.await("the 500 seen", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'After 500s' AND post_error IS NOT NULL") == 1);
        TestEngine.simControl(simulator, "faults", "{}");
        TestEngine.await("posted after the 500s", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'After 500s' AND post_status = 'posted'") == 1);
        assertEquals(1, count(notionComments(simulator, page), "After 500s"));

        // a read of the page racing the write-back (here: the poster stopped after a lost answer) completes the row, no second row
        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0,\"truncate_only\":[\"POST /v1/comments\"]}");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + page + "', 'Raced')");
        TestEngine.await("the lost answer seen", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'Raced' AND post_status = 'sending' AND post_error IS NOT NULL") == 1);
        sync.context().getRouteController().stopRoute("notion-comments-post");
        TestEngine.simControl(simulator, "faults", "{}");
        TestEngine.execute(sync, "DELETE FROM notion_sync.comment_pages");   // the page is due: the next read lists it
        TestEngine.await("the read completed the row", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'Raced' AND post_status = 'posted' AND comment_id IS NOT NULL") == 1);
        sync.context().getRouteController().startRoute("notion-comments-post");
        Thread.sleep(3000);
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE plain_text = 'Raced'"));
        assertEquals(1, count(notionComments(simulator, page), "Raced"));
        assertEquals(5, notionComments(simulator, page).size(), "every row posted once, nothing else");
        assertEquals(5, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE page_id = '" + page + "'"));

        // rows are not edited from PostgreSQL, and Notion's fields are not set by an INSERT
        SQLException edit = assertThrows(SQLException.class, () -> TestEngine.execute(sync, "UPDATE " + comments + " SET plain_text = 'x'"));
        assertTrue(edit.getMessage().contains("edit or delete the comment in Notion"), edit.getMessage());
        SQLException id = assertThrows(SQLException.class, () -> TestEngine.execute(sync, "INSERT INTO " + comments
                + " (comment_id, page_id, plain_text) VALUES (gen_random_uuid(), '" + page + "', 'x')"));
        assertTrue(id.getMessage().contains("comment_id is set when the comment is posted"), id.getMessage());
        SQLException noPage = assertThrows(SQLException.class, () -> TestEngine.execute(sync, "INSERT INTO " + comments + " (plain_text) VALUES ('x')"));
        assertTrue(noPage.getMessage().contains("page_id, the page to comment on, is required"), noPage.getMessage());
    }

    @Test
    void aRefusedCommentIsADeadLetterSayingWhatToDoAndItsReplayPostsIt(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = settings(it, simulator, "1h");
        NotionSync sync = it.start(settings);
        String comments = table(settings);
        String page = TestEngine.seededPageId(simulator, "projects", 1);

        TestEngine.await("the pages pulled", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM \""
                + settings.get("notion.db.schema") + "\".projects") == 2);
        String nowhere = TestEngine.seededPageId(simulator, "projects", 0);   // in the mirror, but no longer shared with the integration
        TestEngine.simControl(simulator, "blocks/" + nowhere, "{\"unshared\":true}");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + nowhere + "', 'On no page')");
        TestEngine.await("the refusal", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM " + comments
                + " WHERE plain_text = 'On no page' AND post_status = 'refused' AND post_error LIKE '%is gone or not shared with the integration%'") == 1);
        TestEngine.await("its dead letter", Duration.ofSeconds(10), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"
                + " WHERE endpoint_uri = 'direct:comment-post' AND exception_message LIKE '%404 object_not_found%'") == 1);

        TestEngine.simControl(simulator, "capabilities", "{\"insert_comments\":false}");
        TestEngine.execute(sync, "INSERT INTO " + comments + " (page_id, plain_text) VALUES ('" + page + "', 'Needs the capability')");
        TestEngine.await("the 403 dead letter", Duration.ofSeconds(20), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"
                + " WHERE endpoint_uri = 'direct:comment-post' AND exception_message LIKE '%enable the capability \"Insert comments\"%'") == 1);
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters WHERE coalesce(exception_message, '') || coalesce(body, '')"
                + " LIKE '%" + TestEngine.TOKEN + "%'"), "no token in a dead letter");
        Thread.sleep(3000);
        assertEquals(0, count(notionComments(simulator, page), "Needs the capability"));
        assertEquals(2, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"), "a refusal is not tried again on every poll");

        TestEngine.simControl(simulator, "capabilities", "{\"insert_comments\":true}");
        long letter = Long.parseLong(TestEngine.queryString(sync, "SELECT id FROM notion_sync.dead_letters WHERE exception_message LIKE '%Insert comments%'"));
        assertTrue(sync.deadLetters().replay(letter));
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + comments + " WHERE plain_text = 'Needs the capability' AND post_status = 'posted'"));
        assertEquals(1, count(notionComments(simulator, page), "Needs the capability"));
    }

    @Test
    void withoutTheReadCommentsCapabilityItIsLoggedOnceAndPropertySyncGoesOn(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(5);
        TestEngine.simControl(simulator, "capabilities", "{\"read_comments\":false}");
        Map<String, String> settings = settings(it, simulator, "1s");
        StringWriter log = new StringWriter();
        WriterAppender appender = WriterAppender.newBuilder().setName("comments-403").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %m%n").build()).build();
        appender.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(appender, null, null);
        try {
            NotionSync sync = it.start(settings);
            String mirror = "\"" + settings.get("notion.db.schema") + "\".projects";
            TestEngine.await("the refusal logged", Duration.ofSeconds(30), () -> log.toString().contains("\"Read comments\""));
            long listings = listings(simulator);
            Thread.sleep(5000);
            assertEquals(listings, listings(simulator), "not asked again at every poll");
            assertEquals(1, log.toString().split("Read comments", -1).length - 1, log.toString());
            assertTrue(log.toString().contains("WARN comments: Notion refused to list comments (403 restricted_resource)"), log.toString());
            assertEquals(5, TestEngine.count(sync, "SELECT count(*) FROM " + mirror), "property sync goes on");
            assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"));
        } finally {
            logging.getConfiguration().getRootLogger().removeAppender("comments-403");
            appender.stop();
        }
    }

    @Test
    void aCommentsTableThatWouldTakeAnotherTableStopsTheStart(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = TestEngine.settingsFor(simulator, it.folder(), "1h", "projects", "revenue");
        String projects = TestEngine.sourceName(settings, "projects");
        String revenue = TestEngine.sourceName(settings, "revenue");
        settings.put("notion.source." + projects + ".comments", "true");
        settings.put("notion.source." + revenue + ".table", "projects_comments");
        SettingsException clash = assertThrows(SettingsException.class, () -> it.create(settings));
        assertTrue(clash.getMessage().contains("comments table projects_comments is the table of source " + revenue), clash.getMessage());

        Map<String, String> other = settings(it, simulator, "1h");
        String schema = other.get("notion.db.schema");
        try (Connection c = java.sql.DriverManager.getConnection(other.get("notion.db.url")); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
            st.execute("CREATE TABLE \"" + schema + "\".projects_comments (id int)");
        }
        Exception taken = assertThrows(Exception.class, () -> it.start(other));
        String message = rootMessage(taken);
        assertTrue(message.contains("projects_comments exists and is not its comments table (notion-sync did not make it)"), message);
    }

    // ------------------------------------------------------------------ helpers

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

    private static JsonNode person(NotionSimulator simulator, String page, String text) throws Exception {
        return person(simulator, "{\"page_id\":\"" + page + "\",\"text\":\"" + text + "\"}");
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

    private static long fetchesOfOneComment(NotionSimulator simulator) throws Exception {
        return JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats")).at("/by_endpoint").path("GET /v1/comments/{id}").path("200").asLong();
    }

    private static long listings(NotionSimulator simulator) throws Exception {
        JsonNode endpoint = JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats")).at("/by_endpoint").path("GET /v1/comments");
        long n = 0;
        for (JsonNode status : endpoint) {
            n += status.asLong();
        }
        return n;
    }

    private static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }

    private static String readmeQuery() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("## Comments"), readme.indexOf("## Bound tables"));
        String sql = section.substring(section.lastIndexOf("```sql\n") + 7);
        return sql.substring(0, sql.indexOf("```")).trim().replaceAll(";$", "");
    }

    private static List<List<String>> rows(NotionSync sync, String sql) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
