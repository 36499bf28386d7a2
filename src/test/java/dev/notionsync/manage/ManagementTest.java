package dev.notionsync.manage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.cli.HawtioConsole;
import dev.notionsync.cli.StatusCommand;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operating a running instance over Jolokia: credentials required, routes stopped and started, writes refused. */
class ManagementTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tempDir;

    private HttpResponse<String> jolokia(Map<String, String> values, String body, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + values.get("camel.management.port") + "/observe/jolokia/"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (password != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void jolokiaNeedsCredentialsStopsAndStartsRoutesAndRefusesWrites() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("camel.main.jmx-enabled", "true");
            values.put("notion.management.password", "secret_management_password");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String source = TestEngine.sourceName(values, "projects");
                String route = "poll-" + source;
                String mbean = "org.apache.camel:context=notion-sync,type=routes,name=\\\"" + route + "\\\"";

                assertEquals(401, jolokia(values, "{\"type\":\"version\"}", null).statusCode(), "no credentials");
                assertEquals(401, jolokia(values, "{\"type\":\"version\"}", "wrong").statusCode(), "wrong credentials");
                String health = TestEngine.httpGet("http://127.0.0.1:" + values.get("camel.management.port") + "/observe/health");
                assertTrue(health.contains("\"status\""), "health stays open for probes: " + health);

                JsonNode stop = JSON.readTree(jolokia(values, "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"stop()\"}",
                        "secret_management_password").body());
                assertEquals(200, stop.path("status").asInt(), stop.toString());
                TestEngine.await("route stopped", Duration.ofSeconds(20),
                        () -> sync.context().getRouteController().getRouteStatus(route) == ServiceStatus.Stopped);
                JsonNode start = JSON.readTree(jolokia(values, "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"start()\"}",
                        "secret_management_password").body());
                assertEquals(200, start.path("status").asInt(), start.toString());
                TestEngine.await("route started", Duration.ofSeconds(20),
                        () -> sync.context().getRouteController().getRouteStatus(route) == ServiceStatus.Started);

                JsonNode write = JSON.readTree(jolokia(values, "{\"type\":\"write\",\"mbean\":\"" + mbean
                        + "\",\"attribute\":\"Tracing\",\"value\":true}", "secret_management_password").body());
                assertEquals(403, write.path("status").asInt(), "writes are outside the policy: " + write);

                JsonNode gc = JSON.readTree(jolokia(values, "{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc()\"}",
                        "secret_management_password").body());
                assertEquals(403, gc.path("status").asInt(), "operations outside the policy are refused: " + gc);

                // settings may come as -D system properties: the JVM's properties and arguments are not readable
                for (String attribute : new String[] {"SystemProperties", "InputArguments"}) {
                    JsonNode read = JSON.readTree(jolokia(values, "{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\""
                            + attribute + "\"}", "secret_management_password").body());
                    assertEquals(403, read.path("status").asInt(), attribute + ": " + read);
                }
                System.setProperty("notion.test.secret", "secret_in_a_system_property");
                try {
                    String all = jolokia(values, "{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\"}", "secret_management_password").body();
                    assertTrue(!all.contains("secret_in_a_system_property") && !all.contains("notion.test.secret"), all);
                } finally {
                    System.clearProperty("notion.test.secret");
                }

                // our MBean: pull now, and its figures are the database's
                JsonNode pulled = JSON.readTree(jolokia(values, "{\"type\":\"exec\",\"mbean\":\"" + NotionSyncManagement.OBJECT_NAME
                        + "\",\"operation\":\"syncNow\",\"arguments\":[\"" + source + "\"]}", "secret_management_password").body());
                assertEquals(200, pulled.path("status").asInt(), pulled.toString());
                // the 1 s poll may have started the next run meanwhile: read until the latest run has ended
                JsonNode status = null;
                for (int attempt = 0; attempt < 50 && (status == null || status.get(0).path("last_outcome").asText().equals("running")); attempt++) {
                    Thread.sleep(attempt == 0 ? 0 : 100);
                    status = JSON.readTree(JSON.readTree(jolokia(values, "{\"type\":\"exec\",\"mbean\":\"" + NotionSyncManagement.OBJECT_NAME
                            + "\",\"operation\":\"sourceStatus\"}", "secret_management_password").body()).path("value").asText());
                }
                assertEquals(source, status.get(0).path("source").asText());
                assertEquals("ok", status.get(0).path("last_outcome").asText(), status.toString());
                assertEquals(false, status.get(0).path("paused").asBoolean());
                // the run status shows (the poll may have started another since)
                assertEquals(TestEngine.queryString(sync, "SELECT pages_read::text FROM notion_sync.sync_runs WHERE source = '" + source
                        + "' AND kind = 'pull' AND started_at = '" + status.get(0).path("last_started_at").asText() + "'::timestamptz"),
                        status.get(0).path("last_pages_read").asText(), status.toString());
                assertEquals(java.time.Instant.parse(TestEngine.queryString(sync, "SELECT to_char(min(last_edited_time) AT TIME ZONE 'UTC',"
                        + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM notion_sync.watermarks WHERE source = '" + source + "'")),
                        java.time.Instant.parse(status.get(0).path("watermark").asText()), status.toString());
                assertTrue(status.get(0).path("lag_seconds").asLong() >= 0, status.toString());
                assertTrue(status.get(0).path("seconds_since_last_ok_run").asLong() < 60, status.toString());

                // the same status over HTTP, behind the management credentials, and as the status command prints it
                URI statusUri = URI.create("http://127.0.0.1:" + values.get("camel.management.port") + ManagementEndpoints.STATUS_PATH);
                assertEquals(401, http.send(HttpRequest.newBuilder(statusUri).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                assertEquals(401, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + values.get("camel.management.port")
                        + ManagementEndpoints.PATH + "/replay")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode(), "a replay without credentials is refused");
                ManagementCredentials credentials = new ManagementCredentials("admin", "secret_management_password");
                HttpResponse<String> statusAnswer = http.send(HttpRequest.newBuilder(statusUri)
                        .header("Authorization", credentials.authorization()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, statusAnswer.statusCode(), statusAnswer.body());
                assertEquals(status.get(0).path("watermark"), JSON.readTree(statusAnswer.body()).get(0).path("watermark"));
                java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
                java.io.ByteArrayOutputStream refused = new java.io.ByteArrayOutputStream();
                assertEquals(1, StatusCommand.run(new String[0], dev.notionsync.cli.ManagementAddress.local(Integer.parseInt(values.get("camel.management.port"))),
                        java.util.Optional.of(new ManagementCredentials("admin", "wrong")), System.out,
                        new java.io.PrintStream(refused, true, StandardCharsets.UTF_8)));
                assertTrue(refused.toString(StandardCharsets.UTF_8).contains("refused the management credentials")
                        && !refused.toString(StandardCharsets.UTF_8).contains("wrong"), refused.toString(StandardCharsets.UTF_8));
                assertEquals(0, StatusCommand.run(new String[0], dev.notionsync.cli.ManagementAddress.local(Integer.parseInt(values.get("camel.management.port"))),
                        java.util.Optional.of(credentials), new java.io.PrintStream(printed, true, StandardCharsets.UTF_8), System.err));
                String table = printed.toString(StandardCharsets.UTF_8);
                assertTrue(table.contains(source) && table.contains("polling") && table.contains(status.get(0).path("watermark").asText()), table);

                JsonNode open = JSON.readTree(jolokia(values, "{\"type\":\"read\",\"mbean\":\"" + NotionSyncManagement.OBJECT_NAME
                        + "\",\"attribute\":\"OpenDeadLetters\"}", "secret_management_password").body());
                assertEquals(TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'"), open.path("value").asLong(), open.toString());
            }
        }
    }

    /** The console's view of the instance: its Hawtio page, and the instance's Jolokia at the page's own Jolokia path. */
    @Test
    void consoleServesHawtioOnTheInstanceBehindTheManagementCredentials() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("camel.main.jmx-enabled", "true");
            values.put("notion.management.password", "secret_management_password");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values));
                 HawtioConsole console = HawtioConsole.start("127.0.0.1", 0,
                         "http://127.0.0.1:" + values.get("camel.management.port") + "/observe/jolokia", "admin", "secret_management_password");
                 HawtioConsole unreachable = HawtioConsole.start("127.0.0.1", 0,
                         "http://127.0.0.1:" + TestEngine.freePort() + "/observe/jolokia", "admin", "secret_management_password")) {
                sync.start();
                String route = "poll-" + TestEngine.sourceName(values, "projects");
                String mbean = "org.apache.camel:context=notion-sync,type=routes,name=\\\"" + route + "\\\"";
                String base = "http://127.0.0.1:" + console.port();

                assertEquals(401, consoleRequest(base + "/hawtio/", null, null).statusCode(), "no credentials");
                assertEquals(401, consoleRequest(base + "/hawtio/jolokia", "{\"type\":\"version\"}", "wrong").statusCode(), "wrong credentials");
                HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/hawtio/")).header("Accept", "text/html")
                        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:secret_management_password".getBytes(StandardCharsets.UTF_8)))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode());
                assertTrue(page.body().contains("<title>Hawtio</title>"), page.body());

                // the path Hawtio's page posts to, without a trailing slash
                JsonNode stop = JSON.readTree(consoleRequest(base + "/hawtio/jolokia", "{\"type\":\"exec\",\"mbean\":\"" + mbean
                        + "\",\"operation\":\"stop()\"}", "secret_management_password").body());
                assertEquals(200, stop.path("status").asInt(), stop.toString());
                TestEngine.await("route stopped", Duration.ofSeconds(20),
                        () -> sync.context().getRouteController().getRouteStatus(route) == ServiceStatus.Stopped);
                JsonNode state = JSON.readTree(consoleRequest(base + "/hawtio/jolokia/read/org.apache.camel:context=notion-sync,type=routes,name=%22"
                        + route + "%22/State", null, "secret_management_password").body());
                assertEquals("Stopped", state.path("value").asText(), state.toString());
                JsonNode start = JSON.readTree(consoleRequest(base + "/hawtio/jolokia/", "{\"type\":\"exec\",\"mbean\":\"" + mbean
                        + "\",\"operation\":\"start()\"}", "secret_management_password").body());
                assertEquals(200, start.path("status").asInt(), start.toString());
                TestEngine.await("route started", Duration.ofSeconds(20),
                        () -> sync.context().getRouteController().getRouteStatus(route) == ServiceStatus.Started);

                // Hawtio's route diagram and source need the context's dumpRoutesAsXml(); its overloads could resolve
                // placeholders and stay refused
                String context = "org.apache.camel:context=notion-sync,type=context,name=\\\"notion-sync\\\"";
                JsonNode routesXml = JSON.readTree(consoleRequest(base + "/hawtio/jolokia", "{\"type\":\"exec\",\"mbean\":\"" + context
                        + "\",\"operation\":\"dumpRoutesAsXml()\"}", "secret_management_password").body());
                assertEquals(200, routesXml.path("status").asInt(), routesXml.toString());
                assertTrue(routesXml.path("value").asText().contains(route), routesXml.toString());
                for (String overload : new String[] {"dumpRoutesAsXml(boolean)", "dumpRoutesAsXml"}) {
                    JsonNode resolved = JSON.readTree(consoleRequest(base + "/hawtio/jolokia", "{\"type\":\"exec\",\"mbean\":\"" + context
                            + "\",\"operation\":\"" + overload + "\",\"arguments\":[true]}", "secret_management_password").body());
                    assertEquals(403, resolved.path("status").asInt(), overload + ": " + resolved);
                }
                JsonNode stats = JSON.readTree(consoleRequest(base + "/hawtio/jolokia", "{\"type\":\"exec\",\"mbean\":\"" + context
                        + "\",\"operation\":\"dumpRoutesStatsAsXml\",\"arguments\":[true,true]}", "secret_management_password").body());
                assertEquals(200, stats.path("status").asInt(), stats.toString());

                HttpResponse<String> down = consoleRequest("http://127.0.0.1:" + unreachable.port() + "/hawtio/jolokia",
                        "{\"type\":\"version\"}", "secret_management_password");
                assertEquals(502, down.statusCode());
                assertTrue(down.body().contains("no notion-sync answers"), down.body());
                // a page load says why instead of showing an empty Hawtio
                HttpResponse<String> downPage = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + unreachable.port() + "/hawtio/camel/contexts"))
                        .header("Accept", "text/html")
                        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:secret_management_password".getBytes(StandardCharsets.UTF_8)))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(503, downPage.statusCode());
                assertTrue(downPage.body().contains("no notion-sync answers"), downPage.body());
            }
        }
    }

    private HttpResponse<String> consoleRequest(String url, String body, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (body != null) {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        if (password != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
