package dev.notionsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/**
 * The Notion simulator, in the driver's process so the driver can seed and read its model directly; faults, rate,
 * statistics and webhooks go through its HTTP control API (/__sim/), as any user of `simulate` would use them.
 */
final class Sim implements AutoCloseable {

    static final String TOKEN = "secret_bench_token";
    static final ObjectMapper JSON = new ObjectMapper();

    private final NotionSimulator simulator;
    private final HttpClient http = HttpClient.newHttpClient();

    private Sim(NotionSimulator simulator) {
        this.simulator = simulator;
    }

    /** A simulator whose three sample data sources start empty; revenue gets a few deals so relations and rollups have targets. */
    static Sim start(double rate) throws IOException {
        Sim sim = new Sim(NotionSimulator.start(SimulatorConfig.defaults(TOKEN).withPages(0).withRate(rate)));
        sim.seed("revenue", 40);
        return sim;
    }

    String baseUrl() {
        return simulator.baseUrl();
    }

    SeededSource source(String name) {
        return simulator.workspace().source(name);
    }

    void seed(String source, int pages) {
        // in chunks: one seeding call holds the model's write lock for its whole length
        int left = pages;
        while (left > 0) {
            int n = Math.min(left, 5_000);
            simulator.model().seedPages(source(source).dataSourceId(), n);
            left -= n;
        }
    }

    /** A page as the simulator holds it now; null when there is none. */
    JsonNode page(String pageId) {
        return simulator.model().page(pageId).orElse(null);
    }

    List<ObjectNode> pages(String source) {
        return simulator.model().pages(source(source).dataSourceId());
    }

    /** Renames a page as a workspace member would (a webhook event follows when subscribed). */
    void editTitle(String source, String pageId, String text) {
        JsonNode page = simulator.model().page(pageId).orElseThrow();
        ObjectNode edit = JSON.createObjectNode();
        for (var it = page.path("properties").fields(); it.hasNext(); ) {
            var property = it.next();
            if (property.getValue().path("type").asText().equals("title")) {
                edit.putObject(property.getKey()).putArray("title").addObject().putObject("text").put("content", text);
            }
        }
        simulator.model().editPage(pageId, edit);
    }

    /** Replaces a page's content with markdown as a workspace member would (page.content_updated follows when subscribed). */
    void editContent(String pageId, String markdown) {
        simulator.model().editContent(pageId, markdown);
    }

    JsonNode stats() {
        return control("GET", "stats", null);
    }

    void resetStats() {
        control("DELETE", "stats", null);
    }

    void faults(String json) {
        control("POST", "faults", json);
    }

    void rate(double rate) {
        control("POST", "rate", "{\"rate\":" + rate + "}");
    }

    JsonNode subscribeWebhooks(String url, String verificationToken, long aggregationWindowMs) {
        return control("POST", "webhooks", "{\"url\":\"" + url + "\",\"verification_token\":\"" + verificationToken
                + "\",\"aggregation_window_ms\":" + aggregationWindowMs + ",\"retry_backoff_base_ms\":200}");
    }

    JsonNode webhooks() {
        return control("GET", "webhooks", null);
    }

    /** The workspace's home page: the page the sample databases live under, where the bench bootstraps its tables. */
    String homePageId() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/databases/" + source("projects").databaseId()))
                    .header("Authorization", "Bearer " + TOKEN).header("Notion-Version", "2026-03-11").GET().build();
            return JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body()).path("parent").path("page_id").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The pages of a data source (by its id) as the simulator holds them now. */
    List<ObjectNode> pagesOf(String dataSourceId) {
        return simulator.model().pages(dataSourceId);
    }

    JsonNode control(String method, String path, String body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + "/__sim/" + path)).header("Content-Type", "application/json");
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("simulator " + method + " /__sim/" + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        simulator.close();
    }
}
