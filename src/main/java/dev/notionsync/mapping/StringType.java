package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/** url, email, phone_number: one string; an empty one is sent as null. */
final class StringType extends AbstractPropertyType {

    private final int maxLength;

    /** @param maxLength the longest value Notion takes in a request */
    StringType(String name, int maxLength) {
        super(name, List.of(ColumnSpec.main("text")), List.of(""));
        this.maxLength = maxLength;
    }

    /** A string Notion limits only by its general request size. */
    StringType(String name) {
        this(name, Integer.MAX_VALUE);
    }

    @Override
    List<Object> readValue(JsonNode value) {
        return row(text(value));
    }

    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        JsonNode main = value(values, "");
        return RequestValues.isEmptyText(main) ? NullNode.getInstance()
                : RequestValues.NODES.textNode(RequestValues.limited(main.asText(), propertyName, maxLength));
    }
}
