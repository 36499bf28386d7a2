package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Recordings;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The /__sim control API (seed, import, stats) and the simulate command's argument handling. */
class ControlApiTest {

    @Test
    void seedAddsPagesWithEveryPropertyOfTheSchema() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(3))) {
            SimClient control = new SimClient(sim.baseUrl(), null);
            String ds = sim.workspace().source("agents").dataSourceId();
            SimClient.Reply r = control.send("POST", "/__sim/seed", Map.of("data_source_id", ds, "pages", 500), null, null);
            assertEquals(200, r.status(), String.valueOf(r.body()));
            assertEquals(500, r.body().get("created").asInt());
            assertEquals(503, sim.model().pageCount(ds));
            JsonNode page = sim.model().pages(ds).get(100);
            JsonNode schema = sim.model().dataSource(ds).orElseThrow().get("properties");
            schema.fieldNames().forEachRemaining(name -> assertTrue(page.get("properties").has(name), name));
            assertEquals(400, control.send("POST", "/__sim/seed", Map.of("pages", 5), null, null).status());
        }
    }

    @Test
    void importedRecordingsAreServedBack() throws Exception {
        Path file = Recordings.folder().resolve("id_prop.json");
        Assumptions.assumeTrue(Files.exists(file), "recordings folder is absent, so there is no id_prop.json to import");
        JsonNode exchanges = SimClient.MAPPER.readTree(file.toFile());
        JsonNode pages = exchanges.get(0).at("/response_body/results");
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(0))) {
            SimClient control = new SimClient(sim.baseUrl(), null);
            SimClient.Reply imported = control.send("POST", "/__sim/import", Map.of("pages", pages), null, null);
            assertEquals(2, imported.body().get("pages").asInt());
            String id = pages.get(0).get("id").asText();
            com.fasterxml.jackson.databind.node.ObjectNode served = (com.fasterxml.jackson.databind.node.ObjectNode) new SimClient(sim).get("/v1/pages/" + id).body();
            served.remove("request_id"); // query results carry no request_id of their own
            List<String> differences = new java.util.ArrayList<>();
            RecordingFidelityTest.compare("$", pages.get(0), served, differences);
            assertEquals(List.of(), differences);
            assertEquals(pages.get(0).at("/properties/Title/title/0/plain_text").asText(), served.at("/properties/Title/title/0/plain_text").asText());
            String ds = pages.get(0).at("/parent/data_source_id").asText();
            assertEquals(2, new SimClient(sim).post("/v1/data_sources/" + ds + "/query", Map.of()).body().get("results").size());
        }
    }

    @Test
    void statsCountRequestsPerEndpointAndSecond() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(1))) {
            SimClient client = new SimClient(sim);
            for (int i = 0; i < 3; i++) client.get("/v1/users/me");
            client.get("/v1/pages/" + java.util.UUID.randomUUID());
            JsonNode stats = new SimClient(sim.baseUrl(), null).send("GET", "/__sim/stats", null, null, null).body();
            assertEquals(4, stats.get("total_requests").asInt());
            assertEquals(3, stats.at("/by_endpoint").get("GET /v1/users/me").get("200").asInt());
            assertEquals(1, stats.at("/by_endpoint").get("GET /v1/pages/{id}").get("404").asInt());
            assertEquals(4, stats.get("max_requests_in_any_1s_window").asInt());
            int perSecond = 0;
            for (JsonNode n : stats.get("per_second")) perSecond += n.asInt();
            assertEquals(4, perSecond);
        }
    }

    @Test
    void simulateCommandRejectsBadArguments() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured));
        try {
            assertEquals(2, SimulatorMain.run(new String[]{"--port", "abc", "--token", "t"}));
            assertEquals(2, SimulatorMain.run(new String[]{"--bogus"}));
            assertEquals(2, SimulatorMain.run(new String[]{"--token"}));
        } finally {
            System.setErr(err);
        }
        String[] lines = captured.toString().trim().split("\n");
        assertEquals(3, lines.length, "one line per failure: " + captured);
    }
}
