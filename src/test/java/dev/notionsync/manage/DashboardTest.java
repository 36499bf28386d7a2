package dev.notionsync.manage;

import static dev.notionsync.manage.DashboardFixture.HOSTILE;
import static dev.notionsync.manage.DashboardFixture.PASSWORD;
import static dev.notionsync.manage.DashboardFixture.USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.TestEngine;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * GET /observe/dashboard and /observe/dashboard.json against a running engine: the figures are the database's, the
 * hostile texts are escaped, nobody without the management credentials sees it, and no secret is in it.
 */
@ExtendWith(IntegrationExtension.class)
class DashboardTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void figuresAreTheDatabasesEscapedGuardedAndFreeOfSecrets(Integration it) throws Exception {
        DashboardFixture f = DashboardFixture.start(it);

        HttpResponse<String> jsonAnswer = f.get(f.base + "/observe/dashboard.json", USER, PASSWORD);
        assertEquals(200, jsonAnswer.statusCode(), jsonAnswer.body());
        JsonNode figures = JSON.readTree(jsonAnswer.body());

        JsonNode totals = figures.path("totals");
        assertEquals(f.count("SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'"), totals.path("open_dead_letters").asLong());
        assertEquals(1, totals.path("open_dead_letters").asLong());
        assertEquals(f.count("SELECT count(*) FROM notion_sync.outbox WHERE status = 'pending'"), totals.path("push_backlog").asLong());
        assertEquals(1, totals.path("push_backlog").asLong());
        assertEquals(f.count("SELECT count(*) FROM notion_sync.webhook_inbox WHERE status IN ('pending', 'processing')"), totals.path("inbox_backlog").asLong());
        assertEquals(1, totals.path("inbox_backlog").asLong());
        assertEquals(1, totals.path("conflicts_24h").asLong());
        assertEquals(f.count("SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'failed'"), totals.path("failed_runs_24h").asLong());

        for (String source : new String[] {f.projects, f.revenue}) {
            JsonNode s = source(figures, source);
            String where = "source = " + DashboardFixture.literal(source);
            long written = f.count("SELECT sum(pages_inserted + pages_updated) FROM notion_sync.sync_runs WHERE " + where);
            assertEquals(6, written, source + ": every seeded page written once");
            assertEquals(written, s.path("pages_written_24h").asLong(), source);
            // every run ended in the last hour: the chart's last bar holds them all, as pages per minute
            JsonNode perMinute = s.path("pages_per_minute_by_hour");
            assertEquals(24, perMinute.size());
            assertEquals(0, BigDecimal.valueOf(written).divide(BigDecimal.valueOf(60), 2, RoundingMode.HALF_UP).compareTo(perMinute.get(23).decimalValue()),
                    source + ": " + perMinute);
            for (int hour = 0; hour < 23; hour++) {
                assertEquals(0, perMinute.get(hour).decimalValue().signum(), source + " hour " + hour);
            }
            long sinceOk = f.count("SELECT round(extract(epoch FROM now() - max(finished_at))) FROM notion_sync.sync_runs WHERE " + where
                    + " AND kind = 'pull' AND outcome = 'ok'");
            assertTrue(Math.abs(sinceOk - s.path("freshness_seconds").asLong()) <= 3, source + ": freshness " + s + " vs " + sinceOk);
            assertEquals(f.count("SELECT count(*) FROM notion_sync.sync_runs WHERE " + where + " AND outcome = 'failed'"), s.path("failed_runs_24h").asLong());
            assertEquals("default", s.path("connection").asText());
        }
        JsonNode projects = source(figures, f.projects);
        JsonNode revenue = source(figures, f.revenue);
        assertEquals(1, projects.path("push_backlog").asLong(), "the pending change of the projects table");
        assertEquals(0, revenue.path("push_backlog").asLong());
        assertEquals(1, revenue.path("inbox_backlog").asLong(), "the event of revenue's data source");
        assertEquals(0, projects.path("inbox_backlog").asLong());
        assertEquals(1, projects.path("conflicts_24h").asLong());
        assertEquals(1, revenue.path("failed_runs_24h").asLong());
        assertEquals("Notion answered 502: " + HOSTILE, revenue.path("last_error").asText());
        assertTrue(revenue.path("paused").asBoolean());
        assertFalse(projects.path("paused").asBoolean());
        // polled every second: its latest run may be under way
        assertTrue(java.util.Set.of("ok", "running").contains(projects.path("last_run").path("outcome").asText()), projects.toString());

        JsonNode connection = figures.path("connections").get(0);
        assertEquals("default", connection.path("connection").asText());
        assertEquals(50, connection.path("rate_configured").asInt());
        assertEquals(50 * 60, connection.path("budget_per_minute").asLong());
        assertTrue(connection.path("calls_last_minute").asLong() > 0, connection.toString());
        assertEquals(2, connection.path("sources").asLong());
        assertEquals("closed", connection.path("circuit_breaker").asText());

