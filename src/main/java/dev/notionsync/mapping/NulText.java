package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Notion text can hold the character U+0000; PostgreSQL text and jsonb cannot. Before a page is mapped, each U+0000
 * in its strings and keys becomes U+FFFD (the replacement character), so the typed columns and the raw JSON agree and
 * the page is stored instead of refused. Everything else is kept verbatim, the six characters backslash, u, 0, 0, 0, 0 included.
 */
public final class NulText {

    public static final char NUL = '\u0000';
    public static final char REPLACEMENT = '\uFFFD';

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private NulText() {
    }

    /** The node with every U+0000 replaced (the same node when it held none) and how many were replaced. */
    public record Cleaned(JsonNode node, int replaced) {
    }

    public static Cleaned clean(JsonNode node) {
        if (node == null || !holdsNul(node)) {
            return new Cleaned(node, 0);   // the common case: nothing copied
        }
        int[] replaced = {0};
        JsonNode result = clean(node, replaced);
        return new Cleaned(result, replaced[0]);
    }

    private static boolean holdsNul(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue().indexOf(NUL) >= 0;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getKey().indexOf(NUL) >= 0 || holdsNul(field.getValue())) {
                    return true;
                }
            }
            return false;
        }
        if (node.isArray()) {
            for (JsonNode item : node) {
                if (holdsNul(item)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The text with every U+0000 replaced by U+FFFD. */
    public static String clean(String text) {
        return text.indexOf(NUL) < 0 ? text : text.replace(NUL, REPLACEMENT);
    }

    private static JsonNode clean(JsonNode node, int[] replaced) {
        if (node.isTextual()) {
            String text = node.textValue();
            int count = count(text);
            replaced[0] += count;
            return count == 0 ? node : NODES.textNode(clean(text));
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>(node.size());
            boolean changed = false;
            for (JsonNode item : node) {
                JsonNode cleaned = clean(item, replaced);
                changed |= cleaned != item;
                items.add(cleaned);
            }
            if (!changed) {
                return node;
            }
            ArrayNode copy = NODES.arrayNode(items.size());
            copy.addAll(items);
            return copy;
        }
        if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.size());
            boolean changed = false;
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                int inName = count(field.getKey());
                replaced[0] += inName;
                JsonNode cleaned = clean(field.getValue(), replaced);
                changed |= inName > 0 || cleaned != field.getValue();
                fields.add(Map.entry(clean(field.getKey()), cleaned));
            }
            if (!changed) {
                return node;
            }
            ObjectNode copy = NODES.objectNode();
            fields.forEach(field -> copy.set(field.getKey(), field.getValue()));
            return copy;
        }
        return node;
    }

    private static int count(String text) {
        int count = 0;
        for (int i = text.indexOf(NUL); i >= 0; i = text.indexOf(NUL, i + 1)) {
            count++;
        }
        return count;
    }
}
