package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.mapping.BoundTypes;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.store.DemoApplication;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * notion-sync bootstrap on the demo application schema, against the simulator over HTTP and real PostgreSQL: the
 * databases made from the tables (types, options, relations in dependency order), a page per row with the row's
 * values, and a bootstrap cut off mid-way (answers lost after the create, the engine stopped) resumed without a
 * second database or page.
 */
@ExtendWith(IntegrationExtension.class)
class BootstrapTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> TABLES = List.of("organizations", "agents", "capabilities", "agents_capabilities", "workflows");
    /** The tables that become databases: agents_capabilities, a join table, is a two-way relation between agents and capabilities. */
    static final List<String> DATABASES = List.of("organizations", "agents", "capabilities", "workflows");
    static final Map<String, Integer> ROWS = Map.of("organizations", 3, "agents", 5, "capabilities", 6, "agents_capabilities", 8, "workflows", 5);

    /** Settings binding every table of the demo application, each as the source named like it. */
    static Map<String, String> boundSettings(Integration it, NotionSimulator simulator) {
        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        settings.put("notion.sources", String.join(",", TABLES));
        for (String table : TABLES) {
            settings.put("notion.source." + table + ".mode", "bind");
            settings.put("notion.source." + table + ".table", "public." + table);
        }
        return settings;
    }

    /** The page the sample databases live under: where bootstrap puts its databases in these tests. */
    static String parentPage(NotionSimulator simulator) {
        return TestEngine.notion(simulator, "GET", "/v1/databases/" + simulator.workspace().source("projects").databaseId(), "")
                .path("parent").path("page_id").asText();
    }

    static JsonNode dataSource(NotionSimulator simulator, NotionSync sync, String source) {
        String id = TestEngine.queryString(sync, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = '" + source + "'");
        return TestEngine.notion(simulator, "GET", "/v1/data_sources/" + id, "");
    }

    static List<JsonNode> pages(NotionSimulator simulator, NotionSync sync, String source) {
        String id = TestEngine.queryString(sync, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = '" + source + "'");
        return simulator.model().pages(id).stream().map(p -> (JsonNode) p).filter(p -> !p.path("in_trash").asBoolean()).toList();
    }

    static String text(JsonNode page, String property) {
        StringBuilder text = new StringBuilder();
        JsonNode value = page.path("properties").path(property);
        value.path(value.path("type").asText()).forEach(item -> text.append(item.path("plain_text").asText()));
        return text.toString();
    }

    static JsonNode pageByKey(NotionSimulator simulator, NotionSync sync, String source, String key) {
        return pages(simulator, sync, source).stream().filter(p -> text(p, "Row key").equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no page of " + source + " with key " + key));
    }

    @Test
    void theDemoSchemaBecomesDatabasesInDependencyOrderWithAPagePerRow(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = boundSettings(it, simulator);
        NotionSync sync = it.createForBootstrap(settings);
        DemoApplication.create(sync.database().dataSource());
        sync.start();
        String parent = parentPage(simulator);
        List<String> progress = Collections.synchronizedList(new ArrayList<>());

        assertTrue(sync.bootstrap().bootstrap("workflows", parent, progress::add).complete());
        assertTrue(progress.contains("bootstrap workflows: column agent_id refers to public.agents, bound by source agents, which is not"
                + " bootstrapped yet: bootstrapping agents first"), String.join("\n", progress));
        assertTrue(progress.contains("bootstrap agents: column organization_id refers to public.organizations, bound by source organizations,"
                + " which is not bootstrapped yet: bootstrapping organizations first"), String.join("\n", progress));
        assertTrue(progress.stream().anyMatch(line -> line.matches("bootstrap agents: 5/5 rows, [0-9.]+ rows/s, about 0s left; done in \\d+ s")),
                String.join("\n", progress));
        for (String source : List.of("capabilities", "agents_capabilities")) {
            assertTrue(sync.bootstrap().bootstrap(source, parent, progress::add).complete());
        }

        // the databases: one per table under the parent, named like it, every one done (the join table is none)
        assertEquals(0, databasesTitled(simulator, "agents_capabilities"));
        for (String table : DATABASES) {
            JsonNode dataSource = dataSource(simulator, sync, table);
            assertEquals(table, dataSource.path("title").path(0).path("plain_text").asText());
            assertEquals(parent, dataSource.path("database_parent").path("page_id").asText());
            assertEquals("done", TestEngine.queryString(sync, "SELECT bootstrap_state FROM notion_sync.bound_sources WHERE source = '" + table + "'"));
            assertEquals(ROWS.get(table).longValue(), pages(simulator, sync, table).size(), table + ": a page per row");
            assertEquals(ROWS.get(table).longValue(), TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links WHERE source = '" + table
                    + "' AND state = 'linked' AND page_values IS NOT NULL AND row_values IS NOT NULL AND page_edited_time IS NOT NULL"));
        }

        // the agents' properties, typed from the columns
        JsonNode agents = dataSource(simulator, sync, "agents").path("properties");
        Map<String, String> types = new TreeMap<>();
        agents.fields().forEachRemaining(e -> types.put(e.getKey(), e.getValue().path("type").asText()));
        assertEquals(new TreeMap<>(Map.ofEntries(Map.entry("Row key", "rich_text"), Map.entry("name", "title"), Map.entry("status", "select"),
                Map.entry("organization_id", "relation"), Map.entry("model", "rich_text"), Map.entry("temperature", "number"),
                Map.entry("monthly_budget", "number"), Map.entry("tags", "multi_select"), Map.entry("config", "rich_text"),
                Map.entry("is_public", "checkbox"), Map.entry("launched_on", "date"), Map.entry("last_run_at", "date"),
                Map.entry("updated_at", "date"), Map.entry("capabilities", "relation"))), types,
                "the key column id is held by the key property; the join table is the relation capabilities");
        assertEquals(BoundTypes.KEY_DESCRIPTION, agents.path("Row key").path("description").asText());
        assertEquals(List.of("draft", "active", "paused", "retired"), StreamSupport.stream(agents.path("status").path("select").path("options")
                .spliterator(), false).map(o -> o.path("name").asText()).toList());
        assertEquals(dataSource(simulator, sync, "organizations").path("id").asText(),
                agents.path("organization_id").path("relation").path("data_source_id").asText());
        // the join table: a two-way relation from agents to capabilities (JoinTableRelationTest has the rest)
        JsonNode joins = agents.path("capabilities").path("relation");
        assertEquals(dataSource(simulator, sync, "capabilities").path("id").asText(), joins.path("data_source_id").asText());
        assertEquals("agents", joins.path("dual_property").path("synced_property_name").asText());

        // a page's values are the row's
        JsonNode triage = pageByKey(simulator, sync, "agents", "0b1f5a3e-6a43-4c1e-9d8e-1a2b3c4d5e01");
        JsonNode p = triage.path("properties");
        assertEquals("Support Triage", text(triage, "name"));
        assertEquals("active", p.path("status").path("select").path("name").asText());
        assertEquals(0, p.path("monthly_budget").path("number").decimalValue().compareTo(new java.math.BigDecimal("2500.00")));
        assertEquals(0, p.path("temperature").path("number").decimalValue().compareTo(new java.math.BigDecimal("0.2")));
        assertEquals(List.of("support", "triage"), StreamSupport.stream(p.path("tags").path("multi_select").spliterator(), false)
                .map(o -> o.path("name").asText()).toList());
        assertEquals(JSON.readTree("{\"max_tokens\": 1024, \"tools\": [\"zendesk\", \"search\"], \"escalate_after_minutes\": 30}"),
                JSON.readTree(text(triage, "config")));
        assertTrue(p.path("is_public").path("checkbox").asBoolean());
        assertEquals("2024-03-04", p.path("launched_on").path("date").path("start").asText());
        assertEquals(java.time.Instant.parse("2026-11-30T22:15:00Z"),
                java.time.OffsetDateTime.parse(p.path("last_run_at").path("date").path("start").asText()).toInstant(),
                "a timestamp without zone is UTC; Notion keeps it to the minute");
        String acme = pageByKey(simulator, sync, "organizations", "1").path("id").asText();
        assertEquals(acme, p.path("organization_id").path("relation").path(0).path("id").asText());
        assertEquals("Acme Robotics", text(pageByKey(simulator, sync, "organizations", "1"), "name"));
        String reader = pageByKey(simulator, sync, "agents", "0b1f5a3e-6a43-4c1e-9d8e-1a2b3c4d5e02").path("id").asText();
        assertEquals(new java.util.TreeSet<>(List.of(pageByKey(simulator, sync, "capabilities", "ocr").path("id").asText(),
                pageByKey(simulator, sync, "capabilities", "kb-read").path("id").asText())), JoinTableRelationTest.related(simulator, reader, "capabilities"));
        JsonNode workflow = pageByKey(simulator, sync, "workflows", "4");
        assertTrue(workflow.path("properties").path("budget").path("number").isNull(), "NULL is no number");
        assertFalse(workflow.path("properties").path("enabled").path("checkbox").asBoolean());

        // done is done: again, nothing more is made
        assertEquals(0, sync.bootstrap().bootstrap("agents", null, progress::add).pagesCreated());
        assertEquals(5, pages(simulator, sync, "agents").size());
    }

    @Test
    void cutOffMidWayThenResumedEveryRowHasExactlyOnePage(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = boundSettings(it, simulator);
        settings.put("notion.api.max-retries", "1");
        NotionSync first = it.createForBootstrap(settings);
        DemoApplication.create(first.database().dataSource());
        first.start();
        String parent = parentPage(simulator);
        // the database's create answer and a third of the page creates' answers are lost after Notion made them
        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":0.35,\"seed\":7,\"truncate_only\":[\"POST /v1/pages\",\"POST /v1/databases\"]}");
        int stops = 0;
        boolean complete = false;
        NotionSync engine = first;
        for (int attempt = 0; attempt < 40 && !complete; attempt++) {
            if (attempt == 3) {
                // a kill: the engine stops while a bootstrap runs, and a new one takes it up
                NotionSync stopping = engine;
                Thread stop = new Thread(() -> {
                    try {
                        Thread.sleep(150);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    stopping.close();
                });
                stop.start();
                try {
                    stopping.bootstrap().bootstrap("agents_capabilities", parent, line -> { });
                } catch (Exception stopped) {
                    stops++;
                }
                stop.join();
                engine = it.createForBootstrap(settings);
                engine.start();
                continue;
            }
            try {
                complete = engine.bootstrap().bootstrap("agents_capabilities", parent, line -> { }).complete()
                        && engine.bootstrap().bootstrap("workflows", parent, line -> { }).complete();
            } catch (Exception lostAnswer) {
                stops++;
            }
        }
        assertTrue(complete, "bootstrap completes in the end");
        assertTrue(stops >= 2, "the bootstrap was cut off along the way (" + stops + " times)");
        TestEngine.simControl(simulator, "faults", "{}");

        for (String table : DATABASES) {
            List<JsonNode> pages = pages(simulator, engine, table);
            Map<String, Integer> perKey = new HashMap<>();
            pages.forEach(page -> perKey.merge(text(page, "Row key"), 1, Integer::sum));
            assertEquals(ROWS.get(table).intValue(), perKey.size(), table + ": every row has a page");
            assertTrue(perKey.values().stream().allMatch(n -> n == 1), table + ": no row has two pages: " + perKey);
            assertEquals(ROWS.get(table).longValue(), TestEngine.count(engine, "SELECT count(DISTINCT page_id) FROM notion_sync.links WHERE source = '"
                    + table + "'"));
            assertEquals(1, databasesTitled(simulator, table), table + ": one database, however often its create's answer was lost");
        }
        for (JsonNode agent : pages(simulator, engine, "agents")) {
            assertEquals(JoinTableRelationTest.capabilityPages(engine, text(agent, "Row key")), JoinTableRelationTest.related(simulator,
                    agent.path("id").asText(), "capabilities"), "the join table's rows are the agents' relations");
        }
    }

    static long databasesTitled(NotionSimulator simulator, String title) {
        return StreamSupport.stream(TestEngine.notion(simulator, "POST", "/v1/search",
                        "{\"query\":\"" + title + "\",\"filter\":{\"property\":\"object\",\"value\":\"data_source\"}}").path("results").spliterator(), false)
                .filter(d -> d.path("title").path(0).path("plain_text").asText().equals(title)).count();
    }

    @Test
    void theDatabaseAnEarlierAttemptMadeIsFoundNotMadeAgain(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = boundSettings(it, simulator);
        NotionSync sync = it.createForBootstrap(settings);
        DemoApplication.create(sync.database().dataSource());
        sync.start();
        String parent = parentPage(simulator);
        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0,\"truncate_only\":[\"POST /v1/databases\"]}");
        assertThrows(Exception.class, () -> sync.bootstrap().bootstrap("capabilities", parent, line -> { }), "the create's answer is lost");
        assertEquals("creating", TestEngine.queryString(sync, "SELECT bootstrap_state FROM notion_sync.bound_sources WHERE source = 'capabilities'"));
        assertEquals(1, databasesTitled(simulator, "capabilities"), "Notion made it all the same");
        TestEngine.simControl(simulator, "faults", "{}");
        List<String> progress = new ArrayList<>();
        assertTrue(sync.bootstrap().bootstrap("capabilities", null, progress::add).complete(), "resumed under the page given before");
        assertTrue(progress.stream().anyMatch(line -> line.startsWith("bootstrap capabilities: the database an earlier attempt made is there")),
                String.join("\n", progress));
        assertEquals(1, databasesTitled(simulator, "capabilities"));
        assertEquals(6, pages(simulator, sync, "capabilities").size());
    }

    @Test
    void aForeignKeyToItsOwnTableIsARelationToItsOwnDatabaseSetOnceEveryRowHasItsPage(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = boundSettings(it, simulator);
        settings.put("notion.sources", "teams");
        settings.put("notion.source.teams.mode", "bind");
        settings.put("notion.source.teams.table", "teams");
        NotionSync sync = it.createForBootstrap(settings);
        TestEngine.execute(sync, "CREATE TABLE teams (id int PRIMARY KEY, name text NOT NULL UNIQUE, parent_id int REFERENCES teams (id),"
                + " buddy text REFERENCES teams (name))");
        TestEngine.execute(sync, "INSERT INTO teams VALUES (2, 'Platform', NULL, NULL), (1, 'Search', 2, 'Platform'), (3, 'Ranking', 1, 'Search')");
        sync.start();
        List<String> progress = new ArrayList<>();
        assertTrue(sync.bootstrap().bootstrap("teams", parentPage(simulator), progress::add).complete());
        JsonNode schema = dataSource(simulator, sync, "teams");
        assertEquals(schema.path("id").asText(), schema.path("properties").path("parent_id").path("relation").path("data_source_id").asText());
        assertEquals("rich_text", schema.path("properties").path("buddy").path("type").asText(),
                "a foreign key to a column that is not the key maps by its own type");
        String platform = pageByKey(simulator, sync, "teams", "2").path("id").asText();
        String search = pageByKey(simulator, sync, "teams", "1").path("id").asText();
        assertEquals(platform, pageByKey(simulator, sync, "teams", "1").path("properties").path("parent_id").path("relation").path(0).path("id").asText(),
                "row 1 names row 2, which had no page yet when row 1's was made");
        assertEquals(search, pageByKey(simulator, sync, "teams", "3").path("properties").path("parent_id").path("relation").path(0).path("id").asText());
        assertEquals(0, pageByKey(simulator, sync, "teams", "2").path("properties").path("parent_id").path("relation").size());
        assertTrue(progress.contains("bootstrap teams: row {\"id\":1}: column parent_id refers to public.teams 2, which has no page in source teams;"
                + " its relation stays empty for now"), String.join("\n", progress));
        assertEquals(platform, TestEngine.queryString(sync, "SELECT page_values -> (SELECT property_id FROM notion_sync.bound_columns WHERE source = 'teams'"
                + " AND column_name = 'parent_id') -> 'relation' -> 0 ->> 'id' FROM notion_sync.links WHERE source = 'teams' AND row_key = '{\"id\": 1}'"),
                "the link holds the page as it is now");
    }

    @Test
    void aRowNotionCannotHoldIsNamedAndLeftWithoutAPageUntilItIsFixed(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = boundSettings(it, simulator);
        settings.put("notion.sources", "notes");
        settings.put("notion.source.notes.mode", "bind");
        settings.put("notion.source.notes.table", "notes");
        NotionSync sync = it.createForBootstrap(settings);
        TestEngine.execute(sync, "CREATE TABLE notes (id text PRIMARY KEY, body text, tags text[])");
        TestEngine.execute(sync, "INSERT INTO notes VALUES ('a', 'fine', '{x}'), ('b', 'a tag with a comma', '{\"x, y\"}'), ('c', 'fine too', NULL)");
        sync.start();
        List<String> progress = new ArrayList<>();
        Bootstrap.Result first = sync.bootstrap().bootstrap("notes", parentPage(simulator), progress::add);
        assertFalse(first.complete());
        assertEquals(List.of("row {\"id\":\"b\"}: property 'tags': option 'x, y' contains a comma, which Notion does not allow in option names"),
                first.rowsLeftOut());
        assertEquals(2, pages(simulator, sync, "notes").size(), "the other rows have their pages");
        assertEquals("filling", TestEngine.queryString(sync, "SELECT bootstrap_state FROM notion_sync.bound_sources WHERE source = 'notes'"));
        TestEngine.execute(sync, "UPDATE notes SET tags = '{x,y}' WHERE id = 'b'");
        assertTrue(sync.bootstrap().bootstrap("notes", null, progress::add).complete());
        assertEquals(3, pages(simulator, sync, "notes").size());
        assertEquals("done", TestEngine.queryString(sync, "SELECT bootstrap_state FROM notion_sync.bound_sources WHERE source = 'notes'"));
    }

    @Test
    void aColumnWithoutANotionTypeIsRefusedNamingItAndExclude(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = boundSettings(it, simulator);
        settings.put("notion.sources", "files");
        settings.put("notion.source.files.mode", "bind");
        settings.put("notion.source.files.table", "public.files");
        NotionSync sync = it.createForBootstrap(settings);
        TestEngine.execute(sync, "CREATE TABLE files (id int PRIMARY KEY, name text, body bytea, kept interval)");
        sync.start();
        Bootstrap.BootstrapException refused = assertThrows(Bootstrap.BootstrapException.class,
                () -> sync.bootstrap().bootstrap("files", parentPage(simulator), line -> { }));
        assertEquals("column 'body' of public.files is of type bytea, which no Notion property holds faithfully; leave it out with"
                + " notion.source.files.exclude = body (a comma separated list); column 'kept' of public.files is of type interval, which no Notion"
                + " property holds faithfully; leave it out with notion.source.files.exclude = kept (a comma separated list)", refused.getMessage());
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.bound_sources"), "nothing was begun");
    }
}
