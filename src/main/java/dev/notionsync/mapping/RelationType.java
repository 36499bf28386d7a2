package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.JsonValues.RESPONSE_CAP;
import static dev.notionsync.mapping.JsonValues.arraySize;
import static dev.notionsync.mapping.JsonValues.each;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/** relation: related page ids in Notion's order; a push sends at most 100. */
final class RelationType extends AbstractPropertyType {

    RelationType() {
        super("relation", List.of(ColumnSpec.main("text[]")), List.of(""));
    }

    @Override
    List<Object> readValue(JsonNode relations) {
        return row((Object) each(relations, r -> text(r.get("id"))));
    }

    /** Notion says so in has_more beside the array (older versions omit it: then judge by the cap). */
    @Override
    boolean isTruncatedValue(JsonNode property) {
        JsonNode hasMore = property.get("has_more");
        if (hasMore != null && hasMore.isBoolean()) {
            return hasMore.booleanValue();
        }
        return arraySize(property.get("relation")) >= RESPONSE_CAP;
    }

    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        return RequestValues.items(value(values, ""), propertyName, "related pages",
                id -> RequestValues.NODES.objectNode().put("id", id));
    }

    @Override
    Object emptyMeaning() {
        return List.of();
    }
}
