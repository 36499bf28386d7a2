package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Filters, sorts, the 10,000-result cap and cursor expiry. */
class QueryFeaturesTest {
    static final Instant NOW = Instant.parse("2026-06-27T17:01:15Z");
    static NotionSimulator sim;
    static SimClient client;

    @BeforeAll
    static void start() throws Exception {
        sim = NotionSimulator.start(SimulatorConfig.defaults("secret_query").withPages(60).withClock(Clock.fixed(NOW, ZoneOffset.UTC)));
        client = new SimClient(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static String revenue() {
        return sim.workspace().source("revenue").dataSourceId();
    }

    static List<JsonNode> all(String ds, Map<String, Object> body) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            Map<String, Object> b = new java.util.HashMap<>(body);
            if (cursor != null) b.put("start_cursor", cursor);
            SimClient.Reply r = client.post("/v1/data_sources/" + ds + "/query", b);
            assertEquals(200, r.status(), r.body().toString());
            r.body().get("results").forEach(out::add);
            cursor = r.body().get("has_more").asBoolean() ? r.body().get("next_cursor").asText() : null;
        } while (cursor != null);
        return out;
    }

    @Test
    void propertyFiltersMatchTheModel() {
        List<? extends JsonNode> pages = sim.model().pages(revenue());
        long consulting = pages.stream().filter(p -> "Consulting".equals(p.at("/properties/Service type/select/name").asText(null))).count();
        assertEquals(consulting, all(revenue(), Map.of("filter", Map.of("property", "Service type", "select", Map.of("equals", "Consulting")))).size());

        long big = pages.stream().filter(p -> p.at("/properties/Amount/number").asDouble(-1) > 100000).count();
        assertEquals(big, all(revenue(), Map.of("filter", Map.of("property", "Amount", "number", Map.of("greater_than", 100000)))).size());

        long paid = pages.stream().filter(p -> p.at("/properties/Paid/checkbox").asBoolean()).count();
        assertEquals(paid, all(revenue(), Map.of("filter", Map.of("property", "Paid", "checkbox", Map.of("equals", true)))).size());

        long won = pages.stream().filter(p -> "Won".equals(p.at("/properties/Deal stage/status/name").asText())).count();
        assertEquals(won, all(revenue(), Map.of("filter", Map.of("property", "Deal stage", "status", Map.of("equals", "Won")))).size());

        long acme = pages.stream().filter(p -> p.at("/properties/Deal/title/0/plain_text").asText().toLowerCase().contains("acme")).count();
        assertEquals(acme, all(revenue(), Map.of("filter", Map.of("property", "Deal", "title", Map.of("contains", "acme")))).size());

        long noNotes = pages.stream().filter(p -> p.at("/properties/Notes/rich_text").isEmpty()).count();
        assertEquals(noNotes, all(revenue(), Map.of("filter", Map.of("property", "Notes", "rich_text", Map.of("is_empty", true)))).size());
    }

    @Test
    void compoundFiltersNestTwoLevels() {
        Map<String, Object> paid = Map.of("property", "Paid", "checkbox", Map.of("equals", true));
        Map<String, Object> big = Map.of("property", "Amount", "number", Map.of("greater_than_or_equal_to", 50000));
        Map<String, Object> consulting = Map.of("property", "Service type", "select", Map.of("equals", "Consulting"));
        List<? extends JsonNode> pages = sim.model().pages(revenue());
        long expected = pages.stream().filter(p -> p.at("/properties/Paid/checkbox").asBoolean()
                && (p.at("/properties/Amount/number").asDouble(-1) >= 50000 || "Consulting".equals(p.at("/properties/Service type/select/name").asText(null)))).count();
        Map<String, Object> filter = Map.of("and", List.of(paid, Map.of("or", List.of(big, consulting))));
        assertEquals(expected, all(revenue(), Map.of("filter", filter)).size());

        Map<String, Object> tooDeep = Map.of("and", List.of(Map.of("or", List.of(Map.of("and", List.of(paid))))));
        SimClient.Reply r = client.post("/v1/data_sources/" + revenue() + "/query", Map.of("filter", tooDeep));
        assertEquals(400, r.status());
        assertEquals("validation_error", r.body().get("code").asText());
    }

