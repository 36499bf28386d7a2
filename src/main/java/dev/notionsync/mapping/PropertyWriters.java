package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
            case "number" -> main.isNumber() ? main : textToNumber(main);
            case "checkbox" -> NODES.booleanNode(main.asBoolean(false));
            case "url", "email", "phone_number" -> main.isNull() || main.asText().isEmpty() ? NullNode.getInstance() : NODES.textNode(main.asText());
            case "select", "status" -> main.isNull() || main.asText().isEmpty() ? NullNode.getInstance() : NODES.objectNode().put("name", main.asText());
            case "multi_select" -> items(main, propertyName, "options", name -> NODES.objectNode().put("name", name));
            case "people" -> items(value(values, "ids"), propertyName, "people", id -> NODES.objectNode().put("object", "user").put("id", id));
            case "relation" -> items(main, propertyName, "related pages", id -> NODES.objectNode().put("id", id));
            case "files" -> files(main, value(values, "urls"), propertyName);
            case "date" -> date(values, changed);
            case "place" -> place(values);
            default -> throw new IllegalArgumentException("no writer for Notion type " + type.name());
        };
        property.set(type.name(), written);
        return property;
    }

    private static JsonNode value(Map<String, JsonNode> values, String suffix) {
        JsonNode value = values.get(suffix);
        return value == null ? NullNode.getInstance() : value;
    }

    private static JsonNode textToNumber(JsonNode value) {
        if (value.isNull()) {
            return NullNode.getInstance();
        }
        return NODES.numberNode(new java.math.BigDecimal(value.asText()));
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

    private static ArrayNode items(JsonNode array, String propertyName, String what, java.util.function.Function<String, ObjectNode> item) {
        ArrayNode items = NODES.arrayNode();
        if (array.isNull()) {
            return items;
        }
        if (array.size() > MAX_ARRAY_ITEMS) {
            throw new UnwritableValueException("property '" + propertyName + "' has " + array.size() + " " + what
                    + "; Notion takes at most " + MAX_ARRAY_ITEMS + " in one request");
        }
        for (JsonNode element : array) {
            if (!element.isNull()) {
                items.add(item.apply(element.asText()));
            }
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
            String url = urls.get(i).asText();
            JsonNode name = names.isArray() && i < names.size() ? names.get(i) : NullNode.getInstance();
            ObjectNode file = files.addObject();
            file.put("name", name.isNull() || name.asText().isEmpty() ? url.substring(url.lastIndexOf('/') + 1) : name.asText());
            file.put("type", "external");
            file.putObject("external").put("url", url);
        }
        return files;
    }

    private static JsonNode date(Map<String, JsonNode> values, Set<String> changed) {
        JsonNode start = pick(values, changed, "", "at");
        if (start.isNull()) {
            return NullNode.getInstance();
        }
        ObjectNode date = NODES.objectNode();
        date.set("start", start);
        date.set("end", pick(values, changed, "end", "end_at"));
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

    private static JsonNode place(Map<String, JsonNode> values) {
        JsonNode name = value(values, "");
        JsonNode address = value(values, "address");
        JsonNode lat = value(values, "lat");
        JsonNode lon = value(values, "lon");
        if (name.isNull() && address.isNull() && lat.isNull() && lon.isNull()) {
            return NullNode.getInstance();
        }
        ObjectNode place = NODES.objectNode();
        place.set("lat", lat.isNumber() || lat.isNull() ? lat : textToNumber(lat));
        place.set("lon", lon.isNumber() || lon.isNull() ? lon : textToNumber(lon));
        place.set("name", name);
        place.set("address", address);
        return place;
    }
}
