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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The write side (push): from a mirror row's column values back to a Notion property value for create and update
 * requests. Values come as PostgreSQL's {@code to_jsonb} renders them, keyed by column suffix ("" is the main column).
 *
 * <table>
 * <caption>writable columns per type and what is sent</caption>
 * <tr><td>title, rich_text</td><td>""</td><td>plain text, split into text objects of ≤ 2000 characters, ≤ 100 of them;
 *     annotations and links of the old value are not kept</td></tr>
 * <tr><td>number, checkbox, url, email, phone_number</td><td>""</td><td>as they are; an empty url/email/phone is null,
 *     a NULL checkbox is false</td></tr>
 * <tr><td>select, status</td><td>""</td><td>by option name</td></tr>
 * <tr><td>multi_select</td><td>""</td><td>by option names, ≤ 100</td></tr>
 * <tr><td>date</td><td>"", at, end, end_at, time_zone</td><td>start = at when set, else the date; a change to the
 *     date column alone sends a date without time (same for end); time_zone as it is</td></tr>
 * <tr><td>people</td><td>ids</td><td>user ids, ≤ 100</td></tr>
 * <tr><td>relation</td><td>""</td><td>page ids, ≤ 100</td></tr>
 * <tr><td>files</td><td>"", urls</td><td>external files: name and URL pairs (a missing name is the URL's last part)</td></tr>
 * <tr><td>place</td><td>"", address, lat, lon</td><td>name, address and coordinates</td></tr>
 * <tr><td>formula, rollup, created/last edited time and by, unique_id, verification, button</td><td>(none)</td>
 *     <td>read-only: never sent</td></tr>
 * </table>
 */
public final class PropertyWriters {

    /** Notion's request limits (notion-api.md §2.2). */
    public static final int MAX_TEXT_CONTENT = 2000;
    public static final int MAX_ARRAY_ITEMS = 100;
    public static final int MAX_URL = 2000;
    public static final int MAX_OPTION_NAME = 100;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final Map<String, List<String>> WRITABLE_SUFFIXES = Map.ofEntries(
            Map.entry("title", List.of("")),
            Map.entry("rich_text", List.of("")),
            Map.entry("number", List.of("")),
            Map.entry("select", List.of("")),
            Map.entry("status", List.of("")),
            Map.entry("multi_select", List.of("")),
            Map.entry("date", List.of("", "at", "end", "end_at", "time_zone")),
            Map.entry("people", List.of("ids")),
            Map.entry("relation", List.of("")),
            Map.entry("files", List.of("", "urls")),
            Map.entry("checkbox", List.of("")),
            Map.entry("url", List.of("")),
            Map.entry("email", List.of("")),
            Map.entry("phone_number", List.of("")),
            Map.entry("place", List.of("", "address", "lat", "lon")));

    private PropertyWriters() {
    }

    /** A value Notion would refuse (too long, too many items): the push dead-letters it with this message. */
    public static final class UnwritableValueException extends IllegalArgumentException {
        public UnwritableValueException(String message) {
            super(message);
        }
    }

    /** The column suffixes a push sends for this type; empty for read-only types. */
    public static List<String> writableSuffixes(PropertyType type) {
        return type.writable() ? WRITABLE_SUFFIXES.getOrDefault(type.name(), List.of()) : List.of();
    }

    /**
     * The request value {@code {"<type>": …}} for one property.
     *
     * @param values  column suffix → value ({@code to_jsonb} form); a missing suffix is SQL NULL
     * @param changed the suffixes the user changed (decides between a date and a date-time)
     */
    public static ObjectNode toNotion(PropertyType type, String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        if (writableSuffixes(type).isEmpty()) {
            throw new IllegalArgumentException(type.name() + " is read-only in Notion");
        }
        ObjectNode property = NODES.objectNode();
        JsonNode main = value(values, "");
        JsonNode written = switch (type.name()) {
            case "title", "rich_text" -> richText(main, propertyName);
            case "number" -> number(main, propertyName);
            case "checkbox" -> NODES.booleanNode(main.asBoolean(false));
            case "email", "phone_number" -> main.isNull() || main.asText().isEmpty() ? NullNode.getInstance() : NODES.textNode(main.asText());
            case "url" -> main.isNull() || main.asText().isEmpty() ? NullNode.getInstance() : NODES.textNode(limited(main.asText(), propertyName, MAX_URL));
            case "select", "status" -> main.isNull() || main.asText().isEmpty() ? NullNode.getInstance() : NODES.objectNode().put("name", optionName(main.asText(), propertyName));
            case "multi_select" -> items(main, propertyName, "options", name -> NODES.objectNode().put("name", optionName(name, propertyName)));
            case "people" -> items(value(values, "ids"), propertyName, "people", id -> NODES.objectNode().put("object", "user").put("id", id));
            case "relation" -> items(main, propertyName, "related pages", id -> NODES.objectNode().put("id", id));
            case "files" -> files(main, value(values, "urls"), propertyName);
            case "date" -> date(values, changed, propertyName);
            case "place" -> place(values, propertyName);
            default -> throw new IllegalArgumentException("no writer for Notion type " + type.name());
        };
        property.set(type.name(), written);
        return property;
    }

    /**
     * Whether two values of a property (page property objects as Notion sends them, complete, either may be null)
     * mean the same for what a push writes: compared as the columns the pull reads from them, so numbers compare
     * numerically (1234.5 = 1234.50), dates as dates or instants (any offset), rich text as plain text, options by
     * name, people by id, arrays in full and in order. Hosted file URLs are compared without their expiring query.
     */
    public static boolean sameMeaning(PropertyType type, JsonNode a, JsonNode b) {
        try {
            return meaning(type, a).equals(meaning(type, b));
        } catch (IllegalArgumentException e) {
            return a == null ? b == null : a.equals(b);   // a value of another type (the schema changed): only equal JSON is the same
        }
    }

    /**
     * Whether Notion's property (as a page shows it, may be null) already holds, by meaning, what the request value
     * from {@link #toNotion} sets: then there is nothing to send for it (e.g. our own write landed before a crash).
     */
    public static boolean holds(PropertyType type, JsonNode notionProperty, JsonNode requestValue) {
        if (notionProperty == null || notionProperty.isNull()) {
            return false;
        }
        ObjectNode asPage = requestValue.deepCopy();
        asPage.put("type", type.name());
        JsonNode items = asPage.path(type.name());
        if ((type.name().equals("title") || type.name().equals("rich_text")) && items.isArray()) {
            // a request's text objects carry no plain_text, which is what a page's text is compared by
            for (JsonNode item : items) {
                ((ObjectNode) item).put("plain_text", item.path("text").path("content").asText(""));
            }
        }
        return sameMeaning(type, notionProperty, asPage);
    }

    private static List<Object> meaning(PropertyType type, JsonNode property) {
        List<Object> read = property == null || property.isNull() ? null : type.read(property);
        List<String> writable = writableSuffixes(type);
        List<Object> meaning = new ArrayList<>();
        for (int i = 0; i < type.columns().size(); i++) {
            String suffix = type.columns().get(i).suffix();
            if (writable.contains(suffix)) {
                meaning.add(normal(type.name(), suffix, read == null ? null : read.get(i)));
            }
        }
        return meaning;
    }

    /** One column value in a form whose equals() is equality of meaning; empty and unset are the same. */
    private static Object normal(String type, String suffix, Object value) {
        if (value instanceof BigDecimal number) {
            return number.signum() == 0 ? BigDecimal.ZERO : number.stripTrailingZeros();
        }
        if (value instanceof OffsetDateTime time) {
            return time.toInstant();
        }
        if (value instanceof String[] array) {
            List<String> items = Arrays.asList(array);
            return type.equals("files") && suffix.equals("urls") ? items.stream().map(u -> u == null ? null : u.replaceFirst("\\?.*$", "")).toList() : items;
        }
        if (value == null) {
            return switch (type) {
                case "title", "rich_text" -> "";
                case "checkbox" -> Boolean.FALSE;
                case "multi_select", "relation", "people", "files" -> List.of();
                default -> "";
            };
        }
        return value;
    }

    private static JsonNode value(Map<String, JsonNode> values, String suffix) {
        JsonNode value = values.get(suffix);
        return value == null ? NullNode.getInstance() : value;
    }

    /** A finite number; PostgreSQL renders NaN and ±Infinity (numeric or float) as strings, which Notion cannot hold. */
    private static JsonNode number(JsonNode value, String propertyName) {
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
    private static String optionName(String name, String propertyName) {
        if (name.contains(",")) {
            throw new UnwritableValueException("property '" + propertyName + "': option '" + name
                    + "' contains a comma, which Notion does not allow in option names");
        }
        return limited(name, propertyName, MAX_OPTION_NAME);
    }

    private static String limited(String text, String propertyName, int max) {
        if (text.length() > max) {
            throw new UnwritableValueException("property '" + propertyName + "': a value of " + text.length()
                    + " characters; Notion takes at most " + max);
        }
        return text;
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

    private static ArrayNode items(JsonNode array, String propertyName, String what, Function<String, ObjectNode> item) {
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

    private static ArrayNode files(JsonNode names, JsonNode urls, String propertyName) {
        ArrayNode files = NODES.arrayNode();
        if (urls.isNull()) {
            return files;
        }
        if (urls.size() > MAX_ARRAY_ITEMS) {
            throw new UnwritableValueException("property '" + propertyName + "' has " + urls.size() + " files; Notion takes at most " + MAX_ARRAY_ITEMS);
        }
        for (int i = 0; i < urls.size(); i++) {
            if (urls.get(i).isNull()) {
                throw new UnwritableValueException("property '" + propertyName + "': the URL array holds a NULL: remove it");
            }
            String url = limited(urls.get(i).asText(), propertyName, MAX_URL);
            JsonNode name = names.isArray() && i < names.size() ? names.get(i) : NullNode.getInstance();
            ObjectNode file = files.addObject();
            file.put("name", name.isNull() || name.asText().isEmpty() ? url.substring(url.lastIndexOf('/') + 1) : name.asText());
            file.put("type", "external");
            file.putObject("external").put("url", url);
        }
        return files;
    }

    private static JsonNode date(Map<String, JsonNode> values, Set<String> changed, String propertyName) {
        JsonNode start = pick(values, changed, "", "at");
        if (start.isNull()) {
            return NullNode.getInstance();
        }
        ObjectNode date = NODES.objectNode();
        date.set("start", checkedDate(start, propertyName));
        date.set("end", checkedDate(pick(values, changed, "end", "end_at"), propertyName));
        date.set("time_zone", value(values, "time_zone"));
        return date;
    }

    private static JsonNode coordinate(JsonNode value, int limit, String propertyName) {
        if (!value.isNull() && value.decimalValue().abs().compareTo(BigDecimal.valueOf(limit)) > 0) {
            throw new UnwritableValueException("property '" + propertyName + "': coordinate " + value.asText()
                    + " is outside -" + limit + " to " + limit);
        }
        return value;
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

    /** A calendar date or an instant with an offset, years 1 to 9999; PostgreSQL's 'infinity' and BC dates are not. */
    private static JsonNode checkedDate(JsonNode value, String propertyName) {
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

    private static JsonNode place(Map<String, JsonNode> values, String propertyName) {
        JsonNode name = value(values, "");
        JsonNode address = value(values, "address");
        JsonNode lat = value(values, "lat");
        JsonNode lon = value(values, "lon");
        if (name.isNull() && address.isNull() && lat.isNull() && lon.isNull()) {
            return NullNode.getInstance();
        }
        ObjectNode place = NODES.objectNode();
        place.set("lat", coordinate(number(lat, propertyName), 90, propertyName));
        place.set("lon", coordinate(number(lon, propertyName), 180, propertyName));
        place.set("name", name);
        place.set("address", address);
        return place;
    }
}
