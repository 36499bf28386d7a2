package dev.notionsync.notion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Several integrations in one deployment: two connections (the default one of notion.api.token and "acme" of
 * notion.connection.acme.token), each with its own sources, against the simulator over HTTP and real PostgreSQL. Each
 * source's calls carry its connection's token and Notion-Version, keep to its connection's budget, and a connection
 * whose token Notion refuses shows in health alone while the other keeps syncing. Notion's per-workspace limit pauses
 * every connection to the workspace. No token shows in a log line, health or metrics.
 */
@ExtendWith(IntegrationExtension.class)
class SeveralConnectionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    // tokens not shaped like Notion's (ntn_, secret_): the log layout masks those, which would hide a leak from this test
    private static final String DEFAULT_TOKEN = "defaultToken-5d1e8a";
    private static final String ACME_TOKEN = "acmeToken-7f3a9c";

    /** The sample workspace's projects on the default connection and revenue on "acme". */
    private static Map<String, String> twoConnections(Integration it, NotionSimulator simulator, String poll) {
        Map<String, String> settings = it.settings(simulator, poll, "projects", "revenue");
        settings.put("notion.api.token", DEFAULT_TOKEN);
        settings.put("notion.source." + TestEngine.sourceName(settings, "revenue") + ".connection", "acme");
        settings.put("notion.connection.acme.token", ACME_TOKEN);
        settings.put("notion.users.refresh", "off");
        return settings;
    }

    private static NotionSimulator simulator(Integration it, int pages) {
        return it.simulator(SimulatorConfig.defaults(DEFAULT_TOKEN).withPages(pages));
    }

    private static JsonNode stats(NotionSimulator simulator) throws Exception {
        return JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats"));
    }

    private static long rows(NotionSync sync, Map<String, String> settings, String table) {
        return TestEngine.count(sync, "SELECT count(*) FROM \"" + settings.get("notion.db.schema") + "\"." + table);
    }

    private static String health(Map<String, String> settings, String path) {
        return TestEngine.httpGet("http://127.0.0.1:" + settings.get("camel.management.port") + "/observe/health" + path);
    }

    private static int status(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void eachSourceGoesWithItsConnectionsTokenVersionAndBudget(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it, 120);
        String projects = simulator.workspace().source("projects").dataSourceId();
        String revenue = simulator.workspace().source("revenue").dataSourceId();
        // Notion's own limits: 3 requests a second for the default token; acme sees revenue only, at 2 a second
        simulator.setRate(3);
        simulator.addConnection("acme", ACME_TOKEN, 2, List.of(revenue));
        Map<String, String> settings = twoConnections(it, simulator, "300ms");
        settings.put("notion.api.rate", "3");
        settings.put("notion.connection.acme.rate", "2");
        settings.put("notion.connection.acme.version", "2025-09-03");
        settings.put("notion.sync.page-size", "10");

        StringWriter log = new StringWriter();
        WriterAppender appender = WriterAppender.newBuilder().setName("several-connections").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %c %m %throwable%n").build()).build();
        appender.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(appender, null, null);
        Level before = logging.getConfiguration().getRootLogger().getLevel();
        Configurator.setLevel("dev.notionsync", Level.DEBUG);
        try {
            NotionSync sync = it.start(settings);
            TestEngine.await("both sources pulled, each with its own connection", Duration.ofSeconds(90),
                    () -> rows(sync, settings, "projects") == 120 && rows(sync, settings, "revenue") == 120);

            JsonNode stats = stats(simulator);
            JsonNode byDefault = stats.path("by_connection").path("default");
            JsonNode byAcme = stats.path("by_connection").path("acme");
            System.out.println("default: " + byDefault.path("total_requests") + " requests, at most " + byDefault.path("max_requests_in_any_1s_window")
                    + " a second; acme: " + byAcme.path("total_requests") + ", at most " + byAcme.path("max_requests_in_any_1s_window"));
            // each source's requests carried its own connection's token (acme sees nothing of projects) and version
            assertTrue(byAcme.path("paths").has("/v1/data_sources/" + revenue + "/query"), byAcme.toString());
            assertFalse(byAcme.path("paths").toString().contains(projects), byAcme.toString());
            assertTrue(byDefault.path("paths").has("/v1/data_sources/" + projects + "/query"), byDefault.toString());
            assertFalse(byDefault.path("paths").toString().contains(revenue), byDefault.toString());
            assertEquals(List.of("2025-09-03"), fieldNames(byAcme.path("versions")));
            assertEquals(List.of("2026-03-11"), fieldNames(byDefault.path("versions")));
            // each connection kept to its own budget: Notion refused nothing, and no second saw more than the rate plus the burst
            assertEquals(0, stats.path("rate_limited").asInt(), stats.path("by_status").toString());
            assertTrue(byDefault.path("max_requests_in_any_1s_window").asInt() <= 3 + SharedBudget.BURST, byDefault.toString());
            assertTrue(byAcme.path("max_requests_in_any_1s_window").asInt() <= 2 + SharedBudget.BURST, byAcme.toString());

            String health = health(settings, "");
            assertTrue(health.contains("notion-default") && health.contains("connection default: ok"), health);
            assertTrue(health.contains("notion-acme") && health.contains("connection acme: ok"), health);
            String metrics = TestEngine.httpGet("http://127.0.0.1:" + settings.get("camel.management.port") + "/observe/metrics");
            assertTrue(metrics.contains("notion_api_requests_seconds_count{connection=\"acme\",endpoint=\"POST /v1/data_sources/{id}/query\",status=\"200\"}"),
                    metrics);
            assertTrue(metrics.contains("notion_api_circuit_breaker_state{connection=\"acme\"} 0.0"), metrics);

            for (String shown : List.of(log.toString(), health, metrics, settings.toString().replace(ACME_TOKEN, "").replace(DEFAULT_TOKEN, ""),
                    sync.connections().all().toString())) {
                assertFalse(shown.contains(ACME_TOKEN) || shown.contains(DEFAULT_TOKEN), "a token shown: " + shown);
            }
            assertTrue(log.toString().contains("DEBUG"), "the log was captured at DEBUG");
        } finally {
            logging.getConfiguration().getRootLogger().removeAppender("several-connections");
            appender.stop();
            Configurator.setLevel("dev.notionsync", before);
        }
    }

    @Test
    void aRefusedTokenShowsInHealthForItsConnectionAloneWhileTheOtherKeepsSyncing(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it, 4);
        simulator.addConnection("acme", ACME_TOKEN, 0);
        Map<String, String> settings = twoConnections(it, simulator, "300ms");
        NotionSync sync = it.start(settings);
        TestEngine.await("both sources pulled", Duration.ofSeconds(30),
                () -> rows(sync, settings, "projects") == 4 && rows(sync, settings, "revenue") == 4);

        // the workspace removes the acme integration: its token answers 401 from now on
        simulator.revokeConnection("acme");
        String ready = "http://127.0.0.1:" + settings.get("camel.management.port") + "/observe/health/ready";
        TestEngine.await("acme's line DOWN", Duration.ofSeconds(30), () -> health(settings, "").contains("Notion rejects the token of connection acme"));
        String health = health(settings, "");
        assertTrue(health.contains("set notion.connection.acme.token (environment NOTION_CONNECTION_ACME_TOKEN)"), health);
        assertTrue(health.contains("connection default: ok"), "the default connection's line stays UP: " + health);
        assertFalse(health.contains(ACME_TOKEN), health);
        assertEquals(503, status(ready), "not ready while a connection's token is refused");
        String revenueSource = TestEngine.sourceName(settings, "revenue");
        TestEngine.await("acme's source failing with 401", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + revenueSource + "' AND outcome = 'failed' AND error LIKE '%401%'") > 0);

        // the default connection's source keeps syncing
        JsonNode page = simulator.model().pages(simulator.workspace().source("projects").dataSourceId()).get(0);
        simulator.model().editPage(page.path("id").asText(), TestEngine.titleEdit(page, "edited while acme is refused"));
        String title = "properties -> '" + TestEngine.titleName(page) + "' -> 'title' -> 0 ->> 'plain_text'";
        TestEngine.await("the default connection's edit pulled", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                "SELECT count(*) FROM \"" + settings.get("notion.db.schema") + "\".projects WHERE " + title + " = 'edited while acme is refused'") == 1);
        assertTrue(sync.connections().get(NotionConnections.DEFAULT).access().denied() == null);
    }

    @Test
    void notionsPerWorkspaceLimitPausesEveryConnectionToTheWorkspace(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it, 4);
        simulator.addConnection("acme", ACME_TOKEN, 0);
        Map<String, String> settings = twoConnections(it, simulator, "300ms");
        // revenue (acme) is idle after its first pull: it could only learn of the limit from the other connection
        settings.put("notion.source." + TestEngine.sourceName(settings, "revenue") + ".poll", "10m");
        NotionSync sync = it.start(settings);
        NotionConnection acme = sync.connections().get("acme");
        NotionConnection first = sync.connections().get(NotionConnections.DEFAULT);
        TestEngine.await("both pulled, both workspaces known", Duration.ofSeconds(30), () -> rows(sync, settings, "projects") == 4
                && rows(sync, settings, "revenue") == 4 && acme.workspaceId() != null && first.workspaceId() != null);
        assertEquals(first.workspaceId(), acme.workspaceId(), "the simulator is one workspace");

        TestEngine.simControl(simulator, "faults", "{\"workspace_rate_limit_seconds\":4}");
        TestEngine.await("the default connection met the workspace's limit", Duration.ofSeconds(5), () -> first.budget().rateLimitedCount() > 0);
        assertEquals(0, acme.budget().rateLimitedCount(), "acme met no 429 itself");
        assertTrue(acme.budget().pauseLeft().toMillis() > 1500, "acme waits out the workspace's Retry-After too: " + acme.budget().pauseLeft());

        // Retry-After is honoured: nothing is sent to the workspace until it has passed
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/__sim/stats")).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
        Thread.sleep(1500);
        assertEquals(0, stats(simulator).path("total_requests").asInt(), "a request during the workspace's Retry-After");

        JsonNode page = simulator.model().pages(simulator.workspace().source("projects").dataSourceId()).get(0);
        simulator.model().editPage(page.path("id").asText(), TestEngine.titleEdit(page, "after the workspace's limit"));
        String title = "properties -> '" + TestEngine.titleName(page) + "' -> 'title' -> 0 ->> 'plain_text'";
        TestEngine.await("syncing again once the wait is over", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                "SELECT count(*) FROM \"" + settings.get("notion.db.schema") + "\".projects WHERE " + title + " = 'after the workspace''s limit'") == 1);
    }

    /** What OAuth does when a workspace authorizes the public integration: a connection added while the engine runs. */
    @Test
    void aConnectionRegisteredWhileTheEngineRunsGetsItsDoorAndHealthLineAndFollowsItsTokenAsItChanges(Integration it) throws Exception {
        NotionSimulator simulator = simulator(it, 2);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.api.token", DEFAULT_TOKEN);
        settings.put("notion.users.refresh", "off");
        NotionSync sync = it.start(settings);
        String bot = simulator.addConnection("workspace-b", "firstToken-b", 0);
        AtomicReference<String> token = new AtomicReference<>("firstToken-b");

        NotionConnection added = sync.connections().register("workspace-b", token::get, 3, "2026-03-11", "the OAuth grant of workspace B");
        NotionApi notion = sync.context().getRegistry().lookupByNameAndType("notionApi", NotionApi.class);
        assertEquals(bot, notion.on("workspace-b").call(NotionRequest.get("/v1/users/me")).path("id").asText());
        TestEngine.await("its health line", Duration.ofSeconds(10), () -> health(settings, "").contains("connection workspace-b: ok"));

        // a refreshed token: the next call carries it
        simulator.addConnection("workspace-b", "secondToken-b", 0);
        token.set("secondToken-b");
        assertTrue(notion.on("workspace-b").call(NotionRequest.get("/v1/users/me")).path("id").isTextual());
        assertEquals(null, added.access().denied());
        assertTrue(stats(simulator).path("by_connection").path("workspace-b").path("total_requests").asInt() >= 3);
        assertEquals(List.of(NotionConnections.DEFAULT, "workspace-b"), sync.connections().names());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
