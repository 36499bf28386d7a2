package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.JsonValues.RESPONSE_CAP;
import static dev.notionsync.mapping.JsonValues.isArray;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/**
 * title, rich_text: the plain text of all items concatenated, [] → ''. Annotations, links and mention targets are
 * in the raw JSON. A push sends plain text objects (the old value's annotations and links are not kept).
 */
final class TextType extends AbstractPropertyType {

    TextType(String name) {
        super(name, List.of(ColumnSpec.main("text")), List.of(""));
    }

    @Override
    List<Object> readValue(JsonNode items) {
        if (!isArray(items)) {
            return row((Object) null);
        }
        StringBuilder plain = new StringBuilder();
        for (JsonNode item : items) {
            String part = text(item.get("plain_text"));
            if (part != null) {
                plain.append(part);
            }
        }
        return row(plain.toString());
    }

    /** The page object carries at most 25 page/person mentions. */
    @Override
    boolean isTruncatedValue(JsonNode property) {
        int mentions = 0;
        JsonNode items = property.get(name());
        if (isArray(items)) {
            for (JsonNode item : items) {
                if ("mention".equals(text(item.get("type")))) {
                    mentions++;
                }
            }
        }
        return mentions >= RESPONSE_CAP;
    }

    /** Text objects of at most 2000 characters, at most 100 of them. */
    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        return RequestValues.richText(value(values, ""), propertyName);
    }

    /** A request's text objects carry no plain_text, which is what a page's text is compared by. */
    @Override
    ObjectNode requestAsPageValue(ObjectNode request) {
        JsonNode items = request.path(name());
        if (items.isArray()) {
            for (JsonNode item : items) {
                ((ObjectNode) item).put("plain_text", item.path("text").path("content").asText(""));
            }
        }
        return request;
    }
}
