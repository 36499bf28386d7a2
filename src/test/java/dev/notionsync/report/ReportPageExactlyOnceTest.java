package dev.notionsync.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A report run makes one Notion page with each block once, however many of Notion's answers are cut off. */
class ReportPageExactlyOnceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final int DEALS = 130;

    @TempDir
    Path tempDir;

    @Test
    void cutOffAnswersToTheCreateAndTheAppendsLeaveOnePageWithEveryBlockOnce() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(DEALS))) {
            Map<String, String> settings = TestEngine.settingsFor(simulator, tempDir, "1h", "revenue");
            String home = TestEngine.notion(simulator, "GET", "/v1/databases/" + simulator.workspace().source("revenue").databaseId(), "")
                    .path("parent").path("page_id").asText();
            String reportsPage = TestEngine.notion(simulator, "POST", "/v1/pages", "{\"parent\":{\"page_id\":\"" + home
                    + "\"},\"properties\":{\"title\":{\"title\":[{\"text\":{\"content\":\"Reports\"}}]}}}").path("id").asText();
            settings.put("notion.reports", "deals");
            settings.put("notion.reports.folder", tempDir.resolve("out").toString());
            settings.put("notion.reports.notion-parent-page", reportsPage);
            settings.put("notion.report.deals.cron", "0 0 0 1 1 ? 2099");
            settings.put("notion.report.deals.title", "Deals");
            settings.put("notion.report.deals.sql", "-- section: Deals\nSELECT deal_id, amount FROM revenue ORDER BY deal_id_number;\n"
                    + "-- section: Count\nSELECT count(*) AS deals FROM revenue");
            settings.put("notion.report.deals.outputs", "notion");
            settings.put("notion.dead-letter.max-redeliveries", "60");
            settings.put("notion.dead-letter.redelivery-delay-ms", "200");
            settings.put("notion.api.backoff-base", "50ms");
            settings.put("notion.api.backoff-max", "200ms");
            settings.put("notion.api.breaker.minimum-calls", "1000");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(settings))) {
                sync.start();
                String table = "\"" + settings.get("notion.db.schema") + "\".revenue";
                TestEngine.await("revenue rows", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == DEALS);

                // every answer to a create or an append is cut off, after Notion applied it
                TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0,"
                        + "\"truncate_only\":[\"POST /v1/pages\",\"PATCH /v1/blocks/{id}/children\"]}");
                CompletableFuture<Object> run = CompletableFuture.supplyAsync(() ->
                        sync.context().createProducerTemplate().requestBody("direct:report-deals", ReportRunner.manualBody()));
                try {
                    run.get(120, java.util.concurrent.TimeUnit.SECONDS);
                } finally {
                    TestEngine.simControl(simulator, "faults", "{}");
                }
                JsonNode stats = JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats"));
                assertTrue(stats.at("/faults_injected/truncated_body").asInt() >= 3, "the create and both appends lost their answers: " + stats);
                assertEquals("ok", TestEngine.queryString(sync, "SELECT outcome FROM notion_sync.report_runs WHERE report = 'deals'"));
                String pageId = TestEngine.queryString(sync, "SELECT notion_page_id FROM notion_sync.report_runs WHERE report = 'deals'");

                List<JsonNode> reportPages = children(simulator, reportsPage).stream()
                        .filter(b -> b.path("type").asText().equals("child_page")).toList();
                assertEquals(1, reportPages.size(), "one run, one page: " + reportPages);
                assertEquals(pageId.replace("-", ""), reportPages.get(0).path("id").asText().replace("-", ""));

                List<JsonNode> blocks = children(simulator, pageId);
                assertEquals(List.of("heading_1", "paragraph", "paragraph", "paragraph", "heading_2", "table", "heading_2", "table"),
                        blocks.stream().map(b -> b.path("type").asText()).toList(), "each block once, in order");
                List<JsonNode> deals = children(simulator, blocks.get(5).path("id").asText());
                assertEquals(DEALS + 1, deals.size(), "header and each deal once");
                List<String> ids = new ArrayList<>();
                deals.forEach(row -> ids.add(row.at("/table_row/cells/0/0/plain_text").asText()));
                assertEquals(ids.size(), ids.stream().distinct().count(), "no row twice");
            }
        }
    }

    private static List<JsonNode> children(NotionSimulator simulator, String blockId) {
        List<JsonNode> all = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode answer = TestEngine.notion(simulator, "GET", "/v1/blocks/" + blockId + "/children?page_size=100"
                    + (cursor == null ? "" : "&start_cursor=" + cursor), "");
            answer.path("results").forEach(all::add);
            cursor = answer.path("has_more").asBoolean() ? answer.path("next_cursor").asText() : null;
        } while (cursor != null);
        return all;
    }

}
