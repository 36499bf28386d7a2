package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** button (read-only): its value is always {}, no value worth a column; the raw JSON column has it. */
final class ButtonType extends AbstractPropertyType {

    ButtonType() {
        super("button", List.of());
    }

    @Override
    List<Object> readValue(JsonNode ignored) {
        return List.of();
    }
}
