package dev.notionsync.manage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /observe/events: what happened lately, by type and source, from the engine's own records. */
@ExtendWith(IntegrationExtension.class)
class EventsLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void recentEventsByTypeAndSource(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        String projects = settings.get("notion.sources");
        settings.put("notion.sources", projects + ",gone");
        settings.put("notion.source.gone.id", UUID.randomUUID().toString());   // a data source Notion does not have: its pulls fail
        settings.put("notion.source.gone.poll", "1s");
        NotionSync sync = it.start(settings);
        String base = "http://127.0.0.1:" + settings.get("camel.management.port") + "/observe/events";
        TestEngine.await("a pull of each in the events", Duration.ofSeconds(60), () -> {
            String all = get(base).body();
            return all.contains("\"sync_completed\"") && all.contains("\"sync_failed\"");
        });
        sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class).pauseSource(projects);

        JsonNode all = JSON.readTree(get(base + "?limit=50").body());
        // the failing source goes on failing every second: its newest failure may come after the pause
        JsonNode newest = stream(all).filter(e -> !e.path("source").asText().equals("gone")).findFirst().orElseThrow();
        assertEquals("operator_action", newest.path("type").asText(), all.toPrettyString());
        assertEquals(projects, newest.path("source").asText());
        assertTrue(newest.path("detail").asText().contains("pauseSource " + projects + ", ok"), newest.toString());
        assertTrue(stream(all).anyMatch(e -> e.path("type").asText().equals("sync_completed") && e.path("source").asText().equals(projects)
                && e.path("detail").asText().startsWith("pull: 3 pages read, 3 inserted")), all.toPrettyString());

        JsonNode failed = JSON.readTree(get(base + "?type=sync_failed&source=gone&limit=5").body());
        assertFalse(failed.isEmpty());
        assertTrue(stream(failed).allMatch(e -> e.path("type").asText().equals("sync_failed") && e.path("source").asText().equals("gone")), failed.toPrettyString());
        assertTrue(failed.get(0).path("detail").asText().startsWith("pull failed: "), failed.toPrettyString());
        assertEquals(0, JSON.readTree(get(base + "?type=conflict").body()).size(), "no conflict happened");
        assertTrue(stream(JSON.readTree(get(base + "?limit=100").body())).noneMatch(e -> e.path("type").asText().equals("sync_completed")
                && e.path("detail").asText().contains(" 0 inserted, 0 updated, 0 deleted")), "idle polls are left out");

        HttpResponse<String> unknown = get(base + "?type=sync");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("no event type 'sync'; types: sync_completed, sync_failed"), unknown.body());
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }

    private static HttpResponse<String> get(String url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
