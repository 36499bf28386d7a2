package dev.notionsync.store;

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
import dev.notionsync.config.Settings;
import dev.notionsync.config.SettingsException;
import dev.notionsync.sim.NotionSimulator;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention of the engine's own tables on a real PostgreSQL: what is old goes, in batches; what is still to do or
 * still read stays whatever its age; the engine prunes on its own schedule; and what readiness and status read costs
 * the same with half a million runs as with fifty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
class RetentionTest {

    @TempDir
    static Path tempDir;

    NotionSimulator simulator;
    NotionSync sync;
    Settings settings;

    @BeforeAll
    void start(Integration integration) throws Exception {
        simulator = integration.simulator(2);
        Map<String, String> values = integration.settings(simulator, "1h", "projects");
        values.put("notion.retention.interval", "2s");
        settings = TestEngine.settings(values);
        sync = integration.start(values);
        // the inbox rows these tests write are for retention to judge, not for the applier to claim
        sync.context().getRouteController().stopRoute("notion-webhook-inbox");
    }

    @Test
    void oldRowsGoInBatchesAndWhatIsStillNeededStays() throws Exception {
        // one transaction, so the engine's own scheduled prune never sees half of it
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO notion_sync.operator_audit (at, actor, origin, action, outcome) VALUES"
                    + " (now() - interval '400 days', 'admin', '127.0.0.1', 'old action', 'ok'),"     // past 365 days: goes
                    + " (now() - interval '10 days', 'admin', '127.0.0.1', 'young action', 'ok')");    // stays
            st.execute("INSERT INTO notion_sync.sync_runs (source, kind, started_at, finished_at, outcome) VALUES"
                    + " ('r1', 'pull', now() - interval '60 days', now() - interval '60 days', 'ok'),"        // older ok: goes
                    + " ('r1', 'pull', now() - interval '50 days', now() - interval '50 days', 'failed'),"    // goes
                    + " ('r1', 'pull', now() - interval '45 days', now() - interval '45 days', 'ok'),"        // last ok: stays
                    + " ('r1', 'pull', now() - interval '40 days', now() - interval '40 days', 'failed'),"    // goes
                    + " ('r1', 'pull', now() - interval '35 days', now() - interval '35 days', 'failed'),"    // latest: stays
                    + " ('r1', 'sweep', now() - interval '50 days', now() - interval '50 days', 'ok'),"       // latest sweep: stays
                    + " ('r2', 'pull', now() - interval '60 days', NULL, 'running'),"                         // running: stays
                    + " ('r2', 'pull', now() - interval '40 days', now() - interval '40 days', 'ok'),"        // latest: stays
                    + " ('r3', 'pull', now() - interval '40 days', now() - interval '40 days', 'failed'),"    // goes
                    + " ('r3', 'pull', now() - interval '1 day', now() - interval '1 day', 'failed')");        // young: stays
            // the open push dead letter below names the fourth
            st.execute("INSERT INTO notion_sync.outbox (table_schema, table_name, page_id, operation, status, changed_at, processed_at) VALUES"
                    + " ('notion', 't', gen_random_uuid(), 'UPDATE', 'pushed', now() - interval '60 days', now() - interval '60 days'),"
                    + " ('notion', 't', gen_random_uuid(), 'UPDATE', 'ignored', now() - interval '60 days', now() - interval '60 days'),"
                    + " ('notion', 't', gen_random_uuid(), 'UPDATE', 'pending', now() - interval '60 days', NULL),"
                    + " ('notion', 't', gen_random_uuid(), 'UPDATE', 'dead_letter', now() - interval '60 days', now() - interval '60 days'),"
                    + " ('notion', 't', gen_random_uuid(), 'UPDATE', 'dead_letter', now() - interval '60 days', now() - interval '60 days'),"
                    + " ('notion', 't', gen_random_uuid(), 'UPDATE', 'pushed', now() - interval '1 day', now() - interval '1 day')");
            st.execute("INSERT INTO notion_sync.dead_letters (endpoint_uri, body, status, failed_at, resolved_at) VALUES"
                    + " ('direct:page-apply', '{\"event_ids\":[\"ev-open\"]}', 'open', now() - interval '60 days', NULL),"
                    + " ('direct:push-page-change', '{\"outbox_ids\":[' || (SELECT id FROM notion_sync.outbox WHERE table_name = 't' ORDER BY id OFFSET 3 LIMIT 1) || ']}',"
                    + "   'open', now() - interval '60 days', NULL),"
                    + " ('direct:page-apply', '{\"event_ids\":[\"ev-resolved\"]}', 'resolved', now() - interval '60 days', now() - interval '40 days'),"
                    + " ('direct:report-x', 'resolved-young', 'resolved', now() - interval '60 days', now() - interval '1 day')");
            st.execute("INSERT INTO notion_sync.webhook_inbox (event_id, event_type, body, received_at, status) VALUES"
                    + " ('ev-applied', 'page.created', '{}', now() - interval '8 days', 'applied'),"       // goes
                    + " ('ev-ignored', 'page.created', '{}', now() - interval '8 days', 'ignored'),"       // goes
                    + " ('ev-pending', 'page.created', '{}', now() - interval '60 days', 'pending'),"      // stays
                    + " ('ev-processing', 'page.created', '{}', now() - interval '60 days', 'processing'),"
                    + " ('ev-open', 'page.created', '{}', now() - interval '60 days', 'dead_letter'),"     // open dead letter: stays
                    + " ('ev-resolved', 'page.created', '{}', now() - interval '60 days', 'dead_letter')," // goes
                    + " ('ev-young', 'page.created', '{}', now() - interval '1 day', 'applied')");
            st.execute("INSERT INTO notion_sync.conflicts (source, page_id, property_id, property_name, policy, winner, detected_at) VALUES"
                    + " ('r1', gen_random_uuid(), 'p', 'old', 'notion-wins', 'notion', now() - interval '100 days'),"
                    + " ('r1', gen_random_uuid(), 'p', 'young', 'notion-wins', 'notion', now() - interval '1 day')");
            st.execute("INSERT INTO notion_sync.report_runs (report, trigger, instance, started_at, outcome) VALUES"
                    + " ('rep', 'schedule', 'i', now() - interval '200 days', 'ok'),"      // goes
                    + " ('rep', 'schedule', 'i', now() - interval '150 days', 'running')," // stays
                    + " ('rep', 'schedule', 'i', now() - interval '100 days', 'ok')");     // latest: stays
            c.commit();
        }
        List<Long> outboxIds = longs("SELECT id FROM notion_sync.outbox WHERE table_name = 't' ORDER BY id");
        long openPush = outboxIds.get(3);
        assertTrue(strings("SELECT body FROM notion_sync.dead_letters WHERE status = 'open'"
                + " AND endpoint_uri = 'direct:push-page-change'").get(0).contains("[" + openPush + "]"), "the open push dead letter names an outbox row");

        Retention retention = new Retention(sync.database().dataSource(), Retention.Periods.of(
                table -> settings.getDuration("notion.retention." + table, Duration.ZERO)), 2, Clock.systemUTC());
        retention.prune();

        assertEquals(List.of("r1 pull 45 ok", "r1 pull 35 failed", "r1 sweep 50 ok", "r2 pull 60 running", "r2 pull 40 ok", "r3 pull 1 failed"),
                strings("SELECT source || ' ' || kind || ' ' || extract(day FROM now() - started_at)::int || ' ' || outcome"
                        + " FROM notion_sync.sync_runs WHERE source IN ('r1', 'r2', 'r3') ORDER BY id"));
        assertEquals(new TreeSet<>(List.of("ev-pending", "ev-processing", "ev-open", "ev-young")),
                new TreeSet<>(strings("SELECT event_id FROM notion_sync.webhook_inbox WHERE event_id LIKE 'ev-%'")));
        assertEquals(List.of(outboxIds.get(2), openPush, outboxIds.get(5)),
                longs("SELECT id FROM notion_sync.outbox WHERE table_name = 't' ORDER BY id"));
        assertEquals(List.of("young"), strings("SELECT property_name FROM notion_sync.conflicts WHERE source = 'r1'"));
        assertEquals(List.of("open", "open", "resolved"), strings("SELECT status FROM notion_sync.dead_letters WHERE failed_at < now() - interval '50 days' ORDER BY id"));
        assertEquals(List.of("running", "ok"), strings("SELECT outcome FROM notion_sync.report_runs WHERE report = 'rep' ORDER BY id"));
        assertEquals(List.of("young action"), strings("SELECT action FROM notion_sync.operator_audit WHERE action LIKE '% action' ORDER BY id"));

        assertEquals("", retention.prune(), "a second prune finds nothing more");
    }

    @Test
    void changeEventsGoWhenOldAndPassedByEveryEnabledSubscription() throws Exception {
        // the subscription first: the engine's own retention (every 2 s) must not take the old events before it is there
        TestEngine.execute(sync, "INSERT INTO notion_sync.subscriptions (name, origin, uri, max_attempts, backoff_ms, backoff_max_ms, passed_through)"
                + " VALUES ('slow', 'runtime', 'file:/tmp/never', 3, 1000, 1000, 0)");
        for (int age : new int[] {10, 9, 8, 8, 1}) {
            TestEngine.execute(sync, "INSERT INTO notion_sync.change_events (occurred_at, source, table_schema, table_name, row_key, operation,"
                    + " side, changed_columns) VALUES (now() - interval '" + age + " days', 'rt', 'notion', 't', '{}', 'insert', 'postgres', '{}')");
        }
        List<Long> ids = longs("SELECT event_id FROM notion_sync.change_events WHERE source = 'rt' ORDER BY event_id");
        TestEngine.execute(sync, "UPDATE notion_sync.subscriptions SET passed_through = " + ids.get(1) + " WHERE name = 'slow'");
        Retention retention = new Retention(sync.database().dataSource(), Retention.Periods.of(
                table -> settings.getDuration("notion.retention." + table, Duration.ZERO)), 2, Clock.systemUTC());
        retention.prune();
        assertEquals(ids.subList(2, 5), longs("SELECT event_id FROM notion_sync.change_events WHERE source = 'rt' ORDER BY event_id"),
                "old events the subscription has not passed stay");

        TestEngine.execute(sync, "DELETE FROM notion_sync.subscriptions WHERE name = 'slow'");
        retention.prune();
        assertEquals(ids.subList(4, 5), longs("SELECT event_id FROM notion_sync.change_events WHERE source = 'rt' ORDER BY event_id"),
                "removing the subscription frees them");
    }

    @Test
    void createIntentsGoOnceTheirCreateIsDoneAndOld() throws Exception {
        String[] page = new String[8];
        String[] local = new String[8];
        for (int i = 0; i < page.length; i++) {
            page[i] = java.util.UUID.randomUUID().toString();
            local[i] = java.util.UUID.randomUUID().toString();
        }
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO notion_sync.report_runs (report, trigger, instance, started_at, outcome) VALUES"
                    + " ('intent-rep', 'schedule', 'i', now() - interval '60 days', 'ok'),"
                    + " ('intent-rep', 'schedule', 'i', now() - interval '60 days', 'running')");
            List<Long> runs = longsIn(st, "SELECT id FROM notion_sync.report_runs WHERE report = 'intent-rep' ORDER BY id");
            st.execute("INSERT INTO notion_sync.create_intents (intent_key, target, first_sent_at, sends, page_id, created_at) VALUES"
                    + intent(local[0], page[0], 60) + ","                         // done, its change pushed: goes
                    + intent(local[1], page[1], 60) + ","                         // done, its change pruned from the outbox: goes
                    + intent(local[2], page[2], 1) + ","                          // done but young: stays
                    + intent(local[3], null, 60) + ","                            // page not known (an answer may be lost): stays
                    + intent(local[4], page[4], 60) + ","                         // its INSERT still pending under the page id: stays
                    + intent(local[5], page[5], 60) + ","                         // a change pending under the local id: stays
                    + intent(local[6], page[6], 60) + ","                         // its change a dead letter, replayable: stays
                    + " ('report:" + runs.get(0) + "', 'parent', now() - interval '60 days', 1, '" + page[7] + "', now() - interval '60 days'),"
                    + " ('report:" + runs.get(1) + "', 'parent', now() - interval '60 days', 1, gen_random_uuid(), now() - interval '60 days')");
            st.execute("INSERT INTO notion_sync.outbox (table_schema, table_name, page_id, operation, status, changed_at, processed_at) VALUES"
                    + " ('notion', 'ci', '" + page[0] + "', 'INSERT', 'pushed', now() - interval '60 days', now() - interval '60 days'),"
                    + " ('notion', 'ci', '" + page[2] + "', 'INSERT', 'pushed', now() - interval '1 day', now() - interval '1 day'),"
                    + " ('notion', 'ci', '" + page[4] + "', 'INSERT', 'pending', now() - interval '60 days', NULL),"
                    + " ('notion', 'ci', '" + local[5] + "', 'UPDATE', 'pending', now() - interval '60 days', NULL),"
                    + " ('notion', 'ci', '" + page[6] + "', 'INSERT', 'dead_letter', now() - interval '60 days', now() - interval '60 days')");
            st.execute("INSERT INTO notion_sync.dead_letters (endpoint_uri, body, status, failed_at) VALUES ('direct:push-page-change',"
                    + " '{\"outbox_ids\":[' || (SELECT id FROM notion_sync.outbox WHERE page_id = '" + page[6] + "') || ']}', 'open', now() - interval '1 day')");
            c.commit();
        }
        Retention retention = new Retention(sync.database().dataSource(), Retention.Periods.of(
                table -> settings.getDuration("notion.retention." + table, Duration.ZERO)), 2, Clock.systemUTC());
        retention.prune();

        assertEquals(List.of("push:notion.ci:" + local[2], "push:notion.ci:" + local[3], "push:notion.ci:" + local[4],
                        "push:notion.ci:" + local[5], "push:notion.ci:" + local[6]),
                strings("SELECT intent_key FROM notion_sync.create_intents WHERE intent_key LIKE 'push:notion.ci:%'"
                        + " ORDER BY array_position(ARRAY['" + String.join("','", local) + "']::text[], substring(intent_key FROM 16))"));
        assertEquals(List.of("running"), strings("SELECT r.outcome FROM notion_sync.create_intents i JOIN notion_sync.report_runs r"
                + " ON i.intent_key = 'report:' || r.id WHERE r.report = 'intent-rep'"));
    }

    /** A push create's intent (key as PageCreator writes it), made {@code days} ago, its page known or not. */
    private static String intent(String localId, String pageId, int days) {
        return " ('push:notion.ci:" + localId + "', 'ds', now() - interval '" + days + " days', 1, "
                + (pageId == null ? "NULL" : "'" + pageId + "'") + ", now() - interval '" + days + " days')";
    }

    private static List<Long> longsIn(Statement st, String sql) throws Exception {
        List<Long> values = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getLong(1));
            }
        }
        return values;
    }

    @Test
    void theEnginePrunesOnItsOwnSchedule() throws Exception {
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO notion_sync.sync_runs (source, kind, started_at, finished_at, outcome)"
                    + " SELECT 'scheduled', 'pull', now() - interval '90 days' + i * interval '1 minute', now() - interval '90 days' + i * interval '1 minute', 'ok'"
                    + " FROM generate_series(1, 2500) i");
        }
        // first prune 30 s after start, then every 2 s; 2,500 runs take three batches of 1,000
        TestEngine.await("old runs pruned by the retention route", Duration.ofSeconds(60),
                () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE source = 'scheduled'") == 1);
        assertEquals("ok", TestEngine.queryString(sync, "SELECT outcome FROM notion_sync.sync_runs WHERE source = 'scheduled'"));
    }

    /**
     * The readiness check (SourceLagHealthCheck) and status (NotionSyncManagement.sourceStatus) read the last successful
     * pull and the latest pull of each source. Measured in PostgreSQL buffers touched, not time: 500,000 runs of the
     * source (a month at a 5 s poll, what sync-runs retention keeps) cost what 50 cost.
     */
    @Test
    void readinessAndStatusCostTheSameWithHalfAMillionRunsAsWithFifty() throws Exception {
        String lastOk = "SELECT extract(epoch FROM now() - max(finished_at)) FROM notion_sync.sync_runs"
                + " WHERE source = 'busy' AND kind = 'pull' AND outcome = 'ok'";
        String latest = "SELECT * FROM notion_sync.sync_runs WHERE source = 'busy' AND kind = 'pull' ORDER BY id DESC LIMIT 1";
        insertRuns(50);
        int lastOkSmall = buffers(lastOk);
        int latestSmall = buffers(latest);

        insertRuns(500_000);
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("VACUUM ANALYZE notion_sync.sync_runs");
        }
        int lastOkLarge = buffers(lastOk);
        int latestLarge = buffers(latest);

        // a few more for one more level of the index, never a read of the source's runs
        assertTrue(lastOkLarge <= lastOkSmall + 6, "last ok run: " + lastOkSmall + " buffers with 50 runs, " + lastOkLarge + " with 500,050:\n" + plan(lastOk));
        assertTrue(latestLarge <= latestSmall + 6, "latest run: " + latestSmall + " buffers with 50 runs, " + latestLarge + " with 500,050:\n" + plan(latest));
        assertFalse(plan(lastOk).contains("Seq Scan"), plan(lastOk));
        assertFalse(plan(latest).contains("Seq Scan"), plan(latest));
    }

    @Test
    void aBadRetentionSettingStopsTheStartNamingIt() {
        Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
        values.put("notion.retention.sync-runs", "a month");
        SettingsException e = assertThrows(SettingsException.class, () -> NotionSync.create(TestEngine.settings(values)));
        assertTrue(e.getMessage().contains("notion.retention.sync-runs"), e.getMessage());
        values.put("notion.retention.sync-runs", "30d");
        values.put("notion.retention.interval", "0");
        e = assertThrows(SettingsException.class, () -> NotionSync.create(TestEngine.settings(values)));
        assertTrue(e.getMessage().contains("notion.retention.interval"), e.getMessage());
    }

    /** Runs of source 'busy' within the last 20 days (not old enough to prune), interleaved with another source's. */
    private void insertRuns(int count) throws Exception {
        try (Connection c = sync.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.sync_runs (source, kind, started_at, finished_at, outcome)"
                     + " SELECT CASE WHEN i % 2 = 0 THEN 'busy' ELSE 'quiet' END, CASE WHEN i % 700 = 0 THEN 'sweep' ELSE 'pull' END,"
                     + "        now() - interval '20 days' + i * interval '1 second', now() - interval '20 days' + i * interval '1 second',"
                     + "        CASE WHEN i % 3 = 0 THEN 'failed' ELSE 'ok' END"
                     + " FROM generate_series(1, ?) i")) {
            ps.setInt(1, count);
            ps.executeUpdate();
        }
    }

    /** Shared buffers (hit or read) the query's plan touched when run. */
    private int buffers(String sql) throws Exception {
        JsonNode plan = new ObjectMapper().readTree(strings("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql).get(0)).get(0).get("Plan");
        return plan.path("Shared Hit Blocks").asInt() + plan.path("Shared Read Blocks").asInt();
    }

    private String plan(String sql) throws Exception {
        return String.join("\n", strings("EXPLAIN " + sql));
    }

    private List<String> strings(String sql) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private List<Long> longs(String sql) throws Exception {
        return strings(sql).stream().map(Long::valueOf).toList();
    }
}
