package dev.notionsync.manage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.cli.StatusCommand;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What /observe/health says when PostgreSQL or Notion goes away, and when they come back. */
class HealthTest {

    @TempDir
    Path tempDir;

    private static int status(String url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static EmbeddedPostgres postgres(Path dir, int port) throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port).start();
    }

    @Test
    void healthFollowsPostgresDownAndBackUp() throws Exception {
        Path dir = tempDir.resolve("pg");
        int port = TestEngine.freePort();
        EmbeddedPostgres pg = postgres(dir, port);
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("notion.db.url", "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String health = "http://127.0.0.1:" + values.get("camel.management.port") + "/observe/health";
                TestEngine.await("UP", Duration.ofSeconds(30), () -> TestEngine.httpGet(health).startsWith("{\"status\":\"UP\""));

                // PostgreSQL goes away in the middle of a run (Notion answers slowly, so a run is under way)
                TestEngine.simControl(simulator, "faults", "{\"latency_ms\":2000}");
                String source0 = TestEngine.sourceName(values, "projects");
                String running = "SELECT coalesce(max(id), 0) FROM notion_sync.sync_runs WHERE source = '" + source0 + "' AND outcome = 'running'";
                TestEngine.await("a run under way", Duration.ofSeconds(30), () -> TestEngine.count(sync, running) > 0);
                long interrupted = TestEngine.count(sync, running);
                long closedAt = System.nanoTime();
                pg.close();
                TestEngine.await("DOWN without PostgreSQL", Duration.ofSeconds(60), () -> status(health) == 503
                        && TestEngine.httpGet(health).contains("is unreachable"));
                TestEngine.simControl(simulator, "faults", "{}");
                // down longer than the run's last two waits for a connection (10 s each): its end cannot be written in time
                Thread.sleep(Math.max(0, Duration.ofSeconds(25).toMillis() - (System.nanoTime() - closedAt) / 1_000_000));

                pg = postgres(dir, port);
                TestEngine.await("UP again", Duration.ofSeconds(60), () -> status(health) == 200);
                String source = TestEngine.sourceName(values, "projects");
                long runs = TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source + "' AND outcome = 'ok'");
                TestEngine.await("syncing again", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source + "' AND outcome = 'ok'") > runs);
                // the run PostgreSQL lost does not stay 'running' for ever: its end is recorded once PostgreSQL is back
                assertEquals("failed", TestEngine.queryString(sync, "SELECT outcome FROM notion_sync.sync_runs WHERE id = " + interrupted));
                assertTrue(TestEngine.queryString(sync, "SELECT error FROM notion_sync.sync_runs WHERE id = " + interrupted).contains("recorded late"));
            }
        } finally {
            pg.close();
        }
    }

    @Test
    void aSourceThatStopsSyncingMakesTheInstanceNotReadyButStillLive() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "500ms", "projects");
            values.put("notion.health.max-lag", "3s");
            values.put("notion.api.max-retries", "0");
            String base = "http://127.0.0.1:" + values.get("camel.management.port") + "/observe/health";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("ready", Duration.ofSeconds(30), () -> status(base + "/ready") == 200);
                TestEngine.simControl(simulator, "faults", "{\"errors\":{\"500\":1.0}}");
                TestEngine.await("not ready once the source falls behind", Duration.ofSeconds(30), () -> status(base + "/ready") == 503);
                assertTrue(TestEngine.httpGet(base + "/ready").contains("no successful pull within 3 s"), TestEngine.httpGet(base + "/ready"));
                assertTrue(status(base + "/live") == 200, "still live: " + TestEngine.httpGet(base + "/live"));
                TestEngine.simControl(simulator, "faults", "{}");
                TestEngine.await("ready again", Duration.ofSeconds(60), () -> status(base + "/ready") == 200);
            }
        }
    }

    /** A source Notion answers 404 for (unshared, deleted, a wrong id) is a failure now, not after notion.health.max-lag. */
    @Test
    void aSourceFailingWithAPermanentErrorMakesTheInstanceNotReadyAtOnceAndStatusFail() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            String good = TestEngine.sourceName(values, "projects");
            values.put("notion.sources", good + ",gone");
            values.put("notion.source.gone.id", "0c6d0c7e-7a8e-4b43-9d63-5b7d3a1e2f00");
            values.remove("notion.health.max-lag");
            String base = "http://127.0.0.1:" + values.get("camel.management.port") + "/observe/health";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("the failing source's first run", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE source = 'gone' AND outcome = 'failed'") > 0);
                TestEngine.await("not ready", Duration.ofSeconds(10), () -> status(base + "/ready") == 503);
                String ready = TestEngine.httpGet(base + "/ready");
                assertTrue(ready.contains("gone") && ready.contains("404") && !ready.contains(good + ":"), ready);
                assertEquals(200, status(base + "/live"), "still live");

                java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
                int exit = StatusCommand.run(new String[0], dev.notionsync.cli.ManagementAddress.local(Integer.parseInt(values.get("camel.management.port"))), java.util.Optional.empty(),
                        new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8), System.err);
                String table = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
                assertNotEquals(0, exit, table);
                assertTrue(table.contains("gone") && table.contains("404"), table);
            }
        }
    }

    /** An instance that takes the connection and never answers, or stops half-way through its answer (both at once: each waits out the timeout). */
    @Test
    void statusGivesUpOnAnInstanceThatDoesNotAnswer() throws Exception {
        java.util.concurrent.ExecutorService both = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.List<java.util.concurrent.Future<Void>> checks = new java.util.ArrayList<>();
            for (String partial : new String[] {"", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{\"source\":"}) {
                checks.add(both.submit(() -> {
                    statusGivesUpOn(partial);
                    return null;
                }));
            }
            for (java.util.concurrent.Future<Void> check : checks) {
                try {
                    check.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Error failed) {
                        throw failed;   // the check's own assertion
                    }
                    throw e;
                }
            }
        } finally {
            both.shutdownNow();
        }
    }

    private static void statusGivesUpOn(String partial) throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
            Thread holder = new Thread(() -> {
                try (java.net.Socket client = silent.accept()) {
                    client.getOutputStream().write(partial.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    client.getOutputStream().flush();
                    Thread.sleep(120_000);
                } catch (Exception ignored) {
                    // the test is over
                }
            });
            holder.setDaemon(true);
            holder.start();
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            long started = System.nanoTime();
            int exit = StatusCommand.run(new String[0], dev.notionsync.cli.ManagementAddress.local(silent.getLocalPort()), java.util.Optional.empty(), System.out,
                    new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertNotEquals(0, exit);
            assertTrue(seconds < 30, "status waited " + seconds + " s");
            assertTrue(err.toString(java.nio.charset.StandardCharsets.UTF_8).contains("did not answer"), err.toString(java.nio.charset.StandardCharsets.UTF_8));
            holder.interrupt();
        }
    }
}
