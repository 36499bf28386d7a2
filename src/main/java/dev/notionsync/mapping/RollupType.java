package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.List;

import static dev.notionsync.mapping.ColumnSpec.main;
import static dev.notionsync.mapping.ColumnSpec.side;
import static dev.notionsync.mapping.JsonValues.RESPONSE_CAP;
import static dev.notionsync.mapping.JsonValues.arraySize;
import static dev.notionsync.mapping.JsonValues.decimal;
import static dev.notionsync.mapping.JsonValues.isArray;
import static dev.notionsync.mapping.JsonValues.isObject;
import static dev.notionsync.mapping.JsonValues.json;
import static dev.notionsync.mapping.JsonValues.nulls;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/**
 * rollup (read-only): number results in the main column, date results as for date, array results as the JSON array
 * of property values; type = number, date, array, unsupported or incomplete; the rollup function.
 */
final class RollupType extends AbstractPropertyType {

    RollupType() {
        super("rollup", List.of(main("numeric"), side("type", "text"), side("function", "text"), side("date", "date"),
                side("date_at", "timestamptz"), side("date_iso", "text"), side("array", "jsonb")));
    }

    @Override
    List<Object> readValue(JsonNode rollup) {
        if (!isObject(rollup)) {
            return nulls(7);
        }
        String type = text(rollup.get("type"));
        NotionDate date = "date".equals(type) ? NotionDate.parse(rollup.get("date")) : null;
        BigDecimal number = "number".equals(type) ? decimal(rollup.get("number")) : null;
        String array = "array".equals(type) && isArray(rollup.get("array")) ? json(rollup.get("array")) : null;
        return row(number, type, text(rollup.get("function")),
                date == null ? null : date.startDate(), date == null ? null : date.startAt(),
                date == null ? null : date.iso(), array);
    }

    /**
     * "incomplete" says so; an array at the cap likely is. A number or date computed over only 25 of more relations
     * cannot be told from the value itself (the caller can check the relation's has_more).
     */
    @Override
    boolean isTruncatedValue(JsonNode property) {
        JsonNode rollup = property.get(name());
        if (!isObject(rollup)) {
            return false;
        }
        String type = text(rollup.get("type"));
        return "incomplete".equals(type) || ("array".equals(type) && arraySize(rollup.get("array")) >= RESPONSE_CAP);
    }

    @Override
    public boolean isUnsupported(JsonNode property) {
        return property != null && "unsupported".equals(property.path(name()).path("type").asText());
    }
}
