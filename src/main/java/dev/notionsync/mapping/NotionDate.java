package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * A Notion date object {@code {"start","end","time_zone"}} taken apart into the pieces SQL can query.
 *
 * <p>Notion writes a date-only value as "2023-02-07" and a date with time as "2026-06-27T18:01:00.000+01:00". The
 * API documents {@code time_zone} as always null in responses, the offset in the string being the zone information;
 * if a response ever carries a {@code time_zone} (and then, as in requests, strings without offset), the wall clock
 * is read in that zone.
 *
 * @param startDate the calendar date Notion displays for start: in {@code time_zone} when set, else as written
 * @param startAt   the instant of start; null for a date-only value
 * @param endDate   like startDate for end; null when the value is not a range
 * @param endAt     like startAt for end
 * @param timeZone  Notion's {@code time_zone}, verbatim
 * @param iso       Notion's own strings: start, or "start/end" for a range (ISO 8601 interval notation), so the
 *                  original form, offset and precision included, is always recoverable
 */
record NotionDate(LocalDate startDate, OffsetDateTime startAt, LocalDate endDate, OffsetDateTime endAt,
                  String timeZone, String iso) {

    private static final Logger LOG = LoggerFactory.getLogger(NotionDate.class);

    /** Null when the node is absent, JSON null, or has no start. */
    static NotionDate parse(JsonNode date) {
        if (date == null || !date.isObject()) {
            return null;
        }
        String start = JsonValues.text(date.get("start"));
        if (start == null) {
            return null;
        }
        String end = JsonValues.text(date.get("end"));
        String timeZone = JsonValues.text(date.get("time_zone"));
        ZoneId zone = zoneOrNull(timeZone);
        Point from = Point.parse(start, zone);
        Point to = end == null ? null : Point.parse(end, zone);
        return new NotionDate(from.date, from.at,
                to == null ? null : to.date, to == null ? null : to.at,
                timeZone, end == null ? start : start + "/" + end);
    }

    private static ZoneId zoneOrNull(String timeZone) {
        if (timeZone == null) {
            return null;
        }
        try {
            return ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            // an unknown zone name must not lose the row: fall back to the offset in the string (or UTC); iso and
            // the time_zone column keep what Notion said
            return null;
        }
    }

    /** One end of the range: a calendar date and, unless date-only, an instant. */
    private record Point(LocalDate date, OffsetDateTime at) {
        static Point parse(String text, ZoneId zone) {
            try {
                if (!text.contains("T")) {
                    return new Point(LocalDate.parse(text), null);
                }
                OffsetDateTime at = instant(text, zone);
                LocalDate shown = zone == null ? at.toLocalDate() : at.atZoneSameInstant(zone).toLocalDate();
                return new Point(shown, at);
            } catch (DateTimeParseException e) {
                // one odd string must not stop the sync of a page: the typed columns stay NULL, iso keeps the text
                LOG.warn("Notion date {} is not ISO 8601; only its text is kept", text);
                return new Point(null, null);
            }
        }

        private static OffsetDateTime instant(String text, ZoneId zone) {
            try {
                return OffsetDateTime.parse(text);
            } catch (DateTimeParseException noOffset) {
                // only legal together with time_zone; without one the wall clock is read as UTC (iso keeps it as sent)
                return LocalDateTime.parse(text).atZone(zone == null ? ZoneOffset.UTC : zone).toOffsetDateTime();
            }
        }
    }
}
