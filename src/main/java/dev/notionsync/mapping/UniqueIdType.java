package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

import static dev.notionsync.mapping.JsonValues.isObject;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/** unique_id (read-only): "RL-3" with a prefix, "3" without, and the number. */
final class UniqueIdType extends AbstractPropertyType {

    UniqueIdType() {
        super("unique_id", List.of(ColumnSpec.main("text"), ColumnSpec.side("number", "bigint")));
    }

    @Override
    List<Object> readValue(JsonNode value) {
        if (!isObject(value) || !value.path("number").isIntegralNumber()) {
            return row(null, null);
        }
        long number = value.get("number").longValue();
        String prefix = text(value.get("prefix"));
        return row(prefix == null ? Long.toString(number) : prefix + "-" + number, number);
    }
}
