package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rate limiting, injected faults and the statistics that tests use to check clients. */
class LimitsAndFaultsTest {

    @Test
    void excessRequestsAreRateLimitedWithRetryAfter() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(2).withRate(3))) {
            SimClient client = new SimClient(sim);
            List<SimClient.Reply> replies = new ArrayList<>();
            long started = System.nanoTime();
            for (int i = 0; i < 10; i++) replies.add(client.get("/v1/users/me"));
            // on a busy machine the ten calls can take longer than a second, and the budget refills meanwhile (3/s)
            double refills = 3 * (System.nanoTime() - started) / 1e9;
            SimClient.Reply limited = replies.stream().filter(r -> r.status() == 429).findFirst().orElseThrow();
            assertEquals(List.of("object", "status", "code", "message", "additional_data", "request_id"), SimulatorApiTest.keys(limited.body()));
            assertEquals("rate_limited", limited.body().get("code").asText());
            assertEquals("You have been rate limited. Please try again in a few minutes.", limited.body().get("message").asText());
            assertTrue(limited.body().at("/additional_data/rate_limit_reason").isTextual());
            assertTrue(Integer.parseInt(limited.header("Retry-After")) >= 1);
            assertTrue(replies.stream().filter(r -> r.status() == 200).count() <= 4 + refills, "burst of one second's budget");

            JsonNode stats = new SimClient(sim.baseUrl(), null).send("GET", "/__sim/stats", null, null, null).body();
            assertTrue(stats.get("rate_limited").asInt() >= 6 - refills);
            if (refills < 3) {
                assertEquals(10, stats.get("max_requests_in_any_1s_window").asInt());
            }
            assertTrue(stats.at("/by_endpoint/GET ~1v1~1users~1me/429").asInt() >= 6 || stats.get("by_endpoint").toString().contains("429"));
        }
    }

    @Test
    void injectedErrorsUseNotionsBodies() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(2))) {
            SimClient client = new SimClient(sim);
            SimClient control = new SimClient(sim.baseUrl(), null);
            Map<Integer, String> codes = Map.of(500, "internal_server_error", 502, "bad_gateway", 503, "service_unavailable", 504, "gateway_timeout", 529, "service_overload",
                    429, "rate_limited");
            for (Map.Entry<Integer, String> e : codes.entrySet()) {
                control.send("POST", "/__sim/faults", Map.of("errors", Map.of(String.valueOf(e.getKey()), 1.0)), null, null);
                SimClient.Reply r = client.get("/v1/users/me");
                assertEquals(e.getKey(), r.status());
                assertEquals(e.getValue(), r.body().get("code").asText());
                assertTrue(r.body().has("request_id"));
                if (e.getKey() == 529 || e.getKey() == 429) assertTrue(r.header("Retry-After") != null);
            }
            control.send("POST", "/__sim/faults", Map.of(), null, null);
            assertEquals(200, client.get("/v1/users/me").status());
        }
    }

    @Test
    void faultsAreRepeatableForASeed() throws Exception {
        List<List<Integer>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(1))) {
                SimClient client = new SimClient(sim);
                new SimClient(sim.baseUrl(), null).send("POST", "/__sim/faults", Map.of("seed", 99, "errors", Map.of("503", 0.3, "500", 0.1)), null, null);
                List<Integer> statuses = new ArrayList<>();
                for (int i = 0; i < 30; i++) statuses.add(client.get("/v1/users/me").status());
                runs.add(statuses);
            }
        }
        assertEquals(runs.get(0), runs.get(1));
        assertTrue(runs.get(0).contains(503));
    }

    @Test
    void droppedConnectionsAndTruncatedBodiesBreakTheClient() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(1))) {
            SimClient control = new SimClient(sim.baseUrl(), null);
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest request = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/users/me")).timeout(java.time.Duration.ofSeconds(5))
                    .header("Authorization", "Bearer t").header("Notion-Version", "2026-03-11").build();
            control.send("POST", "/__sim/faults", Map.of("drop_connection", 1.0), null, null);
            assertThrows(java.io.IOException.class, () -> http.send(request, HttpResponse.BodyHandlers.ofString()));
            control.send("POST", "/__sim/faults", Map.of("truncate_body", 1.0), null, null);
            assertThrows(java.io.IOException.class, () -> http.send(request, HttpResponse.BodyHandlers.ofString()));
            control.send("POST", "/__sim/faults", Map.of("latency_ms", 150), null, null);
            long start = System.nanoTime();
            assertEquals(200, http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertTrue((System.nanoTime() - start) / 1_000_000 >= 150);
            JsonNode stats = control.send("GET", "/__sim/stats", null, null, null).body();
            // the JDK client retries an idempotent GET once when the connection breaks
            assertTrue(stats.at("/faults_injected/dropped_connection").asInt() >= 1);
            assertTrue(stats.at("/faults_injected/truncated_body").asInt() >= 1);
        }
    }

    @Test
    void aCreateWhoseAnswerIsCutOffMadeThePageAndCutsCanBeLimitedToSomeEndpoints() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(1))) {
            SimClient control = new SimClient(sim.baseUrl(), null);
            HttpClient http = HttpClient.newHttpClient();
            String dataSource = sim.workspace().source("projects").dataSourceId();
            HttpRequest create = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/pages")).timeout(java.time.Duration.ofSeconds(5))
                    .header("Authorization", "Bearer t").header("Notion-Version", "2026-03-11").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"parent\":{\"data_source_id\":\"" + dataSource + "\"},"
                            + "\"properties\":{\"Name\":{\"title\":[{\"text\":{\"content\":\"Lost answer\"}}]}}}")).build();
            HttpRequest read = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/users/me")).timeout(java.time.Duration.ofSeconds(5))
                    .header("Authorization", "Bearer t").header("Notion-Version", "2026-03-11").build();
            control.send("POST", "/__sim/faults", Map.of("truncate_body", 1.0, "truncate_only", List.of("POST /v1/pages")), null, null);
            assertThrows(java.io.IOException.class, () -> http.send(create, HttpResponse.BodyHandlers.ofString()));
            assertEquals(200, http.send(read, HttpResponse.BodyHandlers.ofString()).statusCode(), "other endpoints answer whole");
            assertEquals(1, sim.model().pages(dataSource).stream()
                    .filter(p -> "Lost answer".equals(p.at("/properties/Name/title/0/plain_text").asText())).count(),
                    "the answer was lost, the page was made");
            control.send("POST", "/__sim/faults", Map.of(), null, null);
        }
    }
}
