package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.sim.NotionSimulator;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * verify of a bound source: its shadow mirror against Notion, and its own table against what both sides last agreed
 * on. Writes made with the triggers off (as a restore or a replica would) are found, and repaired.
 */
@ExtendWith(IntegrationExtension.class)
class BoundVerifyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesBehindTheEnginesBackInABoundTableAreFoundAndRepaired(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = DemoBinding.settings(it, simulator, "organizations", "agents");
        settings.put("notion.push.poll", "300ms");
        NotionSync sync = DemoBinding.start(it, settings);
        DemoBinding.bootstrap(sync, simulator, "agents");
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        TestEngine.await("the shadow mirror of agents", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM \""
                + settings.get("notion.db.schema") + "\".agents") == 5);

        JsonNode clean = JSON.readTree(operator.verify("agents", false));
        assertTrue(clean.path("consistent").asBoolean(), "no false difference after a bootstrap: " + clean.toPrettyString());
        JsonNode table = boundTable(clean);
        assertEquals(5, table.path("consistent").asInt(), table.toPrettyString());

        List<String> ids = new ArrayList<>();
        TestEngine.queryString(sync, "SELECT string_agg(id::text, ',' ORDER BY id) FROM public.agents").lines().forEach(l -> ids.addAll(List.of(l.split(","))));
        String changed = ids.get(0);
        String deleted = ids.get(1);
        String deletedPage = TestEngine.queryString(sync, "SELECT page_id FROM notion_sync.links WHERE source = 'agents' AND row_key ->> 'id' = '" + deleted + "'");
        String was = TestEngine.queryString(sync, "SELECT name FROM public.agents WHERE id = '" + changed + "'");
        try (Connection c = sync.database().dataSource().getConnection(); Statement sql = c.createStatement()) {
            c.setAutoCommit(false);
            sql.execute("SET LOCAL session_replication_role = replica");   // no trigger fires: the engine cannot see these
            sql.execute("UPDATE public.agents SET name = 'Renamed behind its back' WHERE id = '" + changed + "'");
            sql.execute("DELETE FROM public.workflows WHERE agent_id = '" + deleted + "'");
            sql.execute("DELETE FROM public.agents WHERE id = '" + deleted + "'");
            sql.execute("INSERT INTO public.agents (id, name, organization_id) VALUES ('00000000-0000-4000-8000-00000000000a', 'Restored from a backup', 1)");
            c.commit();
        }

        JsonNode found = JSON.readTree(operator.verify("agents", false));
        assertFalse(found.path("consistent").asBoolean(), found.toPrettyString());
        table = boundTable(found);
        assertEquals(1, table.path("differing_count").asInt(), table.toPrettyString());
        assertEquals(changed, table.path("differing").get(0).path("row_key").path("id").asText());
        assertEquals(List.of("name"), texts(table.path("differing").get(0).path("columns")));
        assertEquals(List.of(deletedPage), texts(table.path("missing_in_postgres")));
        assertEquals(1, table.path("extra_in_postgres_count").asInt());
        assertTrue(table.path("extra_in_postgres").get(0).asText().contains("00000000-0000-4000-8000-00000000000a"), table.toPrettyString());
        assertEquals(3, table.path("consistent").asInt());

        JsonNode repaired = boundTable(JSON.readTree(operator.verify("agents", true)));
        assertEquals(1, repaired.path("repaired").path("rows_written").asInt(), repaired.toPrettyString());
        assertEquals(1, repaired.path("repaired").path("rows_made_again_from_notion").asInt());
        assertEquals(1, repaired.path("repaired").path("pages_requested").asInt());
        assertEquals(was, TestEngine.queryString(sync, "SELECT name FROM public.agents WHERE id = '" + changed + "'"), "the synced value back");
        TestEngine.await("the deleted row made again from its page", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM public.agents WHERE id = '" + deleted + "'") == 1);
        TestEngine.await("the restored row's page made", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.links WHERE source = 'agents' AND row_key ->> 'id' = '00000000-0000-4000-8000-00000000000a'"
                        + " AND state = 'linked'") == 1);
        TestEngine.await("the check consistent again", Duration.ofSeconds(30), () -> {
            try {
                return JSON.readTree(operator.verify("agents", false)).path("consistent").asBoolean();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(6, simulator.model().pages(TestEngine.queryString(sync, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = 'agents'"))
                .stream().filter(p -> !p.path("in_trash").asBoolean()).count(), "one page per row, none twice");
    }

    private static JsonNode boundTable(JsonNode report) {
        for (JsonNode table : report.path("sources").get(0).path("tables")) {
            if (table.path("bound").asBoolean()) {
                return table;
            }
        }
        throw new AssertionError("no bound table in " + report.toPrettyString());
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }
}
