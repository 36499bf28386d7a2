package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.List;

import static dev.notionsync.mapping.ColumnSpec.main;
import static dev.notionsync.mapping.ColumnSpec.side;
import static dev.notionsync.mapping.JsonValues.decimal;
import static dev.notionsync.mapping.JsonValues.isObject;
import static dev.notionsync.mapping.JsonValues.nulls;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/**
 * formula (read-only): the result as text (string as is, number in plain notation, true/false, date as iso
 * "start[/end]"), the result type (string, number, boolean, date, unsupported), and the typed column of the result
 * type; the others NULL.
 */
final class FormulaType extends AbstractPropertyType {

    FormulaType() {
        super("formula", List.of(main("text"), side("type", "text"), side("number", "numeric"), side("boolean", "boolean"),
                side("date", "date"), side("date_at", "timestamptz")));
    }

    @Override
    List<Object> readValue(JsonNode formula) {
        if (!isObject(formula)) {
            return nulls(6);
        }
        String type = text(formula.get("type"));
        JsonNode result = type == null ? null : formula.get(type);
        String display = null;
        BigDecimal number = null;
        Boolean bool = null;
        NotionDate date = null;
        if ("string".equals(type)) {
            display = text(result);
        } else if ("number".equals(type)) {
            number = decimal(result);
            display = number == null ? null : number.toPlainString();
        } else if ("boolean".equals(type)) {
            bool = result != null && result.isBoolean() ? result.booleanValue() : null;
            display = bool == null ? null : bool.toString();
        } else if ("date".equals(type)) {
            date = NotionDate.parse(result);
            display = date == null ? null : date.iso();
        }
        // "unsupported" (and future result types): only the type is known
        return row(display, type, number, bool,
                date == null ? null : date.startDate(), date == null ? null : date.startAt());
    }

    @Override
    public boolean isUnsupported(JsonNode property) {
        return property != null && "unsupported".equals(property.path(name()).path("type").asText());
    }
}
