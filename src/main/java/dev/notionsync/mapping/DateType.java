package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.ColumnSpec.main;
import static dev.notionsync.mapping.ColumnSpec.side;
import static dev.notionsync.mapping.JsonValues.nulls;
import static dev.notionsync.mapping.JsonValues.row;

/**
 * date: start's calendar date as Notion shows it, the start instant (NULL for date-only values, which is how date
 * and date-time are told apart), the same for end, time_zone verbatim, and iso = Notion's strings "start" or
 * "start/end", keeping the UTC offset that a timestamptz drops. A push sends start = at when set, else the date; a
 * change to the date column alone sends a date without time (the same for end).
 */
final class DateType extends AbstractPropertyType {

    DateType() {
        super("date", List.of(main("date"), side("at", "timestamptz"), side("end", "date"), side("end_at", "timestamptz"),
                side("time_zone", "text"), side("iso", "text")), List.of("", "at", "end", "end_at", "time_zone"));
    }

    @Override
    List<Object> readValue(JsonNode value) {
        NotionDate date = NotionDate.parse(value);
        if (date == null) {
            return nulls(6);
        }
        return row(date.startDate(), date.startAt(), date.endDate(), date.endAt(), date.timeZone(), date.iso());
    }

    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        JsonNode start = pick(values, changed, "", "at");
        if (start.isNull()) {
            return NullNode.getInstance();
        }
        ObjectNode date = RequestValues.NODES.objectNode();
        date.set("start", RequestValues.checkedDate(start, propertyName));
        date.set("end", RequestValues.checkedDate(pick(values, changed, "end", "end_at"), propertyName));
        date.set("time_zone", value(values, "time_zone"));
        return date;
    }

    /** A date column and its date-time twin: the one the user changed, else the date-time when it is set. */
    private static JsonNode pick(Map<String, JsonNode> values, Set<String> changed, String dateSuffix, String instantSuffix) {
        JsonNode day = value(values, dateSuffix);
        JsonNode instant = value(values, instantSuffix);
        boolean dayOnly = changed.contains(dateSuffix) && !changed.contains(instantSuffix);
        if (!dayOnly && !instant.isNull()) {
            return instant;
        }
        return day;
    }
}
