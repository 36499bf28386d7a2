package dev.notionsync.manage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probe: with a management password set, the audit log and the events log answer nobody without the right
 * credentials (none, a wrong password, a path through an open probe path), and a mistyped password never lands in them.
 */
class AuditAdversaryTest {

    private static final String PASSWORD = "secret_adversary_password";
    private static final String WRONG = "wrong_adversary_password";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tempDir;

    @Test
    void auditAndEventsLogsRequireTheManagementCredentials() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("notion.management.user", "ops-alice");
            values.put("notion.management.password", PASSWORD);
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String base = "http://127.0.0.1:" + values.get("camel.management.port");
                String source = TestEngine.sourceName(values, "projects");
                assertEquals(200, get(base + "/observe/jolokia/exec/" + NotionSyncManagement.OBJECT_NAME.replace(" ", "%20") + "/pauseSource/" + source,
                        "ops-alice", PASSWORD).statusCode());
                for (String path : new String[] {"/observe/audit", "/observe/events", "/observe/audit?limit=5", "/observe/events?type=operator_action",
                        "/observe/health/../audit", "/observe/metrics/%2e%2e/events"}) {
                    HttpResponse<String> none = get(base + path, null, null);
                    assertEquals(401, none.statusCode(), path + ": " + none.body());
                    HttpResponse<String> wrong = get(base + path, "ops-alice", WRONG);
                    assertEquals(401, wrong.statusCode(), path + ": " + wrong.body());
                    assertFalse(none.body().contains(source) || wrong.body().contains(source), path);
                }
                for (String path : new String[] {"/observe/audit", "/observe/events"}) {
                    HttpResponse<String> right = get(base + path, "ops-alice", PASSWORD);
                    assertEquals(200, right.statusCode(), path + ": " + right.body());
                    assertFalse(right.body().contains(PASSWORD) || right.body().contains(WRONG) || right.body().contains(TestEngine.TOKEN), right.body());
                    assertFalse(right.body().contains(Base64.getEncoder().encodeToString(("ops-alice:" + PASSWORD).getBytes(StandardCharsets.UTF_8))));
                }
            }
        }
    }

    private HttpResponse<String> get(String url, String user, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
