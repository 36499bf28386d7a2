package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.JsonValues.decimal;
import static dev.notionsync.mapping.JsonValues.row;

/** number: an exact decimal from the JSON text, never through binary arithmetic; a push sends finite numbers only. */
final class NumberType extends AbstractPropertyType {

    NumberType() {
        super("number", List.of(ColumnSpec.main("numeric")), List.of(""));
    }

    @Override
    List<Object> readValue(JsonNode value) {
        return row(decimal(value));
    }

    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        return RequestValues.number(value(values, ""), propertyName);
    }
}
