package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** History of a bound table: its rows as they were when history was turned on, then each edit, by side and who. */
@ExtendWith(IntegrationExtension.class)
class BoundHistoryTest {

    @Test
    void aBoundTablesRowsKeepEveryVersionWithTheNotionEditorAndTheDatabaseRole(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = DemoBinding.settings(it, simulator, "organizations", "agents");
        settings.put("notion.source.agents.history", "true");
        settings.put("notion.source.agents.exclude", "config");   // a column kept out of Notion stays out of history and events
        NotionSync sync = DemoBinding.start(it, settings);
        DemoBinding.bootstrap(sync, simulator, "agents");
        long rows = TestEngine.count(sync, "SELECT count(*) FROM public.agents");
        assertEquals(rows, TestEngine.count(sync, "SELECT count(*) FROM public.agents_history WHERE operation = 'snapshot' AND valid_to IS NULL"),
                "each row as it was when history was turned on");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM pg_tables WHERE tablename = 'organizations_history'"));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM public.agents_history WHERE row_values ? 'config'"));

        // an edit in Notion, by a person: its row's new version says who
        JsonNode agent = BootstrapTest.pages(simulator, sync, "agents").get(0);
        String key = BootstrapTest.text(agent, ApplyAfterBootstrapTest.property(sync, "agents", "key"));
        String status = ApplyAfterBootstrapTest.property(sync, "agents", "status");
        String was = TestEngine.queryString(sync, "SELECT status FROM public.agents WHERE id = '" + key + "'");
        String now = was.equals("paused") ? "draft" : "paused";
        TestEngine.simControl(simulator, "pages/" + agent.path("id").asText(),
                "{\"properties\":{\"" + status + "\":{\"select\":{\"name\":\"" + now + "\"}}}}");
        String editor = simulator.model().page(agent.path("id").asText()).orElseThrow().path("last_edited_by").path("id").asText();
        TestEngine.await("the edit in the row", Duration.ofSeconds(30), () -> now.equals(TestEngine.queryString(sync,
                "SELECT status FROM public.agents WHERE id = '" + key + "'")));
        String where = " FROM public.agents_history WHERE row_key = jsonb_build_object('id', '" + key + "'::uuid)";
        assertEquals("update/notion/" + editor + "/{status}", TestEngine.queryString(sync, "SELECT operation || '/' || side || '/' || changed_by || '/'"
                + " || changed_columns::text" + where + " AND valid_to IS NULL"), () -> TestEngine.queryString(sync,
                "SELECT string_agg(to_jsonb(h)::text, E'\\n') FROM public.agents_history h") + "\neditors: "
                + TestEngine.queryString(sync, "SELECT string_agg(to_jsonb(e)::text, ', ') FROM notion_sync.page_editors e"));
        assertEquals(2, TestEngine.count(sync, "SELECT count(*)" + where));
        TestEngine.execute(sync, "UPDATE public.agents SET config = '{\"api_key\": \"sk-secret\"}' WHERE id = '" + key + "'");
        assertEquals(2, TestEngine.count(sync, "SELECT count(*)" + where), "a change of an excluded column alone is no version");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.change_events WHERE before::text LIKE '%sk-secret%'"
                + " OR after::text LIKE '%sk-secret%'"), "nor an event");

        // an edit in PostgreSQL, by the application's role
        String role = TestEngine.queryString(sync, "SELECT current_user");
        TestEngine.execute(sync, "UPDATE public.agents SET status = 'active' WHERE id = '" + key + "'");   // neither 'paused' nor 'draft'
        assertEquals("update/postgres/" + role + "/active", TestEngine.queryString(sync, "SELECT operation || '/' || side || '/' || changed_by"
                + " || '/' || (row_values ->> 'status')" + where + " AND valid_to IS NULL"));
        assertEquals(now, TestEngine.queryString(sync, "SELECT row_values ->> 'status'" + where
                + " AND valid_to IS NOT NULL ORDER BY history_id DESC LIMIT 1"), "the row as it was, in the version before");

        // a row deleted in PostgreSQL: its last version, as deleted
        TestEngine.execute(sync, "DELETE FROM public.agents_capabilities WHERE agent_id = '" + key + "'");
        TestEngine.execute(sync, "DELETE FROM public.workflows WHERE agent_id = '" + key + "'");
        TestEngine.execute(sync, "DELETE FROM public.agents WHERE id = '" + key + "'");
        assertEquals("delete/postgres/active", TestEngine.queryString(sync, "SELECT operation || '/' || side || '/' || (row_values ->> 'status')"
                + where + " ORDER BY history_id DESC LIMIT 1"));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*)" + where + " AND (valid_to IS NULL OR valid_to > now())"),
                "no version of a deleted row is current");
    }
}
