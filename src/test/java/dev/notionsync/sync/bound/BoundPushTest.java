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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
 * An application's INSERT, UPDATE and DELETE on its own tables, bound to Notion databases in the simulator (over
 * HTTP), show up in Notion: every mapped column type, a key change, a foreign key as a relation (also to a row whose
 * page is still being created), the conflict policies, a create whose answer is lost, and no echo (the engine's
 * write-back leaves nothing for the pull or the Apply bridge to bring back, and records no row change).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
class BoundPushTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;
    String agents;
    String orgs;
    String agentsSource = UUID.randomUUID().toString();
    String orgsSource = UUID.randomUUID().toString();
    String workflows;
    String workflowsSource = UUID.randomUUID().toString();

    @BeforeAll
    void start(Integration integration) throws Exception {
        simulator = integration.simulator(1);
        settings = integration.settings(simulator, "1s", "projects");
        String suffix = settings.get("notion.sources").replace("projects", "");
        agents = "agents" + suffix;
        orgs = "orgs" + suffix;
        workflows = "workflows" + suffix;
        String url = settings.get("notion.db.url");
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("CREATE TYPE public.agent_status AS ENUM ('active', 'paused', 'retired')");
            st.execute("CREATE TABLE public.organizations (id bigint PRIMARY KEY, name text NOT NULL)");
            st.execute("CREATE TABLE public.agents (id bigint PRIMARY KEY, name text NOT NULL, status public.agent_status,"
                    + " budget numeric(12,2), active boolean, tags text[], started date, seen timestamptz, meta jsonb,"
                    + " org_id bigint REFERENCES public.organizations (id), secret text)");
            st.execute("CREATE TABLE public.workflows (id bigint PRIMARY KEY, name text)");
            // a trigger left from when the pull-only source below pushed: the engine removes it
            st.execute("CREATE TRIGGER notion_sync_capture AFTER INSERT OR UPDATE OR DELETE ON public.workflows"
                    + " FOR EACH ROW EXECUTE FUNCTION notion_sync.capture_row_change('" + workflows + "', 'id', '|', 'name')");
        }
        // the two databases, as bootstrap would have made them
        ObjectNode data = JSON.createObjectNode();
        ArrayNode sources = data.putArray("data_sources");
        ObjectNode orgSchema = JSON.createObjectNode();
        orgSchema.set("Name", property("title", "title"));
        orgSchema.set("Row key", property("key", "rich_text"));
        sources.add(dataSource(orgsSource, "Organizations", orgSchema));
        ObjectNode agentSchema = JSON.createObjectNode();
        agentSchema.set("Name", property("title", "title"));
        agentSchema.set("Row key", property("key", "rich_text"));
        agentSchema.set("Status", property("stat", "select"));
        agentSchema.set("Budget", property("budg", "number"));
        agentSchema.set("Active", property("actv", "checkbox"));
        agentSchema.set("Tags", property("tags", "multi_select"));
        agentSchema.set("Started", property("strt", "date"));
        agentSchema.set("Seen", property("seen", "date"));
        agentSchema.set("Meta", property("meta", "rich_text"));
        ObjectNode relation = property("orgr", "relation");
        relation.putObject("relation").put("data_source_id", orgsSource).put("type", "single_property").putObject("single_property");
        agentSchema.set("Org", relation);
        sources.add(dataSource(agentsSource, "Agents", agentSchema));
        ObjectNode workflowSchema = JSON.createObjectNode();
        workflowSchema.set("Name", property("title", "title"));
        workflowSchema.set("Row key", property("key", "rich_text"));
        sources.add(dataSource(workflowsSource, "Workflows", workflowSchema));
        TestEngine.simControl(simulator, "import", data.toString());
        try (Connection c = DriverManager.getConnection(url)) {
            pair(c, orgs, "organizations", Map.of("name", List.of("title", "Name", "title", "title")));
            pair(c, workflows, "workflows", Map.of("name", List.of("title", "Name", "title", "title")));
            pair(c, agents, "agents", Map.of("name", List.of("title", "Name", "title", "title"), "status", List.of("stat", "Status", "select", "value"),
                    "budget", List.of("budg", "Budget", "number", "value"), "active", List.of("actv", "Active", "checkbox", "value"),
                    "tags", List.of("tags", "Tags", "multi_select", "value"), "started", List.of("strt", "Started", "date", "value"),
                    "seen", List.of("seen", "Seen", "date", "value"), "meta", List.of("meta", "Meta", "rich_text", "value"),
                    "org_id", List.of("orgr", "Org", "relation", "value")));
        }
        settings.put("notion.sources", orgs + "," + agents + "," + workflows);
        for (String[] source : new String[][] {{orgs, "public.organizations", orgsSource, "postgres-wins"},
                {agents, "public.agents", agentsSource, "notion-wins"}, {workflows, "public.workflows", workflowsSource, "notion-wins"}}) {
            String prefix = "notion.source." + source[0] + ".";
            settings.put(prefix + "mode", "bind");
            settings.put(prefix + "table", source[1]);
            settings.put(prefix + "id", source[2]);
            settings.put(prefix + "poll", "1s");
            settings.put(prefix + "conflict", source[3]);
            settings.put(prefix + "exclude", source[0].equals(agents) ? "secret" : "");
        }
        settings.put("notion.source." + workflows + ".direction", "pull");
        settings.put("notion.source." + orgs + ".on-delete", "ignore");
        settings.put("notion.push.poll", "300ms");
        settings.put("notion.push.backoff-base", "300ms");
        settings.put("notion.push.max-attempts", "30");
        settings.put("notion.api.backoff-base", "200ms");
        settings.put("notion.api.backoff-max", "1s");
        settings.put("notion.api.breaker.minimum-calls", "1000");
        sync = integration.start(settings);
        TestEngine.await("the capture triggers", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'notion_sync_capture' AND tgrelid IN ('public.agents'::regclass,"
                        + " 'public.organizations'::regclass)") == 2);
    }

    static ObjectNode property(String id, String type) {
        ObjectNode property = JSON.createObjectNode().put("id", id).put("type", type);
        property.putObject(type);
        return property;
    }

    static ObjectNode dataSource(String id, String title, ObjectNode properties) {
        ObjectNode source = JSON.createObjectNode().put("object", "data_source").put("id", id);
        source.putObject("parent").put("type", "database_id").put("database_id", UUID.randomUUID().toString());
        source.putArray("title").addObject().put("type", "text").put("plain_text", title).putObject("text").put("content", title);
        source.set("properties", properties);
        return source;
    }

    /** The pairs bootstrap records: column -> [property id, name, type, role]; the key property under attnum 0. */
    static void pair(Connection c, String source, String table, Map<String, List<String>> pairs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.bound_columns (source, attnum, column_name, property_id,"
                + " property_name, property_type, role) SELECT ?, coalesce((SELECT attnum FROM pg_attribute WHERE attrelid = ?::regclass"
                + " AND attname = ?), 0), ?, ?, ?, ?, ?")) {
            for (Map.Entry<String, List<String>> pair : pairs.entrySet()) {
                bind(ps, source, "public." + table, pair.getKey(), pair.getValue());
                ps.executeUpdate();
            }
            bind(ps, source, "public." + table, "", List.of("key", "Row key", "rich_text", "key"));
            ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, String source, String table, String column, List<String> property) throws SQLException {
        ps.setString(1, source);
        ps.setString(2, table);
        ps.setString(3, column);
        ps.setString(4, column);
        ps.setString(5, property.get(0));
        ps.setString(6, property.get(1));
        ps.setString(7, property.get(2));
        ps.setString(8, property.get(3));
    }

    void sql(String statement) throws SQLException {
        TestEngine.execute(sync, statement);
    }

    String pageOf(String source, String rowKey) {
        return TestEngine.queryString(sync, "SELECT page_id FROM notion_sync.links WHERE source = '" + source + "' AND row_key = '"
                + rowKey + "'::jsonb AND state = 'linked'");
    }

    JsonNode page(String pageId) {
        return TestEngine.notion(simulator, "GET", "/v1/pages/" + pageId, "");
    }

    void awaitSettled() throws InterruptedException {
        TestEngine.await("the row changes pushed", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.row_changes WHERE status = 'pending'") == 0);
    }

    List<JsonNode> pagesWithKey(String dataSource, String key) {
        return simulator.model().pages(dataSource).stream().filter(p -> !p.path("in_trash").asBoolean())
                .filter(p -> key.equals(p.at("/properties/Row key/rich_text/0/plain_text").asText())).map(p -> (JsonNode) p).toList();
    }

    @Test
    void insertUpdateAndDeleteOfEveryMappedTypeShowInNotion() throws Exception {
        sql("INSERT INTO public.organizations VALUES (1, 'Acme AI')");
        sql("INSERT INTO public.agents VALUES (1, 'Scout', 'active', 1234.50, true, ARRAY['search','web'], '2026-03-04',"
                + " '2026-03-04 05:06:00+00', '{\"model\": \"small\", \"temperature\": 0.25}', 1, 'hunter2')");
        awaitSettled();
        TestEngine.await("the agent's page", Duration.ofSeconds(30), () -> pageOf(agents, "{\"id\": 1}") != null);
        JsonNode page = page(pageOf(agents, "{\"id\": 1}"));
        assertEquals("Scout", page.at("/properties/Name/title/0/plain_text").asText());
        assertEquals("1", page.at("/properties/Row key/rich_text/0/plain_text").asText(), "the key property holds the row's key");
        assertEquals("active", page.at("/properties/Status/select/name").asText());
        assertEquals(0, page.at("/properties/Budget/number").decimalValue().compareTo(new java.math.BigDecimal("1234.50")));
        assertTrue(page.at("/properties/Active/checkbox").asBoolean());
        assertEquals(List.of("search", "web"), List.of(page.at("/properties/Tags/multi_select/0/name").asText(),
                page.at("/properties/Tags/multi_select/1/name").asText()));
        assertEquals("2026-03-04", page.at("/properties/Started/date/start").asText());
        assertEquals("2026-03-04T05:06:00.000Z", page.at("/properties/Seen/date/start").asText().replace("+00:00", "Z"));
        assertEquals(JSON.readTree("{\"model\": \"small\", \"temperature\": 0.25}"),
                JSON.readTree(page.at("/properties/Meta/rich_text/0/plain_text").asText()));
        assertEquals(pageOf(orgs, "{\"id\": 1}"), page.at("/properties/Org/relation/0/id").asText(), "the foreign key is a relation");
        assertFalse(page.toString().contains("hunter2"), "an excluded column never reaches Notion");

        sql("UPDATE public.agents SET budget = 99.99, status = 'paused', tags = ARRAY['search'], active = false, started = NULL,"
                + " meta = '[1, 2]' WHERE id = 1");
        awaitSettled();
        page = page(pageOf(agents, "{\"id\": 1}"));
        assertEquals("paused", page.at("/properties/Status/select/name").asText());
        assertEquals("99.99", page.at("/properties/Budget/number").decimalValue().toPlainString());
        assertEquals(1, page.at("/properties/Tags/multi_select").size());
        assertFalse(page.at("/properties/Active/checkbox").asBoolean());
        assertTrue(page.at("/properties/Started/date").isNull() || page.at("/properties/Started/date").isMissingNode());
        assertEquals("[1,2]", page.at("/properties/Meta/rich_text/0/plain_text").asText().replace(" ", ""));

        String pageId = pageOf(agents, "{\"id\": 1}");
        sql("DELETE FROM public.agents WHERE id = 1");
        awaitSettled();
        assertTrue(page(pageId).path("in_trash").asBoolean(), "a deleted row's page is in Notion's trash");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links WHERE source = '" + agents + "' AND row_key = '{\"id\": 1}'"));
    }

    @Test
    void theWriteBackLeavesNothingToEchoBack() throws Exception {
        sql("INSERT INTO public.organizations VALUES (20, 'Echo Labs')");
        sql("INSERT INTO public.agents (id, name, status, budget, tags, org_id) VALUES (20, 'Quiet', 'active', 5, ARRAY['a'], 20)");
        awaitSettled();
        sql("UPDATE public.agents SET budget = 6 WHERE id = 20");
        awaitSettled();
        long changes = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes");
        String row = TestEngine.queryString(sync, "SELECT to_jsonb(a)::text FROM public.agents a WHERE id = 20");
        Thread.sleep(4000);   // pulls of the shadow mirror meanwhile
        assertEquals(changes, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes"), "no row change loops back");
        assertEquals(row, TestEngine.queryString(sync, "SELECT to_jsonb(a)::text FROM public.agents a WHERE id = 20"), "the row is as the app left it");
        // what the Apply bridge compares: the link's page values are the shadow mirror's values of the mapped properties
        String schema = settings.get("notion.db.schema");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links l JOIN \"" + schema + "\"." + agents
                + " s ON s.page_id = l.page_id WHERE l.source = '" + agents + "' AND l.page_values IS DISTINCT FROM"
                + " (SELECT jsonb_object_agg(v.value ->> 'id', v.value) FROM jsonb_each(s.properties) v"
                + "  WHERE v.value ->> 'id' IN (SELECT jsonb_object_keys(l.page_values)))"), "the shadow mirror matches every link");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM \"" + schema + "\"." + agents + " WHERE page_id = '"
                + pageOf(agents, "{\"id\": 20}") + "' AND budget = 6"), "the shadow mirror holds the pushed page");
    }

    @Test
    void aKeyChangeMovesTheLinkAndTheKeyProperty() throws Exception {
        sql("INSERT INTO public.agents (id, name) VALUES (30, 'Mover')");
        awaitSettled();
        String pageId = pageOf(agents, "{\"id\": 30}");
        sql("UPDATE public.agents SET id = 31, name = 'Moved' WHERE id = 30");
        awaitSettled();
        assertEquals(pageId, pageOf(agents, "{\"id\": 31}"), "the same page follows the row");
        JsonNode page = page(pageId);
        assertEquals("31", page.at("/properties/Row key/rich_text/0/plain_text").asText());
        assertEquals("Moved", page.at("/properties/Name/title/0/plain_text").asText());
        sql("INSERT INTO public.agents (id, name) VALUES (30, 'A new row under the old key')");
        awaitSettled();
        assertTrue(pageOf(agents, "{\"id\": 30}") != null && !pageOf(agents, "{\"id\": 30}").equals(pageId), "a new row gets a new page");
    }

    @Test
    void aForeignKeyChangeChangesTheRelationAndARelatedRowBeingCreatedIsWaitedFor() throws Exception {
        sql("INSERT INTO public.organizations VALUES (40, 'First')");
        sql("INSERT INTO public.agents (id, name, org_id) VALUES (40, 'Linked', 40)");
        awaitSettled();
        // the new organization and the change in one transaction: the agent's push may come first, and waits
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO public.organizations VALUES (41, 'Second')");
            st.execute("UPDATE public.agents SET org_id = 41 WHERE id = 40");
            c.commit();
        }
        awaitSettled();
        assertEquals(pageOf(orgs, "{\"id\": 41}"), page(pageOf(agents, "{\"id\": 40}")).at("/properties/Org/relation/0/id").asText());
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE status = 'dead_letter' AND source = '"
                + agents + "'"), "waiting is no failure");
        sql("UPDATE public.agents SET org_id = NULL WHERE id = 40");
        awaitSettled();
        assertEquals(0, page(pageOf(agents, "{\"id\": 40}")).at("/properties/Org/relation").size());
    }

    @Test
    void aCreateWhoseAnswerIsLostMakesExactlyOnePage() throws Exception {
        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0,\"truncate_only\":[\"POST /v1/pages\"]}");
        try {
            sql("INSERT INTO public.agents (id, name, budget) VALUES (50, 'Lost answer', 7)");
            TestEngine.await("the create went out and its answer was lost", Duration.ofSeconds(30), () -> pagesWithKey(agentsSource, "50").size() == 1
                    && TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE note IS NOT NULL AND status = 'pending'") > 0);
            Thread.sleep(1500);
        } finally {
            TestEngine.simControl(simulator, "faults", "{}");
        }
        awaitSettled();
        Thread.sleep(2000);
        assertEquals(1, pagesWithKey(agentsSource, "50").size(), "one INSERT, one page");
        assertEquals(pagesWithKey(agentsSource, "50").get(0).path("id").asText(), pageOf(agents, "{\"id\": 50}"));
    }

    @Test
    void conflictsFollowTheSourcesPolicy() throws Exception {
        sql("INSERT INTO public.agents (id, name, budget) VALUES (60, 'Contested', 10)");
        sql("INSERT INTO public.organizations VALUES (60, 'Contested org')");
        awaitSettled();
        // both sides change the same property: Notion through its API, PostgreSQL while the push is held back
        sync.context().getRouteController().stopRoute("bind-push-" + agents);
        sync.context().getRouteController().stopRoute("bind-push-" + orgs);
        try {
            TestEngine.notion(simulator, "PATCH", "/v1/pages/" + pageOf(agents, "{\"id\": 60}"), "{\"properties\":{\"Budget\":{\"number\":11}}}");
            TestEngine.notion(simulator, "PATCH", "/v1/pages/" + pageOf(orgs, "{\"id\": 60}"),
                    "{\"properties\":{\"Name\":{\"title\":[{\"text\":{\"content\":\"Renamed in Notion\"}}]}}}");
            sql("UPDATE public.agents SET budget = 12 WHERE id = 60");
            sql("UPDATE public.organizations SET name = 'Renamed in PostgreSQL' WHERE id = 60");
        } finally {
            sync.context().getRouteController().startRoute("bind-push-" + agents);
            sync.context().getRouteController().startRoute("bind-push-" + orgs);
        }
        awaitSettled();
        // agents: notion-wins, and the row takes Notion's value back
        assertEquals(11, page(pageOf(agents, "{\"id\": 60}")).at("/properties/Budget/number").asInt());
        assertEquals("11.00", TestEngine.queryString(sync, "SELECT budget::text FROM public.agents WHERE id = 60"));
        // organizations: postgres-wins
        assertEquals("Renamed in PostgreSQL", page(pageOf(orgs, "{\"id\": 60}")).at("/properties/Name/title/0/plain_text").asText());
        assertEquals(2, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE (source = '" + agents
                + "' AND winner = 'notion') OR (source = '" + orgs + "' AND winner = 'postgres')"), "each conflict recorded");
        // the row taken back from Notion is the engine's write: no new change
        Thread.sleep(1500);
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE status = 'pending'"));
    }

    @Test
    void aValueNotionCannotHoldIsADeadLetterNamingTheRowAndColumn() throws Exception {
        sql("INSERT INTO public.agents (id, name, tags) VALUES (70, 'Commas', ARRAY['fine'])");
        awaitSettled();
        sql("UPDATE public.agents SET tags = ARRAY['a,b'], budget = 3 WHERE id = 70");
        awaitSettled();
        JsonNode page = page(pageOf(agents, "{\"id\": 70}"));
        assertEquals(3, page.at("/properties/Budget/number").asInt(), "the row's other change still went");
        assertEquals("fine", page.at("/properties/Tags/multi_select/0/name").asText());
        String body = TestEngine.queryString(sync, "SELECT body FROM notion_sync.dead_letters WHERE body LIKE '%\"id\":70%' ORDER BY id DESC LIMIT 1");
        assertTrue(body != null && body.contains("tags"), "the dead letter names the column: " + body);
        String error = TestEngine.queryString(sync, "SELECT exception_message FROM notion_sync.dead_letters WHERE body LIKE '%\"id\":70%' ORDER BY id DESC LIMIT 1");
        assertTrue(error != null && error.contains("{\"id\":70}"), "and the row's key: " + error);
    }

    @Test
    void aDeletedRowWhosePageWasEditedInNotionKeepsItsPageUnderNotionWins() throws Exception {
        sql("INSERT INTO public.agents (id, name, budget) VALUES (80, 'Kept', 1)");
        awaitSettled();
        String pageId = pageOf(agents, "{\"id\": 80}");
        sync.context().getRouteController().stopRoute("bind-push-" + agents);
        try {
            TestEngine.notion(simulator, "PATCH", "/v1/pages/" + pageId, "{\"properties\":{\"Budget\":{\"number\":2}}}");
            sql("DELETE FROM public.agents WHERE id = 80");
        } finally {
            sync.context().getRouteController().startRoute("bind-push-" + agents);
        }
        awaitSettled();
        assertFalse(page(pageId).path("in_trash").asBoolean(), "the page edited in Notion stays (notion-wins)");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.conflicts WHERE page_id = '" + pageId
                + "' AND property_name = '(row deleted)' AND winner = 'notion'"));
        // its link went with the row; the Apply bridge then brings the row back from the page, linked to it again (it may
        // have done so already: asserting the link's absence in between raced the bridge)
        TestEngine.await("the row back from its page", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM public.agents a JOIN notion_sync.links l ON l.row_key = jsonb_build_object('id', a.id)"
                        + " WHERE a.id = 80 AND a.budget = 2 AND l.page_id = '" + pageId + "'") == 1);
    }

    @Test
    void aChangeToATrashedPageIsADeadLetterWhoseReplayWorksOnceThePageIsBack() throws Exception {
        sql("INSERT INTO public.agents (id, name, budget) VALUES (90, 'Trashed', 1)");
        awaitSettled();
        String pageId = pageOf(agents, "{\"id\": 90}");
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + pageId, "{\"in_trash\":true}");
        sql("UPDATE public.agents SET budget = 9 WHERE id = 90");
        awaitSettled();
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE status = 'dead_letter'"
                + " AND row_key = '{\"id\": 90}'"));
        long letter = TestEngine.count(sync, "SELECT max(id) FROM notion_sync.dead_letters WHERE endpoint_uri = 'direct:bind-push-row'"
                + " AND status = 'open' AND body LIKE '%\"id\":90%'");
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + pageId, "{\"in_trash\":false}");
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + settings.get("camel.management.port") + "/observe/dead-letters/replay?id=" + letter))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals("{\"outcome\":\"resolved\"}", response.body());
        assertEquals(9, page(pageId).at("/properties/Budget/number").asInt(), "the replay sent the change");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE status = 'pushed' AND row_key = '{\"id\": 90}'"
                + " AND operation = 'UPDATE'"));
    }

    @Test
    void aPullOnlyBoundSourceHasNoCaptureTrigger() throws Exception {
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.workflows'::regclass"
                        + " AND tgname = 'notion_sync_capture'"),
                "the push's capture trigger is there only when the source pushes (its change events' trigger is, notion.change-events)");
        sql("INSERT INTO public.workflows VALUES (1, 'Nightly')");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE source = '" + workflows + "'"));
        assertFalse(sync.context().getRoutes().stream().anyMatch(r -> r.getRouteId().equals("bind-push-" + workflows)));
    }

    @Test
    void onDeleteIgnoreKeepsThePageUnlinkedAndANewRowUnderTheKeyGetsItsOwnPage() throws Exception {
        sql("INSERT INTO public.organizations VALUES (100, 'Kept in Notion')");
        awaitSettled();
        String first = pageOf(orgs, "{\"id\": 100}");
        sql("DELETE FROM public.organizations WHERE id = 100");
        awaitSettled();
        assertFalse(page(first).path("in_trash").asBoolean(), "on-delete=ignore: the page stays");
        assertEquals("unlinked", TestEngine.queryString(sync, "SELECT state FROM notion_sync.links WHERE source = '" + orgs
                + "' AND row_key = '{\"id\": 100}'"));
        sql("INSERT INTO public.organizations VALUES (100, 'A new organization')");
        awaitSettled();
        String second = pageOf(orgs, "{\"id\": 100}");
        assertTrue(second != null && !second.equals(first), "the new row has a page of its own");
        assertEquals("A new organization", page(second).at("/properties/Name/title/0/plain_text").asText());
        assertEquals("Kept in Notion", page(first).at("/properties/Name/title/0/plain_text").asText());
    }
}
