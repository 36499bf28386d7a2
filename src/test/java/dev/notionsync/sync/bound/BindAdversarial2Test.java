package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Second adversarial round on bind mode (issue 17): lost create answers raced by deletes and key changes, an engine
 * restart in the middle of a push, huge and hostile values, secrets in excluded columns, hostile keys, and
 * direction=push doing only what it says. Each test asserts what a user observes, against the simulator over HTTP and a
 * real PostgreSQL. Existing (empty) Notion databases bound by record matching: notes (direction both, a secret column
 * excluded), keys (a text key), pushonly (direction push).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
class BindAdversarial2Test {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "hunter2-s3cr3t-value";

    Integration integration;
    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;
    String schema;
    String notes;
    String keys;
    String pushonly;
    String vault;
    String pullonly;
    final String notesDs = UUID.randomUUID().toString();
    final String keysDs = UUID.randomUUID().toString();
    final String pushonlyDs = UUID.randomUUID().toString();
    final String vaultDs = UUID.randomUUID().toString();
    final String pullonlyDs = UUID.randomUUID().toString();

    @BeforeAll
    void start(Integration integration) throws Exception {
        this.integration = integration;
        simulator = integration.simulator(0);
        settings = integration.settings(simulator, "1s", "none-of-the-seeded");
        schema = settings.get("notion.db.schema");
        String suffix = schema.substring("notion_test_".length());
        notes = "notes" + suffix;
        keys = "keys" + suffix;
        pushonly = "pushonly" + suffix;
        vault = "vault" + suffix;
        pullonly = "pullonly" + suffix;
        sql("CREATE SCHEMA adv");
        sql("CREATE TABLE adv.notes (id bigint PRIMARY KEY, name text NOT NULL, body text, score integer CHECK (score >= 0),"
                + " tags text[], meta jsonb, secret text, \"|\" text)");
        sql("CREATE TABLE adv.keys (k text PRIMARY KEY, name text)");
        sql("CREATE TABLE adv.pushonly (id bigint PRIMARY KEY, name text)");
        sql("CREATE TABLE adv.vault (id bigint PRIMARY KEY, name text, api_key text)");
        sql("CREATE TABLE adv.pullonly (id bigint PRIMARY KEY, name text)");
        sql("INSERT INTO adv.pullonly VALUES (1, 'Preexisting')");
        importDatabase(notesDs, "Notes", properties("Name", "title", "Row key", "rich_text", "Body", "rich_text", "Score", "number",
                "Tags", "multi_select", "Meta", "rich_text", "|", "rich_text"));
        importDatabase(keysDs, "Keys", properties("Name", "title", "Row key", "rich_text"));
        importDatabase(pushonlyDs, "Push only", properties("Name", "title", "Row key", "rich_text"));
        importDatabase(vaultDs, "Vault", properties("Name", "title", "Row key", "rich_text", "Api key", "rich_text"));
        importDatabase(pullonlyDs, "Pull only", properties("Name", "title", "Row key", "rich_text"));
        settings.put("notion.sources", notes + "," + keys + "," + pushonly + "," + vault + "," + pullonly);
        for (String[] s : new String[][] {{notes, notesDs, "adv.notes"}, {keys, keysDs, "adv.keys"}, {pushonly, pushonlyDs, "adv.pushonly"},
                {vault, vaultDs, "adv.vault"}, {pullonly, pullonlyDs, "adv.pullonly"}}) {
            settings.put("notion.source." + s[0] + ".mode", "bind");
            settings.put("notion.source." + s[0] + ".id", s[1]);
            settings.put("notion.source." + s[0] + ".table", s[2]);
            settings.put("notion.source." + s[0] + ".poll", "1s");
        }
        settings.put("notion.source." + notes + ".exclude", "secret");
        settings.put("notion.source." + pushonly + ".direction", "push");
        settings.put("notion.source." + pullonly + ".direction", "pull");
        settings.put("notion.bind.apply-poll", "300ms");
        settings.put("notion.sync.sweep", "2s");
        settings.put("notion.push.poll", "300ms");
        // a lost create answer is tried again after 3 s: the window in which the tests below act
        settings.put("notion.push.backoff-base", "3s");
        settings.put("notion.push.max-attempts", "30");
        settings.put("notion.api.backoff-base", "200ms");
        settings.put("notion.api.backoff-max", "1s");
        settings.put("notion.api.breaker.minimum-calls", "1000");
        sync = integration.start(settings);
        TestEngine.await("record matching of the sources", Duration.ofSeconds(60), () ->
                TestEngine.count(sync, "SELECT count(*) FROM notion_sync.bound_sources WHERE matched_at IS NOT NULL") == 5);
        TestEngine.await("the capture triggers", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'notion_sync_capture'") == 4);
    }

    // ------------------------------------------------------------------ lost create answers and restarts

    /**
     * The create of row 50's page went out and its answer was lost; before the push tries again, the application deletes
     * the row. The page reaches the shadow mirror, and the Apply bridge finds a page naming key 50 with no row 50.
     */
    @Test
    @Disabled("finding 6: a row the application deletes while its page's create answer is lost comes back (Apply re-inserts it from the page)")
    void aRowDeletedAfterALostCreateAnswerStaysDeleted() throws Exception {
        String page = lostCreate("INSERT INTO adv.notes (id, name, body) VALUES (50, 'Short-lived', 'x')", "50");
        try {
            sql("DELETE FROM adv.notes WHERE id = 50");
            awaitShadow(page);
            Thread.sleep(3000);   // Apply passes
        } finally {
            resumePush();
        }
        awaitSettled();
        Thread.sleep(4000);   // pulls, sweeps and Apply passes
        assertEquals(0, count("SELECT count(*) FROM adv.notes WHERE id = 50"), "the application deleted row 50: it stays deleted");
        assertEquals(0, livePagesWithKey(notesDs, "50").size(), "and no page in Notion shows it");
    }

    /** The same, with a key change: the application renumbers the row while its page's create answer is lost. */
    @Test
    @Disabled("finding 7: a row renumbered while its page's create answer is lost is duplicated (Apply inserts a row under the old key)")
    void aKeyChangedAfterALostCreateAnswerLeavesOneRowAndOnePage() throws Exception {
        String page = lostCreate("INSERT INTO adv.notes (id, name, body) VALUES (60, 'Renumbered', 'x')", "60");
        try {
            sql("UPDATE adv.notes SET id = 61 WHERE id = 60");
            awaitShadow(page);
            Thread.sleep(3000);
        } finally {
            resumePush();
        }
        awaitSettled();
        Thread.sleep(4000);
        assertEquals("61", query("SELECT string_agg(id::text, ',' ORDER BY id) FROM adv.notes WHERE name = 'Renumbered'"),
                "one row, under the key the application gave it");
        List<JsonNode> live = simulator.model().pages(notesDs).stream().filter(p -> !p.path("in_trash").asBoolean())
                .filter(p -> "Renumbered".equals(p.at("/properties/Name/title/0/plain_text").asText())).map(p -> (JsonNode) p).toList();
        assertEquals(1, live.size(), "one page in Notion");
        assertEquals("61", live.get(0).at("/properties/Row key/rich_text/0/plain_text").asText());
    }

    /**
     * Probe: the engine is stopped while a create's answer is lost (its change pending), and a new instance starts on the
     * same database: one page, linked, with the row's values.
     */
    @Test
    void aRestartAfterALostCreateAnswerMakesExactlyOnePage() throws Exception {
        lostCreate("INSERT INTO adv.notes (id, name, body, score) VALUES (90, 'Restarted', 'before the crash', 9)", "90");
        sync.close();
        TestEngine.simControl(simulator, "faults", "{}");
        sql("UPDATE adv.notes SET score = 10 WHERE id = 90");   // written while no engine runs
        sync = integration.start(settings);
        awaitSettled();
        Thread.sleep(3000);
        assertEquals(1, livePagesWithKey(notesDs, "90").size(), "one INSERT, one page");
        JsonNode page = livePagesWithKey(notesDs, "90").get(0);
        assertEquals(page.path("id").asText(), query("SELECT page_id FROM notion_sync.links WHERE source = '" + notes
                + "' AND row_key = '{\"id\": 90}' AND state = 'linked'"));
        assertEquals(10, page.at("/properties/Score/number").asInt(), "the update made while the engine was down");
    }

    // ------------------------------------------------------------------ secrets

    /**
     * An excluded column (a secret) must never leave the row: a Notion edit that PostgreSQL refuses (CHECK) is a dead
     * letter whose message carries PostgreSQL's "Failing row contains (...)" detail, every column of the row included.
     */
    @Test
    @Disabled("finding 8: an excluded (secret) column's value is stored in dead_letters (and logged at WARN) via PostgreSQL's \"Failing row contains\" detail")
    void aRefusedNotionEditsDeadLetterDoesNotCarryAnExcludedColumn() throws Exception {
        sql("INSERT INTO adv.notes (id, name, score, secret) VALUES (70, 'Vault', 1, '" + SECRET + "')");
        awaitSettled();
        String page = pageOf(notes, "{\"id\": 70}");
        edit(page, number("Score", -5));
        TestEngine.await("the refused edit dead-lettered", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM notion_sync.dead_letters"
                + " WHERE endpoint_uri = 'direct:bound-apply-page' AND body LIKE '%" + page + "%'") > 0);
        assertEquals("", leaks(SECRET), "the excluded column's value is stored by the engine");
    }

