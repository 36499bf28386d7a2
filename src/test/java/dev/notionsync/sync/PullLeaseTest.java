package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One pull of a source at a time, whichever engine or operator starts it (notion_sync.pull_leases): two engines on one
 * database, their polls and operators' syncNow calls all at once against a slow Notion, never run two pulls of the
 * source together (sync_runs shows no overlap), every page arrives once, and a lease whose engine died runs out.
 */
@ExtendWith(IntegrationExtension.class)
class PullLeaseTest {

    @Test
    void twoEnginesAndTheirOperatorsNeverPullOneSourceTwiceAtOnce(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(250);
        Map<String, String> settings = it.settings(simulator, "300ms", "projects");
        String source = TestEngine.sourceName(settings, "projects");
        settings.put("notion.sync.page-size", "50");
        NotionSync first = it.start(settings);
        Map<String, String> other = new HashMap<>(settings);
        other.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        other.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        NotionSync second = it.start(other);
        TestEngine.simControl(simulator, "faults", "{\"latency_ms\":150}");
        ExecutorService operators = Executors.newFixedThreadPool(4);
        try {
            // as JMX syncNow does: the source's pull route, at once, from both engines
            List<Future<Boolean>> skipped = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                NotionSync engine = i % 2 == 0 ? first : second;
                skipped.add(operators.submit(() -> ((PullRun) engine.context().createProducerTemplate().send("direct:pull-" + source, e -> { })
                        .getProperty(PullRun.PROPERTY)).isSkipped()));
            }
            int turnedAway = 0;
            for (Future<Boolean> answer : skipped) {
                turnedAway += answer.get() ? 1 : 0;
            }
            assertTrue(turnedAway > 0, "pulls asked for while one runs do nothing");
            TestEngine.await("every page", Duration.ofSeconds(60), () -> TestEngine.count(first, "SELECT count(*) FROM \""
                    + settings.get("notion.db.schema") + "\".projects") == 250);
        } finally {
            operators.shutdownNow();
            TestEngine.simControl(simulator, "faults", "{}");
        }
        TestEngine.await("both engines' polls pulling on, one at a time", Duration.ofSeconds(30), () -> TestEngine.count(first,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'pull' AND outcome = 'ok'") >= 4);
        assertEquals(0, TestEngine.count(first, "SELECT count(*) FROM notion_sync.sync_runs a JOIN notion_sync.sync_runs b ON a.source = b.source"
                + " AND a.kind = 'pull' AND b.kind = 'pull' AND a.id < b.id AND b.started_at < coalesce(a.finished_at, now())"
                + " AND a.started_at < coalesce(b.finished_at, now()) WHERE a.source = '" + source + "'"), "no two pulls of the source overlap");

        // an engine that died holding the source: its lease runs out, then the source is pulled again
        TestEngine.execute(first, "INSERT INTO notion_sync.pull_leases (source, holder, until) VALUES ('" + source + "', 'a dead engine',"
                + " clock_timestamp() + interval '3 seconds') ON CONFLICT (source) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until");
        long before = TestEngine.count(first, "SELECT max(id) FROM notion_sync.sync_runs WHERE kind = 'pull'");
        Thread.sleep(1500);
        assertEquals(before, TestEngine.count(first, "SELECT max(id) FROM notion_sync.sync_runs WHERE kind = 'pull'"),
                "no run while the dead engine's lease holds");
        TestEngine.await("a pull after the lease ran out", Duration.ofSeconds(20), () -> TestEngine.count(first,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'pull' AND outcome = 'ok' AND id > " + before) > 0);
    }

    @Test
    void twoEnginesSweepASourceAboutOncePerIntervalNotEachOnItsOwn(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(20);
        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        settings.put("notion.sync.sweep", "6s");
        String source = TestEngine.sourceName(settings, "projects");
        NotionSync first = it.start(settings);
        Map<String, String> other = new HashMap<>(settings);
        other.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        other.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        it.start(other);
        TestEngine.await("a first sweep", Duration.ofSeconds(30), () -> TestEngine.count(first,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'sweep' AND outcome = 'ok'") > 0);
        long before = TestEngine.count(first, "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'sweep'");
        Thread.sleep(24_000);   // four intervals: the one sweep schedule of the cluster fires four times
        long sweeps = TestEngine.count(first, "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'sweep'") - before;
        assertTrue(sweeps >= 2 && sweeps <= 6, "two engines swept " + sweeps + " times in four intervals (each engine sweeping on its own: 8)");
        assertEquals(0, TestEngine.count(first, "SELECT count(*) FROM notion_sync.sync_runs a JOIN notion_sync.sync_runs b ON a.source = b.source"
                + " AND a.kind = 'sweep' AND b.kind = 'sweep' AND a.id < b.id AND b.started_at < coalesce(a.finished_at, now())"
                + " AND a.started_at < coalesce(b.finished_at, now()) WHERE a.source = '" + source + "'"), "no two sweeps of the source overlap");
    }
}