    @Test
    void dateConditionsIncludingRelativeOnes() {
        List<? extends JsonNode> pages = sim.model().pages(revenue());
        long pastMonth = pages.stream().map(p -> p.at("/properties/Closed/date/start").asText(null))
                .filter(d -> d != null && d.compareTo("2026-05-27") >= 0 && d.compareTo("2026-06-27") <= 0).count();
        assertEquals(pastMonth, all(revenue(), Map.of("filter", Map.of("property", "Closed", "date", Map.of("past_month", Map.of())))).size());
        long before = pages.stream().map(p -> p.at("/properties/Closed/date/start").asText(null)).filter(d -> d != null && d.compareTo("2026-06-01") < 0).count();
        assertEquals(before, all(revenue(), Map.of("filter", Map.of("property", "Closed", "date", Map.of("before", "2026-06-01")))).size());
        long empty = pages.stream().filter(p -> p.at("/properties/Closed/date").isNull()).count();
        assertEquals(empty, all(revenue(), Map.of("filter", Map.of("property", "Closed", "date", Map.of("is_empty", true)))).size());
        for (String op : List.of("this_week", "past_week", "past_year", "next_week", "next_month", "next_year")) {
            assertEquals(200, client.post("/v1/data_sources/" + revenue() + "/query", Map.of("filter", Map.of("property", "Closed", "date", Map.of(op, Map.of())))).status(), op);
            assertEquals(200, client.post("/v1/data_sources/" + revenue() + "/query",
                    Map.of("filter", Map.of("timestamp", "created_time", "created_time", Map.of(op, Map.of())))).status(), op);
        }
        assertEquals(pages.size(), all(revenue(), Map.of("filter", Map.of("timestamp", "created_time", "created_time", Map.of("is_not_empty", true)))).size());
        assertEquals(0, all(revenue(), Map.of("filter", Map.of("timestamp", "last_edited_time", "last_edited_time", Map.of("is_empty", true)))).size());
        assertEquals(pages.size(), all(revenue(), Map.of("filter", Map.of("timestamp", "last_edited_time", "last_edited_time", Map.of("on_or_before", NOW.toString())))).size());
        assertEquals(0, all(revenue(), Map.of("filter", Map.of("timestamp", "created_time", "created_time", Map.of("after", NOW.toString())))).size());
    }

    @Test
    void propertySortsOrderResults() {
        List<JsonNode> sorted = all(revenue(), Map.of("sorts", List.of(Map.of("property", "Amount", "direction", "descending"))));
        double previous = Double.MAX_VALUE;
        boolean nulls = false;
        for (JsonNode p : sorted) {
            JsonNode n = p.at("/properties/Amount/number");
            if (n.isNull()) {
                nulls = true;
                continue;
            }
            assertFalse(nulls, "empty values sort last");
            assertTrue(n.asDouble() <= previous);
            previous = n.asDouble();
        }
    }

    @Test
    void queriesStopAt10000ResultsWithRequestStatus() throws Exception {
        try (NotionSimulator big = NotionSimulator.start(SimulatorConfig.defaults("t").withPages(0))) {
            String ds = big.workspace().source("agents").dataSourceId();
            big.model().seedPages(ds, 10_050);
            SimClient c = new SimClient(big);
            String cursor = null;
            int total = 0;
            JsonNode last;
            do {
                Map<String, Object> b = new java.util.HashMap<>();
                if (cursor != null) b.put("start_cursor", cursor);
                last = c.post("/v1/data_sources/" + ds + "/query", b).body();
                total += last.get("results").size();
                cursor = last.get("has_more").asBoolean() ? last.get("next_cursor").asText() : null;
            } while (cursor != null);
            assertEquals(10_000, total);
            assertEquals("incomplete", last.at("/request_status/type").asText());
            assertEquals("query_result_limit_reached", last.at("/request_status/incomplete_reason").asText());
            assertTrue(last.get("next_cursor").isNull());
        }
    }

    @Test
    void cursorsCanBeInvalidatedAndExpire() {
        SimClient.Reply first = client.post("/v1/data_sources/" + revenue() + "/query", Map.of("page_size", 10));
        String cursor = first.body().get("next_cursor").asText();
        SimClient control = new SimClient(sim.baseUrl(), null);
        assertEquals(200, control.send("POST", "/__sim/cursors/invalidate", Map.of(), null, null).status());
        SimClient.Reply stale = client.post("/v1/data_sources/" + revenue() + "/query", Map.of("start_cursor", cursor));
        assertEquals(400, stale.status());
        assertEquals("validation_error", stale.body().get("code").asText());
        assertEquals("The start_cursor provided is invalid: " + cursor, stale.body().get("message").asText());
        assertEquals(400, client.post("/v1/data_sources/" + revenue() + "/query", Map.of("start_cursor", "garbage")).status());

        sim.setCursorTtl(Duration.ZERO.minusMillis(1));
        String expiring = client.post("/v1/data_sources/" + revenue() + "/query", Map.of("page_size", 10)).body().get("next_cursor").asText();
        assertEquals(400, client.post("/v1/data_sources/" + revenue() + "/query", Map.of("start_cursor", expiring)).status());
        sim.setCursorTtl(Duration.ofMinutes(30));
    }

    @Test
    void unknownFilterPropertyIsAValidationError() {
        SimClient.Reply r = client.post("/v1/data_sources/" + revenue() + "/query", Map.of("filter", Map.of("property", "Nope", "number", Map.of("equals", 1))));
        assertEquals(400, r.status());
        assertEquals("Could not find property with name or id: Nope", r.body().get("message").asText());
    }
}
