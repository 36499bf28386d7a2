package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.cli.ManagementAddress;
import dev.notionsync.cli.VerifyCommand;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.sim.NotionSimulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Attacks on notion-sync verify [--repair]: a report must never say something false (a false consistent, a false
 * difference, a wrong count) and a repair must never lose, duplicate or corrupt a row. One engine for most tests:
 * projects pushes (direction both) but its push never comes (notion.push.poll 1h) and the source is paused (no poll
 * heals what a test set up), beside a bound source "notes" never bootstrapped. Each test uses pages of its own.
 */
@ExtendWith(IntegrationExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsistencyCheckAdversaryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;
    String source;
    String table;
    NotionSyncManagement operator;
    List<String> pages;

    @BeforeAll
    void start(Integration it) throws Exception {
        simulator = it.simulator(10);
        settings = it.settings(simulator, "1s", "projects");
        source = settings.get("notion.sources");
        table = "\"" + settings.get("notion.db.schema") + "\".projects";
        settings.put("notion.source." + source + ".direction", "both");
        settings.put("notion.push.poll", "1h");
        settings.put("notion.api.max-retries", "1");   // a Notion that keeps failing fails a call soon
        settings.put("notion.api.backoff-base", "100ms");
        settings.put("notion.api.backoff-max", "200ms");   // the push's first look comes before any change: later changes wait
        // a bound source never bootstrapped, beside the mirror source
        settings.put("notion.sources", source + ",notes");
        settings.put("notion.source.notes.mode", "bind");
        settings.put("notion.source.notes.table", "public.notes");
        sync = it.create(settings);
        TestEngine.execute(sync, "CREATE TABLE notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), body text NOT NULL)");
        sync.start();
        TestEngine.await("the pages in the table", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 10);
        operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        operator.pauseSource(source);
        pages = List.of(TestEngine.queryString(sync, "SELECT string_agg(page_id::text, ',' ORDER BY page_id) FROM " + table).split(","));
    }

    // ------------------------------------------------------------------ probes that held

    /** A row's UPDATE, a row's DELETE waiting for the push and a row awaiting its page: reported, never overwritten. */
    @Test
    void changesWaitingForThePushAreReportedAndLeftAlone() throws Exception {
        String updated = pages.get(0);
        String deleted = pages.get(1);
        String client = column("Client");
        TestEngine.execute(sync, "UPDATE " + table + " SET " + client + " = 'typed by a user' WHERE page_id = '" + updated + "'");
        TestEngine.execute(sync, "DELETE FROM " + table + " WHERE page_id = '" + deleted + "'");
        TestEngine.execute(sync, "INSERT INTO " + table + " (" + column("Name") + ", " + client + ") VALUES ('Made in Postgres', 'new row')");

        JsonNode projects = projects(verify(true));
        JsonNode row = differingRow(projects, updated);
        assertTrue(row != null && row.path("change_waiting_for_push").asBoolean(), projects.toPrettyString());
        assertEquals(List.of(unquoted(client)), texts(row.path("columns")));
        assertTrue(texts(projects.path("missing_in_postgres")).contains(deleted), projects.toPrettyString());
        assertTrue(projects.path("repaired").path("left_to_the_push").asInt() >= 2, projects.toPrettyString());
        assertEquals("typed by a user", TestEngine.queryString(sync, "SELECT " + client + " FROM " + table + " WHERE page_id = '" + updated + "'"));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + deleted + "'"), "the DELETE waits for the push");
        String inserted = TestEngine.queryString(sync, "SELECT page_id::text FROM " + table + " WHERE " + client + " = 'new row'");
        assertFalse(texts(projects.path("extra_in_postgres")).contains(inserted), "a row awaiting its page is not extra: " + projects.toPrettyString());
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + inserted + "' AND deleted_at IS NULL"));
    }

    /**
     * Notion failing mid-verify (--repair, over HTTP): a JSON error that says what failed, no token in it, nothing
     * written, and the next verify runs (the one-at-a-time guard is released).
     */
    @Test
    void notionFailingMidVerifyFailsCleanly() throws Exception {
        String page = pages.get(4);
        String client = column("Client");
        behindItsBack(sync, "UPDATE " + table + " SET " + client + " = 'drifted before the outage' WHERE page_id = '" + page + "'");
        String dataSource = simulator.workspace().source("projects").dataSourceId();
        TestEngine.simControl(simulator, "faults", "{\"failing_ids\":[\"" + dataSource + "\"],\"failing_status\":503}");
        HttpResponse<String> answer;
        try {
            answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + settings.get("camel.management.port")
                    + "/observe/verify?repair=true&source=" + source)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        assertEquals(500, answer.statusCode(), answer.body());
        String error = JSON.readTree(answer.body()).path("error").asText();
        assertTrue(error.contains("503") || error.toLowerCase(java.util.Locale.ROOT).contains("unavailable"), error);
        assertFalse(answer.body().contains(TestEngine.TOKEN), answer.body());
        assertEquals("drifted before the outage", TestEngine.queryString(sync, "SELECT " + client + " FROM " + table + " WHERE page_id = '" + page + "'"));
        String[] again = {null};
        TestEngine.await("a verify after the outage", Duration.ofSeconds(30), () -> {
            try {
                again[0] = operator.verify(source, false);
                return true;
            } catch (Exception e) {
                return false;   // the breaker may stay open a moment
            }
        });
        assertTrue(differingRow(projects(JSON.readTree(again[0])), page) != null, again[0]);
    }

    /** More than 100 pages (several result pages): every page read once, consistent, counted whole. */
    @Test
    void moreThanOneResultPageIsReadWholeAndConsistent(Integration it) throws Exception {
        NotionSimulator notion = it.simulator(230);
        Map<String, String> own = it.settings(notion, "1s", "agents");
        String name = own.get("notion.sources");
        String rows = "\"" + own.get("notion.db.schema") + "\".agents";
        NotionSync engine = it.start(own);
        TestEngine.await("the pages in the table", Duration.ofSeconds(60), () -> TestEngine.count(engine, "SELECT count(*) FROM " + rows) == 230);
        NotionSyncManagement management = engine.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        management.pauseSource(name);
        JsonNode report = JSON.readTree(management.verify(name, true));
        JsonNode agents = report.path("sources").get(0).path("tables").get(0);
        assertTrue(report.path("consistent").asBoolean(), agents.toPrettyString());
        assertEquals(230, agents.path("pages_in_notion").asInt());
        assertEquals(230, agents.path("consistent").asInt());
        assertEquals(0, agents.path("repaired").path("rows_written").asInt());
    }

    /**
     * Values whose conversion could tell a page from its row: long text in several pieces with emoji, right-to-left
     * script and a NUL (stored as U+FFFD), a number with many decimals, a date with a time and offset, a date alone,
     * options in no particular order. Pulled, then verified: no difference.
     */
    @Test
    void awkwardValuesPulledAreConsistent() throws Exception {
        String page = pages.get(5);
        String piece = "\u05e9\u05dc\u05d5\u05dd \ud83d\ude80 ".repeat(150);
        String body = "{\"properties\":{"
                + "\"Client\":{\"rich_text\":[{\"text\":{\"content\":" + JSON.writeValueAsString(piece + "\u0000") + "}},"
                + "{\"text\":{\"content\":" + JSON.writeValueAsString(piece) + "}}]},"
                + "\"Budget\":{\"number\":1234.5678901234567},"
                + "\"Timeline\":{\"date\":{\"start\":\"2026-03-01T10:15:00.000+02:00\",\"end\":\"2026-03-02T08:00:00.000-05:00\"}},"
                + "\"Kickoff call\":{\"date\":{\"start\":\"2026-04-01\"}},"
                + "\"Tags\":{\"multi_select\":[{\"name\":\"Infra\"},{\"name\":\"AI\"},{\"name\":\"Web\"}]}}}";
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + page, body);
        operator.syncNow(source);
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + page + "' AND position(U&'\\FFFD' IN "
                + column("Client") + ") > 0"), "the pull stored the NUL as U+FFFD");
        JsonNode projects = projects(verify(false));
        assertEquals(null, differingRow(projects, page), projects.toPrettyString());
    }

    // ------------------------------------------------------------------ finding: a user's UPDATE landing before the repair's write

    /**
     * The comparison reads the row, the repair writes it afterwards: a user's UPDATE committed between the two (here
     * held open while the comparison runs; the repair's write waits for its lock) is overwritten with Notion's values,
     * although its change now waits in the outbox. Until the push comes, the user reads their own write undone.
     */
    @Test
    void aUserUpdateCommittedBeforeTheRepairWriteIsKept() throws Exception {
        String page = pages.get(2);
        String client = column("Client");
        String budget = column("Budget");
        behindItsBack(sync, "UPDATE " + table + " SET " + client + " = 'drifted' WHERE page_id = '" + page + "'");
        try (Connection user = sync.database().dataSource().getConnection(); Statement sql = user.createStatement()) {
            user.setAutoCommit(false);
            sql.execute("UPDATE " + table + " SET " + budget + " = 777 WHERE page_id = '" + page + "'");
            CompletableFuture<String> verify = CompletableFuture.supplyAsync(() -> {
                try {
                    return operator.verify(source, true);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            TestEngine.await("the repair waiting for the user's row lock", Duration.ofSeconds(20), () -> verify.isDone()
                    || TestEngine.count(sync, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0);
            user.commit();
            verify.get(30, TimeUnit.SECONDS);
        }
        assertEquals("777", TestEngine.queryString(sync, "SELECT " + budget + "::int FROM " + table + " WHERE page_id = '" + page + "'"),
                "the user's committed UPDATE, still waiting for its push, was overwritten by verify --repair");
        JsonNode projects = projects(verify(false));
        JsonNode row = differingRow(projects, page);
        assertTrue(row != null && row.path("change_waiting_for_push").asBoolean(), projects.toPrettyString());
    }

    // ------------------------------------------------------------------ finding: signed file URLs

    /**
     * Notion signs the URL of a file it hosts anew on every read (…?X-Amz-Signature=…, valid an hour): the row holds
     * the URL of the read that wrote it. That is no difference (the push's own comparison drops the query), else no
     * source with an uploaded file is ever consistent and every repair rewrites it.
     */
    @Test
    void aHostedFileSignedAnewIsNoDifference() throws Exception {
        String page = pages.get(3);
        String file = "https://prod-files-secure.s3.us-west-2.amazonaws.example/plan.pdf";
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + page, "{\"properties\":{\"Brief\":{\"files\":[{\"name\":\"plan.pdf\",\"type\":\"file\","
                + "\"file\":{\"url\":\"" + file + "?X-Amz-Signature=new\",\"expiry_time\":\"2099-01-01T00:00:00.000Z\"}}]}}}");
        operator.syncNow(source);
        String urls = "\"" + unquoted(column("Brief")) + "_urls\"";
        assertEquals(file + "?X-Amz-Signature=new", TestEngine.queryString(sync, "SELECT " + urls + "[1] FROM " + table + " WHERE page_id = '" + page + "'"));
        // as an earlier read left it: signed then
        behindItsBack(sync, "UPDATE " + table + " SET " + urls + " = ARRAY['" + file + "?X-Amz-Signature=old'] WHERE page_id = '" + page + "'");
        JsonNode projects = projects(verify(false));
        assertEquals(null, differingRow(projects, page), projects.toPrettyString());
    }

    // ------------------------------------------------------------------ finding: verify of every source with a bound one

    /** notion-sync verify without a source checks every mirror source; a bound source among them is skipped, not fatal. */
    @Test
    void verifyOfEverySourceSkipsABoundSource() throws Exception {
        JsonNode all = JSON.readTree(operator.verify(null, false));
        List<String> checked = new ArrayList<>();
        all.path("sources").forEach(s -> checked.add(s.path("source").asText()));
        assertTrue(checked.contains(source), all.toPrettyString());
        assertTrue(projects(all).path("pages_in_notion").asInt() >= 9, all.toPrettyString());
        assertTrue(!checked.contains("notes"), all.toPrettyString());
        JsonNode notes = StreamSupport.stream(all.path("not_checked").spliterator(), false).filter(s -> s.path("source").asText().equals("notes"))
                .findFirst().orElseThrow(() -> new AssertionError("the bound source is not named: " + all.toPrettyString()));
        assertTrue(notes.path("reason").asText().contains("bound"), all.toPrettyString());
        // named on its own, it is refused with the reason
        IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> operator.verify("notes", false));
        assertTrue(refused.getMessage().contains("bound to public.notes"), refused.getMessage());
    }

    // ------------------------------------------------------------------ finding: a hostile source name

    /** The endpoint's error is JSON whatever the name holds, and the command line says what is wrong. */
    @Test
    void aSourceNameWithABackslashOrNewlineGetsAJsonError() throws Exception {
        String port = settings.get("camel.management.port");
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/observe/verify?source=" + URLEncoder.encode("no\\such\nsource", StandardCharsets.UTF_8))).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, answer.statusCode(), answer.body());
        JsonNode error = JSON.readTree(answer.body());   // must parse
        assertTrue(error.path("error").asText().contains("no\\such\nsource"), answer.body());

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int exit = VerifyCommand.run(new String[] {"bad\\name"}, ManagementAddress.local(Integer.parseInt(port)), Optional.empty(),
                new PrintStream(printed, true, StandardCharsets.UTF_8), new PrintStream(errors, true, StandardCharsets.UTF_8));
        String said = errors.toString(StandardCharsets.UTF_8);
        assertEquals(1, exit, said);
        assertTrue(said.contains("no pulled source named 'bad\\name'"), said);
    }

    // ------------------------------------------------------------------ finding: a listing answered before a push landed

    /**
     * verify's listing is answered (slowly) with a page as it was before a user's UPDATE was pushed; the push's
     * write-back lands before the comparison. The row is not a difference (it is newer than the listing), and the
     * repair must not put the listing's older values back over the pushed ones, nor count a write it did not make.
     */
    @Test
    void aListingOlderThanThePushedRowIsNoDifferenceAndNeverWrittenBack(Integration it) throws Exception {
        NotionSimulator notion = it.simulator(3);
        Map<String, String> own = it.settings(notion, "1s", "projects");
        String name = own.get("notion.sources");
        String rows = "\"" + own.get("notion.db.schema") + "\".projects";
        own.put("notion.source." + name + ".direction", "both");
        own.put("notion.push.poll", "200ms");
        own.put("notion.push.backoff-base", "200ms");
        NotionSync engine = it.start(own);
        TestEngine.await("the pages in the table", Duration.ofSeconds(60), () -> TestEngine.count(engine, "SELECT count(*) FROM " + rows) == 3);
        NotionSyncManagement management = engine.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        management.pauseSource(name);
        String page = TestEngine.queryString(engine, "SELECT min(page_id::text) FROM " + rows);
        String client = "\"" + TestEngine.queryString(engine, "SELECT column_base FROM notion_sync.column_catalog WHERE table_schema = '"
                + own.get("notion.db.schema") + "' AND table_name = 'projects' AND property_name = 'Client' AND removed_at IS NULL") + "\"";
        // an edit in Notion this minute, pulled: the row's last_edited_time is this minute, as the push's will be
        TestEngine.notion(notion, "PATCH", "/v1/pages/" + page, "{\"properties\":{\"Budget\":{\"number\":1234}}}");
        management.syncNow(name);

        String dataSource = notion.workspace().source("projects").dataSourceId();
        TestEngine.simControl(notion, "faults", "{\"stale_answers\":{\"POST /v1/data_sources/{id}/query\":4000}}");
        CompletableFuture<String> verify = CompletableFuture.supplyAsync(() -> {
            try {
                return management.verify(name, true);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        TestEngine.await("verify's listing computed", Duration.ofSeconds(10), () -> staleAnswers(notion) >= 1);
        TestEngine.simControl(notion, "faults", "{}");   // the push's own query is not held
        TestEngine.execute(engine, "UPDATE " + rows + " SET " + client + " = 'pushed by a user' WHERE page_id = '" + page + "'");
        TestEngine.await("the push landed", Duration.ofSeconds(10), () -> TestEngine.count(engine,
                "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + page + "' AND status = 'pushed'") == 1);
        assertEquals("pushed by a user", BootstrapText.client(notion, page));
        // a page made in Notion after the listing, pulled before the comparison: present in Notion, not extra
        String made = TestEngine.notion(notion, "POST", "/v1/pages", "{\"parent\":{\"type\":\"data_source_id\",\"data_source_id\":\"" + dataSource
                + "\"},\"properties\":{\"Name\":{\"title\":[{\"text\":{\"content\":\"Made meanwhile\"}}]}}}").path("id").asText();
        management.syncNow(name);
        assertEquals(1, TestEngine.count(engine, "SELECT count(*) FROM " + rows + " WHERE page_id = '" + made + "'"));
        assertFalse(verify.isDone(), "the listing was answered before the page was pulled: a slower hold is needed");
        JsonNode report = JSON.readTree(verify.get(30, TimeUnit.SECONDS));
        JsonNode projects = report.path("sources").get(0).path("tables").get(0);
        assertEquals("pushed by a user", TestEngine.queryString(engine, "SELECT " + client + " FROM " + rows + " WHERE page_id = '" + page + "'"),
                "verify --repair wrote the listing's older value over the pushed row: " + projects.toPrettyString());
        assertEquals(null, differingRow(projects, page), "a row newer than the listing is no difference: " + projects.toPrettyString());
        assertEquals(0, projects.path("repaired").path("rows_written").asInt(), projects.toPrettyString());
        assertFalse(texts(projects.path("extra_in_postgres")).contains(made), "a page made after the listing is no extra row: " + projects.toPrettyString());
        assertEquals(1, TestEngine.count(engine, "SELECT count(*) FROM " + rows + " WHERE page_id = '" + made + "' AND deleted_at IS NULL"));
    }

    // ------------------------------------------------------------------ helpers

    /** Reads a page's Client text from the simulator's model. */
    static final class BootstrapText {
        static String client(NotionSimulator notion, String page) {
            StringBuilder text = new StringBuilder();
            notion.model().page(page).orElseThrow().path("properties").path("Client").path("rich_text")
                    .forEach(t -> text.append(t.path("plain_text").asText()));
            return text.toString();
        }
    }

    /**
     * A change no trigger sees. SET LOCAL, in a transaction of its own: a session setting would stay on the pooled
     * connection, and every later statement on it (the tests' and the engine's) would go uncaptured.
     */
    private static void behindItsBack(NotionSync engine, String statement) throws Exception {
        try (Connection c = engine.database().dataSource().getConnection(); Statement sql = c.createStatement()) {
            c.setAutoCommit(false);
            sql.execute("SET LOCAL session_replication_role = replica");
            sql.execute(statement);
            c.commit();
            c.setAutoCommit(true);
        }
    }

    private static long staleAnswers(NotionSimulator notion) {
        try {
            JsonNode stats = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(notion.baseUrl() + "/__sim/stats")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            return stats.path("faults_injected").path("stale_answer").asLong();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode verify(boolean repair) throws Exception {
        return JSON.readTree(operator.verify(source, repair));
    }

    private JsonNode projects(JsonNode report) {
        for (JsonNode one : report.path("sources")) {
            if (one.path("source").asText().equals(source)) {
                return one.path("tables").get(0);
            }
        }
        throw new AssertionError("no report of " + source + ": " + report.toPrettyString());
    }

    private String column(String property) {
        return "\"" + TestEngine.queryString(sync, "SELECT column_base FROM notion_sync.column_catalog WHERE table_schema = '" + settings.get("notion.db.schema")
                + "' AND table_name = 'projects' AND property_name = '" + property + "' AND removed_at IS NULL") + "\"";
    }

    private static String unquoted(String column) {
        return column.substring(1, column.length() - 1);
    }

    private static JsonNode differingRow(JsonNode table, String pageId) {
        for (JsonNode row : table.path("differing")) {
            if (row.path("page_id").asText().equals(pageId)) {
                return row;
            }
        }
        return null;
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}

