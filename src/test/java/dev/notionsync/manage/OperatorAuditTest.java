package dev.notionsync.manage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator audit log: every action through Jolokia (POST and GET), the operator endpoints and JMX itself is
 * recorded with who, from where, what on and how it ended, and read back through GET /observe/audit and JMX.
 */
class OperatorAuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "secret_audit_password";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tempDir;

    @Test
    void everyOperatorActionIsRecordedWithWhoFromWhereAndHowItEnded() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("camel.main.jmx-enabled", "true");
            values.put("notion.management.user", "ops-alice");
            values.put("notion.management.password", PASSWORD);
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String source = TestEngine.sourceName(values, "projects");
                String base = "http://127.0.0.1:" + values.get("camel.management.port");
                String mbean = NotionSyncManagement.OBJECT_NAME;

                JsonNode paused = JSON.readTree(send(HttpRequest.newBuilder(URI.create(base + "/observe/jolokia/"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"pauseSource\",\"arguments\":[\""
                                + source + "\"]}"))));
                assertEquals(200, paused.path("status").asInt(), paused.toString());
                JsonNode resumed = JSON.readTree(send(HttpRequest.newBuilder(URI.create(base + "/observe/jolokia/exec/"
                        + URLEncoder.encode(mbean, StandardCharsets.UTF_8).replace("+", "%20") + "/resumeSource/" + source)).GET()));
                assertEquals(200, resumed.path("status").asInt(), resumed.toString());
                JsonNode refused = JSON.readTree(send(HttpRequest.newBuilder(URI.create(base + "/observe/jolokia/"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"pauseSource\",\"arguments\":[\"no-such-source\"]}"))));
                assertTrue(refused.path("status").asInt() >= 400, refused.toString());
                send(HttpRequest.newBuilder(URI.create(base + "/observe/dead-letters/replay")).POST(HttpRequest.BodyPublishers.noBody()));
                ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(mbean), "refreshSchemas", new Object[0], new String[0]);

                String log = send(HttpRequest.newBuilder(URI.create(base + "/observe/audit?limit=10")).GET());
                assertFalse(log.contains(PASSWORD), log);
                List<String> lines = new ArrayList<>();
                for (JsonNode entry : JSON.readTree(log)) {
                    lines.add(entry.path("actor").asText() + " | " + entry.path("origin").asText() + " | " + entry.path("action").asText() + " | "
                            + entry.path("target").asText("-") + " | " + entry.path("outcome").asText());
                }
                assertEquals(List.of(
                        "jmx | this machine (JMX) | refreshSchemas | - | ok",
                        "ops-alice | 127.0.0.1 | replayAllDeadLetters | - | ok",
                        "ops-alice | 127.0.0.1 | pauseSource | no-such-source | failed",
                        "ops-alice | 127.0.0.1 | resumeSource | " + source + " | ok",
                        "ops-alice | 127.0.0.1 | pauseSource | " + source + " | ok"), lines, log);
                JsonNode failed = JSON.readTree(log).get(2);
                assertTrue(failed.path("detail").asText().contains("no pulled source named 'no-such-source'"), failed.toString());
                String jmx = (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(mbean), "auditLog", new Object[] {2},
                        new String[] {"int"});
                assertEquals(2, JSON.readTree(jmx).size(), jmx);
            }
        }
    }

    private String send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.header("Content-Type", "application/json").header("Authorization", "Basic "
                + Base64.getEncoder().encodeToString(("ops-alice:" + PASSWORD).getBytes(StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }
}
