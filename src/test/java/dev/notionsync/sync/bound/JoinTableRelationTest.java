package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.store.DemoApplication;
import dev.notionsync.sync.SourceSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A join table between two bound tables (the demo's public.agents_capabilities) is a two-way relation between their
 * databases, end to end, against real PostgreSQL and the simulator over HTTP: bootstrap adds the relation
 * "capabilities" to the agents' database (shown as "agents" on the capabilities') and relates each agent's page to
 * its capabilities' pages; a Notion user's edit of the relation, from either side, adds and removes join rows; an
 * application's INSERT, DELETE and key UPDATE reach the relation; an edit on both sides at once keeps both; a bootstrap
 * cut off mid-way resumes without losing or doubling anything; a relation over Notion's 100 pages per write is
 * reported, never cut.
 */
@ExtendWith(IntegrationExtension.class)
class JoinTableRelationTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TRIAGE = "0b1f5a3e-6a43-4c1e-9d8e-1a2b3c4d5e01";   // kb-read, ticketing, email-send
    static final String READER = "0b1f5a3e-6a43-4c1e-9d8e-1a2b3c4d5e02";   // ocr, kb-read
    static final String SCOUT = "0b1f5a3e-6a43-4c1e-9d8e-1a2b3c4d5e04";    // web-search, code-exec

    /** The demo application bound table by table, sources named like the tables; short polls. */
    static Map<String, String> settings(Integration it, NotionSimulator simulator) {
        Map<String, String> settings = BootstrapTest.boundSettings(it, simulator);
        settings.put("notion.sources", "organizations,agents,capabilities,agents_capabilities");
        settings.put("notion.sync.poll", "300ms");
        for (String source : settings.get("notion.sources").split(",")) {
            settings.put("notion.source." + source + ".poll", "300ms");
        }
        settings.put("notion.bind.apply-poll", "300ms");
        settings.put("notion.push.poll", "300ms");
        settings.put("notion.push.backoff-base", "300ms");
        return settings;
    }

    /** A running engine on the demo application, the join table bootstrapped (and with it organizations, agents, capabilities). */
    static NotionSync bootstrapped(Integration it, NotionSimulator simulator, Map<String, String> settings) throws Exception {
        return bootstrapped(it, simulator, settings, "agents_capabilities", "");
    }

    /**
     * As an operator does it: `notion-sync bootstrap` (an engine in bootstrap mode, on the demo application and the
     * SQL given), then the engine that runs.
     */
    static NotionSync bootstrapped(Integration it, NotionSimulator simulator, Map<String, String> settings, String source, String sql) throws Exception {
        NotionSync bootstrap = it.createForBootstrap(settings);
        DemoApplication.create(bootstrap.database().dataSource());
        if (!sql.isEmpty()) {
            TestEngine.execute(bootstrap, sql);
        }
        bootstrap.start();
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        assertTrue(bootstrap.bootstrap().bootstrap(source, BootstrapTest.parentPage(simulator), progress::add).complete(), String.join("\n", progress));
        bootstrap.close();
        return it.start(settings);
    }

    @Test
    void bootstrapMakesTheJoinTableATwoWayRelationRelatingEachAgentToItsCapabilities(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        NotionSync sync = it.createForBootstrap(settings(it, simulator));
        DemoApplication.create(sync.database().dataSource());
        sync.start();
        String parent = BootstrapTest.parentPage(simulator);
        List<String> progress = Collections.synchronizedList(new ArrayList<>());

        assertTrue(sync.bootstrap().bootstrap("agents_capabilities", parent, progress::add).complete(), String.join("\n", progress));
        assertTrue(progress.contains("bootstrap agents_capabilities: column agent_id refers to public.agents, bound by source agents, which is not"
                + " bootstrapped yet: bootstrapping agents first"), String.join("\n", progress));
        assertTrue(progress.contains("bootstrap agents_capabilities: public.agents_capabilities (source agents_capabilities) is a join table: added"
                + " the two-way relation 'capabilities' to the database of agents (shown as 'agents' on the pages of capabilities)"),
                String.join("\n", progress));
        assertTrue(progress.stream().anyMatch(line -> line.matches("bootstrap agents_capabilities: 8/8 rows, .* 4 pages of agents related; done in \\d+ s")),
                String.join("\n", progress));

        // no database of its own: one relation on the agents' database, its synced side on the capabilities'
        assertEquals(0, BootstrapTest.databasesTitled(simulator, "agents_capabilities"));
        assertEquals("relation/done/-", TestEngine.queryString(sync, "SELECT kind || '/' || bootstrap_state || '/' || coalesce(data_source_id::text, '-')"
                + " FROM notion_sync.bound_sources WHERE source = 'agents_capabilities'"));
        JsonNode agents = BootstrapTest.dataSource(simulator, sync, "agents").path("properties");
        JsonNode capabilities = BootstrapTest.dataSource(simulator, sync, "capabilities").path("properties");
        JsonNode relation = agents.path("capabilities").path("relation");
        assertEquals(BootstrapTest.dataSource(simulator, sync, "capabilities").path("id").asText(), relation.path("data_source_id").asText());
        assertEquals("dual_property", relation.path("type").asText());
        assertEquals("agents", relation.path("dual_property").path("synced_property_name").asText());
        assertEquals(BootstrapTest.dataSource(simulator, sync, "agents").path("id").asText(),
                capabilities.path("agents").path("relation").path("data_source_id").asText());
        assertEquals(1, StreamSupport.stream(agents.spliterator(), false).filter(p -> p.path("type").asText().equals("relation")
                && p.path("relation").path("data_source_id").asText().equals(relation.path("data_source_id").asText())).count(), "one relation, not two");

        // each agent's page relates to its capabilities' pages, and each capability's page to its agents'
        for (JsonNode agent : BootstrapTest.pages(simulator, sync, "agents")) {
            String key = BootstrapTest.text(agent, "Row key");
            assertEquals(capabilityPages(sync, key), related(simulator, agent.path("id").asText(), "capabilities"), "agent " + key);
        }
        for (JsonNode capability : BootstrapTest.pages(simulator, sync, "capabilities")) {
            String slug = BootstrapTest.text(capability, "Row key");
            assertEquals(agentPages(sync, slug), related(simulator, capability.path("id").asText(), "agents"), "capability " + slug);
        }
        assertEquals(List.of("ocr", "kb-read").stream().map(s -> BootstrapTest.pageByKey(simulator, sync, "capabilities", s).path("id").asText())
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new)), related(simulator, page(simulator, sync, "agents", READER), "capabilities"));
        assertEquals(8, TestEngine.count(sync, "SELECT count(*) FROM public.agents_capabilities"), "the table is as it was");

        // done is done
        progress.clear();
        assertEquals(0, sync.bootstrap().bootstrap("agents_capabilities", null, progress::add).pagesCreated());
        assertTrue(progress.get(0).startsWith("bootstrap agents_capabilities: already done"), String.join("\n", progress));
    }

    @Test
    void aNotionUsersEditOfTheRelationFromEitherSideAddsAndRemovesJoinRows(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        NotionSync sync = bootstrapped(it, simulator, settings(it, simulator));
        String triage = page(simulator, sync, "agents", TRIAGE);

        // on the agent's page: kb-read out, web-search in (ticketing and email-send stay)
        List<String> wanted = new ArrayList<>();
        for (String slug : List.of("ticketing", "email-send", "web-search")) {
            wanted.add(page(simulator, sync, "capabilities", slug));
        }
        editRelation(simulator, triage, "capabilities", wanted);
        TestEngine.await("the join rows of the edit", Duration.ofSeconds(30),
                () -> "email-send,ticketing,web-search".equals(slugs(sync, TRIAGE)));

        // on the capability's page (the synced side): ocr gets the scout too
        String ocr = page(simulator, sync, "capabilities", "ocr");
        List<String> ocrAgents = new ArrayList<>(related(simulator, ocr, "agents"));
        ocrAgents.add(page(simulator, sync, "agents", SCOUT));
        editRelation(simulator, ocr, "agents", ocrAgents);
        TestEngine.await("the join row of the synced side's edit", Duration.ofSeconds(30), () -> "code-exec,ocr,web-search".equals(slugs(sync, SCOUT)));

        Thread.sleep(1500);   // more passes: nothing comes back, nothing more changes
        assertEquals("email-send,ticketing,web-search", slugs(sync, TRIAGE));
        assertEquals(9, TestEngine.count(sync, "SELECT count(*) FROM public.agents_capabilities"));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.row_changes WHERE source = 'agents_capabilities'"),
                "the engine's own writes are not captured: no echo");
        assertEquals(capabilityPages(sync, TRIAGE), related(simulator, triage, "capabilities"));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"));
    }

    @Test
    void anApplicationsInsertDeleteAndKeyUpdateReachTheRelation(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        NotionSync sync = bootstrapped(it, simulator, settings(it, simulator));
        String triage = page(simulator, sync, "agents", TRIAGE);
        String scout = page(simulator, sync, "agents", SCOUT);
        String codeExec = page(simulator, sync, "capabilities", "code-exec");

        TestEngine.execute(sync, "INSERT INTO public.agents_capabilities (agent_id, capability_slug) VALUES ('" + TRIAGE + "', 'code-exec')");
        TestEngine.await("the inserted row in the agent's relation", Duration.ofSeconds(30),
                () -> related(simulator, triage, "capabilities").equals(capabilityPages(sync, TRIAGE)));
        assertTrue(related(simulator, codeExec, "agents").contains(triage), "and the capability's page shows the agent (two-way)");

        TestEngine.execute(sync, "DELETE FROM public.agents_capabilities WHERE agent_id = '" + TRIAGE + "' AND capability_slug = 'kb-read'");
        TestEngine.await("the deleted row out of the relation", Duration.ofSeconds(30),
                () -> related(simulator, triage, "capabilities").equals(capabilityPages(sync, TRIAGE)) && capabilityPages(sync, TRIAGE).size() == 3);

        // a key column updated: the row moves from the scout to triage, both pages change
        TestEngine.execute(sync, "UPDATE public.agents_capabilities SET agent_id = '" + TRIAGE + "' WHERE agent_id = '" + SCOUT
                + "' AND capability_slug = 'web-search'");
        TestEngine.await("the moved row in both relations", Duration.ofSeconds(30),
                () -> related(simulator, triage, "capabilities").equals(capabilityPages(sync, TRIAGE))
                        && related(simulator, scout, "capabilities").equals(capabilityPages(sync, SCOUT)));
        assertEquals(Set(codeExec), related(simulator, scout, "capabilities"));
        TestEngine.await("every change settled", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.row_changes WHERE source = 'agents_capabilities' AND status = 'pending'") == 0);

        Thread.sleep(1500);   // the pull brings the pages back: the Apply side finds nothing to do
        assertEquals("code-exec,email-send,ticketing,web-search", slugs(sync, TRIAGE));
        assertEquals("code-exec", slugs(sync, SCOUT));
        assertEquals(related(simulator, triage, "capabilities"), capabilityPages(sync, TRIAGE));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters"));
    }

    @Test
    void anApplicationsInsertAndANotionUsersRemovalAtTheSameTimeBothStay(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = settings(it, simulator);
        NotionSync sync = bootstrapped(it, simulator, settings);
        String reader = page(simulator, sync, "agents", READER);
        // the relation's route is held while both sides change, so neither is settled before the other happens
        sync.context().getRouteController().stopRoute("bind-join-agents_capabilities");
        TestEngine.execute(sync, "INSERT INTO public.agents_capabilities (agent_id, capability_slug) VALUES ('" + READER + "', 'web-search')");
        editRelation(simulator, reader, "capabilities", List.of(page(simulator, sync, "capabilities", "ocr")));   // kb-read removed in Notion
        TestEngine.await("the Notion edit in the shadow mirror", Duration.ofSeconds(30),
                () -> shadowRelationSize(sync, settings.get("notion.db.schema"), reader) == 1);
        sync.context().getRouteController().startRoute("bind-join-agents_capabilities");

        TestEngine.await("both edits on both sides", Duration.ofSeconds(30), () -> "ocr,web-search".equals(slugs(sync, READER))
                && related(simulator, reader, "capabilities").equals(capabilityPages(sync, READER)));
        Thread.sleep(1500);
        assertEquals("ocr,web-search", slugs(sync, READER), "the application's insert and the Notion user's removal both stay");
        assertEquals(capabilityPages(sync, READER), related(simulator, reader, "capabilities"));
    }

    @Test
    void aBootstrapCutOffMidWayResumesWithoutLosingOrDoublingAnything(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = settings(it, simulator);
        settings.put("notion.api.max-retries", "0");
        NotionSync first = it.createForBootstrap(settings);
        DemoApplication.create(first.database().dataSource());
        first.start();
        String parent = BootstrapTest.parentPage(simulator);
        assertTrue(first.bootstrap().bootstrap("agents", parent, line -> { }).complete());
        assertTrue(first.bootstrap().bootstrap("capabilities", parent, line -> { }).complete());
        // answers lost after Notion did the work: the new property's, and pages' relation writes
        TestEngine.simControl(simulator, "faults", "{\"truncate_body\":0.6,\"seed\":11,\"truncate_only\":[\"PATCH /v1/data_sources/{id}\",\"PATCH /v1/pages/{id}\"]}");
        int stops = 0;
        boolean complete = false;
        NotionSync engine = first;
        for (int attempt = 0; attempt < 40 && !complete; attempt++) {
            if (attempt == 2) {
                engine.close();   // a kill between two attempts: a new engine takes it up
                engine = it.createForBootstrap(settings);
                engine.start();
            }
            try {
                complete = engine.bootstrap().bootstrap("agents_capabilities", null, line -> { }).complete();
            } catch (Exception lostAnswer) {
                stops++;
            }
        }
        TestEngine.simControl(simulator, "faults", "{}");
        assertTrue(complete, "bootstrap completes in the end");
        assertTrue(stops >= 1, "the bootstrap was cut off along the way");
        NotionSync resumed = engine;
        JsonNode agents = BootstrapTest.dataSource(simulator, resumed, "agents").path("properties");
        assertEquals(1, StreamSupport.stream(agents.spliterator(), false).filter(p -> p.path("type").asText().equals("relation")
                && p.path("relation").path("type").asText().equals("dual_property")).count(), "one relation property, however often its answer was lost");
        for (JsonNode agent : BootstrapTest.pages(simulator, resumed, "agents")) {
            String key = BootstrapTest.text(agent, "Row key");
            assertEquals(capabilityPages(resumed, key), related(simulator, agent.path("id").asText(), "capabilities"), "agent " + key);
        }
        assertEquals(8, TestEngine.count(resumed, "SELECT count(*) FROM public.agents_capabilities"));
    }

    @Test
    void whatBothSidesDidWhileTheEngineWasDownArrivesAfterItsRestart(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = settings(it, simulator);
        NotionSync first = bootstrapped(it, simulator, settings);
        String scout = page(simulator, first, "agents", SCOUT);
        String reader = page(simulator, first, "agents", READER);
        String ocr = page(simulator, first, "capabilities", "ocr");
        String ticketing = page(simulator, first, "capabilities", "ticketing");
        first.close();
        NotionSync down = it.createForBootstrap(settings);   // no routes: only a connection to write as the application would
        down.start();
        TestEngine.execute(down, "DELETE FROM public.agents_capabilities WHERE agent_id = '" + SCOUT + "' AND capability_slug = 'code-exec'");
        TestEngine.execute(down, "INSERT INTO public.agents_capabilities (agent_id, capability_slug) VALUES ('" + SCOUT + "', 'ocr')");
        down.close();
        editRelation(simulator, reader, "capabilities", List.of(ocr, ticketing));

        NotionSync again = it.start(settings);
        TestEngine.await("the application's changes in Notion and the Notion user's in the table", Duration.ofSeconds(60),
                () -> "ocr,ticketing".equals(slugs(again, READER)) && related(simulator, scout, "capabilities").equals(capabilityPages(again, SCOUT)));
        assertEquals("ocr,web-search", slugs(again, SCOUT));
        assertEquals(capabilityPages(again, READER), related(simulator, reader, "capabilities"));
    }

    @Test
    void aRelationOverNotionsHundredPagesPerWriteIsReportedNotCut(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = settings(it, simulator);
        NotionSync sync = bootstrapped(it, simulator, settings, "agents_capabilities", "INSERT INTO public.capabilities (slug, name) SELECT 'tool-'"
                + " || lpad(n::text, 3, '0'), 'Tool ' || n FROM generate_series(1, 100) n; INSERT INTO public.agents_capabilities (agent_id,"
                + " capability_slug) SELECT '" + SCOUT + "', 'tool-' || lpad(n::text, 3, '0') FROM generate_series(1, 97) n");
        String scout = page(simulator, sync, "agents", SCOUT);
        assertEquals(99, related(simulator, scout, "capabilities").size(), "more than a page answer's 25 are written and read whole");

        TestEngine.execute(sync, "INSERT INTO public.agents_capabilities (agent_id, capability_slug) SELECT '" + SCOUT + "', 'tool-' || lpad(n::text, 3, '0')"
                + " FROM generate_series(98, 100) n");   // 102 in all
        TestEngine.await("the report of the relation too long for one write", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.bound_problems WHERE source = 'agents_capabilities' AND kind = 'relation_over_limit'"
                        + " AND resolved_at IS NULL AND detail LIKE '%102 pages%'") == 1);
        assertEquals(99, related(simulator, scout, "capabilities").size(), "the relation is left as it was, never cut to 100");
        assertEquals(102, TestEngine.count(sync, "SELECT count(*) FROM public.agents_capabilities WHERE agent_id = '" + SCOUT + "'"), "the rows stay");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters WHERE exception_message LIKE '%at most 100%'"));

        TestEngine.execute(sync, "DELETE FROM public.agents_capabilities WHERE agent_id = '" + SCOUT + "' AND capability_slug IN ('tool-001', 'tool-002')");
        TestEngine.await("the relation once it fits", Duration.ofSeconds(30), () -> related(simulator, scout, "capabilities").equals(capabilityPages(sync, SCOUT)));
        assertEquals(100, related(simulator, scout, "capabilities").size());
        TestEngine.await("the report resolved", Duration.ofSeconds(10), () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.bound_problems"
                + " WHERE kind = 'relation_over_limit' AND resolved_at IS NULL") == 0);
    }

    @Test
    void aTableThatIsNoJoinTableAskingToBeARelationIsRefusedSayingWhy(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = BootstrapTest.boundSettings(it, simulator);
        settings.put("notion.sources", "agents,capabilities,grants,workflows");
        for (String source : List.of("grants")) {
            settings.put("notion.source." + source + ".mode", "bind");
            settings.put("notion.source." + source + ".table", "public." + source);
        }
        settings.put("notion.source.grants.as", "relation");
        settings.put("notion.source.workflows.as", "relation");
        settings.put("notion.source.agents.exclude", "organization_id");
        NotionSync sync = it.createForBootstrap(settings);
        DemoApplication.create(sync.database().dataSource());
        // a join table but for a NOT NULL column without a default
        TestEngine.execute(sync, "CREATE TABLE grants (agent_id uuid REFERENCES agents (id), capability_slug text REFERENCES capabilities (slug),"
                + " granted_by text NOT NULL, PRIMARY KEY (agent_id, capability_slug))");
        sync.start();
        String parent = BootstrapTest.parentPage(simulator);
        Exception grants = assertThrows(Exception.class, () -> sync.bootstrap().bootstrap("grants", parent, line -> { }));
        assertEquals("source grants (notion.source.grants.as = relation): public.grants is no join table: column granted_by NOT NULL without a"
                + " default (a row made from a relation in Notion could not fill it); a join table's primary key is exactly two columns, each a"
                + " foreign key to the key of another bound source's table, and its other columns are nullable or have a default. Set"
                + " notion.source.grants.as = database to make it a database of its own", grants.getMessage());
        Exception workflows = assertThrows(Exception.class, () -> sync.bootstrap().bootstrap("workflows", parent, line -> { }));
        assertTrue(workflows.getMessage().contains("public.workflows is no join table: its primary key is 1 column (id)"), workflows.getMessage());
        assertFalse(sync.relation("agents"));
    }

    @Test
    void aTableJoinedToItselfIsAOneWayRelationBothWays(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = settings(it, simulator);
        settings.put("notion.sources", "organizations,agents,backups");
        settings.put("notion.source.backups.mode", "bind");
        settings.put("notion.source.backups.table", "public.agent_backups");
        settings.put("notion.source.backups.poll", "300ms");
        settings.put("notion.source.backups.columns.backup_id", "Backups");
        NotionSync sync = bootstrapped(it, simulator, settings, "backups", "CREATE TABLE agent_backups (agent_id uuid REFERENCES agents (id),"
                + " backup_id uuid REFERENCES agents (id), PRIMARY KEY (agent_id, backup_id)); INSERT INTO agent_backups VALUES ('" + TRIAGE + "', '"
                + READER + "')");
        JsonNode backups = BootstrapTest.dataSource(simulator, sync, "agents").path("properties").path("Backups").path("relation");
        assertEquals("single_property", backups.path("type").asText(), "Notion makes no two-way relation of a database to itself");
        String triage = page(simulator, sync, "agents", TRIAGE);
        String reader = page(simulator, sync, "agents", READER);
        String scout = page(simulator, sync, "agents", SCOUT);
        assertEquals(Set(reader), related(simulator, triage, "Backups"));

        TestEngine.execute(sync, "INSERT INTO agent_backups VALUES ('" + SCOUT + "', '" + TRIAGE + "')");
        TestEngine.await("the application's row in the relation", Duration.ofSeconds(30), () -> related(simulator, scout, "Backups").equals(Set(triage)));
        editRelation(simulator, reader, "Backups", List.of(scout));
        TestEngine.await("the Notion user's relation in the table", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM agent_backups WHERE agent_id = '" + READER + "' AND backup_id = '" + SCOUT + "'") == 1);
        assertEquals(3, TestEngine.count(sync, "SELECT count(*) FROM agent_backups"));
    }

    @Test
    void theThreeWayMergeKeepsAChangeOfEitherSide() {
        SourceSettings both = new SourceSettings("j", null, "j", Duration.ofSeconds(1), SourceSettings.Direction.BOTH, SourceSettings.ConflictPolicy.NOTION_WINS, true);
        // notion, table, base -> after
        boolean[][] cases = {
                {true, true, true, true}, {false, false, true, false},      // removed on both sides
                {true, false, false, true}, {false, true, false, true},     // added on one side
                {false, true, true, false}, {true, false, true, false},     // removed on one side
                {true, true, false, true}, {false, false, false, false}};
        for (boolean[] c : cases) {
            assertEquals(c[3], JoinSettle.merge(both, c[0], c[1], c[2]), Arrays.toString(c));
        }
        SourceSettings pull = new SourceSettings("j", null, "j", Duration.ofSeconds(1), SourceSettings.Direction.PULL, SourceSettings.ConflictPolicy.NOTION_WINS, true);
        assertFalse(JoinSettle.merge(pull, false, true, false), "a source that only pulls takes Notion's set");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static TreeSet<String> Set(String... ids) {
        return new TreeSet<>(List.of(ids));
    }

    /** The related page ids of a page's relation property, every one (a page shows 25: the rest through its property items). */
    static TreeSet<String> related(NotionSimulator simulator, String pageId, String property) {
        String propertyId = simulator.model().page(pageId).orElseThrow().path("properties").path(property).path("id").asText();
        TreeSet<String> ids = new TreeSet<>();
        String cursor = null;
        do {
            JsonNode items = TestEngine.notion(simulator, "GET", "/v1/pages/" + pageId + "/properties/" + propertyId + "?page_size=100"
                    + (cursor == null ? "" : "&start_cursor=" + cursor), "");
            items.path("results").forEach(item -> ids.add(item.path("relation").path("id").asText()));
            cursor = items.path("has_more").asBoolean() ? items.path("next_cursor").asText() : null;
        } while (cursor != null);
        return ids;
    }

    /** The pages of the capabilities an agent has in the table. */
    static TreeSet<String> capabilityPages(NotionSync sync, String agentId) {
        String pages = TestEngine.queryString(sync, "SELECT string_agg(l.page_id::text, ',') FROM public.agents_capabilities j JOIN notion_sync.links l"
                + " ON l.source = 'capabilities' AND l.row_key = jsonb_build_object('slug', j.capability_slug) WHERE j.agent_id = '" + agentId + "'");
        return pages == null ? new TreeSet<>() : new TreeSet<>(List.of(pages.split(",")));
    }

    /** The pages of the agents that have a capability in the table. */
    static TreeSet<String> agentPages(NotionSync sync, String slug) {
        String pages = TestEngine.queryString(sync, "SELECT string_agg(l.page_id::text, ',') FROM public.agents_capabilities j JOIN notion_sync.links l"
                + " ON l.source = 'agents' AND l.row_key = jsonb_build_object('id', j.agent_id) WHERE j.capability_slug = '" + slug + "'");
        return pages == null ? new TreeSet<>() : new TreeSet<>(List.of(pages.split(",")));
    }

    /** An agent's capabilities in the table, in order, comma separated. */
    static String slugs(NotionSync sync, String agentId) {
        return TestEngine.queryString(sync, "SELECT coalesce(string_agg(capability_slug, ',' ORDER BY capability_slug), '') FROM public.agents_capabilities"
                + " WHERE agent_id = '" + agentId + "'");
    }

    static String page(NotionSimulator simulator, NotionSync sync, String source, String key) {
        return BootstrapTest.pageByKey(simulator, sync, source, key).path("id").asText();
    }

    /** A Notion user sets a page's relation property (the simulator's control API: edited by a person, not the integration). */
    static void editRelation(NotionSimulator simulator, String pageId, String property, List<String> pageIds) {
        ObjectNode edit = JSON.createObjectNode();
        var items = edit.putObject("properties").putObject(property).putArray("relation");
        pageIds.forEach(id -> items.addObject().put("id", id));
        TestEngine.simControl(simulator, "pages/" + pageId, edit.toString());
    }

    /** How many pages the shadow mirror of agents holds in a page's "capabilities". */
    static long shadowRelationSize(NotionSync sync, String schema, String pageId) {
        return TestEngine.count(sync, "SELECT jsonb_array_length(properties -> 'capabilities' -> 'relation') FROM \"" + schema + "\".agents"
                + " WHERE page_id = '" + pageId + "'");
    }
}
