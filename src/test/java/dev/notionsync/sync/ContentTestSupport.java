package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared by the page content tests: blocks in request shape, the simulator's request counts, content rows. */
final class ContentTestSupport {

    static final ObjectMapper JSON = new ObjectMapper();

    private ContentTestSupport() {
    }

    static ObjectNode block(String type, String text) {
        ObjectNode block = JSON.createObjectNode();
        block.put("type", type);
        ObjectNode content = block.putObject(type);
        if (text != null) {
            content.putArray("rich_text").addObject().put("type", "text").putObject("text").put("content", text);
        }
        return block;
    }

    static ObjectNode withChildren(ObjectNode block, List<ObjectNode> children) {
        ArrayNode array = ((ObjectNode) block.get(block.get("type").asText())).putArray("children");
        children.forEach(array::add);
        return block;
    }

    static ArrayNode array(List<ObjectNode> blocks) {
        ArrayNode array = JSON.createArrayNode();
        blocks.forEach(array::add);
        return array;
    }

    /** Requests the simulator answered for an endpoint pattern ("GET /v1/pages/{id}/markdown"), all statuses. */
    static long requests(NotionSimulator simulator, String endpoint) {
        return TestEngine.simRequests(simulator, endpoint);
    }

    static void resetStats(NotionSimulator simulator) {
        try {
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/__sim/stats")).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One content row's columns as text (null for SQL NULL), or an empty map when there is none. */
    static Map<String, String> contentRow(NotionSync sync, String table, String pageId) {
        Map<String, String> row = new LinkedHashMap<>();
        try (Connection c = sync.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT markdown, content_hash, last_edited_time::text, fetched_at::text, truncated::text,"
                     + " array_to_string(missing_block_ids, ','), unreadable_reason, requested_at::text, content_mode FROM " + table
                     + " WHERE page_id = ?::uuid")) {
            ps.setString(1, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    String[] names = {"markdown", "content_hash", "last_edited_time", "fetched_at", "truncated", "missing_block_ids",
                            "unreadable_reason", "requested_at", "content_mode"};
                    for (int i = 0; i < names.length; i++) {
                        row.put(names[i], rs.getString(i + 1));
                    }
                }
            }
        } catch (Exception e) {
            return row;   // the table may not exist yet
        }
        return row;
    }

    static List<String> pageIds(NotionSimulator simulator, String source) {
        List<String> ids = new ArrayList<>();
        simulator.model().pages(simulator.workspace().source(source).dataSourceId()).forEach(p -> ids.add(p.path("id").asText()));
        return ids.stream().sorted().toList();
    }
}
