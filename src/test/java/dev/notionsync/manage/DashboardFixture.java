package dev.notionsync.manage;

import dev.notionsync.Integration;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * An engine for the dashboard's tests: two sources pulled from the simulator behind a management password, then what
 * an operator has to look at: an open dead letter and a failed run whose errors are hostile HTML, a pending push, a
 * webhook event being applied, a conflict, a refused operator action naming a hostile source, and one source paused.
 */
final class DashboardFixture {

    static final String USER = "ops-alice";
    static final String PASSWORD = "secret_dashboard_password";
    /** Text that would run or break out of an attribute if the page pasted it unescaped. */
    static final String HOSTILE = "<script>alert(\"pwn'd\")</script>&<img src=x onerror=alert(1)>";

    final NotionSync sync;
    final Map<String, String> settings;
    final String projects;
    final String revenue;
    final String base;
    final String schema;

    private DashboardFixture(NotionSync sync, Map<String, String> settings) {
        this.sync = sync;
        this.settings = settings;
        this.projects = TestEngine.sourceName(settings, "projects");
        this.revenue = TestEngine.sourceName(settings, "revenue");
        this.base = "http://127.0.0.1:" + settings.get("camel.management.port");
        this.schema = settings.get("notion.db.schema");
    }

    static DashboardFixture start(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(6);
        Map<String, String> settings = it.settings(simulator, "1s", "projects", "revenue");
        settings.put("notion.management.user", USER);
        settings.put("notion.management.password", PASSWORD);
        DashboardFixture f = new DashboardFixture(it.start(settings), settings);
        TestEngine.await("both sources pulled", Duration.ofSeconds(60), () -> f.count("SELECT count(DISTINCT source) FROM notion_sync.sync_runs"
                + " WHERE outcome = 'ok' AND pages_inserted > 0") == 2);
        String revenueDataSource = simulator.workspace().source("revenue").dataSourceId();
        f.execute("INSERT INTO notion_sync.dead_letters (route_id, endpoint_uri, exception_class, exception_message, attempts)"
                + " VALUES ('notion-push', 'direct:push', 'java.lang.IllegalStateException', " + literal(HOSTILE) + ", 3)");
        f.execute("INSERT INTO notion_sync.sync_runs (source, kind, started_at, finished_at, outcome, error) VALUES (" + literal(f.revenue)
                + ", 'pull', now() - interval '3 minutes', now() - interval '3 minutes', 'failed', " + literal("Notion answered 502: " + HOSTILE) + ")");
        f.execute("INSERT INTO notion_sync.outbox (table_schema, table_name, page_id, operation, changed) VALUES (" + literal(f.schema)
                + ", 'projects', gen_random_uuid(), 'UPDATE', '{\"name\": \"edited in PostgreSQL\"}')");
        // being applied: a pending one would be claimed at once
        f.execute("INSERT INTO notion_sync.webhook_inbox (event_id, event_type, data_source_id, body, status, claimed_at) VALUES"
                + " ('evt-dashboard-1', 'page.properties_updated', " + literal(revenueDataSource) + ", '{}', 'processing', now())");
        f.execute("INSERT INTO notion_sync.conflicts (source, page_id, property_id, property_name, policy, winner) VALUES (" + literal(f.projects)
                + ", gen_random_uuid(), 'title', 'Name', 'notion-wins', 'notion')");
        HttpResponse<String> refused = f.post("/observe/verify?source=" + URLEncoder.encode(HOSTILE, StandardCharsets.UTF_8));
        if (refused.statusCode() != 404) {
            throw new AssertionError("a verify of no such source: " + refused.statusCode() + " " + refused.body());
        }
        HttpResponse<String> paused = f.get(f.base + "/observe/jolokia/exec/" + NotionSyncManagement.OBJECT_NAME.replace(" ", "%20")
                + "/pauseSource/" + f.revenue, USER, PASSWORD);
        if (paused.statusCode() != 200 || !paused.body().contains("paused")) {
            throw new AssertionError("pause: " + paused.statusCode() + " " + paused.body());
        }
        return f;
    }

    HttpResponse<String> get(String url, String user, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (user != null) {
            request.header("Authorization", basic(user, password));
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", basic(USER, PASSWORD))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    long count(String sql) {
        return TestEngine.count(sync, sql);
    }

    String text(String sql) {
        return TestEngine.queryString(sync, sql);
    }

    void execute(String sql) throws Exception {
        TestEngine.execute(sync, sql);
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
