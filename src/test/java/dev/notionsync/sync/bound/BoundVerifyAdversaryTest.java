package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.store.DemoApplication;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** verify of a bound source, attacked: no false difference on a healthy table, no data lost by --repair. */
@ExtendWith(IntegrationExtension.class)
class BoundVerifyAdversaryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anAppEditPushedFromASessionInAnotherTimeZoneIsNoDifference(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        NotionSync sync = boundAgents(it, simulator, settings);
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        String id = TestEngine.queryString(sync, "SELECT min(id::text) FROM public.agents");
        try (Connection c = DriverManager.getConnection(settings.get("notion.db.url")); Statement sql = c.createStatement()) {
            sql.execute("SET TIME ZONE 'Asia/Tokyo'");   // an application server's session in its own time zone
            sql.execute("UPDATE public.agents SET name = 'Edited in Tokyo', updated_at = '2024-05-01 12:00:00+00' WHERE id = '" + id + "'");
        }
        awaitPushed(sync);
        JsonNode report = JSON.readTree(operator.verify("agents", false));
        assertTrue(report.path("consistent").asBoolean(), "an edit pushed is no difference: " + boundTable(report).toPrettyString());
    }

    /**
     * An application migration changes a synced column's type so that the value both sides last agreed on no longer
     * reads as the new type (text 'gpt-4o' as an integer). verify lists the row with that column instead of stopping
     * with PostgreSQL's error, and --repair leaves the row as it is, saying why, and repairs the rest.
     */
    @Test
    void aColumnWhoseSyncedValueNoLongerFitsItsNewTypeIsListedNotAnError(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        NotionSync sync = boundAgents(it, simulator, settings);
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        TestEngine.execute(sync, "ALTER TABLE public.agents ALTER COLUMN model DROP DEFAULT, ALTER COLUMN model TYPE integer USING length(model)");
        JsonNode report = JSON.readTree(operator.verify("agents", true));
        JsonNode table = boundTable(report);
        assertEquals(5, table.path("differing_count").asInt(), table.toPrettyString());
        for (JsonNode row : table.path("differing")) {
            assertEquals("[\"model\"]", row.path("columns").toString(), table.toPrettyString());
        }
        assertEquals(0, table.path("repaired").path("rows_written").asInt(), table.toPrettyString());
        assertEquals(5, table.path("repaired").path("rows_refused").asInt(), table.toPrettyString());
        assertTrue(table.path("not_repaired").get(0).path("reason").asText().contains("model"), table.toPrettyString());
        assertEquals(5, TestEngine.count(sync, "SELECT count(*) FROM public.agents WHERE model IS NOT NULL"), "no row lost, no value lost");
    }

    /** The application deletes a row on purpose; its DELETE is pushed (the page archived). --repair never makes it again. */
    @Test
    void aRowTheApplicationDeletedAndPushedIsNeverMadeAgain(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        NotionSync sync = boundAgents(it, simulator, settings);
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        String id = TestEngine.queryString(sync, "SELECT min(id::text) FROM public.agents");
        TestEngine.execute(sync, "DELETE FROM public.workflows WHERE agent_id = '" + id + "'");
        TestEngine.execute(sync, "DELETE FROM public.agents WHERE id = '" + id + "'");
        awaitPushed(sync);
        JsonNode table = boundTable(JSON.readTree(operator.verify("agents", true)));
        assertEquals(0, table.path("repaired").path("rows_made_again_from_notion").asInt(), table.toPrettyString());
        Thread.sleep(3000);   // several apply and push polls
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM public.agents WHERE id = '" + id + "'"), "the deleted row stays deleted");
        assertEquals(4, livePages(sync, simulator), "the deleted row's page stays archived");
    }

    /** A row inserted behind the engine's back, --repair run twice before the push makes its page: one page, not two. */
    @Test
    void aRowInsertedBehindTheBackRepairedTwiceGetsOnePage(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        NotionSync sync = boundAgents(it, simulator, settings);
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        try (Connection c = sync.database().dataSource().getConnection(); Statement sql = c.createStatement()) {
            c.setAutoCommit(false);
            sql.execute("SET LOCAL session_replication_role = replica");
            sql.execute("INSERT INTO public.agents (id, name, organization_id) VALUES ('00000000-0000-4000-8000-00000000000b', 'Restored', 1)");
            c.commit();
        }
        operator.verify("agents", true);
        operator.verify("agents", true);
        awaitPushed(sync);
        operator.verify("agents", true);
        awaitPushed(sync);
        TestEngine.await("the row's page made", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.links WHERE source = 'agents' AND row_key ->> 'id' = '00000000-0000-4000-8000-00000000000b'"
                        + " AND state = 'linked'") == 1);
        operator.verify("agents", true);
        Thread.sleep(2000);
        assertEquals(6, livePages(sync, simulator), "one page per row, none twice");
    }

    /** An excluded (secret) column the application changes (the trigger does not record it): --repair never writes it. */
    @Test
    void anExcludedColumnIsNeverWrittenByRepair(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.source.agents.exclude", "model");
        NotionSync sync = boundAgents(it, simulator, settings);
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        String id = TestEngine.queryString(sync, "SELECT min(id::text) FROM public.agents");
        TestEngine.execute(sync, "UPDATE public.agents SET model = 'secret-model' WHERE id = '" + id + "'");
        try (Connection c = sync.database().dataSource().getConnection(); Statement sql = c.createStatement()) {
            c.setAutoCommit(false);
            sql.execute("SET LOCAL session_replication_role = replica");
            sql.execute("UPDATE public.agents SET name = 'Behind its back', model = 'secret-2' WHERE id = '" + id + "'");
            c.commit();
        }
        awaitPushed(sync);
        JsonNode table = boundTable(JSON.readTree(operator.verify("agents", true)));
        assertEquals(1, table.path("repaired").path("rows_written").asInt(), table.toPrettyString());
        assertEquals("secret-2", TestEngine.queryString(sync, "SELECT model FROM public.agents WHERE id = '" + id + "'"), table.toPrettyString());
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links WHERE source = 'agents' AND jsonb_exists(row_values, 'model')"));
    }

    /**
     * An application UPDATE of a row that differs (written behind the engine's back) holds the row's lock while verify
     * --repair compares and tries to repair it; the application commits after the comparison. Its value stays.
     */
    @Test
    void anAppWriteCommittedAfterTheComparisonIsNeverOverwritten(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        NotionSync sync = boundAgents(it, simulator, settings);
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        String id = TestEngine.queryString(sync, "SELECT min(id::text) FROM public.agents");
        try (Connection c = sync.database().dataSource().getConnection(); Statement sql = c.createStatement()) {
            c.setAutoCommit(false);
            sql.execute("SET LOCAL session_replication_role = replica");
            sql.execute("UPDATE public.agents SET name = 'Behind its back' WHERE id = '" + id + "'");
            c.commit();
        }
        java.util.concurrent.CompletableFuture<String> verify;
        try (Connection app = DriverManager.getConnection(settings.get("notion.db.url")); Statement sql = app.createStatement()) {
            app.setAutoCommit(false);
            sql.execute("UPDATE public.agents SET name = 'The application''s name' WHERE id = '" + id + "'");
            verify = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return operator.verify("agents", true);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(2000);   // the comparison made, the repair waiting for the row's lock
            app.commit();
        }
        JsonNode table = boundTable(JSON.readTree(verify.get(30, java.util.concurrent.TimeUnit.SECONDS)));
        assertEquals("The application's name", TestEngine.queryString(sync, "SELECT name FROM public.agents WHERE id = '" + id + "'"), table.toPrettyString());
        awaitPushed(sync);
        assertEquals("The application's name", TestEngine.queryString(sync, "SELECT name FROM public.agents WHERE id = '" + id + "'"));
    }

    /**
     * A row deleted behind the engine's back; the application inserts it again (same key) in a transaction that commits
     * after verify --repair compared (the row missing) and forgot its link. One page for the row, never two, and the
     * application's values kept.
     */
    @Test
    void aRowReinsertedByTheAppWhileRepairForgetsItsLinkGetsOnePage(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        NotionSync sync = boundAgents(it, simulator, settings);
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        String id = TestEngine.queryString(sync, "SELECT min(id::text) FROM public.agents");
        try (Connection c = sync.database().dataSource().getConnection(); Statement sql = c.createStatement()) {
            c.setAutoCommit(false);
            sql.execute("SET LOCAL session_replication_role = replica");
            sql.execute("DELETE FROM public.workflows WHERE agent_id = '" + id + "'");
            sql.execute("DELETE FROM public.agents WHERE id = '" + id + "'");
            c.commit();
        }
        try (Connection app = DriverManager.getConnection(settings.get("notion.db.url")); Statement sql = app.createStatement()) {
            app.setAutoCommit(false);
            sql.execute("INSERT INTO public.agents (id, name, organization_id) VALUES ('" + id + "', 'Inserted again by the app', 1)");
            JsonNode table = boundTable(JSON.readTree(operator.verify("agents", true)));
            app.commit();
            assertEquals(1, table.path("repaired").path("rows_made_again_from_notion").asInt(), table.toPrettyString());   // the race happened
        }
        awaitPushed(sync);
        Thread.sleep(4000);   // apply and push polls
        awaitPushed(sync);
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM public.agents WHERE id = '" + id + "'"));
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links WHERE source = 'agents' AND row_key ->> 'id' = '" + id + "'"));
        assertEquals(5, livePages(sync, simulator), "one page per row, none twice");
        assertEquals("Inserted again by the app", TestEngine.queryString(sync, "SELECT name FROM public.agents WHERE id = '" + id + "'"));
        JsonNode after = JSON.readTree(operator.verify("agents", false));
        assertTrue(after.path("consistent").asBoolean(), "Notion holds the application's row: " + after.toPrettyString());
    }

    /** A column excluded after binding (a secret noticed late): the links still held its values; --repair never writes it. */
    @Test
    void aColumnExcludedLateIsNeverWrittenByRepair(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        NotionSync first = boundAgents(it, simulator, settings);
        first.close();
        settings.put("notion.source.agents.exclude", "model");
        NotionSync sync = it.create(settings);
        sync.start();
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        String id = TestEngine.queryString(sync, "SELECT min(id::text) FROM public.agents");
        TestEngine.execute(sync, "UPDATE public.agents SET model = 'secret-model' WHERE id = '" + id + "'");
        try (Connection c = sync.database().dataSource().getConnection(); Statement sql = c.createStatement()) {
            c.setAutoCommit(false);
            sql.execute("SET LOCAL session_replication_role = replica");
            sql.execute("UPDATE public.agents SET name = 'Behind its back', model = 'secret-2' WHERE id = '" + id + "'");
            c.commit();
        }
        awaitPushed(sync);
        JsonNode table = boundTable(JSON.readTree(operator.verify("agents", true)));
        assertEquals(1, table.path("repaired").path("rows_written").asInt(), table.toPrettyString());
        assertEquals("secret-2", TestEngine.queryString(sync, "SELECT model FROM public.agents WHERE id = '" + id + "'"), table.toPrettyString());
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.links WHERE source = 'agents' AND jsonb_exists(row_values, 'model')"));
    }

    /** The application changes a row's key (pushed): --repair neither makes the old key again nor asks a second page. */
    @Test
    void aKeyChangedByTheApplicationIsNeitherRemadeNorPagedTwice(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        NotionSync sync = boundAgents(it, simulator, settings);
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        String id = TestEngine.queryString(sync, "SELECT min(id::text) FROM public.agents");
        String moved = "00000000-0000-4000-8000-00000000000c";
        try (Connection c = sync.database().dataSource().getConnection(); Statement sql = c.createStatement()) {
            c.setAutoCommit(false);
            sql.execute("SET CONSTRAINTS ALL DEFERRED");
            sql.execute("DELETE FROM public.workflows WHERE agent_id = '" + id + "'");
            sql.execute("DELETE FROM public.agents_capabilities WHERE agent_id = '" + id + "'");
            sql.execute("UPDATE public.agents SET id = '" + moved + "' WHERE id = '" + id + "'");
            c.commit();
        }
        awaitPushed(sync);
        JsonNode table = boundTable(JSON.readTree(operator.verify("agents", true)));
        Thread.sleep(3000);
        awaitPushed(sync);
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM public.agents WHERE id = '" + id + "'"), table.toPrettyString());
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM public.agents WHERE id = '" + moved + "'"), table.toPrettyString());
        assertEquals(5, livePages(sync, simulator), table.toPrettyString());
        JsonNode after = JSON.readTree(operator.verify("agents", false));
        assertTrue(after.path("consistent").asBoolean(), after.toPrettyString());
    }

    /** A migration narrows a synced column (varchar(3), values cut): the agreed value no longer fits; left, listed, not an error. */
    @Test
    void aNarrowedColumnIsLeftAndListed(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        NotionSync sync = boundAgents(it, simulator, settings);
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        String before = TestEngine.queryString(sync, "SELECT string_agg(left(model, 3), ',' ORDER BY id) FROM public.agents");
        TestEngine.execute(sync, "ALTER TABLE public.agents ALTER COLUMN model DROP DEFAULT, ALTER COLUMN model TYPE varchar(3) USING left(model, 3)");
        JsonNode table = boundTable(JSON.readTree(operator.verify("agents", true)));
        assertEquals(before, TestEngine.queryString(sync, "SELECT string_agg(model, ',' ORDER BY id) FROM public.agents"), table.toPrettyString());
        assertEquals(0, table.path("repaired").path("rows_written").asInt(), table.toPrettyString());
        assertEquals(5, table.path("differing_count").asInt(), table.toPrettyString());
        assertEquals(table.path("differing_count").asInt(), table.path("repaired").path("rows_refused").asInt(), table.toPrettyString());
    }

    static long livePages(NotionSync sync, NotionSimulator simulator) throws Exception {
        return simulator.model().pages(TestEngine.queryString(sync, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = 'agents'"))
                .stream().filter(p -> !p.path("in_trash").asBoolean()).count();
    }

    static NotionSync boundAgents(Integration it, NotionSimulator simulator, Map<String, String> settings) throws Exception {
        settings.put("notion.sources", "organizations,agents");
        for (String table : List.of("organizations", "agents")) {
            settings.put("notion.source." + table + ".mode", "bind");
            settings.put("notion.source." + table + ".table", "public." + table);
            settings.put("notion.source." + table + ".poll", "1s");
        }
        settings.put("notion.bind.apply-poll", "300ms");
        settings.put("notion.push.poll", "300ms");
        NotionSync sync = it.create(settings);
        DemoApplication.create(sync.database().dataSource());
        sync.start();
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        assertTrue(sync.bootstrap().bootstrap("agents", BootstrapTest.parentPage(simulator), progress::add).complete(), String.join("\n", progress));
        TestEngine.await("the shadow mirror of agents", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM \""
                + settings.get("notion.db.schema") + "\".agents") == 5);
        return sync;
    }

    static void awaitPushed(NotionSync sync) throws Exception {
        TestEngine.await("the row changes pushed", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.row_changes WHERE status NOT IN ('pushed', 'ignored')") == 0);
    }

    static JsonNode boundTable(JsonNode report) {
        for (JsonNode table : report.path("sources").get(0).path("tables")) {
            if (table.path("bound").asBoolean()) {
                return table;
            }
        }
        throw new AssertionError("no bound table in " + report.toPrettyString());
    }
}
