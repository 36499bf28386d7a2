package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Readers paginating while writers edit: every request succeeds and no page is lost or duplicated. */
class ConcurrencyTest {

    @Test
    void queriesAndEditsInterleaveSafely() throws Exception {
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(300))) {
            String ds = sim.workspace().source("revenue").dataSourceId();
            List<String> ids = sim.model().pages(ds).stream().map(p -> p.get("id").asText()).toList();
            AtomicInteger failures = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> readers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                readers.add(pool.submit(() -> {
                    SimClient c = new SimClient(sim);
                    java.util.Set<String> seen = new java.util.HashSet<>();
                    String cursor = null;
                    do {
                        Map<String, Object> body = new java.util.HashMap<>(Map.of("page_size", 50,
                                "sorts", List.of(Map.of("timestamp", "created_time", "direction", "ascending"))));
                        if (cursor != null) body.put("start_cursor", cursor);
                        SimClient.Reply r = c.post("/v1/data_sources/" + ds + "/query", body);
                        if (r.status() != 200) failures.incrementAndGet();
                        r.body().get("results").forEach(p -> seen.add(p.get("id").asText()));
                        cursor = r.body().get("has_more").asBoolean() ? r.body().get("next_cursor").asText() : null;
                    } while (cursor != null);
                    return seen.size();
                }));
            }
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                writers.add(pool.submit(() -> {
                    SimClient c = new SimClient(sim);
                    for (int i = offset; i < ids.size(); i += 4) {
                        SimClient.Reply r = c.patch("/v1/pages/" + ids.get(i), Map.of("properties", Map.of("Amount", Map.of("number", i))));
                        if (r.status() != 200) failures.incrementAndGet();
                        if (i % 10 == 0) {
                            ObjectNode edit = (ObjectNode) SimClient.json("{\"Paid\":{\"checkbox\":true}}");
                            sim.model().editPage(ids.get(i), edit);
                        }
                    }
                    return null;
                }));
            }
            for (Future<Integer> r : readers) assertEquals(300, r.get().intValue(), "created_time order is stable under edits");
            for (Future<?> w : writers) w.get();
            pool.shutdown();
            assertEquals(0, failures.get());
            JsonNode page = sim.model().page(ids.get(7)).orElseThrow();
            assertEquals(7, page.at("/properties/Amount/number").asInt());
        }
    }
}
