package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.TestPostgres;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.sim.NotionSimulator;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Adversarial checks of the clustered polls and sweeps (Quartz in the engine's database) and of pause, resume and
 * syncNow across instances: two engines in this JVM on one PostgreSQL, the simulator over HTTP. What a user would see:
 * notion_sync.sync_runs, the mirror tables, sourceStatus.
 */
@ExtendWith(IntegrationExtension.class)
class ClusterAdversaryTest {

    private static final Duration CHECKIN = Duration.ofSeconds(1);

    private static Map<String, String> settings(Integration it, NotionSimulator simulator, String... sources) {
        Map<String, String> settings = it.settings(simulator, "1s", sources);
        settings.put("notion.cluster.checkin-interval", CHECKIN.toMillis() + "ms");
        return settings;
    }

    /** The same settings on another pair of ports: another instance of the same deployment. */
    private static Map<String, String> anotherInstance(Map<String, String> settings) {
        Map<String, String> other = new HashMap<>(settings);
        other.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        other.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        return other;
    }

    private static NotionSyncManagement operator(NotionSync engine) {
        return engine.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
    }

    private static long pulls(NotionSync engine, String source, String where) {
        return TestEngine.count(engine, "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'pull' AND source = '" + source + "' AND " + where);
    }

    private static long overlaps(NotionSync engine) {
        return TestEngine.count(engine, "SELECT count(*) FROM notion_sync.sync_runs a JOIN notion_sync.sync_runs b ON a.source = b.source"
                + " AND a.kind = 'pull' AND b.kind = 'pull' AND a.id < b.id AND b.started_at < coalesce(a.finished_at, now())"
                + " AND a.started_at < coalesce(b.finished_at, now())");
    }

    private static long lastRun(NotionSync engine) {
        return TestEngine.count(engine, "SELECT coalesce(max(id), 0) FROM notion_sync.sync_runs");
    }

    /**
     * Finding: an instance started with a shorter notion.sources (a rollback, a restart of an old replica during a
     * rolling deploy, sources sharded by hand) removed the other sources' schedules from the cluster, and the instances
     * that do sync them never polled them again, even once that instance was gone, until one of them restarted:
     * nothing logged there, sourceStatus showed them polling. Now an instance puts back the schedules of its own
     * sources when they are gone (within a check-in interval), and says so.
     */
    @Test
    void anInstanceStartedWithFewerSourcesDoesNotStopTheOthersFromPollingTheirs(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = settings(it, simulator, "projects", "revenue");
        String projects = TestEngine.sourceName(settings, "projects");
        String revenue = TestEngine.sourceName(settings, "revenue");
        NotionSync full = it.start(settings);
        TestEngine.await("a first pull of each", Duration.ofSeconds(60), () ->
                pulls(full, projects, "outcome = 'ok'") > 0 && pulls(full, revenue, "outcome = 'ok'") > 0);

        Map<String, String> shorter = anotherInstance(settings);
        shorter.put("notion.sources", projects);
        NotionSync partial = it.start(shorter);
        TestEngine.await(revenue + "'s poll and sweep back in the cluster", Duration.ofSeconds(10), () -> TestEngine.count(full,
                "SELECT count(*) FROM notion_sync.qrtz_triggers WHERE trigger_group = '" + SourceSchedules.group(revenue) + "'") == 2);
        assertTrue(TestEngine.count(full, "SELECT count(*) FROM notion_sync.qrtz_triggers WHERE trigger_group = 'reports'") > 0,
                "the reports' schedules are left alone");
        partial.close();   // the rollback is over (or that replica is replaced)
        long since = lastRun(full);
        TestEngine.await("the instance that syncs " + revenue + " polls it", Duration.ofSeconds(20), () ->
                pulls(full, revenue, "outcome = 'ok' AND id > " + since) >= 3);
    }

    /**
     * Finding, not fixed: while two instances run different notion.sources, a source's poll that the instance without
     * the source takes is lost there (camel-quartz finds no route for it: one WARN, then nothing). And Quartz's nodes
     * keep the triggers they fire (each takes the next due right after a fire, one at a time), so that instance can
     * take every poll of the source: in about a third of these runs the source was not pulled once in 20 s while both
     * ran. Quartz gives any trigger to any node; no fix short of every instance running the same notion.sources
     * (README, "Changing the settings").
     */
    @Test
    @Disabled("finding: while notion.sources differ, an instance without a source can take (and lose) every poll of it")
    void whileTheSourcesDifferTheInstanceThatSyncsASourceStillPollsIt(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = settings(it, simulator, "projects", "revenue");
        String projects = TestEngine.sourceName(settings, "projects");
        String revenue = TestEngine.sourceName(settings, "revenue");
        NotionSync full = it.start(settings);
        TestEngine.await("a first pull of each", Duration.ofSeconds(60), () ->
                pulls(full, projects, "outcome = 'ok'") > 0 && pulls(full, revenue, "outcome = 'ok'") > 0);
        Map<String, String> shorter = anotherInstance(settings);
        shorter.put("notion.sources", projects);
        NotionSync partial = it.start(shorter);
        long since = lastRun(partial);
        TestEngine.await("the instance that syncs " + revenue + " polls it", Duration.ofSeconds(20), () ->
                pulls(full, revenue, "outcome = 'ok' AND id > " + since) >= 3);
    }

    /**
     * Finding: the same start also forgot an operator's pause of those sources; the next start of an instance that
     * syncs them polled them again, unasked. A pause now stays until resumeSource.
     */
    @Test
    void aPauseOutlivesAnInstanceStartedWithoutTheSource(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = settings(it, simulator, "projects", "revenue");
        String projects = TestEngine.sourceName(settings, "projects");
        String revenue = TestEngine.sourceName(settings, "revenue");
        NotionSync first = it.start(settings);
        TestEngine.await("a first pull of each", Duration.ofSeconds(60), () ->
                pulls(first, projects, "outcome = 'ok'") > 0 && pulls(first, revenue, "outcome = 'ok'") > 0);
        operator(first).pauseSource(revenue);
        TestEngine.await("a pull under way finishes", Duration.ofSeconds(20), () -> pulls(first, revenue, "outcome = 'running'") == 0);

        Map<String, String> shorter = anotherInstance(settings);
        shorter.put("notion.sources", projects);
        NotionSync partial = it.start(shorter);
        first.close();
        NotionSync restarted = it.start(anotherInstance(settings));
        long since = lastRun(restarted);
        TestEngine.await("the restarted instance polls " + projects, Duration.ofSeconds(20), () ->
                pulls(restarted, projects, "outcome = 'ok' AND id > " + since) >= 3);
        assertEquals(0, pulls(restarted, revenue, "id > " + since), "nobody resumed " + revenue + ": it is not polled");
        assertTrue(operator(restarted).sourceStatus().contains("\"source\":\"" + revenue + "\",\"paused\":true"), operator(restarted).sourceStatus());
        partial.close();
    }

    /**
     * Finding: an instance that stopped (or died) while its pull waited on Notion left that run 'running' in
     * sync_runs for ever (retention keeps running runs): the history showed a pull of the source running beside every
     * later one. The next pull of the source, holding its lease, now ends such a run as failed.
     */
    @Test
    void aPullLeftRunningByAStoppedInstanceIsEndedByTheNextPullOfItsSource(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = settings(it, simulator, "projects");
        String projects = settings.get("notion.sources");
        Map<String, String> stopping = anotherInstance(settings);
        stopping.put("camel.main.shutdown-timeout", "1");
        NotionSync first = it.start(stopping);
        TestEngine.await("a first pull", Duration.ofSeconds(60), () -> pulls(first, projects, "outcome = 'ok'") > 0);
        // Notion stops answering for a while: the next pull waits on it
        long before = lastRun(first);
        TestEngine.simControl(simulator, "faults", "{\"latency_ms\":6000}");
        TestEngine.await("a pull waiting on Notion", Duration.ofSeconds(20), () -> pulls(first, projects, "outcome = 'running' AND id > " + before) > 0);
        long stuck = TestEngine.count(first, "SELECT max(id) FROM notion_sync.sync_runs WHERE outcome = 'running'");
        first.close();
        TestEngine.simControl(simulator, "faults", "{}");
        Thread.sleep(6500);   // the stopped instance's pull has had its answer (and found its engine gone)

        NotionSync second = it.start(anotherInstance(settings));
        TestEngine.await("the other instance pulls", Duration.ofSeconds(30), () -> pulls(second, projects, "outcome = 'ok' AND id > " + stuck) > 0);
        assertEquals(0, pulls(second, projects, "outcome = 'running' AND id <= " + stuck),
                "no pull of the stopped instance is shown running: " + TestEngine.queryString(second,
                        "SELECT string_agg(id || ' ' || outcome || ' ' || coalesce(error, ''), '; ') FROM notion_sync.sync_runs WHERE id <= " + stuck));
    }

    /**
     * Probe (held): the database goes away for 12 s under two engines (no new connections, the open ones cut), mid
     * fires: when it is back, the cluster polls every source again, no pull of a source overlaps another, no Quartz
     * trigger is left in ERROR or BLOCKED and no pull stays 'running'.
     */
    @Test
    void theDatabaseAwayUnderTwoEnginesThenBackLeavesEverySourcePolledOnce(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = settings(it, simulator, "projects", "revenue");
        String projects = TestEngine.sourceName(settings, "projects");
        String revenue = TestEngine.sourceName(settings, "revenue");
        NotionSync first = it.start(settings);
        NotionSync second = it.start(anotherInstance(settings));
        TestEngine.await("a first pull of each", Duration.ofSeconds(60), () ->
                pulls(first, projects, "outcome = 'ok'") > 0 && pulls(first, revenue, "outcome = 'ok'") > 0);
        String url = settings.get("notion.db.url");
        String database = url.substring(url.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
        try (Connection admin = TestPostgres.shared().connect(); Statement sql = admin.createStatement()) {
            sql.execute("ALTER DATABASE \"" + database + "\" ALLOW_CONNECTIONS false");
            sql.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "' AND pid <> pg_backend_pid()");
            Thread.sleep(12_000);
            sql.execute("ALTER DATABASE \"" + database + "\" ALLOW_CONNECTIONS true");
        }
        long since = lastRun(first);
        TestEngine.await("each source polled again", Duration.ofSeconds(45), () ->
                pulls(first, projects, "outcome = 'ok' AND id > " + since) >= 3 && pulls(first, revenue, "outcome = 'ok' AND id > " + since) >= 3);
        assertEquals(0, overlaps(first), "no two pulls of a source overlap");
        assertEquals(0, TestEngine.count(first, "SELECT count(*) FROM notion_sync.qrtz_triggers WHERE trigger_state IN ('ERROR')"),
                TestEngine.queryString(first, "SELECT string_agg(trigger_group || '/' || trigger_name || ' ' || trigger_state, ', ') FROM notion_sync.qrtz_triggers"));
        TestEngine.await("no pull left running", Duration.ofSeconds(20), () -> TestEngine.count(first,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'running' AND started_at < now() - interval '10 seconds'") == 0);
        assertFalse(operator(second).sourceStatus().contains("\"paused\":true"), operator(second).sourceStatus());
    }

    /**
     * Probe (held): paused on one engine and resumed on the other while a pull waits on Notion (its stateful poll
     * blocked cluster-wide), then syncNow on both engines at once on the paused source: no second pull of the source
     * runs beside the first, each syncNow either pulls or says another pull runs, and once resumed it is polled again.
     */
    @Test
    void pauseResumeAndSyncNowOnTwoEnginesWhileAPullWaitsOnNotion(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = settings(it, simulator, "projects");
        String projects = settings.get("notion.sources");
        NotionSync first = it.start(settings);
        NotionSync second = it.start(anotherInstance(settings));
        TestEngine.await("a first pull", Duration.ofSeconds(60), () -> pulls(first, projects, "outcome = 'ok'") > 0);
        long before = lastRun(first);
        TestEngine.simControl(simulator, "faults", "{\"latency_ms\":3000}");
        TestEngine.await("a pull waiting on Notion", Duration.ofSeconds(20), () -> pulls(first, projects, "outcome = 'running' AND id > " + before) > 0);
        operator(first).pauseSource(projects);
        java.util.concurrent.CompletableFuture<String> one = java.util.concurrent.CompletableFuture.supplyAsync(() -> call(() -> operator(first).syncNow(projects)));
        java.util.concurrent.CompletableFuture<String> two = java.util.concurrent.CompletableFuture.supplyAsync(() -> call(() -> operator(second).syncNow(projects)));
        for (String answer : java.util.List.of(one.get(), two.get())) {
            assertTrue(answer.startsWith("not pulled: a pull of " + projects + " is running already")
                    || answer.startsWith("pulled " + projects) && answer.contains("stays paused"), answer);
        }
        TestEngine.simControl(simulator, "faults", "{}");
        TestEngine.await("the pulls under way end", Duration.ofSeconds(20), () -> pulls(first, projects, "outcome = 'running'") == 0);
        long paused = lastRun(first);
        Thread.sleep(3000);
        assertEquals(0, pulls(first, projects, "id > " + paused), "paused: not polled");
        operator(second).resumeSource(projects);
        TestEngine.await("polled again once resumed", Duration.ofSeconds(15), () -> pulls(first, projects, "outcome = 'ok' AND id > " + paused) >= 3);
        assertEquals(0, overlaps(first), "no two pulls of a source overlap");
    }

    private interface Call {
        String call() throws Exception;
    }

    private static String call(Call call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
