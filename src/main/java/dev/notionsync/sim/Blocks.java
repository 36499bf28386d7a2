package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Block types and content: request shape in, response shape out (rich text expanded, defaults filled, Notion's key
 * order), and Notion's limits on block trees in requests.
 */
final class Blocks {
    /** The block types of the API (SDK v5.26 BlockObjectResponse); any other stored type reads as "unsupported". */
    static final Set<String> API_TYPES = Set.of("paragraph", "heading_1", "heading_2", "heading_3", "heading_4", "bulleted_list_item",
            "numbered_list_item", "quote", "to_do", "toggle", "template", "synced_block", "child_page", "child_database", "equation", "code",
            "callout", "divider", "breadcrumb", "table_of_contents", "tab", "column_list", "column", "link_to_page", "table", "table_row",
            "meeting_notes", "transcription", "embed", "bookmark", "image", "video", "pdf", "file", "audio", "link_preview", "unsupported");
    /** Types a client can read but not create through children arrays. */
    private static final Set<String> READ_ONLY_TYPES = Set.of("child_page", "child_database", "template", "link_preview", "meeting_notes",
            "transcription", "unsupported");
    static final int MAX_CHILDREN = RichText.MAX_ITEMS;
    /** "we allow up to two levels of nesting in a single request": children of children of the top blocks, no deeper. */
    static final int MAX_LEVELS = 3;
    /** "payloads have a maximum size of 1000 block elements and 500KB overall". */
    static final int MAX_ELEMENTS = 1000;

    private Blocks() {
    }

    static boolean isApiType(String type) {
        return API_TYPES.contains(type);
    }

    /** A block in a request names its type in "type", or only as its one content key. */
    static String requestType(JsonNode request) {
        String type = request.path("type").asText(null);
        if (type != null) return type;
        Iterator<String> names = request.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!n.equals("object")) type = n;
        }
        return type;
    }

    /**
     * Checks a children array of a request (at body path {@code path}) against Notion's limits before anything is
     * written: 100 blocks per array, two levels of nesting below the top blocks, 1000 block elements in all, and
     * only types a client may create.
     */
    static void checkRequestTree(JsonNode children, String path) {
        int elements = checkLevel(children, path, 1);
        if (elements > MAX_ELEMENTS) {
            throw ApiException.validation("body failed validation: the request has " + elements + " block elements, more than the maximum of "
                    + MAX_ELEMENTS + ".");
        }
    }

    private static int checkLevel(JsonNode children, String path, int level) {
        if (!children.isArray()) throw ApiException.bodyValidation(path, "should be an array, instead was `" + Json.text(children) + "`");
        if (children.size() > MAX_CHILDREN) {
            throw ApiException.bodyValidation(path + ".length", "should be ≤ `" + MAX_CHILDREN + "`, instead was `" + children.size() + "`");
        }
        int elements = 0;
        for (int i = 0; i < children.size(); i++) {
            String at = path + "[" + i + "]";
            String type = requestType(children.get(i));
            if (type != null && (!isApiType(type) || READ_ONLY_TYPES.contains(type))) throw unknownType(at);
            elements++;
            JsonNode nested = children.get(i).path(type == null ? "" : type).get("children");
            if (nested == null || nested.isNull()) continue;
            if (level == MAX_LEVELS) throw ApiException.bodyValidation(at + "." + type + ".children", "should be not present, instead was `" + preview(nested) + "`");
            elements += checkLevel(nested, at + "." + type + ".children", level + 1);
        }
        return elements;
    }

    /** Notion's answer to a block of no type it accepts: one "should be defined" line for every type that would do. */
    private static ApiException unknownType(String at) {
        StringBuilder message = new StringBuilder("body failed validation. Fix one:");
        API_TYPES.stream().filter(t -> !READ_ONLY_TYPES.contains(t)).sorted()
                .forEach(t -> message.append('\n').append("body.").append(at).append('.').append(t).append(" should be defined, instead was `undefined`."));
        return ApiException.validation(message.toString());
    }

    /** Notion quotes a refused value by its first 55 characters of JSON. */
    private static String preview(JsonNode value) {
        String text = Json.text(value);
        return text.length() <= 55 ? text : text.substring(0, 55) + "...";
    }

    static ObjectNode normalize(String type, ObjectNode request, String path, RichText.MentionNames names) {
        ObjectNode out = Json.object();
        switch (type) {
            case "paragraph", "bulleted_list_item", "numbered_list_item", "toggle", "quote" -> {
                out.set("rich_text", RichText.normalize(request.get("rich_text"), path + ".rich_text", names));
                out.put("color", request.path("color").asText("default"));
            }
            case "heading_1", "heading_2", "heading_3", "heading_4" -> {
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
            case "equation" -> out.put("expression", request.path("expression").asText(""));
            case "table_of_contents" -> out.put("color", request.path("color").asText("default"));
            case "synced_block" -> out.set("synced_from", Json.orNull(request.get("synced_from")).deepCopy());
            case "image", "video", "pdf", "file", "audio" -> {
                out.set("caption", RichText.normalize(request.get("caption"), path + ".caption", names));
                out.put("type", request.has("file_upload") ? "file_upload" : request.has("file") ? "file" : "external");
                Iterator<Map.Entry<String, JsonNode>> it = request.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getKey().equals("caption") && !e.getKey().equals("type") && !e.getKey().equals("children")) out.set(e.getKey(), e.getValue().deepCopy());
                }
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
        if (request.has("children")) out.set("children", request.get("children"));
        return out;
    }
}
