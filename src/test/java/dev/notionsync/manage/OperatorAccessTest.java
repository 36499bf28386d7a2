package dev.notionsync.manage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.cli.DeadLetterCommand;
import dev.notionsync.cli.HawtioConsole;
import dev.notionsync.cli.StatusCommand;
import dev.notionsync.config.ManagementSettings;
import dev.notionsync.config.Settings;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import dev.notionsync.sync.SourceSchedules;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jolokia.server.core.restrictor.policy.PolicyRestrictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may operate a running instance: the whole management password (commas, backslashes, '=', non-ASCII) works on
 * every surface and no prefix of it does; a browser page from another origin cannot make any of them act, even when
 * the browser holds the credentials.
 */
class OperatorAccessTest {

    /** The password, with a backslash, '=' and non-ASCII letters added. */
    static final String PASSWORD = "Tr0ub4dor,horse-battery-staple=\\ünïcødé-密码";
    private static final String EVIL = "http://evil.example";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tempDir;

    private static String basic(String password) {
        return "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Passwords an attacker might get accepted: every prefix at a special character, and all but the last. */
    private static List<String> prefixes() {
        return List.of("Tr0ub4dor", "Tr0ub4dor,horse-battery-staple", "Tr0ub4dor,horse-battery-staple=",
                PASSWORD.substring(0, PASSWORD.indexOf('ü')), PASSWORD.substring(0, PASSWORD.length() - 1));
    }

    private HttpResponse<String> send(String method, String url, String body, String password, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (password != null) {
            request.header("Authorization", basic(password));
        }
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static boolean refused(HttpResponse<String> answer) throws Exception {
        if (answer.statusCode() == 403) {
            return true;
        }
        // Jolokia reports its own refusals inside a JSON body
        return answer.body().startsWith("{") && JSON.readTree(answer.body()).path("status").asInt() == 403;
    }

    @Test
    void theWholePasswordWorksEverywhereAndNoPrefixDoes() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("notion.management.password", PASSWORD);
            Settings settings = TestEngine.settings(values);
            Optional<ManagementCredentials> credentials = ManagementSettings.credentials(settings);
            assertEquals(PASSWORD, credentials.orElseThrow().password());
            int port = Integer.parseInt(values.get("camel.management.port"));
            String base = "http://127.0.0.1:" + port;
            try (NotionSync sync = NotionSync.create(settings);
                 HawtioConsole console = HawtioConsole.start("127.0.0.1", 0, base + "/observe/jolokia", "admin", PASSWORD)) {
                sync.start();
                String consoleJolokia = "http://127.0.0.1:" + console.port() + "/hawtio/jolokia";
                String version = "{\"type\":\"version\"}";

                assertEquals(200, send("POST", base + "/observe/jolokia/", version, PASSWORD, Map.of()).statusCode(), "Jolokia");
                assertEquals(200, send("GET", base + ManagementEndpoints.STATUS_PATH, null, PASSWORD, Map.of()).statusCode(), "status endpoint");
                assertEquals(200, send("GET", base + ManagementEndpoints.PATH, null, PASSWORD, Map.of()).statusCode(), "dead letters endpoint");
                assertEquals(200, send("POST", consoleJolokia, version, PASSWORD, Map.of()).statusCode(), "console, through to the instance");
                // probes and scrapers need nothing; whatever else the port serves needs the password
                for (String open : new String[] {"/observe/health", "/observe/health/ready", "/observe/metrics"}) {
                    int status = send("GET", base + open, null, null, Map.of("Origin", EVIL)).statusCode();
                    assertTrue(status == 200 || status == 503, open + " answered " + status);
                }
                assertEquals(401, send("GET", base + "/observe/anything-added-later", null, null, Map.of()).statusCode());
                assertEquals(401, send("GET", base + "/observe/health/../status", null, null, Map.of()).statusCode());
                for (String prefix : prefixes()) {
                    assertEquals(401, send("POST", base + "/observe/jolokia/", version, prefix, Map.of()).statusCode(), "Jolokia: " + prefix);
                    assertEquals(401, send("GET", base + ManagementEndpoints.STATUS_PATH, null, prefix, Map.of()).statusCode(), "status: " + prefix);
                    assertEquals(401, send("POST", base + ManagementEndpoints.PATH + "/replay", null, prefix, Map.of()).statusCode(), "replay: " + prefix);
                    assertEquals(401, send("POST", consoleJolokia, version, prefix, Map.of()).statusCode(), "console: " + prefix);
                }

                // the operator commands, with the credentials read from the settings as the command line reads them
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                assertEquals(0, StatusCommand.run(new String[0], dev.notionsync.cli.ManagementAddress.local(port), credentials, new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8)), err.toString(StandardCharsets.UTF_8));
                assertEquals(0, DeadLetterCommand.run(new String[] {"list"}, dev.notionsync.cli.ManagementAddress.local(port), credentials, new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8)), err.toString(StandardCharsets.UTF_8));
                assertEquals(1, StatusCommand.run(new String[0], dev.notionsync.cli.ManagementAddress.local(port), Optional.of(new ManagementCredentials("admin", "Tr0ub4dor")),
                        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
                assertFalse(out.toString(StandardCharsets.UTF_8).contains("Tr0ub4dor") || err.toString(StandardCharsets.UTF_8).contains("Tr0ub4dor"),
                        "the commands never print the password");
            }
        }
    }

