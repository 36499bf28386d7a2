package dev.notionsync.notion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The door never sends a create or an append twice on its own: Notion may have applied the first (as Notion's SDK,
 * which retries 500/503 only for GET and DELETE). Reads and updates are retried as before; 429 is retried for all.
 */
class NotionDoorResendTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tempDir;

    @Test
    void aCreateIsSentOnceUnderCutOffAnswersAnd5xxButRetriedOn429WhileReadsAreRetried() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
            values.put("notion.api.max-retries", "2");
            values.put("notion.api.backoff-base", "10ms");
            values.put("notion.api.breaker.minimum-calls", "100");
            String dataSource = simulator.workspace().source("projects").dataSourceId();
            String create = "{\"parent\":{\"type\":\"data_source_id\",\"data_source_id\":\"" + dataSource + "\"},"
                    + "\"properties\":{\"Name\":{\"title\":[{\"text\":{\"content\":\"Door test\"}}]}}}";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                NotionApi api = new NotionDoorClient(sync.context().createProducerTemplate());

                TestEngine.simControl(simulator, "faults", "{\"truncate_body\":1.0}");
                assertThrows(NotionApiException.class, () -> api.call(NotionRequest.post("/v1/pages", create)));
                assertEquals(1, requests(simulator, "POST /v1/pages"), "a create whose answer was cut off is not sent again");
                String database = simulator.workspace().source("projects").databaseId();
                assertThrows(NotionApiException.class, () -> api.call(NotionRequest.get("/v1/databases/" + database)));
                assertEquals(3, requests(simulator, "GET /v1/databases/{id}"), "a read whose answer was cut off is: 1 + 2 retries");

                TestEngine.simControl(simulator, "faults", "{\"errors\":{\"500\":1.0}}");
                assertThrows(NotionApiException.class, () -> api.call(NotionRequest.post("/v1/pages", create)));
                assertEquals(2, requests(simulator, "POST /v1/pages"), "a create answered 500 is not sent again");

                TestEngine.simControl(simulator, "faults", "{\"errors\":{\"429\":1.0},\"retry_after_seconds\":0}");
                assertThrows(NotionRateLimitedException.class, () -> api.call(NotionRequest.post("/v1/pages", create)));
                assertEquals(5, requests(simulator, "POST /v1/pages"), "429: Notion did nothing, so 1 + 2 retries");
                TestEngine.simControl(simulator, "faults", "{}");
            }
            long made = simulator.model().pages(dataSource).stream()
                    .filter(p -> "Door test".equals(p.at("/properties/Name/title/0/plain_text").asText())).count();
            assertEquals(1, made, "only the cut-off create made a page (the 500 and 429 ones were refused before)");
        }
    }

    @Test
    void whatMayBeResentFollowsTheRequestNotJustTheStatus() {
        NotionRequest create = NotionRequest.post("/v1/pages", "{}");
        NotionRequest append = NotionRequest.patch("/v1/blocks/abc/children", "{}");
        NotionRequest comment = NotionRequest.post("/v1/comments", "{}");
        // markdown updates: insert_content would insert twice; replace_content is tried again by the content push itself,
        // after reading the page, so a person's edit made meanwhile is a conflict and not overwritten
        NotionRequest replace = NotionRequest.patch("/v1/pages/abc/markdown", "{\"type\":\"replace_content\",\"replace_content\":{\"new_str\":\"x\"}}");
        NotionRequest insert = NotionRequest.patch("/v1/pages/abc/markdown", "{\"type\":\"insert_content\",\"insert_content\":{\"content\":\"x\"}}");
        NotionRequest update = NotionRequest.patch("/v1/pages/abc/markdown", "{\"type\":\"update_content\",\"update_content\":{}}");
        for (NotionRequest once : new NotionRequest[] {create, append, comment, insert, update, replace}) {
            assertFalse(once.resendable(), once.endpoint());
            assertFalse(NotionRetryPolicy.mayResend(once, NotionApiException.of("x", 503, "service_unavailable", "", "", null)), once.endpoint());
            assertFalse(NotionRetryPolicy.mayResend(once, new java.net.SocketTimeoutException("Read timed out")), once.endpoint());
            assertFalse(NotionRetryPolicy.mayResend(once, new org.apache.camel.RuntimeCamelException(new IOException("Premature end"))));
            assertTrue(NotionRetryPolicy.mayResend(once, NotionApiException.of("x", 429, "rate_limited", "", "", 1L)), once.endpoint());
            assertTrue(NotionRetryPolicy.mayResend(once, NotionApiException.of("x", 529, "service_overload", "", "", 1L)), once.endpoint());
            assertTrue(NotionRetryPolicy.mayResend(once, new java.net.ConnectException("Connection refused")), once.endpoint());
        }
        for (NotionRequest again : new NotionRequest[] {NotionRequest.get("/v1/pages/abc"), NotionRequest.patch("/v1/pages/abc", "{}"),
                NotionRequest.post("/v1/data_sources/abc/query", "{}"), NotionRequest.post("/v1/search", "{}"),
                new NotionRequest("DELETE", "/v1/blocks/abc", null, null)}) {
            assertTrue(again.resendable(), again.endpoint());
            assertTrue(NotionRetryPolicy.mayResend(again, new java.net.SocketTimeoutException("Read timed out")), again.endpoint());
        }
    }

    private static long requests(NotionSimulator simulator, String endpoint) throws Exception {
        JsonNode counts = JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats")).path("by_endpoint").path(endpoint);
        long total = 0;
        for (JsonNode count : counts) {
            total += count.asLong();
        }
        return total;
    }
}
