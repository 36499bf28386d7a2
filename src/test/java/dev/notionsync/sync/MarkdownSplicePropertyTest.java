package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.TestEngine;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever the block tree and wherever Notion's markdown truncation cuts it, reading the left-out blocks back and
 * splicing them in gives the page's whole markdown: what the simulator renders without its limit.
 */
class MarkdownSplicePropertyTest {

    private static final String[] TYPES = {"paragraph", "bulleted_list_item", "toggle", "quote", "to_do", "heading_2", "code", "callout"};
    private static final String[] WORDS = {"plain", "שלום", "مرحبا", "🎉", "👩‍👩‍👧", "*stars*", "<tag>", "a`b", "tab\there", "x"};

    private static NotionSimulator simulator;
    private static String page;
    private static NotionApi api;

    @BeforeContainer
    static void start() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1));
        page = ContentTestSupport.pageIds(simulator, "projects").get(0);
        HttpClient http = HttpClient.newHttpClient();
        api = request -> {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + request.path()
                                + (request.query() == null ? "" : "?" + request.query())))
                        .header("Authorization", "Bearer " + TestEngine.TOKEN).header("Notion-Version", "2026-03-11").GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode body = ContentTestSupport.JSON.readTree(response.body());
                if (response.statusCode() != 200) {
                    throw NotionApiException.of(request.path(), response.statusCode(), body.path("code").asText(), body.path("message").asText(), null, null);
                }
                return body;
            } catch (java.io.IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @AfterContainer
    static void stop() {
        simulator.close();
    }

    @Property(tries = 60)
    void splicedMarkdownIsTheWholePage(@ForAll("trees") List<ObjectNode> tree, @ForAll @IntRange(min = 1, max = 25) int limit) {
        simulator.model().setMarkdownBlockLimit(Integer.MAX_VALUE);
        simulator.model().editContent(page, "");
        ArrayNode children = ContentTestSupport.JSON.createArrayNode();
        tree.forEach(children::add);
        if (!tree.isEmpty()) {
            simulator.model().seedContent(page, children);
        }
        simulator.model().setMarkdownBlockLimit(limit);

        MarkdownContent.Result read = new MarkdownContent(api).read(page);

        assertEquals(simulator.model().markdown(page), read.markdown());
        assertEquals(List.of(), read.missing());
    }

    @Provide
    Arbitrary<List<ObjectNode>> trees() {
        return level(3);
    }

    private Arbitrary<List<ObjectNode>> level(int depth) {
        Arbitrary<String> text = Arbitraries.of(WORDS).list().ofMinSize(1).ofMaxSize(4).map(words -> String.join(" ", words));
        Arbitrary<ObjectNode> block = Arbitraries.of(TYPES).flatMap(type -> {
            boolean nests = depth > 0 && !type.equals("heading_2") && !type.equals("code");
            Arbitrary<List<ObjectNode>> kids = nests ? level(depth - 1) : Arbitraries.just(List.of());
            return text.flatMap(t -> kids.map(k -> {
                ObjectNode b = ContentTestSupport.block(type, t);
                return k.isEmpty() ? b : ContentTestSupport.withChildren(b, new ArrayList<>(k));
            }));
        });
        return block.list().ofMinSize(0).ofMaxSize(depth == 3 ? 12 : 4);
    }
}