    /**
     * Probe: the excluded column's value, and the Notion token, appear nowhere in the engine's tables or in Notion after
     * an insert, an update, a push dead letter (a comma in an option) and an update of the excluded column alone.
     */
    @Test
    void anExcludedColumnAndTheTokenReachNeitherNotionNorTheEnginesTables() throws Exception {
        sql("INSERT INTO adv.notes (id, name, body, secret) VALUES (71, 'Locked', 'b', '" + SECRET + "')");
        awaitSettled();
        sql("UPDATE adv.notes SET secret = '" + SECRET + "-2' WHERE id = 71");
        sql("UPDATE adv.notes SET tags = ARRAY['a,b'], body = 'c' WHERE id = 71");
        awaitSettled();
        Thread.sleep(3000);
        assertEquals("c", page(pageOf(notes, "{\"id\": 71}")).at("/properties/Body/rich_text/0/plain_text").asText());
        assertTrue(count("SELECT count(*) FROM notion_sync.dead_letters") > 0, "the comma made a dead letter");
        assertEquals("", leaks(SECRET));
        assertEquals("", leaks(TestEngine.TOKEN));
        assertTrue(simulator.model().pages(notesDs).stream().noneMatch(p -> p.toString().contains(SECRET)), "nothing of it in Notion");
    }

