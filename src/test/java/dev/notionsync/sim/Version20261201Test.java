package dev.notionsync.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the simulator does differently for Notion-Version 2026-12-01, and that older versions are as they were. */
class Version20261201Test {

    private static final String V = "2026-12-01";

    @Test
    void queriesShowOnlyTheTitleUnlessFilterPropertiesNamesOthers() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("secret_v").withPages(5))) {
            SimClient client = new SimClient(sim);
            String ds = sim.workspace().source("projects").dataSourceId();
            JsonNode schema = sim.model().dataSource(ds).orElseThrow().path("properties");
            JsonNode titleOnly = client.send("POST", "/v1/data_sources/" + ds + "/query", "{}", V, "secret_v").body().path("results").get(0);
            assertEquals(1, titleOnly.path("properties").size(), titleOnly.path("properties").toString());
            assertEquals("title", titleOnly.path("properties").elements().next().path("type").asText());

            String budget = schema.path("Budget with tax").path("id").asText();
            String named = client.send("POST", "/v1/data_sources/" + ds + "/query?filter_properties="
                    + URLEncoder.encode(budget, StandardCharsets.UTF_8) + "&filter_properties=title", "{}", V, "secret_v")
                    .body().path("results").get(0).path("properties").toString();
            assertTrue(named.contains("Budget with tax"), named);

            JsonNode older = client.send("POST", "/v1/data_sources/" + ds + "/query", "{}", SimClient.LATEST, "secret_v").body().path("results").get(0);
            assertEquals(schema.size(), older.path("properties").size(), "2026-03-11 still shows every property");
            JsonNode search = client.send("POST", "/v1/search", "{\"filter\":{\"property\":\"object\",\"value\":\"page\"}}", V, "secret_v").body();
            assertEquals(1, search.path("results").get(0).path("properties").size(), "search pages: title only");
        }
    }

    @Test
    void theComputationBudgetAndTheWorkspaceLimitAreControls() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("secret_v").withPages(3))) {
            SimClient client = new SimClient(sim);
            String ds = sim.workspace().source("projects").dataSourceId();
            String page = sim.model().pages(ds).get(0).path("id").asText();
            control(sim, "computation-budget", "{\"exceeded\":true}");
            JsonNode properties = client.send("GET", "/v1/pages/" + page, null, V, "secret_v").body().path("properties");
            assertEquals("unsupported", properties.path("Budget with tax").path("formula").path("type").asText());
            assertEquals("unsupported", properties.path("Revenue total").path("rollup").path("type").asText());
            JsonNode older = client.send("GET", "/v1/pages/" + page, null, SimClient.LATEST, "secret_v").body().path("properties");
            assertEquals("number", older.path("Budget with tax").path("formula").path("type").asText(), "older versions compute as before");

            control(sim, "faults", "{\"workspace_rate_limit_seconds\":90}");
            SimClient.Reply limited = client.send("GET", "/v1/users/me", null, V, "secret_v");
            assertEquals(429, limited.status());
            assertEquals("public_api_space_request_rate_limit", limited.body().path("additional_data").path("rate_limit_reason").asText());
            assertTrue(Integer.parseInt(limited.header("Retry-After")) > 60, limited.header("Retry-After"));
            control(sim, "faults", "{}");
            assertEquals(200, client.send("GET", "/v1/users/me", null, V, "secret_v").status());
        }
    }

    private static void control(NotionSimulator sim, String path, String json) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(sim.baseUrl() + "/__sim/" + path)).POST(java.net.http.HttpRequest.BodyPublishers.ofString(json)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
    }
}
