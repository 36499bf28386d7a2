package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/** Block content: request shape in, response shape out (rich text expanded, defaults filled, Notion's key order). */
final class Blocks {
    private Blocks() {
    }

    static ObjectNode normalize(String type, ObjectNode request, String path, RichText.MentionNames names) {
        ObjectNode out = Json.object();
        switch (type) {
            case "paragraph", "bulleted_list_item", "numbered_list_item", "toggle", "quote" -> {
                out.set("rich_text", RichText.normalize(request.get("rich_text"), path + ".rich_text", names));
                out.put("color", request.path("color").asText("default"));
            }
            case "heading_1", "heading_2", "heading_3" -> {
                out.set("rich_text", RichText.normalize(request.get("rich_text"), path + ".rich_text", names));
                out.put("is_toggleable", request.path("is_toggleable").asBoolean(false));
                out.put("color", request.path("color").asText("default"));
            }
            case "to_do" -> {
                out.set("rich_text", RichText.normalize(request.get("rich_text"), path + ".rich_text", names));
                out.put("checked", request.path("checked").asBoolean(false));
                out.put("color", request.path("color").asText("default"));
            }
            case "callout" -> {
                out.set("rich_text", RichText.normalize(request.get("rich_text"), path + ".rich_text", names));
                out.set("icon", Json.orNull(request.get("icon")).deepCopy());
                out.put("color", request.path("color").asText("default"));
            }
            case "code" -> {
                out.set("caption", RichText.normalize(request.get("caption"), path + ".caption", names));
                out.set("rich_text", RichText.normalize(request.get("rich_text"), path + ".rich_text", names));
                out.put("language", request.path("language").asText("plain text"));
            }
            case "table" -> {
                out.put("table_width", request.path("table_width").asInt(1));
                out.put("has_column_header", request.path("has_column_header").asBoolean(false));
                out.put("has_row_header", request.path("has_row_header").asBoolean(false));
            }
            case "table_row" -> {
                ArrayNode cells = out.putArray("cells");
                JsonNode requested = request.path("cells");
                for (int i = 0; i < requested.size(); i++) cells.add(RichText.normalize(requested.get(i), path + ".cells[" + i + "]", names));
            }
            default -> {
                Iterator<Map.Entry<String, JsonNode>> it = request.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getKey().equals("children")) continue;
                    boolean richText = e.getKey().equals("rich_text") || e.getKey().equals("caption");
                    out.set(e.getKey(), richText ? RichText.normalize(e.getValue(), path + "." + e.getKey(), names) : e.getValue().deepCopy());
                }
            }
        }
        if (request.has("children")) {
            JsonNode nested = request.get("children");
            if (nested.isArray() && nested.size() > 100) {
                throw ApiException.bodyValidation(path + ".children.length", "should be ≤ `100`, instead was `" + nested.size() + "`");
            }
            out.set("children", nested);
        }
        return out;
    }
}
