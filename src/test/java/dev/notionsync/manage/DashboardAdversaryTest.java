package dev.notionsync.manage;

import static dev.notionsync.manage.DashboardFixture.PASSWORD;
import static dev.notionsync.manage.DashboardFixture.USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Adversary probes of the dashboard (README "Dashboard") and the subscriptions endpoint beside it: who gets in (path
 * tricks, methods, other origins), and whether a database with a busy history keeps the page quick and useful.
 */
@ExtendWith(IntegrationExtension.class)
class DashboardAdversaryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Raw HTTP, so that the path reaches the server exactly as written (no client normalises it). */
    private static String raw(String base, String request) throws Exception {
        URI uri = URI.create(base);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return answer;
        }
    }

    @Test
    void nobodyWithoutTheCredentialsReadsTheDashboardOrChangesSubscriptions(Integration it) throws Exception {
        DashboardFixture f = DashboardFixture.start(it);
        String host = "127.0.0.1:" + f.settings.get("camel.management.port");
        String[] paths = {"/observe/dashboard", "/observe/dashboard/", "/observe//dashboard", "/observe/dashboard.json?x=1", "/observe/./dashboard",
            "/observe/health/..%2Fdashboard", "/observe/health%2F..%2Fdashboard", "/observe/info/../../observe/dashboard.json",
            "/observe/metrics/..;/dashboard", "/observe/health/%2e%2e/subscriptions", "/observe/subscriptions", "/observe/subscriptions/",
            "/%6fbserve/dashboard", "/observe/dashboard%00", "/observe/health/../../observe/subscriptions"};
        for (String path : paths) {
            for (String method : new String[] {"GET", "HEAD", "POST", "DELETE", "OPTIONS", "PUT"}) {
                String body = "{\"name\":\"evil\",\"uri\":\"http://127.0.0.1:1/x\"}";
                String answer = raw(f.base, method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\nConnection: close\r\n\r\n" + body);
                String status = answer.isEmpty() ? "" : answer.substring(9, 12);
                assertFalse(status.equals("200") || status.equals("204"), method + " " + path + ": " + answer);
                assertFalse(answer.contains("open_dead_letters") || answer.contains("operator dashboard") || answer.contains("passed_through"),
                        method + " " + path + ": " + answer);
            }
        }
        // another site's page, in a browser that holds the credentials
        for (String[] header : new String[][] {{"Origin", "https://evil.example"}, {"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"},
            {"Referer", "https://evil.example/page"}}) {
            HttpResponse<String> add = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(f.base + "/observe/subscriptions"))
                    .header("Authorization", DashboardFixture.basic(USER, PASSWORD)).header(header[0], header[1]).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"evil\",\"uri\":\"http://127.0.0.1:1/x\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, add.statusCode(), header[0] + ": " + add.body());
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(f.base + "/observe/dashboard.json"))
                    .header("Authorization", DashboardFixture.basic(USER, PASSWORD)).header(header[0], header[1]).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, page.statusCode(), header[0] + ": " + page.body());
        }
        assertEquals(0, f.count("SELECT count(*) FROM notion_sync.subscriptions"));
    }

    /**
     * A sync that has run for a week keeps a week of row changes (notion.retention.change-events, default 7d): a
     * few hundred thousand must neither make the page slow (it refreshes every 10 s) nor fill its recent events, which are
     * there to show what went wrong.
     */
    @Test
    void manyRowChangesNeitherSlowTheDashboardNorHideItsEvents(Integration it) throws Exception {
        DashboardFixture f = DashboardFixture.start(it);
        f.execute("INSERT INTO notion_sync.change_events (occurred_at, source, table_schema, table_name, page_id, row_key, operation, side,"
                + " changed_columns, after) SELECT now() - (i * interval '500 ms'), " + DashboardFixture.literal(f.projects) + ", 'notion', 'projects',"
                + " gen_random_uuid(), '{}', 'update', 'notion', '{status}', '{\"status\": \"x\"}' FROM generate_series(1, 300000) AS i");
        f.execute("ANALYZE notion_sync.change_events");
        f.get(f.base + "/observe/dashboard.json", USER, PASSWORD);
        long started = System.nanoTime();
        HttpResponse<String> answer = f.get(f.base + "/observe/dashboard.json", USER, PASSWORD);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode figures = JSON.readTree(answer.body());
        assertTrue(millis < 1000, "the dashboard's figures took " + millis + " ms");
        long started2 = System.nanoTime();
        HttpResponse<String> conflicts = f.get(f.base + "/observe/events?type=conflict&limit=100", USER, PASSWORD);
        long millis2 = (System.nanoTime() - started2) / 1_000_000;
        assertEquals(200, conflicts.statusCode(), conflicts.body());
        assertTrue(millis2 < 1000, "the events log of conflicts took " + millis2 + " ms");
        // the fixture's failed pull ended 3 minutes ago; hundreds of row changes came since
        boolean failureShown = false;
        for (JsonNode event : figures.path("events")) {
            failureShown |= event.path("type").asText().equals("sync_failed");
        }
        assertTrue(failureShown, "the failed run of 3 minutes ago is among the recent events (" + millis + " ms): " + figures.path("events"));
    }
}
