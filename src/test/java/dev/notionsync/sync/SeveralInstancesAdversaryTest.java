package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.config.NotionDoorConfiguration;
import dev.notionsync.notion.NotionRateBudget;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.store.Database;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Adversarial tests of running several instances on one database (issue 19): pull leases, the shared Notion budget
 * and webhook-driven pulls, against the simulator over HTTP and real PostgreSQL.
 */
@ExtendWith(IntegrationExtension.class)
class SeveralInstancesAdversaryTest {

    /**
     * The database refuses to record a run's end (it went away just then: the run's end and the failure's record both
     * fail), then comes back. The run's lease must not stay held (its engine renewing it for ever): the source is
     * pulled again once the database answers.
     */
    @Test
    void aPullWhoseEndCouldNotBeRecordedDoesNotHoldItsSourceForEver(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(5);
        Map<String, String> settings = it.settings(simulator, "300ms", "projects");
        settings.put("notion.sync.pull-lease", "2s");
        String source = TestEngine.sourceName(settings, "projects");
        NotionSync sync = it.start(settings);
        TestEngine.await("a first pull", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'pull' AND outcome = 'ok'") > 0);

        TestEngine.execute(sync, "CREATE FUNCTION notion_sync.adv_refuse_run_end() RETURNS trigger LANGUAGE plpgsql AS"
                + " $$ BEGIN RAISE EXCEPTION 'the database went away'; END $$");
        long before = TestEngine.count(sync, "SELECT max(id) FROM notion_sync.sync_runs");
        TestEngine.execute(sync, "CREATE TRIGGER adv_refuse_run_end BEFORE UPDATE ON notion_sync.sync_runs FOR EACH ROW"
                + " EXECUTE FUNCTION notion_sync.adv_refuse_run_end()");
        TestEngine.await("a run whose end could not be recorded", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE id > " + before) > 0);
        Thread.sleep(1000);
        TestEngine.execute(sync, "DROP TRIGGER adv_refuse_run_end ON notion_sync.sync_runs");   // the database is back

        long stuck = TestEngine.count(sync, "SELECT max(id) FROM notion_sync.sync_runs");
        TestEngine.await("the source pulled again (its lease is " + TestEngine.queryString(sync,
                        "SELECT holder || ' until ' || until FROM notion_sync.pull_leases WHERE source = '" + source + "'") + ")",
                Duration.ofSeconds(15), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'pull' AND outcome = 'ok' AND id > " + stuck) > 0);
    }
}
