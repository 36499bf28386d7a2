package dev.notionsync.notion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Notion door under Notion's failure modes, against the simulator over HTTP. */
class NotionDoorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tempDir;

    @Test
    void faultStormAtThreePerSecondLandsEveryPageOnceWithinTheBudget() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(0))) {
            SeededSource projects = simulator.workspace().source("projects");
            simulator.model().seedPages(projects.dataSourceId(), 2000);
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "2s", "projects");
            values.put("notion.api.rate", "3");
            values.put("notion.api.backoff-base", "200ms");
            values.put("notion.api.backoff-max", "2s");
            values.put("notion.api.breaker.minimum-calls", "50");
            values.put("notion.api.breaker.failure-rate", "90");
            // 10% Notion 5xx, 5% 529 overload with Retry-After, and Notion's own limiter slightly below our budget
            TestEngine.simControl(simulator, "faults",
                    "{\"errors\":{\"500\":0.04,\"502\":0.03,\"503\":0.03,\"529\":0.05},\"retry_after_seconds\":1,\"seed\":7,\"rate\":2.8}");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String table = "\"" + values.get("notion.db.schema") + "\".projects";
                TestEngine.await("2,000 pages in PostgreSQL", Duration.ofMinutes(4),
                        () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 2000);
                assertEquals(2000, TestEngine.count(sync, "SELECT count(DISTINCT page_id) FROM " + table));
            }
            JsonNode stats = JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats"));
            long errors = stats.path("by_status").path("500").asLong() + stats.path("by_status").path("502").asLong()
                    + stats.path("by_status").path("503").asLong() + stats.path("by_status").path("529").asLong();
            assertTrue(errors > 0, "faults were injected: " + stats.path("by_status"));
            // Notion allows short bursts above the average; our throttle keeps every 1-second window at the budget
            assertTrue(stats.path("max_requests_in_any_1s_window").asInt() <= 4,
                    "client stayed within 3 req/s (+1 burst): " + stats.path("max_requests_in_any_1s_window"));
        }
    }

    @Test
    void anOpenBreakerFailsTheRunVisiblyAndRecovers() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(30))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("notion.api.max-retries", "1");
            values.put("notion.api.backoff-base", "50ms");
            values.put("notion.api.breaker.minimum-calls", "4");
            values.put("notion.api.breaker.window", "4");
            values.put("notion.api.breaker.open-wait", "3s");
            TestEngine.simControl(simulator, "faults", "{\"errors\":{\"503\":1.0}}");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String source = TestEngine.sourceName(values, "projects");
                TestEngine.await("a run failed on the open breaker", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source + "' AND outcome = 'failed' AND error LIKE '%circuit breaker is open%'") > 0);
                String health = TestEngine.httpGet("http://127.0.0.1:" + values.get("camel.management.port") + "/observe/health");
                assertTrue(health.contains("circuit breaker open") || health.contains("HALF_OPEN"), health);

                TestEngine.simControl(simulator, "faults", "{}");
                String table = "\"" + values.get("notion.db.schema") + "\".projects";
                TestEngine.await("the sync recovered", Duration.ofSeconds(60),
                        () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 30);
                TestEngine.await("the breaker closed", Duration.ofSeconds(30),
                        () -> sync.circuitBreaker().getState() == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED);
            }
        }
    }

    @Test
    void aRejectedTokenTurnsHealthDownAndSaysWhy() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("notion.api.token", "secret_wrong_token");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String url = "http://127.0.0.1:" + values.get("camel.management.port") + "/observe/health";
                TestEngine.await("health DOWN on 401", Duration.ofSeconds(30), () -> TestEngine.httpGet(url).contains("rejects the token"));
                String health = TestEngine.httpGet(url);
                assertTrue(health.contains("\"status\":\"DOWN\""), health);
                assertTrue(!health.contains("secret_wrong_token"), "the token never appears in health output");
            }
        }
    }

    @Test
    void aCursorThatExpiresMidSyncLosesNoPages() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(0))) {
            SeededSource revenue = simulator.workspace().source("revenue");
            simulator.model().seedPages(revenue.dataSourceId(), 450);
            simulator.setCursorTtl(Duration.ZERO);   // every cursor is stale by the time it comes back
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "revenue");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String table = "\"" + values.get("notion.db.schema") + "\".revenue";
                TestEngine.await("450 pages despite stale cursors", Duration.ofSeconds(90),
                        () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 450);
                String metrics = TestEngine.httpGet("http://127.0.0.1:" + values.get("camel.management.port") + "/observe/metrics");
                assertTrue(metrics.contains("notion_sync_cursor_restarts_total{source=\"" + TestEngine.sourceName(values, "revenue") + "\"}"),
                        "restarts are counted");
            }
        }
    }

    @Test
    void notionVersion20250903SyncsToo() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(20))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "agents");
            values.put("notion.api.version", "2025-09-03");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String table = "\"" + values.get("notion.db.schema") + "\".agents";
                TestEngine.await("20 pages under 2025-09-03", Duration.ofSeconds(30),
                        () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 20);
                assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE in_trash IS NULL"));
            }
        }
    }

    @Test
    void aTransientFailureIsRetriedAndAPermanentOneIsNot() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
            values.put("notion.api.max-retries", "2");
            values.put("notion.api.backoff-base", "10ms");
            values.put("notion.api.breaker.minimum-calls", "100");
            TestEngine.simControl(simulator, "faults", "{\"errors\":{\"503\":1.0}}");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                NotionApi api = new NotionDoorClient(sync.context().createProducerTemplate());
                // (an endpoint of its own: the start-up token check calls users/me at the same time)
                NotionApiException failure = org.junit.jupiter.api.Assertions.assertThrows(NotionApiException.class,
                        () -> api.call(NotionRequest.get("/v1/databases/" + simulator.workspace().source("projects").databaseId())));
                assertEquals(503, failure.status());
                JsonNode stats = JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats"));
                assertEquals(3, stats.path("by_endpoint").path("GET /v1/databases/{id}").path("503").asInt(), "1 call + 2 retries: " + stats.path("by_endpoint"));

                TestEngine.simControl(simulator, "faults", "{}");
                org.junit.jupiter.api.Assertions.assertThrows(NotionApiException.class,
                        () -> api.call(NotionRequest.get("/v1/pages/" + java.util.UUID.randomUUID())));
                stats = JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats"));
                assertEquals(1, stats.path("by_endpoint").path("GET /v1/pages/{id}").path("404").asInt(), "a 404 is not retried");
            }
        }
    }
}
