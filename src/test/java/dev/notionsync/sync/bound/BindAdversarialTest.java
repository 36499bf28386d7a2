package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Adversarial review of bind mode (issue 17): each test is a finding, what a user observes, against the simulator over
 * HTTP and a real PostgreSQL. Existing Notion databases bound by record matching: organizations (on-trash = delete),
 * agents (a foreign key to organizations ON DELETE CASCADE), deals (on-trash = delete; a foreign key to organizations
 * ON DELETE SET NULL, and one to itself ON DELETE CASCADE) and notes (on-trash = unlink, the default; the
 * application's trigger on it writes a deal when a note's body changes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
class BindAdversarialTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;
    String orgs;
    String agents;
    String notes;
    String deals;
    final String orgsDb = UUID.randomUUID().toString();
    final String orgsDs = UUID.randomUUID().toString();
    final String agentsDb = UUID.randomUUID().toString();
    final String agentsDs = UUID.randomUUID().toString();
    final String notesDb = UUID.randomUUID().toString();
    final String notesDs = UUID.randomUUID().toString();
    final String dealsDb = UUID.randomUUID().toString();
    final String dealsDs = UUID.randomUUID().toString();
    final Map<String, String> before = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    void start(Integration integration) throws Exception {
        simulator = integration.simulator(0);
        settings = integration.settings(simulator, "1s", "none-of-the-seeded");
        String suffix = settings.get("notion.db.schema").substring("notion_test_".length());
        orgs = "orgs" + suffix;
        agents = "agents" + suffix;
        notes = "notes" + suffix;
        deals = "deals" + suffix;
        sql("CREATE SCHEMA app");
        sql("CREATE TABLE app.organizations (id bigint PRIMARY KEY, name text NOT NULL)");
        sql("CREATE TABLE app.agents (id bigint PRIMARY KEY, name text NOT NULL,"
                + " organization_id bigint REFERENCES app.organizations (id) ON DELETE CASCADE)");
        sql("CREATE TABLE app.notes (id bigint PRIMARY KEY, name text NOT NULL, body text, amount numeric(12,2), seen timestamptz, big numeric)");
        sql("CREATE TABLE app.deals (id bigint PRIMARY KEY, name text NOT NULL,"
                + " organization_id bigint REFERENCES app.organizations (id) ON DELETE SET NULL,"
                + " parent_id bigint REFERENCES app.deals (id) ON DELETE CASCADE)");
        sql("INSERT INTO app.organizations VALUES (1, 'Acme'), (2, 'Globex')");
        sql("INSERT INTO app.agents VALUES (10, 'Ada', 1), (11, 'Bob', 2)");
        sql("INSERT INTO app.deals VALUES (30, 'Merger', 2, NULL), (32, 'Program', NULL, NULL), (33, 'Program, part 1', NULL, 32)");
        // the application's own trigger: a note whose body changes is followed up as a deal
        sql("CREATE FUNCTION app.note_edited() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " INSERT INTO app.deals (id, name) VALUES (1000 + NEW.id, 'follow up on ' || NEW.name)"
                + " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name; RETURN NULL; END $$");
        sql("CREATE TRIGGER note_edited AFTER UPDATE OF body ON app.notes FOR EACH ROW WHEN (NEW.body IS DISTINCT FROM OLD.body)"
                + " EXECUTE FUNCTION app.note_edited()");
        sql("INSERT INTO app.notes (id, name, body, amount) VALUES (5, 'Contract', 'signed on paper, keep', 1000.00),"
                + " (6, 'Ledger', 'v1', 1.00), (7, 'Draft', 'v1', 1.00), (8, 'Memo', 'v1', 1.00), (4, 'Minutes', 'v1', 1.00)");
        importDatabase(orgsDb, orgsDs, "Organizations", properties("Name", "title", "Row key", "rich_text"));
        ObjectNode agentProperties = properties("Name", "title", "Row key", "rich_text", "Organization", "relation");
        ((ObjectNode) agentProperties.path("Organization")).putObject("relation").put("data_source_id", orgsDs).put("database_id", orgsDb)
                .put("type", "single_property").putObject("single_property");
        importDatabase(agentsDb, agentsDs, "Agents", agentProperties);
        importDatabase(notesDb, notesDs, "Notes", properties("Name", "title", "Row key", "rich_text", "Body", "rich_text", "Amount", "number", "Seen", "date", "Big", "number"));
        ObjectNode dealProperties = properties("Name", "title", "Row key", "rich_text", "Organization", "relation", "Parent", "relation");
        ((ObjectNode) dealProperties.path("Organization")).putObject("relation").put("data_source_id", orgsDs).put("database_id", orgsDb)
                .put("type", "single_property").putObject("single_property");
        ((ObjectNode) dealProperties.path("Parent")).putObject("relation").put("data_source_id", dealsDs).put("database_id", dealsDb)
                .put("type", "single_property").putObject("single_property");
        importDatabase(dealsDb, dealsDs, "Deals", dealProperties);
        before.put("Acme", createPage(orgsDs, "Acme", "1", null));
        before.put("Globex", createPage(orgsDs, "Globex", "2", null));
        // Notion shows the foreign keys as relations, as the push would have made them
        before.put("Ada", createPage(agentsDs, "Ada", "10", relation("Organization", before.get("Acme"))));
        before.put("Bob", createPage(agentsDs, "Bob", "11", relation("Organization", before.get("Globex"))));
        ObjectNode contract = JSON.createObjectNode().setAll(text("Body", "signed on paper, keep"));
        contract.set("Amount", number("1000.00"));
        before.put("Contract", createPage(notesDs, "Contract", "5", contract));
        before.put("Ledger", createPage(notesDs, "Ledger", "6", null));
        before.put("Draft", createPage(notesDs, "Draft", "7", null));
        before.put("Memo", createPage(notesDs, "Memo", "8", null));
        before.put("Minutes", createPage(notesDs, "Minutes", "4", null));
        before.put("Merger", createPage(dealsDs, "Merger", "30", relation("Organization", before.get("Globex"))));
        before.put("Program", createPage(dealsDs, "Program", "32", null));
        before.put("Program, part 1", createPage(dealsDs, "Program, part 1", "33", relation("Parent", before.get("Program"))));
        settings.put("notion.sources", orgs + "," + agents + "," + notes + "," + deals);
        for (String[] s : new String[][] {{orgs, orgsDs, "app.organizations"}, {agents, agentsDs, "app.agents"}, {notes, notesDs, "app.notes"},
                {deals, dealsDs, "app.deals"}}) {
            settings.put("notion.source." + s[0] + ".mode", "bind");
            settings.put("notion.source." + s[0] + ".id", s[1]);
            settings.put("notion.source." + s[0] + ".table", s[2]);
            settings.put("notion.source." + s[0] + ".poll", "1s");
        }
        settings.put("notion.source." + agents + ".columns.organization_id", "Organization");
        settings.put("notion.source." + deals + ".columns.organization_id", "Organization");
        settings.put("notion.source." + deals + ".columns.parent_id", "Parent");
        settings.put("notion.source." + orgs + ".on-trash", "delete");
        settings.put("notion.source." + deals + ".on-trash", "delete");
        // finding 5: the push of notes starts only after record matching and an application's update right after it (a
        // push poll that comes late), so the update is recorded only if the capture trigger was there before matching
        settings.put("camel.main.auto-startup-exclude-pattern", "bind-push-" + notes);
        settings.put("notion.bind.apply-poll", "300ms");
        settings.put("notion.sync.sweep", "2s");
        settings.put("notion.push.poll", "300ms");
        settings.put("notion.push.backoff-base", "300ms");
        settings.put("notion.api.backoff-base", "200ms");
        settings.put("notion.api.backoff-max", "1s");
        sync = integration.start(settings);
        TestEngine.await("record matching of the sources", Duration.ofSeconds(60), () ->
                TestEngine.count(sync, "SELECT count(*) FROM notion_sync.bound_sources WHERE matched_at IS NOT NULL") == 4);
        TestEngine.await("the agents linked", Duration.ofSeconds(30), () ->
                TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links WHERE state = 'linked' AND source = '" + agents + "'") == 2);
        TestEngine.await("the deals linked", Duration.ofSeconds(30), () ->
                TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links WHERE state = 'linked' AND source = '" + deals + "'") == 3);
        sql("UPDATE app.notes SET amount = 3 WHERE id = 6");   // finding 5: right after matching, before the push's first poll
        sync.context().getRouteController().startRoute("bind-push-" + notes);
    }

    // ------------------------------------------------------------------ findings

    /**
     * Finding 1: on-trash = delete on organizations; the row's DELETE cascades (ON DELETE CASCADE) to agents, a bound
     * table. The cascaded DELETE runs in the engine's transaction, so the capture trigger ignores it: Ada's page stays
     * in Notion (not trashed), still linked to a row that no longer exists, and edits to it go nowhere.
     */
    @Test
    void aTrashCascadingToAnotherBoundTableTrashesTheCascadedRowsPages() throws Exception {
        assertEquals(java.util.List.of(before.get("Acme")), relatedPages(before.get("Ada"), "Organization"), "Ada's page shows Acme");
        simulator.model().trashPage(before.get("Acme"), true);
        TestEngine.await("Acme's row deleted", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM app.organizations WHERE id = 1") == 0);
        assertEquals(0, count("SELECT count(*) FROM app.agents WHERE id = 10"), "PostgreSQL cascaded the delete to Ada");
        // what a user sees: Ada is gone from the application, so her page should leave Notion too (on-delete = trash, the default)
        TestEngine.await("Ada's page trashed in Notion", Duration.ofSeconds(30), () -> page(before.get("Ada")).path("in_trash").asBoolean());
    }

    /**
     * Finding 2: on-trash = unlink (the default, "production rows are not deleted by a Notion trash") keeps the row but
     * unlinks it; a new page that merely names that row's key (say a user re-creating "Contract" with only a title)
     * adopts the row and overwrites every mapped column with the page's empty values: body and amount become NULL.
     */
    @Test
    void aNewPageNamingAnUnlinkedRowsKeyDoesNotWipeItsColumns() throws Exception {
        simulator.model().trashPage(before.get("Contract"), true);
        TestEngine.await("Contract unlinked", Duration.ofSeconds(30), () -> "unlinked".equals(query(
                "SELECT state FROM notion_sync.links WHERE source = '" + notes + "' AND row_key = '{\"id\": 5}'")));
        String fresh = createPage(notesDs, "Contract", "5", null);
        TestEngine.await("the new page linked to row 5", Duration.ofSeconds(30), () -> "{\"id\": 5}".equals(query(
                "SELECT row_key::text FROM notion_sync.links WHERE source = '" + notes + "' AND page_id = '" + fresh + "' AND state = 'linked'")));
        assertEquals("signed on paper, keep", query("SELECT coalesce(body, 'NULL') FROM app.notes WHERE id = 5"),
                "a production row's column nobody edited is wiped by a page that only names its key");
        assertEquals("1000.00", query("SELECT coalesce(amount::text, 'NULL') FROM app.notes WHERE id = 5"));
    }

    /**
     * Finding 3: a Notion user edits Body while the application updates another column (amount) of the same row. The
     * push reads the page, sees no conflict on amount, and writes the page it got back into the link's base and the
     * shadow mirror, Notion's new Body included, so the Apply finds no difference: the Notion edit never reaches the row.
     */
    @Test
    void aNotionEditRacingAnApplicationUpdateOfAnotherColumnReachesTheRow() throws Exception {
        edit(before.get("Draft"), text("Body", "edited in Notion"));
        sql("UPDATE app.notes SET amount = 2 WHERE id = 7");
        TestEngine.await("the amount in Notion", Duration.ofSeconds(30), () ->
                amount(before.get("Draft")) == 2);
        Thread.sleep(8000);   // pulls, sweeps and Apply passes
        assertEquals("edited in Notion", page(before.get("Draft")).path("properties").path("Body").path("rich_text").path(0).path("plain_text").asText());
        assertEquals("edited in Notion", query("SELECT coalesce(body, 'NULL') FROM app.notes WHERE id = 7"),
                "Notion shows the edit; the application's row never gets it");
    }

    /** Finding 3b: the same with a key change: the application renumbers the row while Body is edited in Notion. */
    @Test
    void aNotionEditRacingAKeyChangeReachesTheRow() throws Exception {
        edit(before.get("Memo"), text("Body", "memo edited in Notion"));
        sql("UPDATE app.notes SET id = 80 WHERE id = 8");
        TestEngine.await("the key moved in Notion", Duration.ofSeconds(30), () ->
                "80".equals(page(before.get("Memo")).path("properties").path("Row key").path("rich_text").path(0).path("plain_text").asText()));
        Thread.sleep(8000);
        assertEquals("memo edited in Notion", query("SELECT coalesce(body, 'NULL') FROM app.notes WHERE id = 80"));
    }

    /**
     * Finding 1b: the same trash sets a foreign key of another bound table to NULL (ON DELETE SET NULL): the relation on
     * that row's page is cleared. And a row the trash cascades to whose page the user trashed too (Bob: the user trashed
     * the organization and its agent) leaves its page in the trash, without a dead letter.
     */
    @Test
    void aTrashSettingAForeignKeyToNullClearsTheRelationAndCascadesToPagesAlreadyTrashed() throws Exception {
        assertEquals(1, relatedPages(before.get("Merger"), "Organization").size(), "Merger's page shows Globex");
        simulator.model().trashPage(before.get("Bob"), true);
        simulator.model().trashPage(before.get("Globex"), true);
        TestEngine.await("Globex's row deleted", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM app.organizations WHERE id = 2") == 0);
        assertEquals("NULL", query("SELECT coalesce(organization_id::text, 'NULL') FROM app.deals WHERE id = 30"), "PostgreSQL set Merger's foreign key to NULL");
        assertEquals(0, count("SELECT count(*) FROM app.agents WHERE id = 11"), "PostgreSQL cascaded the delete to Bob");
        TestEngine.await("Merger's relation cleared in Notion", Duration.ofSeconds(30), () -> relatedPages(before.get("Merger"), "Organization").isEmpty());
        TestEngine.await("Bob's change settled", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM notion_sync.row_changes WHERE source = '"
                + agents + "' AND row_key = '{\"id\": 11}' AND status = 'pending'") == 0);
        Thread.sleep(2000);   // pulls and Apply passes
        assertEquals(0, count("SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open' AND (body LIKE '%\"source\":\"" + agents
                + "\"%' OR body LIKE '%\"source\":\"" + deals + "\"%')"), "no dead letter for a page already in the trash");
        assertTrue(page(before.get("Bob")).path("in_trash").asBoolean(), "Bob's page stays in the trash");
        assertEquals(0, count("SELECT count(*) FROM app.agents WHERE id = 11"), "Bob's row does not come back from his page");
        assertEquals("Merger", page(before.get("Merger")).path("properties").path("Name").path("title").path(0).path("plain_text").asText());
        assertFalse(page(before.get("Merger")).path("in_trash").asBoolean(), "Merger's page stays, only its relation goes");
    }

    /**
     * Finding 1d: an edit from Notion reaches a row, and the application's own trigger on that table writes another
     * bound table (a deal to follow the note up): that write is the application's, and reaches Notion.
     */
    @Test
    void whatAnApplicationsTriggerWritesWhenANotionEditReachesARowReachesNotion() throws Exception {
        edit(before.get("Minutes"), text("Body", "minutes edited in Notion"));
        TestEngine.await("the edit in the row", Duration.ofSeconds(30), () -> "minutes edited in Notion".equals(query("SELECT body FROM app.notes WHERE id = 4")));
        assertEquals("follow up on Minutes", query("SELECT name FROM app.deals WHERE id = 1004"), "the application's trigger wrote its deal");
        TestEngine.await("the deal's page in Notion", Duration.ofSeconds(30), () -> simulator.model().pages(dealsDs).stream().anyMatch(p ->
                "follow up on Minutes".equals(p.path("properties").path("Name").path("title").path(0).path("plain_text").asText())));
    }

    /** Finding 1c: the same within one table: a trash deleting a row cascades (a foreign key to itself) to its child, whose page goes too. */
    @Test
    void aTrashCascadingWithinItsTableTrashesTheChildsPage() throws Exception {
        simulator.model().trashPage(before.get("Program"), true);
        TestEngine.await("Program's row deleted", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM app.deals WHERE id = 32") == 0);
        assertEquals(0, count("SELECT count(*) FROM app.deals WHERE id = 33"), "PostgreSQL cascaded the delete to its part");
        TestEngine.await("the part's page trashed in Notion", Duration.ofSeconds(30), () -> page(before.get("Program, part 1")).path("in_trash").asBoolean());
    }

    /**
     * Finding 5: an application UPDATE of a row linked by record matching, made just after matching completed, was
     * sometimes never recorded nor pushed: the capture trigger was installed by the push's poll, which could come after
     * matching (and the update). Here the push starts after the update (see the setup): the update reaches Notion.
     */
    @Test
    void anApplicationUpdateOfAMatchedRowReachesNotion() throws Exception {
        TestEngine.await("the amount in Notion", Duration.ofSeconds(20), () -> amount(before.get("Ledger")) == 3);
    }

    /** Probe: a timestamp with seconds and a numeric beyond a double survive the round trip and an unrelated Notion edit. */
    @Test
    void secondsAndDigitsSurviveAnUnrelatedNotionEdit() throws Exception {
        sql("INSERT INTO app.notes (id, name, seen, big) VALUES (9, 'Precise', '2026-05-06 07:08:09.123+00', 12345678901234567.8901234)");
        TestEngine.await("row 9's page", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM notion_sync.links WHERE source = '" + notes
                + "' AND row_key = '{\"id\": 9}' AND page_id IS NOT NULL AND state = 'linked'") == 1);
        String page = query("SELECT page_id FROM notion_sync.links WHERE source = '" + notes + "' AND row_key = '{\"id\": 9}'");
        ObjectNode title = JSON.createObjectNode();
        title.putObject("Name").putArray("title").addObject().putObject("text").put("content", "Precise (renamed)");
        edit(page, title);
        TestEngine.await("the rename", Duration.ofSeconds(30), () -> "Precise (renamed)".equals(query("SELECT name FROM app.notes WHERE id = 9")));
        Thread.sleep(2000);
        assertEquals("2026-05-06 07:08:09.123", query("SELECT (seen AT TIME ZONE 'UTC')::text FROM app.notes WHERE id = 9"));
        assertEquals("12345678901234567.8901234", query("SELECT big::text FROM app.notes WHERE id = 9"));
    }

    // ------------------------------------------------------------------ helpers

    void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(settings.get("notion.db.url")); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    String query(String sql) {
        return TestEngine.queryString(sync, sql);
    }

    long count(String sql) {
        return TestEngine.count(sync, sql);
    }

    double amount(String pageId) {
        JsonNode n = page(pageId).path("properties").path("Amount").path("number");
        return n.isNumber() ? n.doubleValue() : Double.NaN;
    }

    JsonNode page(String id) {
        return simulator.model().page(id).orElseThrow();
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

    void importDatabase(String databaseId, String dataSourceId, String title, ObjectNode properties) {
        importDatabase(simulator, databaseId, dataSourceId, title, properties);
    }

    /** An existing Notion database, as a user made it: in the workspace, with these properties. */
    static void importDatabase(NotionSimulator simulator, String databaseId, String dataSourceId, String title, ObjectNode properties) {
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

    static ObjectNode relation(String property, String pageId) {
        ObjectNode relation = JSON.createObjectNode();
        relation.putObject(property).putArray("relation").addObject().put("id", pageId);
        return relation;
    }

    java.util.List<String> relatedPages(String pageId, String property) {
        java.util.List<String> ids = new java.util.ArrayList<>();
        page(pageId).path("properties").path(property).path("relation").forEach(r -> ids.add(r.path("id").asText()));
        return ids;
    }

    static ObjectNode number(Object value) {
        ObjectNode number = JSON.createObjectNode();
        number.put("number", new java.math.BigDecimal(value.toString()));
        return number;
    }

    String createPage(String dataSourceId, String title, String key, ObjectNode more) {
        return createPage(simulator, dataSourceId, title, key, more);
    }

    /** A page a Notion user made: its title, its key in "Row key" (none when empty) and {@code more} properties. */
    static String createPage(NotionSimulator simulator, String dataSourceId, String title, String key, ObjectNode more) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("parent").put("type", "data_source_id").put("data_source_id", dataSourceId);
        ObjectNode properties = body.putObject("properties");
        properties.putObject("Name").putArray("title").addObject().putObject("text").put("content", title);
        if (!key.isEmpty()) {
            properties.setAll(text("Row key", key));
        }
        if (more != null) {
            properties.setAll(more);
        }
        return TestEngine.notion(simulator, "POST", "/v1/pages", body.toString()).path("id").asText();
    }

    JsonNode edit(String pageId, ObjectNode properties) {
        return TestEngine.notion(simulator, "PATCH", "/v1/pages/" + pageId, JSON.createObjectNode().set("properties", properties).toString());
    }
}
