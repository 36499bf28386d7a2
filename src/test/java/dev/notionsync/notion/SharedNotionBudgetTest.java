package dev.notionsync.notion;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One Notion budget for every engine on one database: two engines on the same database and the same simulator, three
 * sources shared out between them (clustered polls), pulling as hard as the door lets them. Each engine alone may send notion.api.rate a second;
 * together the simulator never sees more than that plus the burst in any one-second window, and a 429 met by one
 * engine slows the other.
 */
@ExtendWith(IntegrationExtension.class)
class SharedNotionBudgetTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Two engines on the same database and the same sources: the sources' polls are shared out between them (clustered Quartz). */
    private static NotionSync[] twoEngines(Integration it, Map<String, String> settings) throws Exception {
        Map<String, String> other = new HashMap<>(settings);
        other.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        other.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        return new NotionSync[] {it.start(settings), it.start(other)};
    }

    private static NotionRateBudget budget(NotionSync engine) {
        return engine.connections().get("default").budget();
    }

    private static JsonNode stats(NotionSimulator simulator) throws Exception {
        return JSON.readTree(TestEngine.httpGet(simulator.baseUrl() + "/__sim/stats"));
    }

    @Test
    void twoEnginesWithThreeSourcesNeverSendMoreThanOneBudget(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(300);
        Map<String, String> settings = it.settings(simulator, "300ms", "projects", "revenue", "agents");
        settings.put("notion.api.rate", "5");
        settings.put("notion.sync.page-size", "10");
        // Notion's own limiter at the same budget: it lets a second's worth through in a burst, then answers 429
        TestEngine.simControl(simulator, "rate", "{\"rate\":5}");
        NotionSync[] engines = twoEngines(it, settings);
        Thread.sleep(12_000);
        JsonNode stats = stats(simulator);
        String schema = "\"" + settings.get("notion.db.schema") + "\"";
        assertTrue(TestEngine.count(engines[0], "SELECT count(*) FROM " + schema + ".projects") > 0
                && TestEngine.count(engines[1], "SELECT count(*) FROM " + schema + ".agents") > 0, "both engines pulled");
        int most = stats.path("max_requests_in_any_1s_window").asInt();
        System.out.println("two engines, three sources, 12 s at notion.api.rate 5: " + stats.path("total_requests") + " requests,"
                + " at most " + most + " in any second, per second " + stats.path("per_second"));
        assertTrue(most <= 5 + SharedBudget.BURST, "at most the budget plus the burst in any second, both engines together: " + most);
        assertTrue(stats.path("total_requests").asInt() >= 40, "and they used the budget: " + stats.path("total_requests"));
        assertEquals(0, stats.path("rate_limited").asInt(), "Notion never had to refuse a call");
    }

    @Test
    void aRateLimitMetByOneEngineSlowsTheOther(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(600);
        Map<String, String> settings = it.settings(simulator, "200ms", "projects", "agents");
        settings.put("notion.api.rate", "8");
        settings.put("notion.sync.page-size", "10");
        NotionSync[] engines = twoEngines(it, settings);
        Thread.sleep(3000);
        int before = stats(simulator).path("max_requests_in_any_1s_window").asInt();
        assertTrue(before >= 7, "both engines together pull at the whole budget first: " + before);

        // Notion refuses one source only: whichever engine pulls it meets the 429 (one pull of a source at a time, and
        // that pull waits out the Retry-After in the door while the fault is lifted), the other meets none itself
        String projects = simulator.workspace().source("projects").dataSourceId();
        TestEngine.simControl(simulator, "faults", "{\"failing_ids\":[\"" + projects + "\"],\"failing_status\":429,\"retry_after_seconds\":1}");
        TestEngine.await("an engine met a 429", Duration.ofSeconds(10),
                () -> budget(engines[0]).rateLimitedCount() + budget(engines[1]).rateLimitedCount() > 0);
        TestEngine.simControl(simulator, "faults", "{}");
        NotionRateBudget first = budget(engines[0]).rateLimitedCount() > 0 ? budget(engines[0]) : budget(engines[1]);
        NotionRateBudget second = first == budget(engines[0]) ? budget(engines[1]) : budget(engines[0]);
        TestEngine.await("the other engine slowed down too", Duration.ofSeconds(3), () -> second.permitsPerSecond() < 8);
        assertEquals(0, second.rateLimitedCount(), "the other engine never met a 429 itself");

        int lowered = Math.max(first.permitsPerSecond(), second.permitsPerSecond());
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/__sim/stats")).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
        Thread.sleep(2500);
        int after = stats(simulator).path("max_requests_in_any_1s_window").asInt();
        System.out.println("before the 429: " + before + " in the busiest second; lowered to " + lowered + ": " + after);
        assertTrue(after <= lowered + SharedBudget.BURST, "both engines together keep to the lowered budget: " + after + " > " + lowered);
    }
}
