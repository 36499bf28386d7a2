package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/** Writing Notion's request JSON within its limits: the helpers several types' writes share. */
final class RequestValues {

    /** Notion's request limits (notion-api.md §2.2). */
    static final int MAX_TEXT_CONTENT = 2000;
    static final int MAX_ARRAY_ITEMS = 100;
    static final int MAX_URL = 2000;
    static final int MAX_OPTION_NAME = 100;

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RequestValues() {
    }

    /** Text objects of at most 2000 characters, never splitting a surrogate pair. */
    static ArrayNode richText(JsonNode value, String propertyName) {
        ArrayNode items = NODES.arrayNode();
        if (value.isNull()) {
            return items;
        }
        String text = value.asText();
        int start = 0;
        while (start < text.length()) {
            int end = Math.min(text.length(), start + MAX_TEXT_CONTENT);
            if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            ObjectNode item = items.addObject();
            item.put("type", "text");
            item.putObject("text").put("content", text.substring(start, end));
            start = end;
        }
        if (items.size() > MAX_ARRAY_ITEMS) {
            throw new UnwritableValueException("property '" + propertyName + "': a text of " + text.length()
                    + " characters needs " + items.size() + " text objects; Notion takes at most " + MAX_ARRAY_ITEMS
                    + " of " + MAX_TEXT_CONTENT + " characters (" + MAX_ARRAY_ITEMS * MAX_TEXT_CONTENT + " characters)");
        }
        return items;
    }

    /** A finite number; PostgreSQL renders NaN and ±Infinity (numeric or float) as strings, which Notion cannot hold. */
    static JsonNode number(JsonNode value, String propertyName) {
        if (value.isNull()) {
            return NullNode.getInstance();
        }
        BigDecimal number;
        try {
            number = value.isNumber() ? value.decimalValue() : new BigDecimal(value.asText());
        } catch (NumberFormatException e) {
            throw new UnwritableValueException("property '" + propertyName + "': " + value.asText()
                    + " is not a number Notion can hold (only finite numbers); set a number or NULL");
        }
        if (!Double.isFinite(number.doubleValue())) {
            throw new UnwritableValueException("property '" + propertyName + "': " + number.toEngineeringString()
                    + " is beyond the range of Notion's numbers");
        }
        return value.isNumber() ? value : NODES.numberNode(number);
    }

    /** Notion refuses option names with a comma (they separate options in its UI). */
    static String optionName(String name, String propertyName) {
        if (name.contains(",")) {
            throw new UnwritableValueException("property '" + propertyName + "': option '" + name
                    + "' contains a comma, which Notion does not allow in option names");
        }
        return limited(name, propertyName, MAX_OPTION_NAME);
    }

    static String limited(String text, String propertyName, int max) {
        if (text.length() > max) {
            throw new UnwritableValueException("property '" + propertyName + "': a value of " + text.length()
                    + " characters; Notion takes at most " + max);
        }
        return text;
    }

    /** A text[] column as an array of request objects, at most 100, none of them from a NULL element. */
    static ArrayNode items(JsonNode array, String propertyName, String what, Function<String, ObjectNode> item) {
        ArrayNode items = NODES.arrayNode();
        if (array.isNull()) {
            return items;
        }
        if (array.size() > MAX_ARRAY_ITEMS) {
            throw new UnwritableValueException("property '" + propertyName + "' has " + array.size() + " " + what
                    + "; Notion takes at most " + MAX_ARRAY_ITEMS + " in one request");
        }
        for (JsonNode element : array) {
            if (element.isNull()) {
                throw new UnwritableValueException("property '" + propertyName + "': the array holds a NULL; Notion has no empty "
                        + what.replaceAll("s$", "") + ": remove the NULL from the array");
            }
            items.add(item.apply(element.asText()));
        }
        return items;
    }

    /** Empty text is no value: JSON null. */
    static boolean isEmptyText(JsonNode value) {
        return value.isNull() || value.asText().isEmpty();
    }

    /** A calendar date or an instant with an offset, years 1 to 9999; PostgreSQL's 'infinity' and BC dates are not. */
    static JsonNode checkedDate(JsonNode value, String propertyName) {
        if (value.isNull()) {
            return value;
        }
        String text = value.asText();
        try {
            int year = text.length() > 10 ? OffsetDateTime.parse(text).getYear() : LocalDate.parse(text).getYear();
            if (year >= 1 && year <= 9999) {
                return value;
            }
        } catch (DateTimeParseException e) {
            // reported below
        }
        throw new UnwritableValueException("property '" + propertyName + "': " + text
                + " is not a date Notion can hold (years 1 to 9999, no infinity); set a date or NULL");
    }
}