    /**
     * A column excluded after the source was bound (someone noticed api_key was synced, set .exclude and restarted): from
     * then on its values must reach neither Notion nor the engine's tables.
     */
    @Test
    @Disabled("finding 12: a column added to .exclude after the source was bound stays paired: its values (a secret) still go to Notion and the engine's tables")
    void aColumnExcludedAfterBindingIsNoLongerSynced() throws Exception {
        sql("INSERT INTO adv.vault VALUES (1, 'Service', 'old-key')");
        awaitSettled();
        String page = pageOf(vault, "{\"id\": 1}");
        assertEquals("old-key", page(page).at("/properties/Api key/rich_text/0/plain_text").asText(), "mapped at first, by its name");
        sync.close();
        settings.put("notion.source." + vault + ".exclude", "api_key");
        sync = integration.start(settings);
        TestEngine.await("the capture triggers", Duration.ofSeconds(30), () -> count(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'notion_sync_capture'") == 4);
        sql("UPDATE adv.vault SET api_key = '" + SECRET + "', name = 'Service (rotated)' WHERE id = 1");
        awaitSettled();
        TestEngine.await("the name in Notion", Duration.ofSeconds(30), () -> "Service (rotated)".equals(page(page).at("/properties/Name/title/0/plain_text").asText()));
        assertTrue(!page(page).toString().contains(SECRET), "the excluded column reached Notion: " + page(page).at("/properties/Api key"));
        assertEquals("", leaks(SECRET), "the excluded column's value is stored by the engine");
    }

    // ------------------------------------------------------------------ the trash

    /**
     * on-trash = unlink (the default): a page trashed by mistake and restored from Notion's trash (the row was kept) is
     * that row's page again, as before: edits on both sides sync.
     */
    @Test
    @Disabled("finding 13: a page restored from the trash under on-trash=unlink stays unlinked forever: neither side's edits sync again")
    void aPageRestoredFromTheTrashSyncsWithItsRowAgain() throws Exception {
        sql("INSERT INTO adv.notes (id, name, body) VALUES (110, 'Restorable', 'v1')");
        awaitSettled();
        String page = pageOf(notes, "{\"id\": 110}");
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + page, "{\"in_trash\":true}");
        TestEngine.await("the row unlinked", Duration.ofSeconds(30), () -> "unlinked".equals(query(
                "SELECT state FROM notion_sync.links WHERE source = '" + notes + "' AND row_key = '{\"id\": 110}'")));
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + page, "{\"in_trash\":false}");
        Thread.sleep(3000);   // the restore pulled
        edit(page, title("Restored and renamed"));
        TestEngine.await("the Notion edit in the row", Duration.ofSeconds(30), () -> "Restored and renamed".equals(query(
                "SELECT name FROM adv.notes WHERE id = 110")));
        sql("UPDATE adv.notes SET body = 'v2' WHERE id = 110");
        awaitSettled();
        assertEquals("v2", page(page).at("/properties/Body/rich_text/0/plain_text").asText(), "the application's edit in Notion");
    }

