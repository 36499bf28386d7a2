package dev.notionsync.manage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
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

                // our MBean: pull now, and its figures are the database's
                JsonNode pulled = JSON.readTree(jolokia(values, "{\"type\":\"exec\",\"mbean\":\"" + NotionSyncManagement.OBJECT_NAME
                        + "\",\"operation\":\"syncNow\",\"arguments\":[\"" + source + "\"]}", "secret_management_password").body());
                assertEquals(200, pulled.path("status").asInt(), pulled.toString());
                JsonNode status = JSON.readTree(JSON.readTree(jolokia(values, "{\"type\":\"exec\",\"mbean\":\"" + NotionSyncManagement.OBJECT_NAME
                        + "\",\"operation\":\"sourceStatus\"}", "secret_management_password").body()).path("value").asText());
                assertEquals(source, status.get(0).path("source").asText());
                assertEquals("ok", status.get(0).path("last_outcome").asText(), status.toString());
                assertEquals(false, status.get(0).path("paused").asBoolean());

                JsonNode open = JSON.readTree(jolokia(values, "{\"type\":\"read\",\"mbean\":\"" + NotionSyncManagement.OBJECT_NAME
                        + "\",\"attribute\":\"OpenDeadLetters\"}", "secret_management_password").body());
                assertEquals(TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'"), open.path("value").asLong(), open.toString());
            }
        }
    }
}
