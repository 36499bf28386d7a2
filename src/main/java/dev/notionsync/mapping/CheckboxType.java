package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.JsonValues.row;

/** checkbox: never NULL for a real value; a NULL column is sent as false. */
final class CheckboxType extends AbstractPropertyType {

    CheckboxType() {
        super("checkbox", List.of(ColumnSpec.main("boolean")), List.of(""));
    }

    /** Notion never sends null; a missing value stays NULL rather than becoming false. */
    @Override
    List<Object> readValue(JsonNode value) {
        return row(value == null || !value.isBoolean() ? null : value.booleanValue());
    }

    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        return RequestValues.NODES.booleanNode(value(values, "").asBoolean(false));
    }

    @Override
    Object emptyMeaning() {
        return Boolean.FALSE;
    }
}
