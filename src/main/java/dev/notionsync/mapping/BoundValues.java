package dev.notionsync.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bound table's values both ways: a column's value as PostgreSQL's {@code to_jsonb} renders it (what a row read
 * with {@code to_jsonb(t.*)} holds, and what {@code jsonb_populate_record} takes back) to the Notion request value
 * of its property, and a page's property value back to that shape. Exact: numbers travel as decimal text, never
 * through a double; an integer column refuses a fraction; a numeric(p,s) column refuses digits it would round away;
 * jsonb travels as its JSON text and refuses text that is not JSON. Long text is split in 2000-character text
 * objects as for mirror tables ({@link RequestValues}).
 *
 * <p>Where Notion has no empty value apart from "nothing" (text, options, dates), an empty Notion value is SQL NULL
 * for a nullable column and the empty value ('' or '{}') for a NOT NULL one. A checkbox is never empty: NULL is
 * sent as unchecked. Times are sent to the millisecond, and Notion keeps them to the minute (its dates have no
 * seconds): a page shows 22:15 for a row's 22:15:07, and reading that page back gives 22:15:00, so a time is only
 * ever written to a row when its property changed in Notion. A timestamp without time zone is read as UTC.
 */
public final class BoundValues {

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(NODES);
    private static final DateTimeFormatter INSTANT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT);
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS", Locale.ROOT);
    private static final Pattern NUMERIC_TYPMOD = Pattern.compile("numeric\\((\\d+)(?:,(\\d+))?\\)");
    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}");

    private BoundValues() {
    }

    // ---------------------------------------------------------------- row -> Notion

    /**
     * The request value {@code {T: …}} that sets property type {@code notionType} to a column's value.
     *
     * @param value the column's value as {@code to_jsonb} renders it; JSON null (or null) is SQL NULL
     * @throws UnwritableValueException for a value Notion cannot hold (a comma in an option, NaN, a text over 200,000
     *                                  characters, a date beyond year 9999)
     */
    public static ObjectNode toNotion(TableColumn column, String notionType, JsonNode value) {
        JsonNode v = value == null ? NullNode.getInstance() : value;
        String name = column.name();
        ObjectNode request = RequestValues.NODES.objectNode();
        switch (notionType) {
            case "title", "rich_text" -> request.set(notionType, RequestValues.richText(v.isNull() ? v : RequestValues.NODES.textNode(text(column, v)), name));
            case "number" -> request.set("number", RequestValues.number(v, name));
            case "checkbox" -> request.put("checkbox", !v.isNull() && v.asBoolean());
            case "select" -> request.set("select", v.isNull() ? NullNode.getInstance()
                    : RequestValues.NODES.objectNode().put("name", RequestValues.optionName(v.asText(), name)));
            case "multi_select" -> request.set("multi_select", RequestValues.items(v, name, "options",
                    option -> RequestValues.NODES.objectNode().put("name", RequestValues.optionName(option, name))));
            case "date" -> request.set("date", v.isNull() ? NullNode.getInstance() : date(column, v));
            default -> throw new IllegalArgumentException("column '" + name + "': no value of type " + notionType + " is written from a column");
        }
        return request;
    }

    /** The request value of a relation: the related pages, at most 100. */
    public static ObjectNode relation(List<String> pageIds) {
        ObjectNode request = RequestValues.NODES.objectNode();
        ArrayNode items = request.putArray("relation");
        pageIds.forEach(id -> items.addObject().put("id", id));
        return request;
    }

    /** The text a text, uuid or json column shows in a rich_text or title property. */
    private static String text(TableColumn column, JsonNode value) {
        if (column.category() == ColumnCategory.JSON) {
            return value.toString();
        }
        return value.isTextual() ? value.asText() : value.toString();
    }

    private static ObjectNode date(TableColumn column, JsonNode value) {
        String text = value.asText();
        ObjectNode date = RequestValues.NODES.objectNode();
        try {
            String start = switch (column.category()) {
                case DATE -> LocalDate.parse(text).toString();
                case TIMESTAMP -> LocalDateTime.parse(text).atOffset(ZoneOffset.UTC).toInstant().truncatedTo(ChronoUnit.MILLIS)
                        .atOffset(ZoneOffset.UTC).format(INSTANT);
                case TIMESTAMPTZ -> OffsetDateTime.parse(text).toInstant().truncatedTo(ChronoUnit.MILLIS).atOffset(ZoneOffset.UTC).format(INSTANT);
                default -> throw new IllegalArgumentException("column '" + column.name() + "' is not a date or time");
            };
            date.set("start", RequestValues.checkedDate(RequestValues.NODES.textNode(start), column.name()));
        } catch (DateTimeParseException e) {
            // 'infinity', BC dates: RequestValues says why Notion cannot hold them
            RequestValues.checkedDate(value, column.name());
            throw new UnwritableValueException("column '" + column.name() + "': " + text + " is not a date Notion can hold");
        }
        date.putNull("end");
        date.putNull("time_zone");
        return date;
    }

    // ---------------------------------------------------------------- Notion -> row

    /**
     * The column value ({@code to_jsonb} shape; JSON null for SQL NULL) a page's property value sets.
     *
     * @param property the page's property value {@code {"id","type",T:…}} as Notion shows it; null or JSON null: no value
     * @throws RefusedValueException a value the column cannot hold as it is
     */
    public static JsonNode fromNotion(TableColumn column, JsonNode property) {
        if (property == null || property.isNull()) {
            return empty(column);
        }
        String type = property.path("type").asText();
        JsonNode value = property.get(type);
        return switch (type) {
            case "title", "rich_text" -> fromText(column, plainText(value));
            case "number" -> value == null || value.isNull() ? NullNode.getInstance() : number(column, decimal(column, value));
            case "checkbox" -> NODES.booleanNode(value != null && value.asBoolean());
            case "select", "status" -> value == null || value.isNull() ? empty(column) : option(column, value.path("name").asText());
            case "multi_select" -> options(column, value);
            case "date" -> fromDate(column, value);
            default -> throw new RefusedValueException("column '" + column.name() + "': a Notion " + type + " value does not go into a column");
        };
    }

    /** The related page ids of a relation property value, in Notion's order. */
    public static List<String> relatedPageIds(JsonNode property) {
        List<String> ids = new ArrayList<>();
        if (property != null) {
            property.path("relation").forEach(r -> ids.add(r.path("id").asText()));
        }
        return ids;
    }

    /** The plain text of a title or rich_text value (an array of text objects). */
    public static String plainText(JsonNode items) {
        StringBuilder text = new StringBuilder();
        if (items != null) {
            for (JsonNode item : items) {
                JsonNode plain = item.get("plain_text");
                text.append(plain != null && !plain.isNull() ? plain.asText() : item.path("text").path("content").asText(""));
            }
        }
        return text.toString();
    }

    /** Nothing in Notion: NULL for a nullable column, the empty value for a NOT NULL one. */
    private static JsonNode empty(TableColumn column) {
        if (!column.notNull()) {
            return NullNode.getInstance();
        }
        return switch (column.category()) {
            case TEXT -> NODES.textNode("");
            case TEXT_ARRAY, ENUM_ARRAY -> NODES.arrayNode();
            default -> NullNode.getInstance();   // PostgreSQL refuses it, naming the NOT NULL constraint
        };
    }

    private static JsonNode fromText(TableColumn column, String text) {
        if (text.isEmpty() && column.category() != ColumnCategory.TEXT) {
            return empty(column);
        }
        return switch (column.category()) {
            case TEXT -> text.isEmpty() ? empty(column) : NODES.textNode(text);
            case UUID -> NODES.textNode(uuid(column, text));
            case JSON -> {
                try {
                    yield JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + "): the text is not JSON ("
                            + e.getOriginalMessage() + ")");
                }
            }
            default -> throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + ") does not take text");
        };
    }

    private static String uuid(TableColumn column, String text) {
        String trimmed = text.trim();
        if (!UUID_TEXT.matcher(trimmed).matches()) {
            throw new RefusedValueException("column '" + column.name() + "' (uuid): '" + abbreviated(text) + "' is not a uuid");
        }
        String hex = trimmed.replace("-", "").toLowerCase(Locale.ROOT);
        return UUID.fromString(hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-" + hex.substring(16, 20)
                + "-" + hex.substring(20)).toString();
    }

    private static BigDecimal decimal(TableColumn column, JsonNode value) {
        try {
            return value.isNumber() ? value.decimalValue() : new BigDecimal(value.asText());
        } catch (NumberFormatException e) {
            throw new RefusedValueException("column '" + column.name() + "': '" + abbreviated(value.asText()) + "' is not a number");
        }
    }

    private static JsonNode number(TableColumn column, BigDecimal number) {
        switch (column.category()) {
            case INTEGER -> {
                BigInteger whole;
                try {
                    whole = number.toBigIntegerExact();
                } catch (ArithmeticException e) {
                    throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + ") takes whole numbers; "
                            + number.toPlainString() + " has a fraction");
                }
                int bits = column.formatType().equals("smallint") ? 16 : column.formatType().equals("integer") ? 32 : 64;
                if (whole.bitLength() >= bits) {
                    throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + "): " + whole + " is out of its range");
                }
                return NODES.numberNode(whole);
            }
            case DECIMAL -> {
                Matcher typmod = NUMERIC_TYPMOD.matcher(column.formatType());
                if (typmod.matches()) {
                    int precision = Integer.parseInt(typmod.group(1));
                    int scale = typmod.group(2) == null ? 0 : Integer.parseInt(typmod.group(2));
                    BigDecimal stripped = number.signum() == 0 ? BigDecimal.ZERO : number.stripTrailingZeros();
                    if (stripped.scale() > scale) {
                        throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + ") keeps " + scale
                                + " decimal places; " + number.toPlainString() + " would be rounded");
                    }
                    if (stripped.precision() - stripped.scale() > precision - scale) {
                        throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + "): " + number.toPlainString()
                                + " has too many digits");
                    }
                }
                return NODES.numberNode(number);
            }
            case FLOAT -> {
                return NODES.numberNode(number);
            }
            default -> throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + ") does not take a number");
        }
    }

    private static JsonNode option(TableColumn column, String name) {
        if (column.category() == ColumnCategory.ENUM && !column.enumLabels().contains(name)) {
            throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + "): '" + abbreviated(name)
                    + "' is not one of its labels " + column.enumLabels());
        }
        if (column.category() != ColumnCategory.ENUM && column.category() != ColumnCategory.TEXT) {
            throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + ") does not take an option");
        }
        return NODES.textNode(name);
    }

    private static JsonNode options(TableColumn column, JsonNode value) {
        if (column.category() != ColumnCategory.TEXT_ARRAY && column.category() != ColumnCategory.ENUM_ARRAY) {
            throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + ") does not take options");
        }
        ArrayNode names = NODES.arrayNode();
        if (value != null) {
            for (JsonNode option : value) {
                String name = option.path("name").asText();
                if (column.category() == ColumnCategory.ENUM_ARRAY && !column.enumLabels().contains(name)) {
                    throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + "): '" + abbreviated(name)
                            + "' is not one of its labels " + column.enumLabels());
                }
                names.add(name);
            }
        }
        return names.isEmpty() && !column.notNull() ? NullNode.getInstance() : names;
    }

    private static JsonNode fromDate(TableColumn column, JsonNode value) {
        if (value == null || value.isNull() || value.path("start").isNull() || value.path("start").isMissingNode()) {
            return empty(column);
        }
        if (!value.path("end").isNull() && !value.path("end").isMissingNode()) {
            throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + ") holds one date; the page has a range "
                    + value.path("start").asText() + " to " + value.path("end").asText());
        }
        String start = value.path("start").asText();
        boolean dateOnly = start.length() == 10;
        try {
            switch (column.category()) {
                case DATE -> {
                    if (!dateOnly) {
                        throw new RefusedValueException("column '" + column.name() + "' (date) holds a day; the page's date " + start
                                + " has a time");
                    }
                    return NODES.textNode(LocalDate.parse(start).toString());
                }
                case TIMESTAMP -> {
                    return NODES.textNode(instant(start, dateOnly).atOffset(ZoneOffset.UTC).toLocalDateTime().format(LOCAL));
                }
                case TIMESTAMPTZ -> {
                    return NODES.textNode(instant(start, dateOnly).atOffset(ZoneOffset.UTC).format(INSTANT));
                }
                default -> throw new RefusedValueException("column '" + column.name() + "' (" + column.formatType() + ") does not take a date");
            }
        } catch (DateTimeParseException e) {
            throw new RefusedValueException("column '" + column.name() + "': '" + start + "' is not a date");
        }
    }

    /** A date alone is its midnight in UTC. */
    private static Instant instant(String start, boolean dateOnly) {
        return dateOnly ? LocalDate.parse(start).atStartOfDay().toInstant(ZoneOffset.UTC) : OffsetDateTime.parse(start).toInstant();
    }

    // ---------------------------------------------------------------- the row's key

    /**
     * The key property's text for a row key ({"column": value} in the key's order): the single key column's value as
     * text, or the JSON array of the values for a composite key.
     */
    public static String keyText(List<TableColumn> key, JsonNode rowKey) {
        if (key.size() == 1) {
            JsonNode value = rowKey.path(key.get(0).name());
            return value.isTextual() ? value.asText() : value.isBigDecimal() ? value.decimalValue().toPlainString() : value.toString();
        }
        ArrayNode values = NODES.arrayNode();
        key.forEach(column -> values.add(rowKey.path(column.name())));
        return values.toString();
    }

    /**
     * The row key {"column": value} a key property's text names (the inverse of {@link #keyText}).
     *
     * @throws RefusedValueException text that names no key of these columns
     */
    public static ObjectNode rowKey(List<TableColumn> key, String text) {
        ObjectNode rowKey = NODES.objectNode();
        if (key.size() == 1) {
            rowKey.set(key.get(0).name(), keyValue(key.get(0), NODES.textNode(text.trim())));
            return canonical(rowKey);
        }
        JsonNode values;
        try {
            values = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            values = null;
        }
        if (values == null || !values.isArray() || values.size() != key.size()) {
            throw new RefusedValueException("the key '" + abbreviated(text) + "' is not a JSON array of " + key.size() + " values ("
                    + key.stream().map(TableColumn::name).toList() + ")");
        }
        for (int i = 0; i < key.size(); i++) {
            rowKey.set(key.get(i).name(), keyValue(key.get(i), values.get(i)));
        }
        return canonical(rowKey);
    }

    /** A key's nodes as parsing its JSON text gives them, so it equals the same key read from PostgreSQL. */
    private static ObjectNode canonical(ObjectNode rowKey) {
        try {
            return (ObjectNode) JSON.readTree(rowKey.toString());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode keyValue(TableColumn column, JsonNode value) {
        if (value.isNull() || value.asText().isEmpty()) {
            throw new RefusedValueException("key column '" + column.name() + "' has no value");
        }
        return switch (column.category()) {
            case INTEGER, DECIMAL, FLOAT -> number(column, decimal(column, value));
            case UUID -> NODES.textNode(uuid(column, value.asText()));
            default -> value.isTextual() ? value : NODES.textNode(value.toString());
        };
    }

    /** The request value of the key property: the key's text as rich_text, or as the title. */
    public static ObjectNode keyRequest(String keyText, boolean title) {
        ObjectNode request = RequestValues.NODES.objectNode();
        request.set(title ? "title" : "rich_text", RequestValues.richText(RequestValues.NODES.textNode(keyText), "key"));
        return request;
    }

    private static String abbreviated(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