    /** A password from the environment is taken as it is: no placeholder inside it is expanded. */
    @Test
    void aPasswordFromTheEnvironmentIsTakenLiterally() {
        Map<String, String> environment = Map.of("NOTION_MANAGEMENT_PASSWORD", "pre{{notion.management.user}}post{{env:HOME}}");
        Settings settings = Settings.load(Path.of("application.properties"), environment::get);
        assertEquals("pre{{notion.management.user}}post{{env:HOME}}", ManagementSettings.credentials(settings).orElseThrow().password());
    }

    @Test
    void crossOriginRequestsCannotOperateTheInstance() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("notion.management.password", PASSWORD);
            String source = TestEngine.sourceName(values, "projects");
            int port = Integer.parseInt(values.get("camel.management.port"));
            String base = "http://127.0.0.1:" + port;
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values));
                 HawtioConsole console = HawtioConsole.start("127.0.0.1", 0, base + "/observe/jolokia", "admin", PASSWORD)) {
                sync.start();
                String consoleBase = "http://127.0.0.1:" + console.port();
                String pause = "{\"type\":\"exec\",\"mbean\":\"" + NotionSyncManagement.OBJECT_NAME + "\",\"operation\":\"pauseSource\",\"arguments\":[\"" + source + "\"]}";
                String resume = pause.replace("pauseSource", "resumeSource");
                String execPath = "/exec/" + NotionSyncManagement.OBJECT_NAME + "/pauseSource/" + source;
                // what a page on another site can send without a preflight: a text/plain POST, or a GET; the browser adds
                // the cached credentials, and an Origin, a Referer or Sec-Fetch-Site
                List<Map<String, String>> forged = List.of(
                        Map.of("Content-Type", "text/plain", "Origin", EVIL),
                        Map.of("Content-Type", "text/plain", "Origin", "null"),
                        Map.of("Content-Type", "text/plain", "Referer", EVIL + "/page"),
                        Map.of("Content-Type", "text/plain", "Sec-Fetch-Site", "cross-site"),
                        Map.of("Content-Type", "text/plain", "Origin", "http://127.0.0.1:" + (port + 1)),
                        Map.of("Content-Type", "text/plain", "Origin", "http://evil.example\",\"x\":\"1"));
                for (Map<String, String> headers : forged) {
                    assertTrue(refused(send("POST", base + "/observe/jolokia/", pause, PASSWORD, headers)), "Jolokia POST " + headers);
                    assertTrue(refused(send("GET", base + "/observe/jolokia" + execPath, null, PASSWORD, headers)), "Jolokia GET " + headers);
                    assertTrue(refused(send("POST", consoleBase + "/hawtio/jolokia", pause, PASSWORD, headers)), "console POST " + headers);
                    assertTrue(refused(send("GET", consoleBase + "/hawtio/jolokia" + execPath, null, PASSWORD, headers)), "console GET " + headers);
                    assertEquals(403, send("POST", base + ManagementEndpoints.PATH + "/replay", null, PASSWORD, headers).statusCode(), "replay " + headers);
                    HttpResponse<String> status = send("GET", base + ManagementEndpoints.STATUS_PATH, null, PASSWORD, headers);
                    assertEquals(403, status.statusCode(), "status " + headers);
                    assertTrue(JSON.readTree(status.body()).path("error").asText().startsWith("cross-origin request refused"), status.body());
                }
                SourceSchedules schedules = sync.context().getRegistry().lookupByNameAndType("sourceSchedules", SourceSchedules.class);
                assertFalse(schedules.paused(source), "no forged request paused the source");

                // tools (no Origin) and the console's own page (same origin) still operate it
                JsonNode paused = JSON.readTree(send("POST", base + "/observe/jolokia/", pause, PASSWORD, Map.of("Content-Type", "application/json")).body());
                assertEquals(200, paused.path("status").asInt(), paused.toString());
                assertTrue(schedules.paused(source), "paused on the cluster");
                JsonNode resumed = JSON.readTree(send("POST", consoleBase + "/hawtio/jolokia", resume, PASSWORD,
                        Map.of("Content-Type", "application/json", "Origin", consoleBase, "Sec-Fetch-Site", "same-origin")).body());
                assertEquals(200, resumed.path("status").asInt(), resumed.toString());
                assertFalse(schedules.paused(source), "resumed");
                assertEquals(200, send("POST", base + ManagementEndpoints.PATH + "/replay", null, PASSWORD, Map.of()).statusCode());
                assertEquals(200, send("POST", base + ManagementEndpoints.PATH + "/replay", null, PASSWORD,
                        Map.of("Origin", base, "Sec-Fetch-Site", "same-origin")).statusCode(), "same origin");
                assertEquals(200, send("GET", base + ManagementEndpoints.STATUS_PATH, null, PASSWORD, Map.of("Sec-Fetch-Site", "none")).statusCode(),
                        "typed into the address bar");
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                assertEquals(0, DeadLetterCommand.run(new String[] {"replay"}, dev.notionsync.cli.ManagementAddress.local(port), Optional.of(new ManagementCredentials("admin", PASSWORD)),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)),
                        err.toString(StandardCharsets.UTF_8));
            }
        }
    }

    /** Without a management password the endpoints answer this machine only, and still no other origin. */
    @Test
    void withoutAPasswordNoOtherOriginAndNoOtherHostNameGetsIn() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("notion.management.password", "");
            String base = "http://127.0.0.1:" + values.get("camel.management.port");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                assertEquals(200, send("POST", base + ManagementEndpoints.PATH + "/replay", null, null, Map.of()).statusCode());
                assertEquals(403, send("POST", base + ManagementEndpoints.PATH + "/replay", null, null,
                        Map.of("Content-Type", "text/plain", "Origin", EVIL)).statusCode());
                // a page whose host name resolves to this machine (DNS rebinding) is same-origin to the browser
                HttpResponse<String> rebound = sendWithHost(base + ManagementEndpoints.PATH + "/replay", "evil.example:" + values.get("camel.management.port"));
                assertNotEquals(200, rebound.statusCode(), rebound.body());
            }
        }
    }

    /** Jolokia moved by camel.management.jolokia-path is guarded where it is. */
    @Test
    void aMovedJolokiaIsGuardedToo() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("notion.management.password", PASSWORD);
            values.put("camel.management.jolokia-path", "/ops/jmx");
            String jolokia = "http://127.0.0.1:" + values.get("camel.management.port") + "/ops/jmx/";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                assertEquals(200, send("POST", jolokia, "{\"type\":\"version\"}", PASSWORD, Map.of()).statusCode());
                assertEquals(401, send("POST", jolokia, "{\"type\":\"version\"}", null, Map.of()).statusCode());
                assertEquals(403, send("POST", jolokia, "{\"type\":\"version\"}", PASSWORD, Map.of("Origin", EVIL)).statusCode());
            }
        }
    }

    /** The Host header cannot be set through java.net.http: a raw request. */
    private static HttpResponse<String> sendWithHost(String url, String host) throws Exception {
        URI uri = URI.create(url);
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + host + "\r\nOrigin: http://" + host
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(answer.substring(9, 12));
            return new RawAnswer(status, answer);
        }
    }

    /** Jolokia's own check, from the policy the jar ships: no Origin (tools, the console) passes, any other is refused. */
    @Test
    void jolokiaPolicyChecksOriginsStrictly() throws Exception {
        try (var policy = OperatorAccessTest.class.getResourceAsStream("/jolokia-access.xml")) {
            PolicyRestrictor restrictor = new PolicyRestrictor(policy);
            assertTrue(restrictor.isOriginAllowed("", true), "no Origin or Referer");
            for (String origin : new String[] {EVIL, "null", "http://127.0.0.1:8090", EVIL + "/page"}) {
                assertFalse(restrictor.isOriginAllowed(origin, true), origin);
            }
        }
    }

    private record RawAnswer(int statusCode, String body) implements HttpResponse<String> {
        public HttpRequest request() {
            return null;
        }

        public Optional<HttpResponse<String>> previousResponse() {
            return Optional.empty();
        }

        public java.net.http.HttpHeaders headers() {
            return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true);
        }

        public Optional<javax.net.ssl.SSLSession> sslSession() {
            return Optional.empty();
        }

        public URI uri() {
            return null;
        }

        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
