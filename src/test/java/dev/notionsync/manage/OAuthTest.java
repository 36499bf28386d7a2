package dev.notionsync.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.notion.NotionHttp;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.OAuthServer;
import dev.notionsync.sim.SimulatorConfig;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Public connections through OAuth, against the simulator's OAuth server and real PostgreSQL: the link, the callback,
 * tokens stored encrypted, a refresh shared by two engines, a revoked workspace in health, and OAuth without its
 * settings saying what to set.
 */
class OAuthTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @TempDir
    Path tempDir;

    NotionSimulator simulator;
    final List<NotionSync> engines = new ArrayList<>();

    @AfterEach
    void stop() {
        engines.forEach(NotionSync::close);
        if (simulator != null) {
            simulator.close();
        }
    }

    @Test
    void withoutItsSettingsOAuthSaysWhatToSet() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2));
        Map<String, String> settings = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
        NotionSync sync = start(settings);
        HttpResponse<String> url = get(management(settings) + NotionOAuth.URL_PATH + "?connection=acme");
        assertEquals(503, url.statusCode());
        JsonNode answer = JSON.readTree(url.body());
        assertEquals(List.of("NOTION_OAUTH_CLIENT_ID", "NOTION_OAUTH_CLIENT_SECRET", "NOTION_OAUTH_REDIRECT_URI", "NOTION_OAUTH_TOKEN_KEY"),
                JSON.convertValue(answer.get("set"), List.class));
        assertTrue(answer.path("auth_method").asText().contains("NOTION_TOKEN"), url.body());
        assertEquals(503, get(business(settings) + NotionOAuth.CALLBACK_PATH + "?code=x&state=y").statusCode());
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.oauth_connections"));
    }

    @Test
    void aWorkspaceAuthorizesAndItsTokensAreStoredEncryptedAndRefreshedOnceForTwoEngines() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2));
        Map<String, String> settings = oauthSettings(TestEngine.settingsFor(simulator, tempDir, "1h", "projects"));
        StringWriter log = captureLog();
        List<String> secrets = new ArrayList<>(List.of(OAuthServer.CLIENT_SECRET, settings.get("notion.oauth.token-key")));
        try {
            NotionSync first = start(settings);
            String link = JSON.readTree(get(management(settings) + NotionOAuth.URL_PATH + "?connection=acme").body()).path("url").asText();
            assertTrue(link.startsWith(simulator.baseUrl() + "/v1/oauth/authorize?client_id=" + OAuthServer.CLIENT_ID), link);

            // the person approves: Notion sends the browser back to the callback, which stores the connection
            String callback = followToCallback(link);
            HttpResponse<String> page = get(callback);
            assertEquals(200, page.statusCode(), page.body());
            assertTrue(page.body().contains("is connection acme"), page.body());
            String accessToken = simulator.oauth().accessToken();
            secrets.add(accessToken);
            assertEquals(accessToken, oauth(first).accessToken("acme"));
            assertEquals(simulator.model().workspaceId(), TestEngine.queryString(first, "SELECT workspace_id FROM notion_sync.oauth_connections WHERE name = 'acme'"));
            String stored = TestEngine.queryString(first, "SELECT encode(access_token, 'escape') || encode(refresh_token, 'escape') FROM notion_sync.oauth_connections");
            assertFalse(stored.contains(accessToken.substring(10)), "the token is stored encrypted");

            // the link was good once; a forged state is refused
            assertEquals(400, get(callback).statusCode());
            HttpResponse<String> forged = get(business(settings) + NotionOAuth.CALLBACK_PATH + "?code=abc&state=forged");
            assertEquals(400, forged.statusCode());
            assertTrue(forged.body().contains("unknown, used already or expired"), forged.body());

            // Notion refuses the token on both engines at once: one refresh, both take the new token
            NotionSync second = start(settings);
            int callsBefore = simulator.oauth().tokenCalls();
            ExecutorService both = Executors.newFixedThreadPool(2);
            try {
                List<Future<Boolean>> refreshed = both.invokeAll(List.<Callable<Boolean>>of(
                        () -> oauth(first).refreshAfterRefusal("acme", NotionHttp.sha256(accessToken)),
                        () -> oauth(second).refreshAfterRefusal("acme", NotionHttp.sha256(accessToken))));
                assertTrue(refreshed.get(0).get() && refreshed.get(1).get(), "both may go on");
            } finally {
                both.shutdown();
            }
            assertEquals(callsBefore + 1, simulator.oauth().tokenCalls(), "the refresh token was spent once");
            String renewed = simulator.oauth().accessToken();
            secrets.add(renewed);
            assertNotEquals(accessToken, renewed);
            assertEquals(renewed, oauth(first).accessToken("acme"));
            assertEquals(renewed, oauth(second).accessToken("acme"));

            // the workspace removes the integration: the refresh is refused, the connection is revoked, health says so
            // a token refreshed moments ago and refused again is not refreshed again (Notion refuses the connection)
            assertFalse(oauth(first).refreshAfterRefusal("acme", NotionHttp.sha256(renewed)));
            assertEquals(callsBefore + 1, simulator.oauth().tokenCalls());
            TestEngine.execute(first, "UPDATE notion_sync.oauth_connections SET refreshed_at = now() - interval '1 minute'");
            simulator.oauth().revokeGrant();
            assertFalse(oauth(second).refreshAfterRefusal("acme", NotionHttp.sha256(renewed)));
            assertEquals("revoked", TestEngine.queryString(first, "SELECT status FROM notion_sync.oauth_connections WHERE name = 'acme'"));
            String health = get(management(settings) + "/observe/health").body();
            assertTrue(health.contains("connection acme") && health.contains("authorize again"), health);
            assertFalse(health.contains(renewed) || health.contains(accessToken), "no token in health");
        } finally {
            releaseLog();
        }
        for (String secret : secrets) {
            assertFalse(log.toString().contains(secret), "a secret in the log: " + secret);
        }
    }

    @Test
    void aDeclinedOrForeignAuthorizationMakesNoConnection() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2));
        Map<String, String> settings = oauthSettings(TestEngine.settingsFor(simulator, tempDir, "1h", "projects"));
        NotionSync sync = start(settings);
        simulator.oauth().denyNextAuthorization();
        String link = JSON.readTree(get(management(settings) + NotionOAuth.URL_PATH + "?connection=acme").body()).path("url").asText();
        HttpResponse<String> declined = get(followToCallback(link));
        assertEquals(400, declined.statusCode());
        assertTrue(declined.body().contains("did not authorize connection acme"), declined.body());
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.oauth_connections"));

        // a bad name, and a hostile one, are refused before any link is made
        assertEquals(400, get(management(settings) + NotionOAuth.URL_PATH + "?connection=a%27%3B%20drop").statusCode());
        assertEquals(400, get(management(settings) + NotionOAuth.URL_PATH).statusCode());

        // a name taken by another workspace stays with it
        TestEngine.execute(sync, "INSERT INTO notion_sync.oauth_connections (name, workspace_id, workspace_name, access_token)"
                + " VALUES ('globex', 'another-workspace', 'Globex', '\\x00')");
        link = JSON.readTree(get(management(settings) + NotionOAuth.URL_PATH + "?connection=globex").body()).path("url").asText();
        HttpResponse<String> taken = get(followToCallback(link));
        assertEquals(409, taken.statusCode(), taken.body());
        assertTrue(taken.body().contains("belongs to another workspace"), taken.body());
        assertEquals("another-workspace", TestEngine.queryString(sync, "SELECT workspace_id FROM notion_sync.oauth_connections WHERE name = 'globex'"));
        assertNull(TestEngine.queryString(sync, "SELECT name FROM notion_sync.oauth_connections WHERE name = 'acme'"));
    }

    @Test
    void aBadCodeOrAWrongClientSecretIsRefusedSayingWhatToDo() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2));
        Map<String, String> settings = oauthSettings(TestEngine.settingsFor(simulator, tempDir, "1h", "projects"));
        settings.put("notion.oauth.client-secret", "not-the-secret");
        NotionSync sync = start(settings);
        String link = JSON.readTree(get(management(settings) + NotionOAuth.URL_PATH + "?connection=acme").body()).path("url").asText();
        HttpResponse<String> wrongSecret = get(followToCallback(link));
        assertEquals(502, wrongSecret.statusCode(), wrongSecret.body());
        assertTrue(wrongSecret.body().contains("check NOTION_OAUTH_CLIENT_ID and NOTION_OAUTH_CLIENT_SECRET"), wrongSecret.body());
        assertFalse(wrongSecret.body().contains("not-the-secret"), "the secret is not shown");
        engines.remove(sync);
        sync.close();

        settings.put("notion.oauth.client-secret", OAuthServer.CLIENT_SECRET);
        sync = start(settings);
        link = JSON.readTree(get(management(settings) + NotionOAuth.URL_PATH + "?connection=acme").body()).path("url").asText();
        String callback = followToCallback(link).replaceFirst("code=[^&]+", "code=made-up");
        HttpResponse<String> badCode = get(callback);
        assertEquals(400, badCode.statusCode(), badCode.body());
        assertTrue(badCode.body().contains("Notion refused the code (invalid_grant)"), badCode.body());
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.oauth_connections"));
    }

    @Test
    void aSourceOnAnOAuthConnectionWaitsForTheAuthorizationThenSyncsThroughTokenRefreshes() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(5));
        Map<String, String> settings = oauthSettings(TestEngine.settingsFor(simulator, tempDir, "1s", "projects"));
        String source = TestEngine.sourceName(settings, "projects");
        settings.put("notion.source." + source + ".connection", "acme");
        settings.put("notion.connection.acme.auth", "oauth");
        // every access token Notion hands out stops working after 6 s: the engine refreshes it when Notion refuses it
        simulator.oauth().setAccessTokenLifetime(java.time.Duration.ofSeconds(6));
        NotionSync sync = start(settings);

        TestEngine.await("a failed pull saying the connection is not authorized", java.time.Duration.ofSeconds(20), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source + "' AND error LIKE '%connection acme is not authorized yet%'") > 0);
        String health = get(management(settings) + "/observe/health").body();
        assertTrue(health.contains("connection acme is not authorized yet"), health);

        String link = JSON.readTree(get(management(settings) + NotionOAuth.URL_PATH + "?connection=acme").body()).path("url").asText();
        assertEquals(200, get(followToCallback(link)).statusCode());
        long pages = simulator.model().pages(simulator.workspace().source("projects").dataSourceId()).size();
        TestEngine.await("the source's rows", java.time.Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM \""
                + settings.get("notion.db.schema") + "\".projects") == pages);

        // past two token lifetimes: refreshed after Notion's 401s, and an edit still reaches its row
        Thread.sleep(13_000);
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        simulator.model().editPage(page, TestEngine.titleEdit(simulator.model().page(page).orElseThrow(), "Edited after refreshes"));
        TestEngine.await("the edit in its row", java.time.Duration.ofSeconds(20), () -> "Edited after refreshes".equals(TestEngine.queryString(sync,
                "SELECT name FROM \"" + settings.get("notion.db.schema") + "\".projects WHERE page_id = '" + page + "'")));
        assertTrue(simulator.oauth().tokenCalls() >= 3, "the code and at least two refreshes: " + simulator.oauth().tokenCalls());
        JsonNode stats = JSON.readTree(get(simulator.baseUrl() + "/__sim/stats").body());
        assertTrue(stats.path("by_connection").path(OAuthServer.CONNECTION).path("total_requests").asLong() > 0, "the source's calls went with the OAuth token");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source
                + "' AND error IS NOT NULL AND started_at > (SELECT authorized_at FROM notion_sync.oauth_connections WHERE name = 'acme')"),
                "no pull failed after the authorization");
    }

    // ------------------------------------------------------------------ helpers

    private Map<String, String> oauthSettings(Map<String, String> settings) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        settings.put("notion.oauth.client-id", OAuthServer.CLIENT_ID);
        settings.put("notion.oauth.client-secret", OAuthServer.CLIENT_SECRET);
        settings.put("notion.oauth.redirect-uri", business(settings) + NotionOAuth.CALLBACK_PATH);
        settings.put("notion.oauth.token-key", Base64.getEncoder().encodeToString(key));
        return settings;
    }

    private NotionSync start(Map<String, String> settings) throws Exception {
        Map<String, String> own = new java.util.HashMap<>(settings);
        if (!engines.isEmpty()) {
            own.put("camel.server.port", String.valueOf(TestEngine.freePort()));
            own.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        }
        NotionSync sync = NotionSync.create(TestEngine.settings(own));
        engines.add(sync);
        sync.start();
        return sync;
    }

    private static NotionOAuth oauth(NotionSync sync) {
        return sync.context().getRegistry().lookupByNameAndType("notionOAuth", NotionOAuth.class);
    }

    /** What the person's browser does at Notion: opens the link and is sent back to the callback. */
    private static String followToCallback(String link) throws Exception {
        HttpResponse<String> approve = get(link);
        assertEquals(302, approve.statusCode(), approve.body());
        return approve.headers().firstValue("Location").orElseThrow();
    }

    private static String management(Map<String, String> settings) {
        return "http://127.0.0.1:" + settings.get("camel.management.port");
    }

    private static String business(Map<String, String> settings) {
        return "http://127.0.0.1:" + settings.get("camel.server.port");
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static StringWriter captureLog() {
        StringWriter log = new StringWriter();
        WriterAppender appender = WriterAppender.newBuilder().setName("oauth-test").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %m%n").build()).build();
        appender.start();
        ((LoggerContext) LogManager.getContext(false)).getConfiguration().getRootLogger().addAppender(appender, null, null);
        return log;
    }

    private static void releaseLog() {
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().getAppenders().get("oauth-test").stop();
        logging.getConfiguration().getRootLogger().removeAppender("oauth-test");
    }
}
