package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/** created_time, last_edited_time (read-only): the instant. */
final class TimestampType extends AbstractPropertyType {

    private static final Logger LOG = LoggerFactory.getLogger(TimestampType.class);

    TimestampType(String name) {
        super(name, List.of(ColumnSpec.main("timestamptz")));
    }

    @Override
    List<Object> readValue(JsonNode value) {
        String text = text(value);
        if (text == null) {
            return row((Object) null);
        }
        try {
            return row(OffsetDateTime.parse(text));
        } catch (DateTimeParseException e) {
            // one odd value must not stop the sync of a page; the raw JSON column keeps it
            LOG.warn("Notion timestamp {} is not ISO 8601; mapped to NULL", text);
            return row((Object) null);
        }
    }
}