    // ------------------------------------------------------------------ hostile names and keys

    /** A mapped column named "|" (the capture trigger's separator between key and mapped columns) is pushed too. */
    @Test
    @Disabled("finding 9: a mapped column named \"|\" is never captured, so its values never reach Notion")
    void aColumnNamedLikeTheTriggersSeparatorIsPushed() throws Exception {
        sql("INSERT INTO adv.notes (id, name, \"|\") VALUES (80, 'Piped', 'at insert')");
        awaitSettled();
        String page = pageOf(notes, "{\"id\": 80}");
        assertEquals("at insert", page(page).at("/properties/|/rich_text/0/plain_text").asText());
        sql("UPDATE adv.notes SET \"|\" = 'updated' WHERE id = 80");
        awaitSettled();
        assertEquals("updated", page(page).at("/properties/|/rich_text/0/plain_text").asText());
    }

    /** Probe: keys with quotes, '|', JSON-looking text and unicode go both ways. */
    @Test
    void hostileKeyTextGoesBothWays() throws Exception {
        List<String> hostile = List.of("it's \"quoted\"", "a|b|c", "{\"id\": 1}", "[1,\"x\"]", "Ünïcödé 🎉 ǅ", "back\\slash", "tab\there");
        for (String key : hostile) {
            try (Connection c = DriverManager.getConnection(settings.get("notion.db.url"));
                 PreparedStatement ps = c.prepareStatement("INSERT INTO adv.keys VALUES (?, ?)")) {
                ps.setString(1, key);
                ps.setString(2, "app " + key);
                ps.executeUpdate();
            }
        }
        awaitSettled();
        for (String key : hostile) {
            List<JsonNode> pages = livePagesWithKey(keysDs, key);
            assertEquals(1, pages.size(), "one page for key " + key);
            assertEquals("app " + key, pages.get(0).at("/properties/Name/title/0/plain_text").asText());
            edit(pages.get(0).path("id").asText(), title("notion " + key));
        }
        for (String key : hostile) {
            TestEngine.await("the Notion edit of " + key, Duration.ofSeconds(30), () -> ("notion " + key).equals(queryParam(
                    "SELECT name FROM adv.keys WHERE k = ?", key)));
        }
        String fresh = createPage(keysDs, "made in notion", "o'neil | \"x\"");
        TestEngine.await("the page made in Notion is a row", Duration.ofSeconds(30), () -> "made in notion".equals(queryParam(
                "SELECT name FROM adv.keys WHERE k = ?", "o'neil | \"x\"")));
        assertEquals(fresh, query("SELECT page_id FROM notion_sync.links WHERE source = '" + keys + "' AND row_key = jsonb_build_object('k', "
                + "'o''neil | \"x\"')"));
    }

