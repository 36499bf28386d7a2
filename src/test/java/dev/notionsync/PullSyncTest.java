package dev.notionsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The pull route end to end: simulator over HTTP -> door -> mapper -> PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
class PullSyncTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;

    @BeforeAll
    void start(Integration integration) throws Exception {
        simulator = integration.simulator(40);
        settings = integration.settings(simulator, "1s");
        sync = integration.start(settings);
        for (SeededSource source : simulator.workspace().sources()) {
            long expected = simulator.model().pages(source.dataSourceId()).size();
            TestEngine.await(source.name() + " rows", Duration.ofSeconds(60),
                    () -> TestEngine.count(sync, "SELECT count(*) FROM " + schema() + "." + source.name()) == expected);
        }
    }

    String schema() {
        return "\"" + settings.get("notion.db.schema") + "\"";
    }

    String sourceName(String seeded) {
        return TestEngine.sourceName(settings, seeded);
    }

    @Test
    void everySeededPageArrivesWithTypedColumns() throws Exception {
        SeededSource projects = simulator.workspace().source("projects");
        Map<String, String> typeOfColumn = new HashMap<>();
        try (Connection c = sync.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT k.property_type, k.column_base, col.data_type FROM notion_sync.column_catalog k"
                             + " JOIN information_schema.columns col ON col.table_schema = k.table_schema AND col.table_name = k.table_name"
                             + " AND col.column_name = k.column_base WHERE k.table_schema = ? AND k.table_name = 'projects'")) {
            ps.setString(1, settings.get("notion.db.schema"));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    typeOfColumn.putIfAbsent(rs.getString(1), rs.getString(3));
                }
            }
        }
        assertEquals("text", typeOfColumn.get("title"));
        assertEquals("numeric", typeOfColumn.get("number"));
        assertEquals("boolean", typeOfColumn.get("checkbox"));

        // every page's title and system fields read back as Notion shows them
        for (JsonNode page : simulator.model().pages(projects.dataSourceId())) {
            String id = page.path("id").asText();
            String title = titleOf(page);
            try (Connection c = sync.database().dataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT " + quotedColumn("projects", "title") + ", url, last_edited_time, in_trash, properties"
                         + " FROM " + schema() + ".projects WHERE page_id = CAST(? AS uuid)")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next(), "row for page " + id);
                    assertEquals(title, rs.getString(1));
                    assertEquals(page.path("url").asText(), rs.getString(2));
                    assertEquals(java.time.Instant.parse(page.path("last_edited_time").asText()), rs.getTimestamp(3).toInstant());
                    assertEquals(page.path("in_trash").asBoolean(), rs.getBoolean(4));
                    assertTrue(JSON.readTree(rs.getString(5)).size() >= page.path("properties").size(), "raw properties kept");
                }
            }
        }
    }

    @Test
    void metricsShowTheCallsAndThePages() {
        String metrics = TestEngine.httpGet("http://127.0.0.1:" + settings.get("camel.management.port") + "/observe/metrics");
        assertTrue(metrics.contains("notion_api_requests_seconds_count{connection=\"default\",endpoint=\"POST /v1/data_sources/{id}/query\",status=\"200\"}"), metrics);
        assertTrue(metrics.contains("notion_sync_pages_total{outcome=\"inserted\",source=\"" + sourceName("projects") + "\"} 40.0"), metrics);
        assertTrue(metrics.contains("notion_api_circuit_breaker_state{connection=\"default\"} 0.0"), metrics);
        assertTrue(metrics.contains("notion_sync_watermark_lag_seconds{source=\"" + sourceName("projects") + "\"}"), metrics);
        assertTrue(metrics.contains("notion_api_throttle_wait_seconds_count"), metrics);
    }

    @Test
    void usesTheConfiguredDatabase() {
        // the embedded default when notion.db.url is blank: DurableEmbeddedDatabaseTest
        assertEquals(settings.get("notion.db.url"), sync.database().displayUrl(), "the server and database notion.db.url names");
        assertFalse(sync.database().isEmbedded());
    }

    @Test
    void managementHealthIsUp() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + settings.get("camel.management.port") + "/observe/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("postgres"), response.body());
        assertTrue(response.body().contains("UP"), response.body());
    }

    @Test
    void aSecondRunWritesNothingAndAnEditUpdatesExactlyItsRow() throws Exception {
        String source = sourceName("projects");
        SeededSource projects = simulator.workspace().source("projects");
        long runsBefore = completedRuns(source);
        TestEngine.await("two more pull runs", Duration.ofSeconds(30), () -> completedRuns(source) >= runsBefore + 2);
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source
                + "' AND outcome = 'ok' AND id > (SELECT min(id) FROM notion_sync.sync_runs WHERE source = '" + source + "')"
                + " AND (pages_inserted > 0 OR pages_updated > 0)"), "runs after the first insert or update nothing");

        JsonNode page = simulator.model().pages(projects.dataSourceId()).get(3);
        String pageId = page.path("id").asText();
        java.sql.Timestamp before = latestSync(pageId);
        simulator.model().editPage(pageId, TestEngine.titleEdit(page, "Renamed in Notion"));

        TestEngine.await("the edited title in PostgreSQL", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM " + schema() + ".projects WHERE " + quotedColumn("projects", "title") + " = 'Renamed in Notion'") == 1);
        long changedRows = TestEngine.count(sync, "SELECT count(*) FROM " + schema() + ".projects WHERE synced_at > '" + before + "'");
        assertEquals(1, changedRows, "only the edited page's row was written");
    }

    private long completedRuns(String source) {
        return TestEngine.count(sync, "SELECT count(*) FROM notion_sync.sync_runs WHERE source = '" + source + "' AND outcome = 'ok'");
    }

    private java.sql.Timestamp latestSync(String pageId) throws Exception {
        try (Connection c = sync.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT max(synced_at) FROM " + schema() + ".projects")) {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getTimestamp(1);
            }
        }
    }

    private String quotedColumn(String table, String propertyType) {
        try (Connection c = sync.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT column_base FROM notion_sync.column_catalog"
                     + " WHERE table_schema = ? AND table_name = ? AND property_type = ? AND removed_at IS NULL")) {
            ps.setString(1, settings.get("notion.db.schema"));
            ps.setString(2, table);
            ps.setString(3, propertyType);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return "\"" + rs.getString(1) + "\"";
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String titleOf(JsonNode page) {
        StringBuilder text = new StringBuilder();
        page.path("properties").path(TestEngine.titleName(page)).path("title").forEach(t -> text.append(t.path("plain_text").asText()));
        return text.toString();
    }
}
