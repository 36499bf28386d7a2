package dev.notionsync.sim;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** The two timestamp styles Notion uses. */
final class Times {
    private static final DateTimeFormatter MINUTE_Z = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MILLIS_OFFSET = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx").withZone(ZoneOffset.UTC);

    private Times() {
    }

    static Instant minute(Instant t) {
        return t.truncatedTo(ChronoUnit.MINUTES);
    }

    /** Pages, blocks and data sources: rounded down to the minute, "…:00.000Z". */
    static String minuteZ(Instant t) {
        return MINUTE_Z.format(minute(t));
    }

    /** Database containers: milliseconds and "+00:00". */
    static String millisOffset(Instant t) {
        return MILLIS_OFFSET.format(t.truncatedTo(ChronoUnit.MILLIS));
    }

    /** Parses what Notion accepts in filters and values: a date, a datetime with offset, or a local datetime (as UTC). */
    static Instant parseInstant(String text) {
        if (text == null) return null;
        try {
            if (text.length() == 10) {
                return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC);
            }
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (RuntimeException e) {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            }
        } catch (RuntimeException e) {
            return null;
        }
    }

    static Instant parseStored(String text) {
        return text == null ? null : Instant.parse(text.endsWith("Z") ? text : OffsetDateTime.parse(text).toInstant().toString());
    }
}