    /**
     * A 2,680-character text key (an application's own natural key: a URL, a document path), which the table's own
     * primary key index accepts (a 10 KB one PostgreSQL itself refuses): the application's INSERT must not fail because
     * of the engine's trigger, and the row gets a page showing its key.
     */
    @Test
    @Disabled("finding 10: a text key of ~2,700 characters the table accepts makes the application's INSERT fail in the engine's trigger")
    void aLongKeyTheTableAcceptsDoesNotBreakTheApplicationsInsert() throws Exception {
        StringBuilder key = new StringBuilder();
        java.util.Random random = new java.util.Random(17);
        while (key.length() < 2_680) {
            key.append(Long.toString(Math.abs(random.nextLong()), 36));
        }
        String big = key.substring(0, 2_680);
        try (Connection c = DriverManager.getConnection(settings.get("notion.db.url"));
             PreparedStatement ps = c.prepareStatement("INSERT INTO adv.keys VALUES (?, 'long key')")) {
            ps.setString(1, big);
            ps.executeUpdate();
        }
        awaitSettled();
        List<JsonNode> pages = simulator.model().pages(keysDs).stream().filter(p -> "long key".equals(p.at("/properties/Name/title/0/plain_text").asText()))
                .map(p -> (JsonNode) p).toList();
        assertEquals(1, pages.size());
        StringBuilder shown = new StringBuilder();
        pages.get(0).at("/properties/Row key/rich_text").forEach(t -> shown.append(t.path("plain_text").asText()));
        assertEquals(big, shown.toString());
    }

