package dev.notionsync.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's knowledge base, read over HTTP as the engine reads it: its pages and their markdown, every block kind it shows. */
class KnowledgeBaseSeedTest {

    @Test
    void theKnowledgeBaseHasFivePagesWhoseMarkdownShowsEveryKindOfContent() {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("secret_kb").withPages(0))) {
            SeededSource knowledge = sim.seedKnowledgeBase();
            SimClient client = new SimClient(sim);
            JsonNode results = client.post("/v1/data_sources/" + knowledge.dataSourceId() + "/query", Map.of()).body().path("results");
            assertEquals(5, results.size());
            List<String> all = new ArrayList<>();
            for (JsonNode page : results) {
                SimClient.Reply reply = client.get("/v1/pages/" + page.path("id").asText() + "/markdown");
                assertEquals(200, reply.status(), reply.body().toString());
                assertTrue(!reply.body().path("truncated").asBoolean() && reply.body().path("unknown_block_ids").isEmpty(), reply.body().toString());
                all.add(reply.body().path("markdown").asText());
            }
            String markdown = String.join("\n", all);
            for (String expected : List.of("# Who Nova is", "**customer support**", "\t- Offer a link", "> Never promise", "1. Billing",
                    "<callout icon=\"🚨\">", "- [x] Acknowledge", "- [ ] Post a status", "```bash", "kubectl -n notion-sync rollout",
                    "<table header-row=\"true\"", "<td>SEV1</td>", "\t\t\tPin the client version", "---", "🗓️", "مرحبا بكم", "ברוכים")) {
                assertTrue(markdown.contains(expected), "the knowledge base shows " + expected + ":\n" + markdown);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
