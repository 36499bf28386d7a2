package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The demo application's organizations and agents bootstrapped by a running engine, then edited in Notion: the Apply
 * bridge brings the edits into the tables, makes rows of new pages (a relation setting the NOT NULL foreign key; the
 * join table, set to be a database of its own, gets rows from pages holding two relations), and never duplicates what
 * bootstrap made.
 */
@ExtendWith(IntegrationExtension.class)
class ApplyAfterBootstrapTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void editsAndNewPagesInABootstrappedDatabaseLandInTheTable(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.sources", "organizations,agents,capabilities,agents_capabilities");
        for (String table : List.of("organizations", "agents", "capabilities", "agents_capabilities")) {
            settings.put("notion.source." + table + ".mode", "bind");
            settings.put("notion.source." + table + ".table", "public." + table);
            // the sources replace settings()'s: without their own poll they poll every 30 s, as long as the waits below
            settings.put("notion.source." + table + ".poll", "1s");
        }
        settings.put("notion.bind.apply-poll", "300ms");
        // the join table as a database of its own (a join table is a two-way relation unless set so: JoinTableRelationTest)
        settings.put("notion.source.agents_capabilities.as", "database");
        NotionSync sync = it.create(settings);
        DemoApplication.create(sync.database().dataSource());
        sync.start();
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        assertTrue(sync.bootstrap().bootstrap("agents", BootstrapTest.parentPage(simulator), progress::add).complete(), String.join("\n", progress));
        assertTrue(sync.bootstrap().bootstrap("agents_capabilities", BootstrapTest.parentPage(simulator), progress::add).complete(),
                String.join("\n", progress));
        String agentsDs = TestEngine.queryString(sync, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = 'agents'");
        TestEngine.await("the shadow mirror of agents", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM \""
                + settings.get("notion.db.schema") + "\".agents") == 5);
        Thread.sleep(1500);   // several Apply passes
        assertEquals(5, TestEngine.count(sync, "SELECT count(*) FROM public.agents"), "bootstrap's pages are linked: no row made of them");
        assertEquals(3, TestEngine.count(sync, "SELECT count(*) FROM public.organizations"));

        // an edit in Notion: only its columns change
        JsonNode agent = BootstrapTest.pages(simulator, sync, "agents").get(0);
        String key = BootstrapTest.text(agent, property(sync, "agents", "key"));
        String updatedAt = TestEngine.queryString(sync, "SELECT updated_at::text FROM public.agents WHERE id = '" + key + "'");
        JsonNode otherOrg = BootstrapTest.pageByKey(simulator, sync, "organizations", "3");
        ObjectNode edit = JSON.createObjectNode();
        edit.putObject(property(sync, "agents", "status")).putObject("select").put("name", "paused");
        edit.putObject(property(sync, "agents", "temperature")).put("number", 1.25);
        edit.putObject(property(sync, "agents", "organization_id")).putArray("relation").addObject().put("id", otherOrg.path("id").asText());
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + agent.path("id").asText(), JSON.createObjectNode().set("properties", edit).toString());
        TestEngine.await("the edit in the row", Duration.ofSeconds(30), () -> "paused/1.25/3".equals(TestEngine.queryString(sync,
                "SELECT status || '/' || temperature || '/' || organization_id FROM public.agents WHERE id = '" + key + "'")));
        assertEquals("1.25", TestEngine.queryString(sync, "SELECT temperature FROM public.agents WHERE id = '" + key + "'"),
                () -> "link: " + TestEngine.queryString(sync, "SELECT page_values::text FROM notion_sync.links WHERE page_id = '" + agent.path("id").asText()
                        + "'") + "\ncolumns: " + TestEngine.queryString(sync, "SELECT string_agg(column_name || '=' || property_name || '/' || coalesce(property_id, '-'), ', ') FROM notion_sync.bound_columns WHERE source = 'agents'")
                        + "\nnotion: " + simulator.model().page(agent.path("id").asText()).orElseThrow().path("properties"));
        assertEquals("3", TestEngine.queryString(sync, "SELECT organization_id FROM public.agents WHERE id = '" + key + "'"));
        assertEquals(updatedAt, TestEngine.queryString(sync, "SELECT updated_at::text FROM public.agents WHERE id = '" + key + "'"),
                "a column whose property did not change is not written");

        // a new page: a row, its uuid key from the column's default, its NOT NULL foreign key from the relation
        ObjectNode body = JSON.createObjectNode();
        body.putObject("parent").put("type", "data_source_id").put("data_source_id", agentsDs);
        ObjectNode properties = body.putObject("properties");
        properties.putObject(property(sync, "agents", "name")).putArray("title").addObject().putObject("text").put("content", "Made in Notion");
        properties.putObject(property(sync, "agents", "organization_id")).putArray("relation").addObject().put("id", otherOrg.path("id").asText());
        String page = TestEngine.notion(simulator, "POST", "/v1/pages", body.toString()).path("id").asText();
        try {
            TestEngine.await("the new page's row", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM public.agents WHERE name = 'Made in Notion' AND organization_id = 3 AND status = 'draft'") == 1);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; activity: " + TestEngine.queryString(sync, "SELECT string_agg(state || ' '"
                    + " || coalesce(wait_event_type, '') || ' ' || coalesce(wait_event, '') || ' ' || (now() - xact_start)::text || ' ' || left(query, 200), ' || ')"
                    + " FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()") + "; rows: " + TestEngine.queryString(sync, "SELECT string_agg(to_jsonb(a)::text, ' | ') FROM public.agents a"
                    + " WHERE name = 'Made in Notion'") + "; mirror: " + TestEngine.queryString(sync, "SELECT string_agg(page_id::text || ' ' || in_trash, ',')"
                    + " FROM \"" + settings.get("notion.db.schema") + "\".agents WHERE page_id = '" + page + "'") + "; problems: "
                    + TestEngine.queryString(sync, "SELECT string_agg(detail, ' | ') FROM notion_sync.bound_problems") + "; dead letters: "
                    + TestEngine.queryString(sync, "SELECT string_agg(exception_message, ' | ') FROM notion_sync.dead_letters") + "; runs: "
                    + TestEngine.queryString(sync, "SELECT string_agg(source || ' ' || outcome || ' ' || coalesce(error, ''), ' | ') FROM"
                    + " (SELECT * FROM notion_sync.sync_runs ORDER BY id DESC LIMIT 6) r"));
        }
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links l JOIN public.agents a ON l.row_key = jsonb_build_object('id', a.id)"
                + " WHERE l.source = 'agents' AND l.page_id = '" + page + "' AND a.name = 'Made in Notion'"));
        Thread.sleep(1000);
        assertEquals(6, TestEngine.count(sync, "SELECT count(*) FROM public.agents"), "one row per new page, once");

        // a join table's new page: its composite key from its two relations, no key text needed
        String joinDs = TestEngine.queryString(sync, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = 'agents_capabilities'");
        TestEngine.await("the join table's links", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.links WHERE source = 'agents_capabilities'") == 8);
        JsonNode capability = BootstrapTest.pages(simulator, sync, "capabilities").stream()
                .filter(p -> TestEngine.count(sync, "SELECT count(*) FROM public.agents_capabilities WHERE agent_id = '" + key
                        + "' AND capability_slug = '" + BootstrapTest.text(p, property(sync, "capabilities", "key")) + "'") == 0)
                .findFirst().orElseThrow();
        String slug = BootstrapTest.text(capability, property(sync, "capabilities", "key"));
        ObjectNode join = JSON.createObjectNode();
        join.putObject("parent").put("type", "data_source_id").put("data_source_id", joinDs);
        ObjectNode joined = join.putObject("properties");
        joined.putObject(property(sync, "agents_capabilities", "agent_id")).putArray("relation").addObject().put("id", agent.path("id").asText());
        joined.putObject(property(sync, "agents_capabilities", "capability_slug")).putArray("relation").addObject()
                .put("id", capability.path("id").asText());
        TestEngine.notion(simulator, "POST", "/v1/pages", join.toString());
        TestEngine.await("the join row", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM public.agents_capabilities"
                + " WHERE agent_id = '" + key + "' AND capability_slug = '" + slug + "'") == 1);
    }

    /** The Notion property bootstrap made for a column (or the key property: role key). */
    static String property(NotionSync sync, String source, String column) {
        String where = column.equals("key") ? "role = 'key'" : "column_name = '" + column + "'";
        return TestEngine.queryString(sync, "SELECT property_name FROM notion_sync.bound_columns WHERE source = '" + source + "' AND " + where);
    }
}