    /** Probe: two pages made in Notion between two Apply passes, both naming a new key: one row, the other page reported. */
    @Test
    void twoNewPagesClaimingOneKeyMakeOneRow() throws Exception {
        sync.context().getRouteController().stopRoute("bind-apply-poll-" + keys);
        String first;
        String second;
        try {
            first = createPage(keysDs, "twin one", "twin");
            second = createPage(keysDs, "twin two", "twin");
            awaitShadow(keys, first);
            awaitShadow(keys, second);
        } finally {
            sync.context().getRouteController().startRoute("bind-apply-poll-" + keys);
        }
        TestEngine.await("the key's row", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM adv.keys WHERE k = 'twin'") == 1);
        Thread.sleep(3000);
        assertEquals(1, count("SELECT count(*) FROM adv.keys WHERE k = 'twin'"));
        assertEquals(1, count("SELECT count(*) FROM notion_sync.links WHERE source = '" + keys + "' AND row_key = '{\"k\": \"twin\"}'"));
        assertEquals(1, count("SELECT count(*) FROM notion_sync.bound_problems WHERE source = '" + keys + "' AND resolved_at IS NULL"
                + " AND subject IN ('" + first + "', '" + second + "')"), "the other page is reported");
    }

    // ------------------------------------------------------------------ huge values

    /**
     * Probe: a 150,000-character text, a 1,000-element text[] and a 1 MB jsonb. What Notion can hold goes; what it cannot
     * (over 100 options, over 200,000 characters) is a dead letter naming the column and holding its value while the rest
     * goes, and the row shows Notion's value again (as the README says).
     */
    @Test
    void hugeValuesGoWhereTheyFitAndAreNamedWhereTheyDoNot() throws Exception {
        String body = "b".repeat(150_000);
        sql("INSERT INTO adv.notes (id, name, body) VALUES (100, 'Huge', '" + body + "')");
        awaitSettled();
        String page = pageOf(notes, "{\"id\": 100}");
        StringBuilder shown = new StringBuilder();
        page(page).at("/properties/Body/rich_text").forEach(t -> shown.append(t.path("plain_text").asText()));
        assertEquals(body.length(), shown.length(), "150,000 characters reach Notion whole");
        sql("UPDATE adv.notes SET tags = (SELECT array_agg('t' || g) FROM generate_series(1, 1000) g),"
                + " meta = (SELECT jsonb_build_object('blob', repeat('m', 1000000))), score = 4 WHERE id = 100");
        awaitSettled();
        Thread.sleep(3000);
        assertEquals(4, page(page).at("/properties/Score/number").asInt(), "the row's other change went");
        // as documented, the row shows Notion's value again; the refused values live on in the dead letter, for its replay
        assertEquals(1, count("SELECT count(*) FROM adv.notes WHERE id = 100 AND tags IS NULL AND meta IS NULL"));
        String error = query("SELECT string_agg(exception_message, ' / ') FROM notion_sync.dead_letters WHERE body LIKE '%\"id\":100%'");
        assertTrue(error != null && error.contains("tags") && error.contains("meta"), "the dead letter names both columns: " + error);
        assertEquals(1, count("SELECT count(*) FROM notion_sync.dead_letters WHERE body LIKE '%\"id\":100%' AND body LIKE '%t1000%'"
                + " AND length(body) > 1000000"), "and holds the values");
        // a Notion edit of another property later leaves the long text alone
        edit(page, number("Score", 5));
        TestEngine.await("the Notion edit", Duration.ofSeconds(30), () -> count("SELECT score FROM adv.notes WHERE id = 100") == 5);
        assertEquals(150_000, count("SELECT length(body) FROM adv.notes WHERE id = 100"));
    }

    /** Probe: a page holding a NUL and a lone surrogate does not stop the source: a page made after it still becomes a row. */
    @Test
    void aPageWithANulAndALoneSurrogateDoesNotStopTheSource() throws Exception {
        String body = "{\"parent\":{\"type\":\"data_source_id\",\"data_source_id\":\"" + keysDs + "\"},\"properties\":{"
                + "\"Name\":{\"title\":[{\"text\":{\"content\":\"nul\\u0000 and \\ud800 lone\"}}]},"
                + "\"Row key\":{\"rich_text\":[{\"text\":{\"content\":\"odd\"}}]}}}";
        TestEngine.notion(simulator, "POST", "/v1/pages", body);
        createPage(keysDs, "after the odd one", "after-odd");
        TestEngine.await("the page after it", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM adv.keys WHERE k = 'after-odd'") == 1);
    }

    // ------------------------------------------------------------------ directions

    /**
     * direction = push: rows changed in PostgreSQL go to Notion. An edit made in Notion, or a page made there, must not
     * write into the application's table.
     */
    @Test
    @Disabled("finding 11: a direction=push bound source still writes Notion edits and new pages into the application's table")
    void aPushOnlySourceWritesNothingFromNotionIntoTheTable() throws Exception {
        sql("INSERT INTO adv.pushonly VALUES (1, 'from the app')");
        awaitSettled();
        String page = pageOf(pushonly, "{\"id\": 1}");
        assertEquals("from the app", page(page).at("/properties/Name/title/0/plain_text").asText(), "the push works");
        edit(page, title("edited in Notion"));
        createPage(pushonlyDs, "made in Notion", "2");
        Thread.sleep(6000);   // pulls and Apply passes
        assertEquals("from the app", query("SELECT name FROM adv.pushonly WHERE id = 1"), "a Notion edit reached a push-only table");
        assertEquals(0, count("SELECT count(*) FROM adv.pushonly WHERE id = 2"), "a Notion page became a row of a push-only table");
    }

    /**
     * direction = pull, bound to an existing database where a row had no page: nothing goes to Notion, and a page made
     * in Notion later naming the row's key becomes that row's page (README: "A page naming the key of a row that has no
     * page becomes that row's page"), its edits reaching the row.
     */
    @Test
    @Disabled("finding 14: on a direction=pull source, record matching queues a page create for unmatched rows that nothing pushes, and that pending change blocks a Notion page naming the row's key forever")
    void aPullOnlySourcesRowWithoutAPageIsAdoptedByAPageNamingItsKey() throws Exception {
        Thread.sleep(2000);
        assertEquals(0, simulator.model().pages(pullonlyDs).size(), "a pull-only source makes no page");
        String page = createPage(pullonlyDs, "Named in Notion", "1");
        TestEngine.await("the page adopts row 1", Duration.ofSeconds(30), () -> "Named in Notion".equals(query(
                "SELECT name FROM adv.pullonly WHERE id = 1")));
        assertEquals(page, pageOf(pullonly, "{\"id\": 1}"));
        assertEquals(0, count("SELECT count(*) FROM notion_sync.row_changes WHERE source = '" + pullonly + "' AND status = 'pending'"),
                "nothing waits for a push that never comes");
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Inserts a row while every create's answer is lost, waits until its page exists in Notion and the change waits for
     * its retry, then holds the push (resumePush) and lets answers through again. The page's id.
     */
    String lostCreate(String insert, String key) throws Exception {
        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0,\"truncate_only\":[\"POST /v1/pages\"]}");
        try {
            sql(insert);
            TestEngine.await("the create went out and its answer was lost", Duration.ofSeconds(30), () -> livePagesWithKey(notesDs, key).size() == 1
                    && count("SELECT count(*) FROM notion_sync.row_changes WHERE note IS NOT NULL AND status = 'pending' AND source = '" + notes
                    + "'") > 0);
            sync.context().getRouteController().stopRoute("bind-push-" + notes);
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        return livePagesWithKey(notesDs, key).get(0).path("id").asText();
    }

    void resumePush() throws Exception {
        sync.context().getRouteController().startRoute("bind-push-" + notes);
    }

    void awaitShadow(String pageId) throws InterruptedException {
        awaitShadow(notes, pageId);
    }

    void awaitShadow(String source, String pageId) throws InterruptedException {
        TestEngine.await("page " + pageId + " in the shadow mirror", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM \"" + schema
                + "\"." + source + " WHERE page_id = '" + pageId + "'") == 1);
    }

    void awaitSettled() throws InterruptedException {
        TestEngine.await("the row changes pushed", Duration.ofSeconds(60), () -> count(
                "SELECT count(*) FROM notion_sync.row_changes WHERE status = 'pending' AND source <> '" + pullonly + "'") == 0);
    }

    /** Where a text appears in the engine's tables and the shadow mirrors: "table, table", or empty. */
    String leaks(String needle) {
        List<String> found = new ArrayList<>();
        List<String> tables = new ArrayList<>();
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables"
                     + " WHERE table_schema IN ('notion_sync', '" + schema + "') AND table_type = 'BASE TABLE'")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        for (String table : tables) {
            if (count("SELECT count(*) FROM " + table + " t WHERE t::text LIKE '%" + needle + "%'") > 0) {
                found.add(table);
            }
        }
        return String.join(", ", found);
    }

    void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(settings.get("notion.db.url")); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    String query(String sql) {
        return TestEngine.queryString(sync, sql);
    }

    String queryParam(String sql, String param) {
        try (Connection c = sync.database().dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long count(String sql) {
        return TestEngine.count(sync, sql);
    }

    String pageOf(String source, String rowKey) {
        return query("SELECT page_id FROM notion_sync.links WHERE source = '" + source + "' AND row_key = '" + rowKey + "'::jsonb AND state = 'linked'");
    }

    JsonNode page(String id) {
        return simulator.model().page(id).orElseThrow();
    }

    List<JsonNode> livePagesWithKey(String dataSource, String key) {
        return simulator.model().pages(dataSource).stream().filter(p -> !p.path("in_trash").asBoolean()).filter(p -> {
            StringBuilder text = new StringBuilder();
            p.at("/properties/Row key/rich_text").forEach(t -> text.append(t.path("plain_text").asText()));
            return key.equals(text.toString());
        }).map(p -> (JsonNode) p).toList();
    }

    static ObjectNode properties(String... nameType) {
        ObjectNode properties = JSON.createObjectNode();
        for (int i = 0; i < nameType.length; i += 2) {
            String id = nameType[i + 1].equals("title") ? "title" : "p" + i;
            properties.putObject(nameType[i]).put("id", id).put("name", nameType[i]).put("description", (String) null)
                    .put("type", nameType[i + 1]).putObject(nameType[i + 1]);
        }
        return properties;
    }

    void importDatabase(String dataSourceId, String title, ObjectNode properties) {
        String databaseId = UUID.randomUUID().toString();
        ObjectNode parent = JSON.createObjectNode().put("type", "workspace").put("workspace", true);
        ObjectNode database = JSON.createObjectNode().put("object", "database").put("id", databaseId);
        database.putArray("title").addObject().put("type", "text").put("plain_text", title).putObject("text").put("content", title);
        database.set("parent", parent);
        database.putArray("data_sources").addObject().put("id", dataSourceId).put("name", title);
        simulator.model().importDatabase(database);
        ObjectNode dataSource = JSON.createObjectNode().put("object", "data_source").put("id", dataSourceId);
        dataSource.set("title", database.get("title"));
        dataSource.set("properties", properties);
        dataSource.putObject("parent").put("type", "database_id").put("database_id", databaseId);
        dataSource.set("database_parent", parent);
        simulator.model().importDataSource(dataSource);
    }

    static ObjectNode text(String property, String value) {
        ObjectNode edit = JSON.createObjectNode();
        ArrayNode items = edit.putObject(property).putArray("rich_text");
        if (value != null) {
            items.addObject().putObject("text").put("content", value);
        }
        return edit;
    }

    static ObjectNode title(String value) {
        ObjectNode edit = JSON.createObjectNode();
        edit.putObject("Name").putArray("title").addObject().putObject("text").put("content", value);
        return edit;
    }

    static ObjectNode number(String property, Object value) {
        ObjectNode edit = JSON.createObjectNode();
        edit.putObject(property).put("number", new java.math.BigDecimal(value.toString()));
        return edit;
    }

    String createPage(String dataSourceId, String title, String key) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("parent").put("type", "data_source_id").put("data_source_id", dataSourceId);
        ObjectNode properties = body.putObject("properties");
        properties.setAll(title(title));
        if (!key.isEmpty()) {
            properties.setAll(text("Row key", key));
        }
        return TestEngine.notion(simulator, "POST", "/v1/pages", body.toString()).path("id").asText();
    }

    JsonNode edit(String pageId, ObjectNode properties) {
        return TestEngine.notion(simulator, "PATCH", "/v1/pages/" + pageId, JSON.createObjectNode().set("properties", properties).toString());
    }
}
