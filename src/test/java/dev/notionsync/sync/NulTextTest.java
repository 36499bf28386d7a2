package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text is stored verbatim, the six characters backslash-u0000 included; a real NUL character, which PostgreSQL text
 * and jsonb refuse, becomes U+FFFD in the typed column and in the raw JSON, counted, and the page is kept.
 */
class NulTextTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LITERAL = "C:\\u0000\\path \\\\u0000 end";   // backslashes and "u0000" as typed
    private static final String WITH_NUL = "before\u0000after";

    @TempDir
    Path tempDir;

    @Test
    void literalEscapeTextIsKeptAndARealNulBecomesTheReplacementCharacter() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            SeededSource projects = simulator.workspace().source("projects");
            List<JsonNode> pages = simulator.model().pages(projects.dataSourceId()).stream().map(p -> (JsonNode) p).toList();
            String literalPage = pages.get(0).path("id").asText();
            String nulPage = pages.get(1).path("id").asText();
            simulator.model().editPage(literalPage, TestEngine.titleEdit(pages.get(0), LITERAL));
            simulator.model().editPage(nulPage, TestEngine.titleEdit(pages.get(1), WITH_NUL));
            String titleName = TestEngine.titleName(pages.get(0));

            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("3 rows", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 3);
                String title = titleColumn(sync, values.get("notion.db.schema"));

                assertEquals(LITERAL, column(sync, table, title, literalPage), "typed column keeps the text verbatim");
                assertEquals(LITERAL, plainTitle(column(sync, table, "properties::text", literalPage), titleName), "raw JSON keeps it too");

                String replaced = "before\uFFFDafter";
                assertEquals(replaced, column(sync, table, title, nulPage), "NUL replaced in the typed column");
                assertEquals(replaced, plainTitle(column(sync, table, "properties::text", nulPage), titleName), "and in the raw JSON");

                String metrics = TestEngine.httpGet("http://127.0.0.1:" + values.get("camel.management.port") + "/observe/metrics");
                // counted each time such a page is read (the overlap re-reads it): one page, at least once
                assertTrue(java.util.regex.Pattern.compile("notion_sync_pages_total\\{outcome=\"nul_replaced\",source=\""
                        + TestEngine.sourceName(values, "projects") + "\"} [1-9]").matcher(metrics).find(), metrics);
            }
        }
    }

    private static String plainTitle(String propertiesJson, String titleName) throws Exception {
        StringBuilder text = new StringBuilder();
        JSON.readTree(propertiesJson).path(titleName).path("title").forEach(t -> text.append(t.path("plain_text").asText()));
        return text.toString();
    }

    private static String column(NotionSync sync, String table, String column, String pageId) throws Exception {
        try (Connection c = sync.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM " + table + " WHERE page_id = CAST(? AS uuid)")) {
            ps.setString(1, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "row of page " + pageId);
                return rs.getString(1);
            }
        }
    }

    private static String titleColumn(NotionSync sync, String schema) throws Exception {
        try (Connection c = sync.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT column_base FROM notion_sync.column_catalog"
                     + " WHERE table_schema = ? AND table_name = 'projects' AND property_type = 'title' AND removed_at IS NULL")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return "\"" + rs.getString(1) + "\"";
            }
        }
    }
}