        assertEquals("operator_action", figures.path("events").get(0).path("type").asText(), figures.path("events").toString());
        assertTrue(figures.path("audit").size() >= 2, figures.path("audit").toString());
        JsonNode pause = figures.path("audit").get(0);
        assertEquals("pauseSource", pause.path("action").asText());
        assertEquals(USER, pause.path("actor").asText());
        JsonNode refused = figures.path("audit").get(1);
        assertEquals(HOSTILE, refused.path("target").asText());
        assertEquals("failed", refused.path("outcome").asText());

        HttpResponse<String> page = f.get(f.base + "/observe/dashboard", USER, PASSWORD);
        assertEquals(200, page.statusCode(), page.body());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.startsWith("default-src 'none'; script-src 'sha256-"), csp);
        assertFalse(csp.contains("unsafe-inline") || csp.contains("http"), csp);
        String html = page.body();
        // the figures, as the page shows them
        assertEquals("1", figure(html, "open_dead_letters"));
        assertEquals("1", figure(html, "push_backlog"));
        assertEquals("1", figure(html, "inbox_backlog"));
        assertEquals("1", figure(html, "conflicts_24h"));
        assertEquals(String.valueOf(totals.path("failed_runs_24h").asLong()), figure(html, "failed_runs_24h"));
        String projectsCard = card(html, f.projects);
        assertEquals("6", figure(projectsCard, "pages_written_24h"));
        assertEquals("1", figure(projectsCard, "push_backlog"));
        assertTrue(java.util.Set.of("ok", "running").contains(figure(projectsCard, "last_outcome")), projectsCard);
        String revenueCard = card(html, f.revenue);
        assertEquals("1", figure(revenueCard, "inbox_backlog"));
        assertEquals("1", figure(revenueCard, "failed_runs_24h"));
        assertTrue(revenueCard.contains(">paused<"), revenueCard);
        assertTrue(projectsCard.contains("<svg") && projectsCard.contains("pages per minute by hour"), "the chart");

        // hostile texts: shown, escaped, never as markup
        assertFalse(html.contains("<script>alert") || html.contains("<img src=x"), "a hostile text pasted as HTML");
        String escaped = "&lt;script&gt;alert(&quot;pwn&#39;d&quot;)&lt;/script&gt;&amp;&lt;img src=x onerror=alert(1)&gt;";
        assertTrue(figure(revenueCard, "last_error").contains("Notion answered 502: " + escaped), revenueCard);
        assertTrue(section(html, "id=\"events\"").contains(escaped), "the dead letter's message in the events");
        assertTrue(section(html, "id=\"audit\"").contains("verify " + escaped), "the refused action's target in the audit entries");
        assertEquals(1, count(html, "<script>"), "the page's own script only");
        // nothing from elsewhere: no CDN, no font, no link
        assertFalse(html.replace("http://www.w3.org/2000/svg", "").matches("(?s).*(https?:|<link|<img|<iframe|<[^>]*\\s(src|href)=|@import|url\\().*"),
                "an external resource");

        // no secret anywhere
        for (String body : new String[] {html, jsonAnswer.body()}) {
            assertFalse(body.contains(TestEngine.TOKEN), "the Notion token");
            assertFalse(body.contains(PASSWORD), "the management password");
            assertFalse(body.contains(DashboardFixture.basic(USER, PASSWORD).substring(6)), "the Authorization header");
        }

        // the management credentials, or nothing
        for (String path : new String[] {"/observe/dashboard", "/observe/dashboard.json", "/observe/health/../dashboard", "/observe/metrics/%2e%2e/dashboard.json"}) {
            HttpResponse<String> none = f.get(f.base + path, null, null);
            assertEquals(401, none.statusCode(), path + ": " + none.body());
            HttpResponse<String> wrong = f.get(f.base + path, USER, "wrong_password");
            assertEquals(401, wrong.statusCode(), path + ": " + wrong.body());
            HttpResponse<String> otherUser = f.get(f.base + path, "mallory", PASSWORD);
            assertEquals(401, otherUser.statusCode(), path + ": " + otherUser.body());
            for (HttpResponse<String> refusedAnswer : java.util.List.of(none, wrong, otherUser)) {
                assertFalse(refusedAnswer.body().contains(f.projects), path + ": a figure without credentials");
            }
        }
    }

    private static JsonNode source(JsonNode figures, String name) {
        for (JsonNode s : figures.path("sources")) {
            if (s.path("source").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no source " + name + " in " + figures.path("sources"));
    }

    /** The text of the first element marked data-figure="name". */
    static String figure(String html, String name) {
        Matcher m = Pattern.compile("data-figure=\"" + name + "\">([^<]*)<").matcher(html);
        if (!m.find()) {
            throw new AssertionError("no figure " + name + " in " + html);
        }
        return m.group(1);
    }

    /** A source's card on the page. */
    static String card(String html, String source) {
        return section(html, "data-source=\"" + source + "\"");
    }

    private static String section(String html, String marker) {
        int start = html.indexOf(marker);
        if (start < 0) {
            throw new AssertionError("no " + marker + " in " + html);
        }
        int end = html.indexOf(marker.startsWith("data-source") ? "</section>" : "</table>", start);
        return html.substring(start, end);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
