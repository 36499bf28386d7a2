package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Rollup aggregation functions over the values of related pages. */
final class Rollups {
    private Rollups() {
    }

    static ObjectNode compute(String function, String valueType, int relatedCount, List<JsonNode> values) {
        List<Double> numbers = new ArrayList<>();
        List<String> dates = new ArrayList<>();
        int empty = 0;
        int checked = 0;
        for (JsonNode v : values) {
            if (isEmpty(v)) empty++;
            if (v.isNumber()) numbers.add(v.asDouble());
            if (v.isBoolean() && v.asBoolean()) checked++;
            if (v.isObject() && v.hasNonNull("start")) dates.add(v.get("start").asText());
            if (v.isTextual() && ("created_time".equals(valueType) || "last_edited_time".equals(valueType))) dates.add(v.asText());
        }
        int n = values.size();
        return switch (function) {
            case "count" -> number(function, relatedCount);
            case "count_values" -> number(function, values.stream().mapToInt(v -> v.isArray() ? v.size() : isEmpty(v) ? 0 : 1).sum());
            case "empty" -> number(function, empty);
            case "not_empty" -> number(function, n - empty);
            case "percent_empty" -> number(function, n == 0 ? 0 : (double) empty / n);
            case "percent_not_empty" -> number(function, n == 0 ? 0 : (double) (n - empty) / n);
            case "checked" -> number(function, checked);
            case "unchecked" -> number(function, n - checked);
            case "percent_checked" -> number(function, n == 0 ? 0 : (double) checked / n);
            case "percent_unchecked" -> number(function, n == 0 ? 0 : (double) (n - checked) / n);
            case "sum" -> number(function, numbers.stream().mapToDouble(Double::doubleValue).sum());
            case "average" -> numbers.isEmpty() ? nullNumber(function) : number(function, numbers.stream().mapToDouble(Double::doubleValue).average().orElse(0));
            case "median" -> numbers.isEmpty() ? nullNumber(function) : number(function, median(numbers));
            case "min" -> numbers.isEmpty() ? nullNumber(function) : number(function, Collections.min(numbers));
            case "max" -> numbers.isEmpty() ? nullNumber(function) : number(function, Collections.max(numbers));
            case "range" -> numbers.isEmpty() ? nullNumber(function) : number(function, Collections.max(numbers) - Collections.min(numbers));
            case "earliest_date", "latest_date", "date_range" -> date(function, dates);
            default -> array(function, valueType, values);
        };
    }

    private static boolean isEmpty(JsonNode v) {
        return v == null || v.isNull() || (v.isArray() && v.isEmpty()) || (v.isTextual() && v.asText().isEmpty());
    }

    private static double median(List<Double> numbers) {
        List<Double> sorted = new ArrayList<>(numbers);
        Collections.sort(sorted);
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
    }

    private static ObjectNode number(String function, double value) {
        ObjectNode node = Json.object();
        node.put("type", "number");
        node.set("number", Renderer.number(value));
        node.put("function", function);
        return node;
    }

    private static ObjectNode nullNumber(String function) {
        ObjectNode node = Json.object();
        node.put("type", "number");
        node.putNull("number");
        node.put("function", function);
        return node;
    }

    private static ObjectNode date(String function, List<String> starts) {
        ObjectNode node = Json.object();
        node.put("type", "date");
        if (starts.isEmpty()) {
            node.putNull("date");
        } else {
            starts.sort((a, b) -> compareDates(a, b));
            String earliest = starts.get(0);
            String latest = starts.get(starts.size() - 1);
            ObjectNode date = node.putObject("date");
            date.put("start", function.equals("latest_date") ? latest : earliest);
            date.put("end", function.equals("date_range") ? latest : null);
            date.putNull("time_zone");
        }
        node.put("function", function);
        return node;
    }

    private static int compareDates(String a, String b) {
        Instant ia = Times.parseInstant(a);
        Instant ib = Times.parseInstant(b);
        if (ia == null || ib == null) return a.compareTo(b);
        return ia.compareTo(ib);
    }

    private static ObjectNode array(String function, String valueType, List<JsonNode> values) {
        ObjectNode node = Json.object();
        node.put("type", "array");
        ArrayNode array = node.putArray("array");
        if (valueType != null) {
            for (JsonNode v : values) {
                ObjectNode item = array.addObject();
                item.put("type", valueType);
                item.set(valueType, v);
            }
        }
        node.put("function", function);
        return node;
    }
}
