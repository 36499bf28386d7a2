package dev.notionsync.manage;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.OAuthServer;
import dev.notionsync.sim.SimulatorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adversarial probes of public connections (OAuth) against the simulator's OAuth server over HTTP and real
 * PostgreSQL: a workspace authorized under a second name, a changed token key, the name "default", what the callback
 * page tells a stranger, and one link's callback sent twice at once.
 */
class OAuthAdversaryTest {

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

    /**
     * Finding: a workspace that is connection acme already, authorized again under another name (acme2), became a
     * second connection: Notion keeps one grant per workspace and integration, so acme's tokens stopped working, its
     * refresh was refused, acme was revoked and its sources stopped (with sources = shared, every data source would
     * also have been mirrored twice). Now the new authorization renews acme, and acme2 is refused saying so.
     */
    @Test
    void aWorkspaceAuthorizedUnderASecondNameRenewsItsConnectionInsteadOfRevokingIt() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3));
        Map<String, String> settings = oauthSettings(TestEngine.settingsFor(simulator, tempDir, "1s", "projects"));
        String source = TestEngine.sourceName(settings, "projects");
        String schema = settings.get("notion.db.schema");
        settings.put("notion.source." + source + ".connection", "acme");
        settings.put("notion.connection.acme.auth", "oauth");
        NotionSync sync = start(settings);
        assertEquals(200, get(followToCallback(link(settings, "acme"))).statusCode());
        TestEngine.await("the source's rows", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM \"" + schema + "\".projects") == 3);

        HttpResponse<String> second = get(followToCallback(link(settings, "acme2")));
        assertEquals(409, second.statusCode(), second.body());
        assertTrue(second.body().contains("connection acme"), second.body());
        assertNull(TestEngine.queryString(sync, "SELECT name FROM notion_sync.oauth_connections WHERE name = 'acme2'"));

        String page = TestEngine.seededPageId(simulator, "projects", 0);
        simulator.model().editPage(page, TestEngine.titleEdit(simulator.model().page(page).orElseThrow(), "Edited after acme2"));
        TestEngine.await("the edit in acme's row", Duration.ofSeconds(20), () -> "Edited after acme2".equals(TestEngine.queryString(sync,
                "SELECT name FROM \"" + schema + "\".projects WHERE page_id = '" + page + "'")));
        assertEquals("active", TestEngine.queryString(sync, "SELECT status FROM notion_sync.oauth_connections WHERE name = 'acme'"));
    }

    /**
     * Finding: after notion.oauth.token-key changed, every call of an OAuth connection failed (its stored tokens do not
     * decrypt), yet the oauth-connections health check said UP, "active". Now it is DOWN saying the key does not fit;
     * with the old key back the connection works again (nothing was revoked meanwhile).
     */
    @Test
    void aChangedTokenKeyShowsInHealthAndTheOldKeyBringsTheConnectionBack() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2));
        Map<String, String> settings = oauthSettings(TestEngine.settingsFor(simulator, tempDir, "1s", "projects"));
        String source = TestEngine.sourceName(settings, "projects");
        settings.put("notion.source." + source + ".connection", "acme");
        settings.put("notion.connection.acme.auth", "oauth");
        NotionSync sync = start(settings);
        assertEquals(200, get(followToCallback(link(settings, "acme"))).statusCode());
        TestEngine.await("a pull after the authorization", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source + "' AND error IS NULL") > 0);
        stop(sync);

        Map<String, String> otherKey = new HashMap<>(settings);
        otherKey.put("notion.oauth.token-key", newKey());
        NotionSync wrong = start(otherKey);
        TestEngine.await("a pull failing on the key", Duration.ofSeconds(20), () -> TestEngine.count(wrong,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source + "' AND error LIKE '%does not decrypt%'") > 0);
        String health = get(management(settings) + "/observe/health").body();
        assertTrue(oauthCheck(health).contains("does not decrypt with notion.oauth.token-key"), health);
        assertEquals("active", TestEngine.queryString(wrong, "SELECT status FROM notion_sync.oauth_connections WHERE name = 'acme'"));
        stop(wrong);

        NotionSync back = start(settings);
        long before = TestEngine.count(back, "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source + "' AND error IS NULL");
        TestEngine.await("a pull with the old key", Duration.ofSeconds(45), () -> TestEngine.count(back,
                "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source + "' AND error IS NULL") > before);
        String healthy = get(management(settings) + "/observe/health").body();
        assertFalse(oauthCheck(healthy).contains("does not decrypt"), healthy);
    }

    /**
     * Finding: without NOTION_TOKEN (a public integration only) an operator could hand out a link for a connection
     * named "default": every source that names no connection, and every source discovered for it, belongs to "default",
     * which at the next start is NOTION_TOKEN's connection again (with no token): its sources meet 401.
     */
    @Test
    void theDefaultConnectionsNameIsNotAnOAuthName() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1));
        Map<String, String> settings = oauthSettings(TestEngine.settingsFor(simulator, tempDir, "1h", "none"));
        settings.remove("notion.api.token");
        settings.put("notion.oauth.sources", "shared");
        start(settings);
        HttpResponse<String> url = get(management(settings) + NotionOAuth.URL_PATH + "?connection=default");
        assertEquals(409, url.statusCode(), url.body());
        assertTrue(url.body().contains("another name"), url.body());
    }

    /**
     * Finding: a link used by a stranger for a name that belongs to another workspace answered them that workspace's
     * name and id. Now the page says only that the name belongs to another workspace.
     */
    @Test
    void aTakenNameDoesNotTellTheStrangerWhoseItIs() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1));
        Map<String, String> settings = oauthSettings(TestEngine.settingsFor(simulator, tempDir, "1h", "projects"));
        NotionSync sync = start(settings);
        TestEngine.execute(sync, "INSERT INTO notion_sync.oauth_connections (name, workspace_id, workspace_name, access_token)"
                + " VALUES ('globex', 'ws-globex-4711', 'Globex Secret Projects', '\\x00')");
        HttpResponse<String> taken = get(followToCallback(link(settings, "globex")));
        assertEquals(409, taken.statusCode(), taken.body());
        assertFalse(taken.body().contains("Globex Secret Projects") || taken.body().contains("ws-globex-4711"), taken.body());
    }

    /**
     * Finding: a create (POST /v1/pages, never re-sent after a failure that may have been applied) whose token Notion
     * refused (401) got the token refreshed but was not sent again, though Notion did nothing with it: the push failed,
     * counted an attempt towards its dead letter, logged a WARN and waited out its backoff. Now it is sent again at once.
     */
    @Test
    void aCreateWhoseTokenExpiredIsSentAgainWithTheRefreshedToken() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2));
        Map<String, String> settings = oauthSettings(TestEngine.settingsFor(simulator, tempDir, "1s", "projects"));
        String source = TestEngine.sourceName(settings, "projects");
        String schema = settings.get("notion.db.schema");
        settings.put("notion.source." + source + ".connection", "acme");
        settings.put("notion.source." + source + ".direction", "both");
        settings.put("notion.connection.acme.auth", "oauth");
        simulator.oauth().setAccessTokenLifetime(Duration.ofSeconds(6));
        NotionSync first = start(settings);
        assertEquals(200, get(followToCallback(link(settings, "acme"))).statusCode());
        TestEngine.await("the source's rows", Duration.ofSeconds(30), () -> TestEngine.count(first,
                "SELECT count(*) FROM \"" + schema + "\".projects") == 2);
        stop(first);
        // polled once an hour from now on: no call of acme but the create
        settings.put("notion.source." + source + ".poll", "1h");
        NotionSync sync = start(settings);
        Thread.sleep(6_500);   // the access token has expired: the create is the first call to meet the 401
        int refreshes = simulator.oauth().tokenCalls();
        TestEngine.execute(sync, "INSERT INTO \"" + schema + "\".projects (name) VALUES ('Created after the token expired')");
        TestEngine.await("the create pushed", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.outbox WHERE status = 'pushed'") == 1);
        assertTrue(simulator.oauth().tokenCalls() > refreshes, "the token was refreshed on the way");
        assertEquals(0, TestEngine.count(sync, "SELECT max(attempts) FROM notion_sync.outbox"), "the create went through at its first attempt");
    }

    /** Probe (held): one link's callback sent twice at once makes one connection; the other is refused. */
    @Test
    void oneLinksCallbackSentTwiceAtOnceIsTakenOnce() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1));
        Map<String, String> settings = oauthSettings(TestEngine.settingsFor(simulator, tempDir, "1h", "projects"));
        NotionSync sync = start(settings);
        String callback = followToCallback(link(settings, "acme"));
        ExecutorService both = Executors.newFixedThreadPool(2);
        try {
            List<Integer> statuses = new ArrayList<>();
            for (Future<HttpResponse<String>> answer : both.invokeAll(List.<Callable<HttpResponse<String>>>of(() -> get(callback), () -> get(callback)))) {
                statuses.add(answer.get().statusCode());
            }
            statuses.sort(null);
            assertEquals(List.of(200, 400), statuses);
        } finally {
            both.shutdown();
        }
        assertEquals(1, simulator.oauth().tokenCalls(), "the code was exchanged once");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.oauth_connections"));
    }

    // ------------------------------------------------------------------ helpers

    /** The oauth-connections check of a health answer, as text. */
    private static String oauthCheck(String health) throws Exception {
        for (com.fasterxml.jackson.databind.JsonNode check : JSON.readTree(health).path("checks")) {
            if ("oauth-connections".equals(check.path("name").asText())) {
                return check.toString();
            }
        }
        throw new AssertionError("no oauth-connections check in " + health);
    }

    private static String newKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private Map<String, String> oauthSettings(Map<String, String> settings) {
        settings.put("notion.oauth.client-id", OAuthServer.CLIENT_ID);
        settings.put("notion.oauth.client-secret", OAuthServer.CLIENT_SECRET);
        settings.put("notion.oauth.redirect-uri", business(settings) + NotionOAuth.CALLBACK_PATH);
        settings.put("notion.oauth.token-key", newKey());
        return settings;
    }

    private NotionSync start(Map<String, String> settings) throws Exception {
        NotionSync sync = NotionSync.create(TestEngine.settings(settings));
        engines.add(sync);
        sync.start();
        return sync;
    }

    private void stop(NotionSync sync) {
        engines.remove(sync);
        sync.close();
    }

    private static String link(Map<String, String> settings, String connection) throws Exception {
        HttpResponse<String> answer = get(management(settings) + NotionOAuth.URL_PATH + "?connection=" + connection);
        assertEquals(200, answer.statusCode(), answer.body());
        return JSON.readTree(answer.body()).path("url").asText();
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
}
