package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.notionsync.Recordings;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replays the real Notion traffic in the recordings folder against the simulator and checks that every answer has
 * the recorded JSON structure: the same keys and value types at every level (values and ids aside), and the same
 * status and error code for error cases.
 *
 * <p>For each recording file a fresh simulator imports the objects that existed before the recording started (the
 * data sources, databases, pages and blocks its responses reveal, minus those the recording itself creates). The
 * exchanges are then replayed in order; ids of objects created during the replay are mapped from the recorded ids to
 * the simulator's, so later requests hit the same objects.
 */
class RecordingFidelityTest {
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}");
    private static final String TOKEN = "secret_fidelity";

    @TestFactory
    Stream<DynamicTest> everyRecordedExchangeHasTheRecordedShape() throws IOException {
        Path folder = Recordings.folder();
        Assumptions.assumeTrue(Files.isDirectory(folder), "recordings folder " + folder.toAbsolutePath() + " is absent, so there is nothing to replay");
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> replay(file)));
    }

    private void replay(Path file) throws Exception {
        ArrayNode exchanges = (ArrayNode) SimClient.MAPPER.readTree(file.toFile());
        Set<String> created = createdIds(exchanges);
        try (NotionSimulator sim = NotionSimulator.start(SimulatorConfig.defaults(TOKEN).withPages(0)
                .withClock(Clock.fixed(recordedNow(exchanges), ZoneOffset.UTC)))) {
            importExisting(sim.model(), exchanges, created);
            SimClient client = new SimClient(sim);
            Map<String, String> ids = new HashMap<>();
            Map<String, String> cursors = new HashMap<>();
            List<String> problems = new ArrayList<>();
            int covered = 0;
            for (int i = 0; i < exchanges.size(); i++) {
                JsonNode ex = exchanges.get(i);
                String label = file.getFileName() + "#" + i + " " + ex.get("method").asText() + " " + ex.get("path").asText();
                String path = substitute(ex.get("path").asText(), ids, cursors);
                String query = ex.path("query").asText("");
                JsonNode requestBody = ex.get("request_body");
                String body = requestBody == null || requestBody.isNull() ? null : substitute(requestBody.toString(), ids, cursors);
                SimClient.Reply reply = client.send(ex.get("method").asText(), path + (query.isEmpty() ? "" : "?" + query), body,
                        ex.get("notion_version").asText(), TOKEN);
                JsonNode recorded = ex.get("response_body");
                int expectedStatus = ex.get("status").asInt();
                if (reply.status() != expectedStatus) {
                    problems.add(label + ": status " + reply.status() + " instead of " + expectedStatus + " " + reply.body());
                    continue;
                }
                if (expectedStatus >= 400 && !recorded.path("code").asText().equals(reply.body().path("code").asText())) {
                    problems.add(label + ": code " + reply.body().path("code").asText() + " instead of " + recorded.path("code").asText());
                    continue;
                }
                learnIds(recorded, reply.body(), ids, created);
                if (recorded.path("next_cursor").isTextual() && reply.body().path("next_cursor").isTextual()) {
                    cursors.put(recorded.get("next_cursor").asText(), reply.body().get("next_cursor").asText());
                }
                List<String> differences = new ArrayList<>();
                compare("$", recorded, reply.body(), differences);
                differences.forEach(d -> problems.add(label + ": " + d));
                if (recorded.path("results").isArray() && reply.body().path("results").size() != recorded.path("results").size()) {
                    // values are not part of the contract, but a different number of matches hints at filter semantics
                    System.out.println("[fidelity]   note: " + label + " " + requestBody + " returned " + reply.body().path("results").size()
                            + " results, Notion " + recorded.path("results").size());
                }
                if (differences.isEmpty()) covered++;
            }
            System.out.printf("[fidelity] %-45s %3d/%3d exchanges match the recorded structure%n", file.getFileName(), covered, exchanges.size());
            problems.forEach(p -> System.out.println("[fidelity]   " + p));
            assertTrue(problems.isEmpty(), file.getFileName() + ":\n" + String.join("\n", problems));
        }
    }

    /** "Now" for relative date filters: just after the latest page timestamp in the recording. */
    private static Instant recordedNow(ArrayNode exchanges) {
        Instant latest = Instant.parse("2026-01-01T00:00:00Z");
        for (JsonNode ex : exchanges) {
            for (JsonNode t : ex.path("response_body").findValues("last_edited_time")) {
                if (!t.isTextual()) continue;
                Instant i = Times.parseInstant(t.asText());
                if (i != null && i.isAfter(latest)) latest = i;
            }
        }
        return latest.plusSeconds(75);
    }

    /** Ids of objects the recording itself creates: they must not be imported, the replay creates them. */
    private static Set<String> createdIds(ArrayNode exchanges) {
        Set<String> created = new HashSet<>();
        for (JsonNode ex : exchanges) {
            String method = ex.get("method").asText();
            String path = ex.get("path").asText();
            JsonNode r = ex.get("response_body");
            if (ex.get("status").asInt() != 200) continue;
            if (method.equals("POST") && (path.equals("/v1/pages") || path.equals("/v1/databases") || path.equals("/v1/data_sources"))) {
                created.add(r.get("id").asText());
                r.path("data_sources").forEach(d -> created.add(d.get("id").asText()));
            }
            if (method.equals("PATCH") && path.endsWith("/children")) r.path("results").forEach(b -> created.add(b.get("id").asText()));
        }
        // blocks nested under created blocks (table rows) are created with them
        boolean grew = true;
        while (grew) {
            grew = false;
            for (JsonNode ex : exchanges) {
                for (JsonNode obj : objects(ex.get("response_body"))) {
                    String parent = obj.path("parent").path("block_id").asText(obj.path("parent").path("page_id").asText(null));
                    if ("block".equals(obj.path("object").asText()) && parent != null && created.contains(parent) && created.add(obj.get("id").asText())) grew = true;
                }
            }
        }
        return created;
    }

    /** Imports, in dependency order, the first recorded version of every object that existed before the recording. */
    private static void importExisting(SimModel model, ArrayNode exchanges, Set<String> created) {
        Map<String, JsonNode> databases = new LinkedHashMap<>();
        Map<String, JsonNode> sources = new LinkedHashMap<>();
        Map<String, JsonNode> pages = new LinkedHashMap<>();
        Map<String, JsonNode> blocks = new LinkedHashMap<>();
        for (JsonNode ex : exchanges) {
            if (ex.get("status").asInt() != 200) continue;
            for (JsonNode obj : objects(ex.get("response_body"))) {
                String id = obj.path("id").asText();
                if (created.contains(id)) continue;
                switch (obj.path("object").asText()) {
                    case "database" -> {
                        if (obj.has("data_sources")) databases.putIfAbsent(id, obj);
                    }
                    case "data_source" -> sources.putIfAbsent(id, obj);
                    case "page" -> pages.putIfAbsent(id, obj);
                    case "block" -> {
                        if (!obj.path("type").asText().startsWith("child_")) blocks.putIfAbsent(id, obj);
                    }
                    default -> {
                    }
                }
            }
        }
        // pages that requests name as a parent but no response shows, e.g. the recordings' top-level "Tests" page
        for (JsonNode ex : exchanges) {
            for (JsonNode parent : ex.path("request_body").findValues("parent")) {
                String id = parent.path("page_id").asText(null);
                if (id != null && !pages.containsKey(id) && !created.contains(id)) pages.put(id, placeholderPage(id));
            }
        }
        databases.values().forEach(model::importDatabase);
        sources.values().forEach(model::importDataSource);
        pages.values().forEach(model::importPage);
        blocks.values().forEach(model::importBlock);
    }

    private static JsonNode placeholderPage(String id) {
        return SimClient.json("{\"object\":\"page\",\"id\":\"" + id + "\",\"created_time\":\"2026-06-18T15:44:00.000Z\","
                + "\"last_edited_time\":\"2026-06-18T15:44:00.000Z\",\"parent\":{\"type\":\"workspace\",\"workspace\":true},"
                + "\"properties\":{\"title\":{\"id\":\"title\",\"type\":\"title\",\"title\":[]}}}");
    }

    /** Every JSON object in a response that looks like a Notion object (has "object" and "id"). */
    private static List<JsonNode> objects(JsonNode node) {
        List<JsonNode> out = new ArrayList<>();
        collect(node, out);
        return out;
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node == null) return;
        if (node.isObject()) {
            if (node.has("object") && node.has("id") && !node.path("object").asText().equals("user")) out.add(node);
            node.forEach(child -> collect(child, out));
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, out));
        }
    }

    /** Maps recorded ids of objects created during the replay to the simulator's ids, position by position. */
    private static void learnIds(JsonNode recorded, JsonNode actual, Map<String, String> ids, Set<String> created) {
        if (recorded == null || actual == null) return;
        if (recorded.isObject() && actual.isObject()) {
            String r = recorded.path("id").asText(null);
            String a = actual.path("id").asText(null);
            if (r != null && a != null && created.contains(r) && !ids.containsKey(r)) ids.put(r, a);
            JsonNode rp = recorded.path("properties");
            JsonNode ap = actual.path("properties");
            if (rp.isObject() && ap.isObject()) {
                // property ids of columns created during the replay differ; the names are the same
                for (Iterator<Map.Entry<String, JsonNode>> it = rp.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String rid = e.getValue().path("id").asText(null);
                    String aid = ap.path(e.getKey()).path("id").asText(null);
                    if (rid != null && aid != null && !rid.equals(aid)) ids.putIfAbsent("property:" + rid, aid);
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = recorded.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = actual.get(e.getKey());
                if (e.getKey().endsWith("property_id") && e.getValue().isTextual() && other != null && other.isTextual()
                        && !e.getValue().asText().equals(other.asText())) {
                    ids.putIfAbsent("property:" + e.getValue().asText(), other.asText());
                }
                learnIds(e.getValue(), other, ids, created);
            }
        } else if (recorded.isArray() && actual.isArray()) {
            for (int i = 0; i < Math.min(recorded.size(), actual.size()); i++) learnIds(recorded.get(i), actual.get(i), ids, created);
        }
    }

    private static String substitute(String original, Map<String, String> ids, Map<String, String> cursors) {
        String text = original;
        for (Map.Entry<String, String> c : cursors.entrySet()) text = text.replace(c.getKey(), c.getValue());
        if (!text.equals(original)) return text;
        for (Map.Entry<String, String> e : ids.entrySet()) {
            if (!e.getKey().startsWith("property:")) continue;
            String recorded = e.getKey().substring("property:".length());
            text = text.replace("\"" + recorded + "\"", "\"" + e.getValue() + "\"");
            if (text.endsWith("/properties/" + recorded)) text = text.substring(0, text.length() - recorded.length()) + e.getValue();
        }
        Matcher m = UUID.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String found = m.group();
            String dashed = Ids.normalize(found);
            String mapped = ids.get(dashed);
            String replacement = mapped == null ? found : found.contains("-") ? mapped : Ids.compact(mapped);
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /**
     * Same keys and JSON types at every level; null matches any type (a value, not a shape). Array elements are
     * compared by id when the recorded element has one the simulator also returned, otherwise first with first.
     */
    static void compare(String where, JsonNode recorded, JsonNode actual, List<String> differences) {
        if (recorded == null || recorded.isNull() || actual == null || actual.isNull()) return;
        if (recorded.getNodeType() != actual.getNodeType() && !(recorded.isNumber() && actual.isNumber())) {
            differences.add(where + ": " + actual.getNodeType() + " instead of " + recorded.getNodeType());
            return;
        }
        if (recorded.isObject()) {
            Set<String> expected = new HashSet<>();
            recorded.fieldNames().forEachRemaining(expected::add);
            Set<String> got = new HashSet<>();
            actual.fieldNames().forEachRemaining(got::add);
            for (String k : expected) if (!got.contains(k)) differences.add(where + ": missing key \"" + k + "\"");
            for (String k : got) if (!expected.contains(k)) differences.add(where + ": unexpected key \"" + k + "\"");
            for (String k : expected) if (got.contains(k)) compare(where + "." + k, recorded.get(k), actual.get(k), differences);
        } else if (recorded.isArray() && !recorded.isEmpty() && !actual.isEmpty()) {
            Map<String, JsonNode> byId = new HashMap<>();
            actual.forEach(a -> {
                if (a.has("id")) byId.put(a.get("id").asText(), a);
            });
            boolean matchedAny = false;
            for (int i = 0; i < recorded.size(); i++) {
                JsonNode r = recorded.get(i);
                JsonNode a = r.has("id") ? byId.get(r.get("id").asText()) : null;
                if (a != null) {
                    compare(where + "[" + i + "]", r, a, differences);
                    matchedAny = true;
                }
            }
            if (!matchedAny) compare(where + "[0]", recorded.get(0), actual.get(0), differences);
        }
    }
}
