package dev.notionsync.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Several connections (integrations) of one workspace: each token has its own budget, its own bot and the data
 * sources shared with it; every connection shares the workspace's limit; a revoked token answers 401. The two 429s
 * say which limit was met, as Notion's additional_data.rate_limit_reason does.
 */
class ConnectionsApiTest {

    @Test
    void eachTokenHasItsOwnBudgetAndAllShareTheWorkspaceLimit() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("default-token").withPages(2).withRate(1))) {
            sim.addConnection("acme", "acme-token", 1);
            SimClient first = new SimClient(sim.baseUrl(), "default-token");
            SimClient second = new SimClient(sim.baseUrl(), "acme-token");

            // each budget holds one request (a second's worth): the second call of a token is refused, the other token's is not
            assertEquals(200, first.get("/v1/users/me").status());
            SimClient.Reply limited = first.get("/v1/users/me");
            assertEquals(429, limited.status());
            assertEquals("public_api_request_rate_limit", limited.body().at("/additional_data/rate_limit_reason").asText());
            assertEquals(200, second.get("/v1/users/me").status(), "another connection's budget is its own");

            // the workspace's limit is one for both: with room in each connection's budget, the workspace's runs out
            sim.setRate(0);
            sim.addConnection("acme", "acme-token", 0);
            sim.setWorkspaceRate(2);
            int[] statuses = {first.get("/v1/users/me").status(), second.get("/v1/users/me").status()};
            SimClient.Reply space = second.get("/v1/users/me");
            assertEquals(List.of(200, 200), List.of(statuses[0], statuses[1]));
            assertEquals(429, space.status());
            assertEquals("public_api_space_request_rate_limit", space.body().at("/additional_data/rate_limit_reason").asText());
            assertTrue(Integer.parseInt(space.header("Retry-After")) >= 1);

            JsonNode stats = new SimClient(sim.baseUrl(), null).send("GET", "/__sim/stats", null, null, null).body();
            assertEquals(3, stats.at("/by_connection/default/total_requests").asInt());
            assertEquals(3, stats.at("/by_connection/acme/total_requests").asInt());
            assertEquals(1, stats.at("/by_connection/acme/rate_limited").asInt());
            assertEquals(3, stats.at("/by_connection/acme/versions/2026-03-11").asInt());
            assertFalse(stats.toString().contains("acme-token"), "no token in the statistics");
        }
    }

    @Test
    void aConnectionSeesOnlyWhatIsSharedWithItAndActsAsItsOwnBot() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("default-token").withPages(2))) {
            SeededSource projects = sim.workspace().source("projects");
            SeededSource revenue = sim.workspace().source("revenue");
            String bot = sim.addConnection("acme", "acme-token", 0, List.of(revenue.dataSourceId()));
            SimClient acme = new SimClient(sim.baseUrl(), "acme-token");

            JsonNode me = acme.get("/v1/users/me").body();
            assertEquals(bot, me.path("id").asText());
            assertNotEquals(sim.model().botUserId(), bot, "each integration has its own bot");
            assertEquals(sim.model().workspaceId(), me.at("/bot/workspace_id").asText(), "in the same workspace");

            assertEquals(200, acme.post("/v1/data_sources/" + revenue.dataSourceId() + "/query", Map.of()).status());
            SimClient.Reply hidden = acme.post("/v1/data_sources/" + projects.dataSourceId() + "/query", Map.of());
            assertEquals(404, hidden.status());
            assertTrue(hidden.body().path("message").asText().contains("shared with your integration \"acme\""), hidden.body().toString());
            assertEquals(404, acme.get("/v1/databases/" + projects.databaseId()).status());
            String projectsPage = sim.model().pages(projects.dataSourceId()).get(0).path("id").asText();
            assertEquals(404, acme.get("/v1/pages/" + projectsPage).status());
            String revenuePage = sim.model().pages(revenue.dataSourceId()).get(0).path("id").asText();
            assertEquals(200, acme.get("/v1/pages/" + revenuePage).status());

            // what it writes, its bot wrote
            String title = null;
            for (var property : (Iterable<Map.Entry<String, JsonNode>>) () -> sim.model().page(revenuePage).orElseThrow().path("properties").fields()) {
                title = property.getValue().path("type").asText().equals("title") ? property.getKey() : title;
            }
            JsonNode edited = acme.patch("/v1/pages/" + revenuePage, Map.of("properties", Map.of(title,
                    Map.of("title", List.of(Map.of("text", Map.of("content", "edited by acme"))))))).body();
            assertEquals(bot, edited.at("/last_edited_by/id").asText());
            assertEquals(200, new SimClient(sim).get("/v1/pages/" + projectsPage).status(), "the default connection sees everything");
        }
    }

    @Test
    void aRevokedTokenAnswers401AndTheOthersGoOn() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("default-token").withPages(2))) {
            SimClient control = new SimClient(sim.baseUrl(), null);
            control.send("POST", "/__sim/connections", Map.of("name", "acme", "token", "acme-token", "rate", 3), null, null);
            SimClient acme = new SimClient(sim.baseUrl(), "acme-token");
            assertEquals(200, acme.get("/v1/users/me").status());

            control.send("DELETE", "/__sim/connections/acme", null, null, null);
            SimClient.Reply refused = acme.get("/v1/users/me");
            assertEquals(401, refused.status());
            assertEquals("unauthorized", refused.body().path("code").asText());
            assertEquals(200, new SimClient(sim).get("/v1/users/me").status());

            JsonNode listed = control.send("GET", "/__sim/connections", null, null, null).body();
            assertEquals(List.of("default", "acme"), listed.path("connections").findValuesAsText("name"));
            assertTrue(listed.toString().contains("\"revoked\":true"), listed.toString());
            assertFalse(listed.toString().contains("acme-token"), "the list shows no token");
        }
    }
}
