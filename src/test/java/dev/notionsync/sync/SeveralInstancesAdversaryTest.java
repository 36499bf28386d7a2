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

    /**
     * A source with direction = push has no pull of its own. A person's edit of one of its pages, delivered as a
     * webhook, must not ask for a pull nobody runs: its event is settled (read one by one as before), not left
     * 'processing' while the webhook-pulls route fails every turn.
     */
    @Test
    void anEventForAPageOfAPushOnlySourceIsSettled(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(5);
        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        String source = TestEngine.sourceName(settings, "projects");
        settings.put("notion.source." + source + ".direction", "push");
        settings.put("notion.webhook.verification-token", "secret_sim_webhook");
        NotionSync sync = it.start(settings);
        TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + settings.get("camel.server.port")
                + "/webhooks/notion\",\"verification_token\":\"secret_sim_webhook\",\"aggregation_window_ms\":200}");
        JsonNode page = simulator.model().pages(simulator.workspace().source("projects").dataSourceId()).get(0);
        simulator.model().editPage(page.path("id").asText(), TestEngine.titleEdit(page, "edited in Notion"));
        TestEngine.await("the edit's event in the inbox", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.webhook_inbox") > 0);
        TestEngine.await("the event settled", Duration.ofSeconds(15), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status IN ('pending', 'processing')") == 0);
    }

    /**
     * Another instance on the database whose clock runs an hour ahead meets a 429 with Retry-After 1. Its lowering and
     * its pause are shared: every other instance must follow them for about a second, not stop calling Notion (or fail
     * every call with a rate below one) until that clock's hour has passed.
     */
    @Test
    void aRateLimitMetByAnInstanceWhoseClockRunsAheadDoesNotStopTheOthers(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(5);
        Map<String, String> settings = it.settings(simulator, "300ms", "projects");
        settings.put("notion.api.rate", "5");
        settings.put("notion.api.rate-recovery-step", "1s");
        String table = "\"" + settings.get("notion.db.schema") + "\".projects";
        NotionSync sync = it.start(settings);
        TestEngine.await("a first pull", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 5);

        try (Database other = Database.open(settings.get("notion.db.url"), "", "", 2, null, false)) {
            NotionRateBudget ahead = new NotionRateBudget(5, Duration.ofSeconds(1), Clock.offset(Clock.systemUTC(), Duration.ofHours(1)),
                    NotionDoorConfiguration.sharedBudget(other.dataSource(), "default", 5));
            ahead.onRateLimited();
            ahead.pauseFor(Duration.ofSeconds(1));
        }
        Thread.sleep(1500);   // the pause, followed by the engine

        JsonNode page = simulator.model().pages(simulator.workspace().source("projects").dataSourceId()).get(0);
        simulator.model().editPage(page.path("id").asText(), TestEngine.titleEdit(page, "after the skewed 429"));
        String title = "properties -> '" + TestEngine.titleName(page) + "' -> 'title' -> 0 ->> 'plain_text'";
        TestEngine.await("the edit pulled (the engine's rate is " + sync.connections().get("default").budget().permitsPerSecond() + ")",
                Duration.ofSeconds(15), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '"
                        + page.path("id").asText() + "' AND " + title + " = 'after the skewed 429'") == 1);
        NotionRateBudget budget = sync.connections().get("default").budget();
        TestEngine.await("the engine's rate back at the configured one", Duration.ofSeconds(10), () -> budget.permitsPerSecond() == 5);
    }

    /**
     * More pages created in one minute than one query returns (Notion's cap, 20 here), alike in every text property:
     * no query can read them all, the pull says so and its watermark stays ("Give those pages distinct titles, or let
     * webhooks deliver them", README "The Notion door"). A person then edits a number of one page the pull could not
     * read. Its webhook event asks for a pull, which cannot read that page either: the event must then read its page
     * one by one (it was marked applied, "read by a pull", and the edit never reached PostgreSQL).
     */
    @Test
    void anEditOfAPageNoQueryCanReachIsNotMarkedReadByAPull(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        simulator.model().resultCap(20);
        String dataSource = simulator.workspace().source("projects").dataSourceId();
        ObjectNode template = simulator.model().pages(dataSource).get(0);
        String numberProperty = null;
        for (Iterator<Map.Entry<String, JsonNode>> p = template.path("properties").fields(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> property = p.next();
            if ("number".equals(property.getValue().path("type").asText())) {
                numberProperty = property.getKey();
            }
        }
        String number = numberProperty;
        Instant imported = Instant.parse("2026-11-15T10:00:00Z");
        for (int i = 0; i < 30; i++) {   // a CSV import: alike rows, created and edited in one minute
            ObjectNode page = template.deepCopy();
            page.put("id", UUID.nameUUIDFromBytes(("alike-" + i).getBytes(StandardCharsets.UTF_8)).toString());
            page.put("created_time", imported.toString());
            page.put("last_edited_time", imported.toString());
            simulator.model().importPage(page);
        }
        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        settings.put("notion.sync.page-size", "10");
        settings.put("notion.webhook.verification-token", "secret_sim_webhook");
        String table = "\"" + settings.get("notion.db.schema") + "\".projects";
        NotionSync sync = it.start(settings);
        TestEngine.await("the first pull ended", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'pull' AND finished_at IS NOT NULL") > 0);
        String unread = simulator.model().pages(dataSource).stream().map(p -> p.path("id").asText())
                .filter(id -> TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + id + "'") == 0)
                .findFirst().orElseThrow(() -> new AssertionError("the pull read every page: nothing to attack"));

        TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + settings.get("camel.server.port")
                + "/webhooks/notion\",\"verification_token\":\"secret_sim_webhook\",\"aggregation_window_ms\":200}");
        ObjectNode edit = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        edit.putObject(number).put("number", 4242);
        simulator.model().editPage(unread, edit);
        TestEngine.await("the edit's event settled", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.webhook_inbox WHERE entity_id = '" + unread + "' AND status NOT IN ('pending', 'processing')") > 0);
        String note = TestEngine.queryString(sync, "SELECT status || ': ' || coalesce(note, '') FROM notion_sync.webhook_inbox WHERE entity_id = '"
                + unread + "' ORDER BY 1 LIMIT 1");
        TestEngine.await("the edited page in PostgreSQL, as its event (" + note + ") says", Duration.ofSeconds(10), () -> TestEngine.count(sync,
                "SELECT count(*) FROM " + table + " WHERE page_id = '" + unread + "' AND properties -> '" + number + "' ->> 'number' = '4242'") == 1);
    }
}
