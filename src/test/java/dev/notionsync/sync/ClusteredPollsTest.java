package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.sim.NotionSimulator;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.component.quartz.QuartzComponent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Polls and sweeps are clustered Quartz jobs: with two engines on one database (two cluster nodes in this JVM), each
 * poll fires on one engine at a time, the engines share the sources' polls out, an engine that stops hands its polls
 * to the other within the cluster's check-in time, and a source paused on one engine is paused on every engine, across
 * restarts, until it is resumed on any. What a user sees: notion_sync.sync_runs (which instance ran each pull, and when).
 */
@ExtendWith(IntegrationExtension.class)
class ClusteredPollsTest {

    private static final Duration CHECKIN = Duration.ofSeconds(1);
    private static final Duration POLL = Duration.ofSeconds(1);

    /** The same settings on another pair of ports: another instance of the same deployment. */
    private static Map<String, String> anotherInstance(Map<String, String> settings) {
        Map<String, String> other = new HashMap<>(settings);
        other.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        other.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        return other;
    }

    /** The engine's name in the Quartz cluster, which its runs carry in sync_runs.instance. */
    private static String instance(NotionSync engine) throws Exception {
        return engine.context().getComponent("quartz", QuartzComponent.class).getScheduler().getSchedulerInstanceId();
    }

    private static NotionSyncManagement operator(NotionSync engine) {
        return engine.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
    }

    private static long pulls(NotionSync engine, String where) {
        return TestEngine.count(engine, "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'pull' AND " + where);
    }

    private static long overlaps(NotionSync engine) {
        return TestEngine.count(engine, "SELECT count(*) FROM notion_sync.sync_runs a JOIN notion_sync.sync_runs b ON a.source = b.source"
                + " AND a.kind = 'pull' AND b.kind = 'pull' AND a.id < b.id AND b.started_at < coalesce(a.finished_at, now())"
                + " AND a.started_at < coalesce(b.finished_at, now())");
    }

    private static Map<String, String> settings(Integration it, NotionSimulator simulator, String... sources) {
        Map<String, String> settings = it.settings(simulator, POLL.toMillis() + "ms", sources);
        settings.put("notion.cluster.checkin-interval", CHECKIN.toMillis() + "ms");
        return settings;
    }

    @Test
    void twoEnginesShareThePollsOfThreeSourcesOnePerPeriodAndTheSurvivorTakesThemOver(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(20);
        Map<String, String> settings = settings(it, simulator, "projects", "revenue", "agents");
        List<String> sources = List.of(settings.get("notion.sources").split(","));
        NotionSync first = it.start(settings);
        NotionSync second = it.start(anotherInstance(settings));
        String one = instance(first);
        String two = instance(second);
        TestEngine.await("every source pulled once", Duration.ofSeconds(60), () -> sources.stream().allMatch(source ->
                pulls(first, "source = '" + source + "' AND outcome = 'ok'") > 0));

        long since = TestEngine.count(first, "SELECT coalesce(max(id), 0) FROM notion_sync.sync_runs");
        Duration window = Duration.ofSeconds(15);
        Thread.sleep(window.toMillis());
        long periods = window.dividedBy(POLL);
        for (String source : sources) {
            long runs = pulls(first, "source = '" + source + "' AND id > " + since);
            System.out.println(source + ": " + runs + " pulls in " + periods + " poll periods, by "
                    + TestEngine.queryString(first, "SELECT string_agg(instance || ' ' || n, ', ') FROM (SELECT instance, count(*) n"
                    + " FROM notion_sync.sync_runs WHERE kind = 'pull' AND source = '" + source + "' AND id > " + since + " GROUP BY instance) c"));
            // each engine polling on its own (timers) would pull each source about twice per period; a poll a busy
            // machine delayed is followed by one at once (a few more than one per period)
            assertTrue(runs >= periods / 2 && runs <= periods * 3 / 2,
                    source + ": one poll per period for the cluster, not one per engine: " + runs + " in " + periods + " periods");
        }
        assertTrue(pulls(first, "instance = '" + one + "' AND id > " + since) > 0, "the first engine ran some of the polls");
        assertTrue(pulls(first, "instance = '" + two + "' AND id > " + since) > 0, "the second engine ran some of the polls");
        assertEquals(0, overlaps(first), "no two pulls of a source overlap");

        // the first engine stops: whatever it had taken is given to the second after the cluster misses its check-ins
        long stoppedAt = TestEngine.count(second, "SELECT coalesce(max(id), 0) FROM notion_sync.sync_runs");
        long stopping = System.nanoTime();
        first.close();
        // Quartz: an instance counts as dead once it missed its check-ins for the interval plus 7.5 s; the survivor looks every interval
        Duration takeover = CHECKIN.multipliedBy(2).plusMillis(7500).plus(POLL);
        for (String source : sources) {
            TestEngine.await("the second engine pulls " + source, takeover.plusSeconds(5), () ->
                    pulls(second, "source = '" + source + "' AND instance = '" + two + "' AND outcome = 'ok' AND id > " + stoppedAt) > 0);
        }
        System.out.println("every source pulled by the surviving engine " + Duration.ofNanos(System.nanoTime() - stopping).toMillis()
                + " ms after the other stopped (bound: " + takeover.toMillis() + " ms)");
        assertEquals(0, pulls(second, "instance = '" + one + "' AND id > " + stoppedAt + " AND started_at > now() - interval '5 seconds'"),
                "nothing runs on the stopped engine");
        assertEquals(0, overlaps(second), "no two pulls of a source overlap");
    }

