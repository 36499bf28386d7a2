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
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Schema drift of bound tables (README "Schema drift"), against the simulator over HTTP and a real PostgreSQL: a
 * column renamed (both ways, an update made in the rename's own transaction, a change recorded just before it), a
 * key column renamed (the source waits, nothing lost), a column dropped, a column added under new-columns = log and
 * = add, a property deleted and a property renamed in Notion. Each case has a table and a source of its own, bound
 * to an existing database whose pages record matching makes from the rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
class SchemaDriftTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] CASES = {"ren", "keyr", "dropt", "logt", "addt", "delt", "dels", "crt"};

    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;
    String suffix;
    final Map<String, String> dataSources = new java.util.HashMap<>();

    @BeforeAll
    void start(Integration integration) throws Exception {
        simulator = integration.simulator(0);
        settings = integration.settings(simulator, "1s", "none-of-the-seeded");
        suffix = settings.get("notion.db.schema").substring("notion_test_".length());
        sql("CREATE SCHEMA app");
        StringBuilder names = new StringBuilder();
        for (String name : CASES) {
            sql("CREATE TABLE app." + name + " (id bigint PRIMARY KEY, name text, budget numeric(12,2), note text)");
            sql("INSERT INTO app." + name + " VALUES (1, 'One', 1, 'first'), (2, 'Two', 2, 'second')");
            String dataSource = UUID.randomUUID().toString();
            dataSources.put(name, dataSource);
            importDatabase(UUID.randomUUID().toString(), dataSource, name, properties("Name", "title", "Row key", "rich_text", "Budget", "number",
                    "Note", "rich_text"));
            String source = source(name);
            names.append(names.isEmpty() ? "" : ",").append(source);
            settings.put("notion.source." + source + ".mode", "bind");
            settings.put("notion.source." + source + ".id", dataSource);
            settings.put("notion.source." + source + ".table", "app." + name);
            settings.put("notion.source." + source + ".poll", "1s");
        }
        settings.put("notion.sources", names.toString());
        settings.put("notion.source." + source("addt") + ".new-columns", "add");
        // pulled once (record matching): no later pull notices a deleted property before the push does
        settings.put("notion.source." + source("crt") + ".poll", "1h");
        settings.put("notion.source." + source("dels") + ".poll", "1h");
        settings.put("notion.bind.apply-poll", "300ms");
        settings.put("notion.push.poll", "300ms");
        settings.put("notion.push.backoff-base", "300ms");
        settings.put("notion.api.backoff-base", "200ms");
        settings.put("notion.api.backoff-max", "1s");
        sync = integration.start(settings);
        TestEngine.await("record matching made a page of every row", Duration.ofSeconds(90), () -> count("SELECT count(*) FROM notion_sync.links"
                + " WHERE state = 'linked' AND page_id IS NOT NULL") == 2L * CASES.length && count("SELECT count(*) FROM notion_sync.row_changes"
                + " WHERE status = 'pending'") == 0);
    }

    // ------------------------------------------------------------------ a column renamed

    @Test
    void aRenamedColumnKeepsSyncingBothWaysAndLosesNoApplicationWrite() throws Exception {
        String page = pageOf("ren", 1);
        // a change recorded under the column's old name, still to push when the rename commits
        transaction("UPDATE app.ren SET budget = 7 WHERE id = 1", "ALTER TABLE app.ren RENAME COLUMN budget TO spend");
        awaitNotion("the change recorded before the rename", page, "Budget", "7");
        // an update in the rename's own transaction: before any pass of the engine can see the new name
        transaction("ALTER TABLE app.ren RENAME COLUMN spend TO outlay", "UPDATE app.ren SET outlay = 8 WHERE id = 1");
        awaitNotion("the update made with the rename", page, "Budget", "8");
        sql("UPDATE app.ren SET outlay = 9 WHERE id = 1");
        awaitNotion("a later update", page, "Budget", "9");
        // Notion -> the renamed column
        edit(page, prop("Budget", number(10)));
        awaitRow("a Notion edit in the renamed column", "SELECT outlay FROM app.ren WHERE id = 1", "10.00");
        assertEquals(0, count("SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'"), "no change was refused");
    }

    // ------------------------------------------------------------------ a key column renamed

    @Test
    void aRenamedKeyColumnIsReportedAndTheSourceWaitsUntilItIsRenamedBack() throws Exception {
        String one = pageOf("keyr", 1);
        String two = pageOf("keyr", 2);
        sql("ALTER TABLE app.keyr RENAME COLUMN id TO ident");
        awaitProblem("keyr", "key_changed", "RENAME COLUMN \"ident\" TO \"id\"");
        sql("UPDATE app.keyr SET budget = 40 WHERE ident = 1");
        edit(two, prop("Note", text("from Notion while renamed")));
        Thread.sleep(3000);   // passes of the push and of Apply
        assertEquals("1", number(page(one), "Budget"), "the source waits: nothing is pushed");
        assertEquals("second", query("SELECT note FROM app.keyr WHERE ident = 2"), "the source waits: nothing is applied");
        sql("ALTER TABLE app.keyr RENAME COLUMN ident TO id");
        awaitNotion("the update made while the key column was renamed", one, "Budget", "40");
        awaitRow("the Notion edit made while the key column was renamed", "SELECT note FROM app.keyr WHERE id = 2", "from Notion while renamed");
        awaitResolved("keyr", "key_changed");
    }

    // ------------------------------------------------------------------ a column dropped

    @Test
    void aDroppedColumnIsReportedAndEverythingElseKeepsSyncing() throws Exception {
        String one = pageOf("dropt", 1);
        // a pending change naming the column when it is dropped: its other columns still go
        transaction("UPDATE app.dropt SET note = 'gone soon', budget = 3 WHERE id = 1", "ALTER TABLE app.dropt DROP COLUMN note");
        awaitNotion("the pending change's other column", one, "Budget", "3");
        awaitProblem("dropt", "dropped_column", "property 'Note' stays in Notion");
        assertEquals("first", page(one).at("/properties/Note/rich_text/0/plain_text").asText(), "the property and its values stay");
        edit(one, prop("Budget", number(31)));
        awaitRow("a Notion edit", "SELECT budget FROM app.dropt WHERE id = 1", "31.00");
        sql("UPDATE app.dropt SET name = 'One renamed' WHERE id = 1");
        TestEngine.await("an application update", Duration.ofSeconds(30), () -> "One renamed".equals(
                page(one).at("/properties/Name/title/0/plain_text").asText()));
        assertEquals(0, count("SELECT count(*) FROM notion_sync.row_changes WHERE status = 'dead_letter' AND source = '" + source("dropt") + "'"),
                "no change failed");
        assertEquals(0, count("SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'"));
        // once the property is deleted in Notion too, nothing is left to report
        ObjectNode delete = JSON.createObjectNode();
        delete.putObject("properties").putNull("Note");
        TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + dataSources.get("dropt"), delete.toString());
        sync.context().getRegistry().lookupByNameAndType("mirrorTables", dev.notionsync.sync.MirrorTables.class).refresh();
        edit(one, prop("Budget", number(32)));   // a pull reads the schema again
        awaitResolved("dropt", "dropped_column");
    }

    // ------------------------------------------------------------------ a column added

    @Test
    void anAddedColumnIsReportedUnderLogUntilItIsGone() throws Exception {
        sql("ALTER TABLE app.logt ADD COLUMN extra text DEFAULT 'x'");
        awaitProblem("logt", "new_column", "new-columns = add");
        assertTrue(schemaOf("logt").path("properties").path("extra").isMissingNode(),
                "no property is made under new-columns = log");
        sql("ALTER TABLE app.logt DROP COLUMN extra");
        awaitResolved("logt", "new_column");
    }

    @Test
    void anAddedColumnBecomesAPropertyWithItsValuesUnderAdd() throws Exception {
        String one = pageOf("addt", 1);
        String two = pageOf("addt", 2);
        sql("ALTER TABLE app.addt ADD COLUMN score integer DEFAULT 3");
        sql("UPDATE app.addt SET score = 4 WHERE id = 2");
        TestEngine.await("the property", Duration.ofSeconds(30), () -> "number".equals(
                schemaOf("addt").path("properties").path("score").path("type").asText()));
        awaitNotion("row 1's value on its page", one, "score", "3");
        awaitNotion("row 2's value on its page", two, "score", "4");
        assertEquals("1", query("SELECT count(*) FROM notion_sync.bound_columns WHERE source = '" + source("addt") + "' AND column_name = 'score'"
                + " AND property_id IS NOT NULL"));
        sql("UPDATE app.addt SET score = 5 WHERE id = 1");
        awaitNotion("an application update of the new column", one, "score", "5");
        edit(two, prop("score", number(6)));
        awaitRow("a Notion edit of the new property", "SELECT score FROM app.addt WHERE id = 2", "6");
        sql("INSERT INTO app.addt (id, name, score) VALUES (3, 'Three', 9)");
        TestEngine.await("a new row's page with the new column", Duration.ofSeconds(30), () -> pageOf("addt", 3) != null
                && "9".equals(number(page(pageOf("addt", 3)), "score")));
        // a type no property holds: refused as bootstrap refuses it, the rest goes on
        sql("ALTER TABLE app.addt ADD COLUMN blob bytea");
        awaitProblem("addt", "new_column", "which no Notion property holds faithfully; leave it out with notion.source." + source("addt")
                + ".exclude = blob");
        assertTrue(schemaOf("addt").path("properties").path("blob").isMissingNode());
        sql("UPDATE app.addt SET score = 11 WHERE id = 1");
        awaitNotion("the next update", one, "score", "11");
    }

    // ------------------------------------------------------------------ a property deleted, a property renamed

    @Test
    void aDeletedPropertyIsLeftOutOfThePushAndItsColumnKeepsItsValues() throws Exception {
        String two = pageOf("delt", 2);
        ObjectNode delete = JSON.createObjectNode();
        delete.putObject("properties").putNull("Budget");
        TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + dataSources.get("delt"), delete.toString());
        sql("UPDATE app.delt SET budget = 22, name = 'Two again' WHERE id = 2");
        TestEngine.await("the other column's update", Duration.ofSeconds(30), () -> "Two again".equals(
                page(two).at("/properties/Name/title/0/plain_text").asText()));
        assertEquals(0, count("SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'"), "nothing dead-lettered");
        awaitProblem("delt", "deleted_property", "property 'Budget' of column budget was deleted in Notion");
        assertEquals("22.00", query("SELECT budget FROM app.delt WHERE id = 2"), "the column keeps its value");
        edit(two, prop("Note", text("edited in Notion")));
        awaitRow("a Notion edit of another property", "SELECT note FROM app.delt WHERE id = 2", "edited in Notion");
        assertEquals("22.00", query("SELECT budget FROM app.delt WHERE id = 2"));
        sql("UPDATE app.delt SET note = 'from the app', budget = 23 WHERE id = 2");
        TestEngine.await("the next update", Duration.ofSeconds(30), () -> "from the app".equals(
                page(two).at("/properties/Note/rich_text/0/plain_text").asText()));
    }

    /**
     * The push finds the property gone before any pull re-reads the schema: its write-back must leave the page's link
     * agreeing with the shadow mirror row, else an Apply pass (still mapping the property) takes the stale value the
     * shadow row keeps for it as an edit in Notion and writes it over the application's update.
     */
    @Test
    void aPropertyDeletedBeforeThePullNoticesNeverRevertsTheApplicationsUpdate() throws Exception {
        String two = pageOf("dels", 2);
        ObjectNode delete = JSON.createObjectNode();
        delete.putObject("properties").putNull("Budget");
        TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + dataSources.get("dels"), delete.toString());
        sql("UPDATE app.dels SET budget = 22, name = 'Two again' WHERE id = 2");
        TestEngine.await("the other column's update", Duration.ofSeconds(30), () -> "Two again".equals(
                page(two).at("/properties/Name/title/0/plain_text").asText()));
        Thread.sleep(2000);   // several Apply passes, no pull
        assertEquals("22.00", query("SELECT budget FROM app.dels WHERE id = 2"), "the application's update stands");
        assertEquals("Two again", query("SELECT name FROM app.dels WHERE id = 2"));
        assertEquals(0, count("SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'"), "nothing dead-lettered");
    }

    @Test
    void aCreateAfterAPropertyWasDeletedGoesWithoutIt() throws Exception {
        ObjectNode delete = JSON.createObjectNode();
        delete.putObject("properties").putNull("Budget");
        TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + dataSources.get("crt"), delete.toString());
        // the engine's schema still has the property (no pull since): Notion refuses the create, the schema is read again
        sql("INSERT INTO app.crt VALUES (3, 'Three', 33, 'third')");
        TestEngine.await("the new row's page", Duration.ofSeconds(30), () -> pageOf("crt", 3) != null
                && "Three".equals(page(pageOf("crt", 3)).at("/properties/Name/title/0/plain_text").asText()));
        assertEquals("third", page(pageOf("crt", 3)).at("/properties/Note/rich_text/0/plain_text").asText());
        assertEquals(0, count("SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'"), "nothing dead-lettered");
        awaitProblem("crt", "deleted_property", "property 'Budget' of column budget was deleted in Notion");
        assertEquals("33.00", query("SELECT budget FROM app.crt WHERE id = 3"), "the column keeps its value");
    }

    @Test
    void aPropertyRenamedInNotionKeepsItsColumnBothWays() throws Exception {
        String two = pageOf("ren", 2);
        ObjectNode rename = JSON.createObjectNode();
        rename.putObject("properties").putObject("Note").put("name", "Remark");
        TestEngine.notion(simulator, "PATCH", "/v1/data_sources/" + dataSources.get("ren"), rename.toString());
        sql("UPDATE app.ren SET note = 'pushed after the rename' WHERE id = 2");
        TestEngine.await("the update in the renamed property", Duration.ofSeconds(30), () -> "pushed after the rename".equals(
                page(two).at("/properties/Remark/rich_text/0/plain_text").asText()));
        edit(two, prop("Remark", text("edited as Remark")));
        awaitRow("a Notion edit of the renamed property", "SELECT note FROM app.ren WHERE id = 2", "edited as Remark");
    }

    // ------------------------------------------------------------------ helpers

    String source(String table) {
        return table + suffix;
    }

    void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(settings.get("notion.db.url")); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    /** Statements in one transaction of the application's. */
    void transaction(String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(settings.get("notion.db.url"))) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                for (String statement : statements) {
                    st.execute(statement);
                }
            }
            c.commit();
        }
    }

    String query(String sql) {
        return TestEngine.queryString(sync, sql);
    }

    long count(String sql) {
        return TestEngine.count(sync, sql);
    }

    String pageOf(String table, long id) {
        return query("SELECT page_id FROM notion_sync.links WHERE source = '" + source(table) + "' AND row_key = '{\"id\": " + id
                + "}' AND state = 'linked'");
    }

    /** The data source of a case's database as Notion describes it now. */
    JsonNode schemaOf(String table) {
        return simulator.model().dataSource(dataSources.get(table)).orElseThrow();
    }

    JsonNode page(String pageId) {
        return TestEngine.notion(simulator, "GET", "/v1/pages/" + pageId, "");
    }

    static String number(JsonNode page, String property) {
        JsonNode number = page.path("properties").path(property).path("number");
        return number.isNumber() ? number.decimalValue().stripTrailingZeros().toPlainString() : number.toString();
    }

    void awaitNotion(String what, String pageId, String property, String expected) throws InterruptedException {
        TestEngine.await(what + " (" + property + " = " + expected + ")", Duration.ofSeconds(30), () -> expected.equals(number(page(pageId), property)));
    }

    void awaitRow(String what, String sql, String expected) throws InterruptedException {
        TestEngine.await(what + " (" + sql + " = " + expected + ")", Duration.ofSeconds(30), () -> expected.equals(query(sql)));
    }

    void awaitProblem(String table, String kind, String detailPart) throws InterruptedException {
        TestEngine.await("an open " + kind + " problem of " + table + " saying " + detailPart, Duration.ofSeconds(30), () -> count(
                "SELECT count(*) FROM notion_sync.bound_problems WHERE resolved_at IS NULL AND source = '" + source(table) + "' AND kind = '"
                        + kind + "' AND strpos(detail, '" + detailPart.replace("'", "''") + "') > 0") == 1);
    }

    void awaitResolved(String table, String kind) throws InterruptedException {
        TestEngine.await("the " + kind + " problem of " + table + " resolved", Duration.ofSeconds(30), () -> count(
                "SELECT count(*) FROM notion_sync.bound_problems WHERE resolved_at IS NULL AND source = '" + source(table) + "' AND kind = '"
                        + kind + "'") == 0 && count("SELECT count(*) FROM notion_sync.bound_problems WHERE source = '" + source(table)
                + "' AND kind = '" + kind + "'") > 0);
    }

    JsonNode edit(String pageId, ObjectNode properties) {
        return TestEngine.notion(simulator, "PATCH", "/v1/pages/" + pageId, JSON.createObjectNode().set("properties", properties).toString());
    }

    static ObjectNode prop(String name, ObjectNode value) {
        ObjectNode properties = JSON.createObjectNode();
        properties.set(name, value);
        return properties;
    }

    static ObjectNode number(Object value) {
        return JSON.createObjectNode().put("number", new BigDecimal(value.toString()));
    }

    static ObjectNode text(String value) {
        ObjectNode text = JSON.createObjectNode();
        ArrayNode items = text.putArray("rich_text");
        items.addObject().putObject("text").put("content", value);
        return text;
    }

    static ObjectNode properties(String... nameType) {
        return BindAdversarialTest.properties(nameType);
    }

    void importDatabase(String databaseId, String dataSourceId, String title, ObjectNode properties) {
        BindAdversarialTest.importDatabase(simulator, databaseId, dataSourceId, title, properties);
    }
}
