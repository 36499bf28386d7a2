package dev.notionsync.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * The read side of every property type: from the value JSON (the node under the type's key) to bind values.
 * Each method returns one value per column of its type, in the order {@link PropertyTypes} declares them.
 */
final class PropertyReaders {

    /** Notion's response cap for mentions, people, relations and rollup inputs in page objects. */
    static final int RESPONSE_CAP = 25;

    private static final Logger LOG = LoggerFactory.getLogger(PropertyReaders.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private PropertyReaders() {
    }

    // ---- text-like -------------------------------------------------------------------------------------------

    /** title, rich_text: plain_text of every item, concatenated; [] gives "". */
    static List<Object> richText(JsonNode items) {
        if (!isArray(items)) {
            return row((Object) null);
        }
        StringBuilder plain = new StringBuilder();
        for (JsonNode item : items) {
            String part = text(item.get("plain_text"));
            if (part != null) {
                plain.append(part);
            }
        }
        return row(plain.toString());
    }

    /** url, email, phone_number. */
    static List<Object> string(JsonNode value) {
        return row(text(value));
    }

    static List<Object> number(JsonNode value) {
        return row(decimal(value));
    }

    /** checkbox: Notion never sends null; a missing value stays NULL rather than becoming false. */
    static List<Object> checkbox(JsonNode value) {
        return row(value == null || !value.isBoolean() ? null : value.booleanValue());
    }

    /** created_time, last_edited_time. */
    static List<Object> timestamp(JsonNode value) {
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

    // ---- options ---------------------------------------------------------------------------------------------

    /** select, status: name, option id. */
    static List<Object> option(JsonNode option) {
        if (!isObject(option)) {
            return row(null, null);
        }
        return row(text(option.get("name")), text(option.get("id")));
    }

    /** multi_select: names, option ids. */
    static List<Object> options(JsonNode options) {
        return row(each(options, o -> text(o.get("name"))), each(options, o -> text(o.get("id"))));
    }

    // ---- references ------------------------------------------------------------------------------------------

    /** people: names, ids (users and groups alike). */
    static List<Object> people(JsonNode people) {
        return row(each(people, p -> text(p.get("name"))), each(people, p -> text(p.get("id"))));
    }

    /** created_by, last_edited_by: user id, name (the name is absent from partial user objects). */
    static List<Object> user(JsonNode user) {
        if (!isObject(user)) {
            return row(null, null);
        }
        return row(text(user.get("id")), text(user.get("name")));
    }

    static List<Object> relation(JsonNode relations) {
        return row((Object) each(relations, r -> text(r.get("id"))));
    }

    /** files: names, urls. URLs of Notion-hosted files are signed and expire after about an hour. */
    static List<Object> files(JsonNode files) {
        return row(each(files, f -> text(f.get("name"))), each(files, PropertyReaders::fileUrl));
    }

    private static String fileUrl(JsonNode file) {
        String type = text(file.get("type"));
        JsonNode body = type == null ? null : file.get(type);
        return body == null ? null : text(body.get("url"));
    }

    // ---- structured ------------------------------------------------------------------------------------------

    /** date: start date, start instant, end date, end instant, time_zone, iso. */
    static List<Object> date(JsonNode value) {
        NotionDate date = NotionDate.parse(value);
        if (date == null) {
            return row(null, null, null, null, null, null);
        }
        return row(date.startDate(), date.startAt(), date.endDate(), date.endAt(), date.timeZone(), date.iso());
    }

    /** unique_id: "PREFIX-n" (or "n"), n. */
    static List<Object> uniqueId(JsonNode value) {
        if (!isObject(value) || !value.path("number").isIntegralNumber()) {
            return row(null, null);
        }
        long number = value.get("number").longValue();
        String prefix = text(value.get("prefix"));
        return row(prefix == null ? Long.toString(number) : prefix + "-" + number, number);
    }

    /** place: label (name, else address), address, lat, lon. */
    static List<Object> place(JsonNode place) {
        if (!isObject(place)) {
            return row(null, null, null, null);
        }
        String name = text(place.get("name"));
        String address = text(place.get("address"));
        return row(name != null ? name : address, address, decimal(place.get("lat")), decimal(place.get("lon")));
    }

    /** formula: display text, result type, number, boolean, date, date instant. */
    static List<Object> formula(JsonNode formula) {
        if (!isObject(formula)) {
            return row(null, null, null, null, null, null);
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

    /** rollup: number, result type, function, date, date instant, date iso, array (jsonb). */
    static List<Object> rollup(JsonNode rollup) {
        if (!isObject(rollup)) {
            return row(null, null, null, null, null, null, null);
        }
        String type = text(rollup.get("type"));
        NotionDate date = "date".equals(type) ? NotionDate.parse(rollup.get("date")) : null;
        BigDecimal number = "number".equals(type) ? decimal(rollup.get("number")) : null;
        String array = "array".equals(type) && isArray(rollup.get("array")) ? json(rollup.get("array")) : null;
        return row(number, type, text(rollup.get("function")),
                date == null ? null : date.startDate(), date == null ? null : date.startAt(),
                date == null ? null : date.iso(), array);
    }

    /** verification: state, verified_by user id, date, date instant, date iso. */
    static List<Object> verification(JsonNode verification) {
        if (!isObject(verification)) {
            return row(null, null, null, null, null);
        }
        JsonNode by = verification.get("verified_by");
        NotionDate date = NotionDate.parse(verification.get("date"));
        return row(text(verification.get("state")), isObject(by) ? text(by.get("id")) : null,
                date == null ? null : date.startDate(), date == null ? null : date.startAt(),
                date == null ? null : date.iso());
    }

    /** button: no value worth a column; the raw JSON column has it. */
    static List<Object> nothing(JsonNode ignored) {
        return List.of();
    }

    // ---- truncation ------------------------------------------------------------------------------------------

    /** relation: Notion says so in has_more beside the array (older versions omit it: then judge by the cap). */
    static boolean relationTruncated(JsonNode property) {
        JsonNode hasMore = property.get("has_more");
        if (hasMore != null && hasMore.isBoolean()) {
            return hasMore.booleanValue();
        }
        return arraySize(property.get("relation")) >= RESPONSE_CAP;
    }

    /** title, rich_text: the page object carries at most 25 page/person mentions. */
    static boolean mentionsTruncated(JsonNode items) {
        int mentions = 0;
        if (isArray(items)) {
            for (JsonNode item : items) {
                if ("mention".equals(text(item.get("type")))) {
                    mentions++;
                }
            }
        }
        return mentions >= RESPONSE_CAP;
    }

    /** people: at most 25 in the page object. Exactly 25 may be complete; one extra fetch is the cheap side to err on. */
    static boolean listTruncated(JsonNode items) {
        return arraySize(items) >= RESPONSE_CAP;
    }

    /**
     * rollup: "incomplete" says so; an array at the cap likely is. A number or date computed over only 25 of
     * more relations cannot be told from the value itself (the caller can check the relation's has_more).
     */
    static boolean rollupTruncated(JsonNode rollup) {
        if (!isObject(rollup)) {
            return false;
        }
        String type = text(rollup.get("type"));
        return "incomplete".equals(type) || ("array".equals(type) && arraySize(rollup.get("array")) >= RESPONSE_CAP);
    }

    // ---- JSON helpers ----------------------------------------------------------------------------------------

    /** The text of a JSON string (or scalar); null for absent or JSON null. */
    static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() || node.isContainerNode() ? null : node.asText();
    }

    /**
     * An exact decimal from a JSON number: DecimalNode as is, integers as is, doubles from their shortest decimal
     * text (what JavaScript, and so Notion, prints). No negative scales, so PostgreSQL never sees exponent form.
     */
    static BigDecimal decimal(JsonNode node) {
        if (node == null || !node.isNumber()) {
            return null;
        }
        BigDecimal value;
        if (node.isBigDecimal()) {
            value = node.decimalValue();
        } else if (node.isIntegralNumber()) {
            value = new BigDecimal(node.bigIntegerValue());
        } else {
            double d = node.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return null;
            }
            value = new BigDecimal(Double.toString(d));
        }
        return value.scale() < 0 ? value.setScale(0) : value;
    }

    static String json(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    private static String[] each(JsonNode array, Function<JsonNode, String> part) {
        if (!isArray(array)) {
            return null;
        }
        List<String> parts = new ArrayList<>(array.size());
        for (JsonNode item : array) {
            parts.add(isObject(item) ? part.apply(item) : null);
        }
        return parts.toArray(String[]::new);
    }

    private static int arraySize(JsonNode node) {
        return isArray(node) ? node.size() : 0;
    }

    private static boolean isArray(JsonNode node) {
        return node != null && node.isArray();
    }

    private static boolean isObject(JsonNode node) {
        return node != null && node.isObject();
    }

    /** A list that may hold nulls (List.of may not). */
    private static List<Object> row(Object... values) {
        return Collections.unmodifiableList(Arrays.asList(values));
    }
}
