package dev.notionsync.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.sim.NotionSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Webhook-driven pulls: events for pages of a synced source ask for the source's incremental pull instead of one read
 * per page, so a burst of edits delivered as webhooks costs a few queries and no page reads, and every edit lands.
 */
@ExtendWith(IntegrationExtension.class)
class WebhookDrivenPullTest {

    @Test
    void aBurstOfEditsCostsAFewQueriesNotAReadPerPage(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(200);
        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        settings.put("notion.webhook.verification-token", "secret_sim_webhook");
        String table = "\"" + settings.get("notion.db.schema") + "\".projects";
        NotionSync sync = it.start(settings);
        TestEngine.await("first pull", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 200);
        TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + settings.get("camel.server.port")
                + "/webhooks/notion\",\"verification_token\":\"secret_sim_webhook\",\"aggregation_window_ms\":200}");
        String dataSource = simulator.workspace().source("projects").dataSourceId();
        List<JsonNode> pages = simulator.model().pages(dataSource).stream().map(p -> (JsonNode) p).toList();
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/__sim/stats")).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
        long queriesBefore = TestEngine.simRequests(simulator, "POST /v1/data_sources/{id}/query");
        for (JsonNode page : pages) {
            simulator.model().editPage(page.path("id").asText(), TestEngine.titleEdit(page, "burst " + page.path("id").asText()));
        }
        String titleName = TestEngine.titleName(pages.get(0));
        TestEngine.await("every edit of the burst in PostgreSQL (the next poll is an hour away)", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                "SELECT count(*) FROM " + table + " WHERE properties->'" + titleName + "'->'title'->0->>'plain_text' LIKE 'burst %'") == 200);
        TestEngine.await("every event applied", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'pending' OR status = 'processing'") == 0);
        assertEquals(0, TestEngine.simRequests(simulator, "GET /v1/pages/{id}"), "no page is read one by one");
        long queries = TestEngine.simRequests(simulator, "POST /v1/data_sources/{id}/query") - queriesBefore;
        assertTrue(queries <= 15, "200 edits cost " + queries + " queries");
        assertEquals(200, TestEngine.count(sync, "SELECT count(DISTINCT entity_id) FROM notion_sync.webhook_inbox WHERE status = 'applied'"
                + " AND note LIKE 'read by a pull of %'"));
    }

    @Test
    void aTrashedPageIsStillReadOnItsOwn(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(5);
        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        settings.put("notion.webhook.verification-token", "secret_sim_webhook");
        String table = "\"" + settings.get("notion.db.schema") + "\".projects";
        NotionSync sync = it.start(settings);
        TestEngine.await("first pull", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 5);
        TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + settings.get("camel.server.port")
                + "/webhooks/notion\",\"verification_token\":\"secret_sim_webhook\",\"aggregation_window_ms\":200}");
        String page = simulator.model().pages(simulator.workspace().source("projects").dataSourceId()).get(0).path("id").asText();
        simulator.model().trashPage(page, true);   // a person trashes it
        TestEngine.await("the trashed page soft-deleted (queries never list trashed pages)", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM " + table + " WHERE page_id = '" + page + "' AND deleted_at IS NOT NULL") == 1);
    }

    @Test
    void aPausedSourceIsNotPulledByWebhooksUntilItIsResumed(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(5);
        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        settings.put("notion.webhook.verification-token", "secret_sim_webhook");
        String source = TestEngine.sourceName(settings, "projects");
        String table = "\"" + settings.get("notion.db.schema") + "\".projects";
        NotionSync sync = it.start(settings);
        TestEngine.await("first pull", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 5);
        TestEngine.simControl(simulator, "webhooks", "{\"url\":\"http://127.0.0.1:" + settings.get("camel.server.port")
                + "/webhooks/notion\",\"verification_token\":\"secret_sim_webhook\",\"aggregation_window_ms\":200}");
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        operator.pauseSource(source);   // JMX pauseSource
        JsonNode page = simulator.model().pages(simulator.workspace().source("projects").dataSourceId()).get(1);
        simulator.model().editPage(page.path("id").asText(), TestEngine.titleEdit(page, "edited while paused"));
        String titleName = TestEngine.titleName(page);
        String edited = "SELECT count(*) FROM " + table + " WHERE properties->'" + titleName + "'->'title'->0->>'plain_text' = 'edited while paused'";
        TestEngine.await("the event waiting", Duration.ofSeconds(20), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status = 'processing'") == 1);
        Thread.sleep(3000);
        assertEquals(0, TestEngine.count(sync, edited), "a paused source takes no edit, from webhooks either");
        operator.resumeSource(source);
        TestEngine.await("the edit once the source is resumed", Duration.ofSeconds(20), () -> TestEngine.count(sync, edited) == 1);
    }
}