    @Test
    void aSourcePausedOnOneEngineIsPausedOnEveryEngineAcrossRestartsUntilResumedOnAny(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(10);
        Map<String, String> settings = settings(it, simulator, "projects");
        String source = settings.get("notion.sources");
        NotionSync first = it.start(settings);
        NotionSync second = it.start(anotherInstance(settings));
        TestEngine.await("a first pull", Duration.ofSeconds(60), () -> pulls(first, "outcome = 'ok'") > 0);

        assertTrue(operator(first).pauseSource(source).startsWith("paused " + source + " on every instance"));
        assertTrue(operator(second).sourceStatus().contains("\"paused\":true"), "the other engine shows it paused: " + operator(second).sourceStatus());
        Thread.sleep(POLL.toMillis());   // a poll fired just before the pause has recorded its run by now
        TestEngine.await("a pull under way finishes", Duration.ofSeconds(20), () -> pulls(first, "outcome = 'running'") == 0);
        long pausedAt = TestEngine.count(first, "SELECT max(id) FROM notion_sync.sync_runs");
        Thread.sleep(POLL.multipliedBy(5).toMillis());
        assertEquals(0, pulls(first, "id > " + pausedAt), "no engine polls a paused source");

        // an operator's explicit pull still runs, once, and says the source stays paused
        String answer = operator(second).syncNow(source);
        assertTrue(answer.startsWith("pulled " + source) && answer.contains("stays paused"), answer);
        assertEquals(1, pulls(first, "id > " + pausedAt), "the one pull asked for");

        // both engines restart, with another poll interval (which replaces the stored trigger): the source stays paused
        second.close();
        first.close();
        Map<String, String> restarted = anotherInstance(settings);
        restarted.put("notion.source." + source + ".poll", "700ms");
        NotionSync third = it.start(restarted);
        NotionSync fourth = it.start(anotherInstance(restarted));
        long restartedAt = TestEngine.count(third, "SELECT max(id) FROM notion_sync.sync_runs");
        Thread.sleep(POLL.multipliedBy(5).toMillis());
        assertEquals(0, pulls(third, "id > " + restartedAt), "still paused after the restart with a new interval");
        assertTrue(operator(third).sourceStatus().contains("\"paused\":true"), operator(third).sourceStatus());

        // resumed on one engine, polled again by the cluster
        assertEquals("resumed " + source + " on every instance", operator(fourth).resumeSource(source));
        TestEngine.await("polls again", Duration.ofSeconds(15), () -> pulls(third, "outcome = 'ok' AND id > " + restartedAt) >= 3);
        assertFalse(operator(third).sourceStatus().contains("\"paused\":true"), operator(third).sourceStatus());
    }

    @Test
    void aChangedPollIntervalReplacesTheStoredScheduleAndARemovedSourceLeavesNone(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(5);
        Map<String, String> settings = settings(it, simulator, "projects", "revenue");
        String projects = TestEngine.sourceName(settings, "projects");
        String revenue = TestEngine.sourceName(settings, "revenue");
        settings.put("notion.source." + projects + ".poll", "1h");
        NotionSync before = it.start(settings);
        TestEngine.await("a first pull of each", Duration.ofSeconds(60), () -> pulls(before, "outcome = 'ok'") >= 2);
        before.close();

        // the next start polls every 500 ms, and no longer syncs revenue
        Map<String, String> changed = anotherInstance(settings);
        changed.put("notion.source." + projects + ".poll", "500ms");
        changed.put("notion.sources", projects);
        NotionSync after = it.start(changed);
        long restartedAt = TestEngine.count(after, "SELECT max(id) FROM notion_sync.sync_runs");
        TestEngine.await("polls at the new interval (the stored one was an hour)", Duration.ofSeconds(10), () ->
                pulls(after, "source = '" + projects + "' AND outcome = 'ok' AND id > " + restartedAt) >= 4);
        assertEquals(0, TestEngine.count(after, "SELECT count(*) FROM notion_sync.qrtz_triggers WHERE trigger_group = '"
                + SourceSchedules.group(revenue) + "'"), "the removed source's schedules are gone from the cluster");
        assertEquals(2, TestEngine.count(after, "SELECT count(*) FROM notion_sync.qrtz_triggers WHERE trigger_group = '"
                + SourceSchedules.group(projects) + "'"), "the source's poll and sweep");
        assertEquals(0, pulls(after, "source = '" + revenue + "' AND id > " + restartedAt));
    }
}
