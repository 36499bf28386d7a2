package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database with two data sources, and edits arriving through the simulator's signed webhook deliveries. */
class MultiSourceAndWebhookDeliveryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tempDir;

    @Test
    void aDatabaseWithTwoDataSourcesSyncsEachIntoItsOwnTable() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(12))) {
            SeededSource projects = simulator.workspace().source("projects");
            JsonNode second = TestEngine.notion(simulator, "POST", "/v1/data_sources", "{\"parent\":{\"type\":\"database_id\",\"database_id\":\""
                    + projects.databaseId() + "\"},\"title\":[{\"text\":{\"content\":\"Archive\"}}],"
                    + "\"properties\":{\"Name\":{\"title\":{}},\"Score\":{\"number\":{}}}}");
            String secondId = second.path("id").asText();
            for (int i = 0; i < 7; i++) {
                TestEngine.notion(simulator, "POST", "/v1/pages", "{\"parent\":{\"type\":\"data_source_id\",\"data_source_id\":\"" + secondId + "\"},"
                        + "\"properties\":{\"Name\":{\"title\":[{\"text\":{\"content\":\"archived " + i + "\"}}]},\"Score\":{\"number\":" + (i * 1.5) + "}}}");
            }
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            values.put("notion.source." + TestEngine.sourceName(values, "projects") + ".id", projects.databaseId());
            String schema = "\"" + values.get("notion.db.schema") + "\"";
            String secondTable = "projects_" + secondId.replace("-", "").substring(0, 8);
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("both tables", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".projects") == 12
                        && TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".\"" + secondTable + "\"") == 7);
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".\"" + secondTable + "\" WHERE score = 4.5"));
            }
        }
    }

    @Test
    void anEditInNotionArrivesThroughTheWebhookLongBeforeTheNextPoll() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(10))) {
            SeededSource projects = simulator.workspace().source("projects");
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
            values.put("notion.webhook.verification-token", "secret_sim_webhook");
            String table = "\"" + values.get("notion.db.schema") + "\".projects";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await("first pull", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 10);
                TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + values.get("camel.server.port")
                        + "/webhooks/notion\",\"verification_token\":\"secret_sim_webhook\",\"aggregation_window_ms\":200}");
                JsonNode page = simulator.model().pages(projects.dataSourceId()).get(4);
                simulator.model().editPage(page.path("id").asText(), TestEngine.titleEdit(page, "edited, then pushed by webhook"));
                String titleName = TestEngine.titleName(page);
                TestEngine.await("the webhook's edit in PostgreSQL (next poll is an hour away)", Duration.ofSeconds(15), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE properties->'" + titleName + "'->'title'->0->>'plain_text' = 'edited, then pushed by webhook'") == 1);
                assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'applied'"));
            }
        }
    }
}
