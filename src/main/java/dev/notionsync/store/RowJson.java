package dev.notionsync.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.notionsync.mapping.ColumnSpec;
import dev.notionsync.mapping.NulText;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Mapped rows as one JSON array of objects keyed by column name, the single parameter of
 * {@code json_populate_recordset(NULL::<table>, ?::json)}: PostgreSQL converts each value with its column type's own
 * input function, so a batch of 100 rows is one parameter instead of thousands, and numbers keep their exact text.
 */
public final class RowJson {

    private static final JsonFactory JSON = new JsonFactory();
    // year of era (no sign, no cap at 9999) and " BC" for years before 1: PostgreSQL's own input form
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd");
    private static final DateTimeFormatter INSTANT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'");

    private RowJson() {
    }

    /**
     * @param columns the columns to write (name in {@link ColumnSpec#suffix()}, and type)
     * @param rows    each a column name → value map holding every one of {@code columns}
     */
    public static String of(List<ColumnSpec> columns, Collection<Map<String, Object>> rows) {
        StringWriter text = new StringWriter(rows.size() * 2048);
        try (JsonGenerator json = JSON.createGenerator(text)) {
            json.writeStartArray();
            for (Map<String, Object> row : rows) {
                json.writeStartObject();
                for (ColumnSpec column : columns) {
                    if (!row.containsKey(column.suffix())) {
                        throw new IllegalArgumentException("a row without a value for column " + column.suffix());
                    }
                    json.writeFieldName(column.suffix());
                    write(json, column.sqlType(), row.get(column.suffix()));
                }
                json.writeEndObject();
            }
            json.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    private static void write(JsonGenerator json, String sqlType, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof String s) {
            if (sqlType.equals("jsonb")) {
                json.writeRawValue(jsonWithoutNul(s));   // already JSON: the property values as Notion sent them
            } else {
                json.writeString(NulText.clean(s));
            }
        } else if (value instanceof Boolean b) {
            json.writeBoolean(b);
        } else if (value instanceof BigDecimal d) {
            json.writeNumber(d.toPlainString());
        } else if (value instanceof Number n) {
            json.writeNumber(n.toString());
        } else if (value instanceof String[] texts) {
            json.writeStartArray();
            for (String t : texts) {
                if (t == null) {
                    json.writeNull();
                } else {
                    json.writeString(NulText.clean(t));
                }
            }
            json.writeEndArray();
        } else if (value instanceof Instant instant) {
            json.writeString(timestamp(instant));
        } else if (value instanceof OffsetDateTime time) {
            json.writeString(timestamp(time.toInstant()));
        } else if (value instanceof LocalDate day) {
            json.writeString(day.format(DAY) + (day.getYear() < 1 ? " BC" : ""));
        } else {
            json.writeString(NulText.clean(value.toString()));
        }
    }

    private static String timestamp(Instant instant) {
        OffsetDateTime utc = instant.atOffset(ZoneOffset.UTC);
        return utc.format(INSTANT) + (utc.getYear() < 1 ? " BC" : "");
    }

    /**
     * PostgreSQL jsonb refuses the JSON escape of U+0000 (backslash, u, 0000); the mapper replaces NUL characters
     * before this point ({@link NulText}), so this only guards the JSON text: each such escape becomes the escape of
     * U+FFFD, while an escaped backslash followed by the letters u0000 (text that reads so) stays as it is.
     */
    static String jsonWithoutNul(String json) {
        if (!json.contains("\\u0000") && json.indexOf(NulText.NUL) < 0) {
            return json;
        }
        StringBuilder out = new StringBuilder(json.length());
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '\\' && i + 1 < json.length()) {
                if (json.startsWith("u0000", i + 1)) {
                    out.append("\\ufffd");
                    i += 5;
                } else {
                    out.append(c).append(json.charAt(++i));
                }
            } else {
                out.append(c == NulText.NUL ? NulText.REPLACEMENT : c);
            }
        }
        return out.toString();
    }
}
