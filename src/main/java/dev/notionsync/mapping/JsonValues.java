package dev.notionsync.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/** Reading Notion's JSON: the small helpers every type's read uses. */
final class JsonValues {

    /** Notion's response cap for mentions, people, relations and rollup inputs in page objects. */
    static final int RESPONSE_CAP = 25;

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonValues() {
    }

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

    /** One text per element of a JSON array (null for a non-object element); null when it is not an array. */
    static String[] each(JsonNode array, Function<JsonNode, String> part) {
        if (!isArray(array)) {
            return null;
        }
        List<String> parts = new ArrayList<>(array.size());
        for (JsonNode item : array) {
            parts.add(isObject(item) ? part.apply(item) : null);
        }
        return parts.toArray(String[]::new);
    }

    static int arraySize(JsonNode node) {
        return isArray(node) ? node.size() : 0;
    }

    static boolean isArray(JsonNode node) {
        return node != null && node.isArray();
    }

    static boolean isObject(JsonNode node) {
        return node != null && node.isObject();
    }

    /** A list that may hold nulls (List.of may not): the bind values of one property. */
    static List<Object> row(Object... values) {
        return Collections.unmodifiableList(Arrays.asList(values));
    }

    /** A row of {@code size} NULLs. */
    static List<Object> nulls(int size) {
        return row(new Object[size]);
    }
}
