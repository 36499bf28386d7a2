package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Compiles a query filter into a predicate over pages. Compound filters nest at most two levels.
 * Date property conditions compare calendar days (the recordings show "before 18:01:15" excluding
 * a value of 18:01 on the same day); timestamp filters compare instants.
 */
final class Filters {
    private final SimDataSource source;
    private final Renderer renderer;
    private final Clock clock;

    Filters(SimDataSource source, Renderer renderer, Clock clock) {
        this.source = source;
        this.renderer = renderer;
        this.clock = clock;
    }

    Predicate<Page> compile(JsonNode filter) {
        if (filter == null || filter.isNull() || (filter.isObject() && filter.isEmpty())) return p -> true;
        return compile(filter, "filter", 0);
    }

    private Predicate<Page> compile(JsonNode filter, String path, int depth) {
        if (!filter.isObject()) throw ApiException.bodyValidation(path, "should be an object, instead was `" + Json.text(filter) + "`");
        if (filter.has("and") || filter.has("or")) {
            boolean and = filter.has("and");
            String key = and ? "and" : "or";
            if (depth >= 2) {
                throw ApiException.validation("body failed validation: body." + path + "." + key
                        + " should be not present, instead was `" + Json.text(filter.get(key)) + "`. Compound filters can be nested at most two levels deep.");
            }
            JsonNode items = filter.get(key);
            if (!items.isArray()) throw ApiException.bodyValidation(path + "." + key, "should be an array, instead was `" + Json.text(items) + "`");
            if (items.size() > 100) throw ApiException.bodyValidation(path + "." + key + ".length", "should be ≤ `100`, instead was `" + items.size() + "`");
            List<Predicate<Page>> parts = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) parts.add(compile(items.get(i), path + "." + key + "[" + i + "]", depth + 1));
            return and ? p -> parts.stream().allMatch(x -> x.test(p)) : p -> parts.stream().anyMatch(x -> x.test(p));
        }
        if (filter.has("timestamp")) {
            String ts = filter.get("timestamp").asText();
            if (!ts.equals("created_time") && !ts.equals("last_edited_time")) {
                throw ApiException.bodyValidation(path + ".timestamp", "should be `\"created_time\"` or `\"last_edited_time\"`, instead was `" + Json.text(filter.get("timestamp")) + "`");
            }
            JsonNode condition = filter.get(ts);
            if (condition == null) throw ApiException.bodyValidation(path + "." + ts, "should be defined, instead was `undefined`");
            boolean created = ts.equals("created_time");
            Predicate<Instant> test = instantCondition(condition, path + "." + ts);
            return p -> test.test(created ? p.createdTime() : p.lastEditedTime());
        }
        if (!filter.has("property")) throw ApiException.bodyValidation(path + ".property", "should be defined, instead was `undefined`");
        String name = filter.get("property").asText();
        PropertySchema schema = source.property(name);
        if (schema == null) throw ApiException.validation("Could not find property with name or id: " + name);
        String filterType = null;
        Iterator<String> names = filter.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!n.equals("property") && !n.equals("type")) filterType = n;
        }
        if (filterType == null) throw ApiException.bodyValidation(path, "should have a filter condition, instead was `" + Json.text(filter) + "`");
        JsonNode condition = filter.get(filterType);
        String where = path + "." + filterType;
        return valueCondition(filterType, schema, condition, where);
    }

    private Predicate<Page> valueCondition(String filterType, PropertySchema schema, JsonNode condition, String path) {
        switch (filterType) {
            case "title", "rich_text", "url", "email", "phone_number" -> {
                Predicate<String> test = textCondition(condition, path);
                return p -> test.test(text(value(p, schema)));
            }
            case "number", "unique_id" -> {
                Predicate<Double> test = numberCondition(condition, path);
                return p -> {
                    JsonNode v = value(p, schema);
                    if (v.isObject() && v.has("number")) v = v.get("number");
                    return test.test(v.isNumber() ? v.asDouble() : null);
                };
            }
            case "checkbox" -> {
                boolean expected = condition.has("equals") ? condition.get("equals").asBoolean() : !condition.path("does_not_equal").asBoolean();
                return p -> value(p, schema).asBoolean(false) == expected;
            }
            case "select", "status" -> {
                Predicate<String> test = optionCondition(condition, path);
                return p -> {
                    JsonNode v = value(p, schema);
                    return test.test(v.isObject() ? v.path("name").asText() : null);
                };
            }
            case "multi_select", "people", "relation", "created_by", "last_edited_by", "files" -> {
                boolean byName = filterType.equals("multi_select");
                return containsCondition(condition, path, p -> members(value(p, schema), byName));
            }
            case "date", "created_time", "last_edited_time" -> {
                boolean precise = !schema.type().equals("date") && !schema.type().equals("formula") && !schema.type().equals("rollup");
                if (precise) {
                    Predicate<Instant> test = instantCondition(condition, path);
                    return p -> test.test(Times.parseInstant(dateStart(value(p, schema))));
                }
                Predicate<LocalDate> test = dayCondition(condition, path);
                return p -> test.test(day(dateStart(value(p, schema))));
            }
            case "formula" -> {
                Iterator<String> kinds = condition.fieldNames();
                if (!kinds.hasNext()) throw ApiException.bodyValidation(path, "should have a condition, instead was `{}`");
                String kind = kinds.next();
                JsonNode inner = condition.get(kind);
                String innerPath = path + "." + kind;
                return switch (kind) {
                    case "string" -> {
                        Predicate<String> t = textCondition(inner, innerPath);
                        yield p -> t.test(value(p, schema).path("string").asText(null));
                    }
                    case "number" -> {
                        Predicate<Double> t = numberCondition(inner, innerPath);
                        yield p -> {
                            JsonNode n = value(p, schema).path("number");
                            return t.test(n.isNumber() ? n.asDouble() : null);
                        };
                    }
                    case "checkbox" -> {
                        boolean expected = inner.has("equals") ? inner.get("equals").asBoolean() : !inner.path("does_not_equal").asBoolean();
                        yield p -> value(p, schema).path("boolean").asBoolean(false) == expected;
                    }
                    case "date" -> {
                        Predicate<LocalDate> t = dayCondition(inner, innerPath);
                        yield p -> t.test(day(dateStart(value(p, schema).path("date"))));
                    }
                    default -> throw ApiException.bodyValidation(innerPath, "should be one of `string`, `number`, `checkbox`, `date`");
                };
            }
            case "rollup" -> {
                if (condition.has("number")) {
                    Predicate<Double> t = numberCondition(condition.get("number"), path + ".number");
                    return p -> {
                        JsonNode n = value(p, schema).path("number");
                        return t.test(n.isNumber() ? n.asDouble() : null);
                    };
                }
                if (condition.has("date")) {
                    Predicate<LocalDate> t = dayCondition(condition.get("date"), path + ".date");
                    return p -> t.test(day(dateStart(value(p, schema).path("date"))));
                }
                for (String quantifier : new String[]{"any", "every", "none"}) {
                    if (!condition.has(quantifier)) continue;
                    JsonNode inner = condition.get(quantifier);
                    String innerType = inner.fieldNames().hasNext() ? inner.fieldNames().next() : "rich_text";
                    Predicate<JsonNode> element = elementCondition(innerType, inner.get(innerType), path + "." + quantifier + "." + innerType);
                    return p -> {
                        List<JsonNode> items = Renderer.list(value(p, schema).path("array"));
                        return switch (quantifier) {
                            case "any" -> items.stream().anyMatch(element);
                            case "every" -> items.stream().allMatch(element);
                            default -> items.stream().noneMatch(element);
                        };
                    };
                }
                throw ApiException.bodyValidation(path, "should have `any`, `every`, `none`, `number` or `date`");
            }
            case "verification" -> {
                String status = condition.path("status").asText();
                return p -> status.equals(value(p, schema).path("state").asText());
            }
            case "place" -> {
                return containsCondition(condition, path, p -> value(p, schema).isNull() ? List.of() : List.of("place"));
            }
            default -> throw ApiException.validation("body failed validation: body." + path + " is not a supported filter type.");
        }
    }

    /** A rollup array element is {"type":T,T:value}; it is tested with the filter of its type. */
    private Predicate<JsonNode> elementCondition(String type, JsonNode condition, String path) {
        return switch (type) {
            case "number" -> {
                Predicate<Double> t = numberCondition(condition, path);
                yield e -> t.test(e.path("number").isNumber() ? e.path("number").asDouble() : null);
            }
            case "date" -> {
                Predicate<LocalDate> t = dayCondition(condition, path);
                yield e -> t.test(day(dateStart(e.path("date"))));
            }
            case "checkbox" -> {
                boolean expected = condition.path("equals").asBoolean(true);
                yield e -> e.path("checkbox").asBoolean(false) == expected;
            }
            case "select", "status" -> {
                Predicate<String> t = optionCondition(condition, path);
                yield e -> t.test(e.path(e.path("type").asText()).path("name").asText(null));
            }
            default -> {
                Predicate<String> t = textCondition(condition, path);
                yield e -> t.test(text(e.path(e.path("type").asText())));
            }
        };
    }

    private JsonNode value(Page page, PropertySchema schema) {
        return renderer.value(page, source, schema, false);
    }

    private static String text(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) return "";
        if (value.isArray()) return RichText.plain(value);
        return value.asText();
    }

    private static List<String> members(JsonNode value, boolean byName) {
        List<String> out = new ArrayList<>();
        if (value == null) return out;
        if (value.isObject() && value.has("id")) {
            out.add(value.get("id").asText());
            return out;
        }
        for (JsonNode item : value) out.add(byName ? item.path("name").asText() : item.path("id").asText(item.path("name").asText()));
        return out;
    }

    private static String dateStart(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) return null;
        if (value.isTextual()) return value.asText();
        return value.path("start").asText(null);
    }

    /** The calendar day a date value was written for, in its own offset. */
    private static LocalDate day(String start) {
        if (start == null) return null;
        if (start.length() == 10) return LocalDate.parse(start);
        try {
            return OffsetDateTime.parse(start).toLocalDate();
        } catch (RuntimeException e) {
            try {
                return LocalDateTime.parse(start).toLocalDate();
            } catch (RuntimeException e2) {
                return null;
            }
        }
    }

    private static Predicate<String> textCondition(JsonNode c, String path) {
        String op = single(c, path);
        JsonNode arg = c.get(op);
        String needle = arg.asText("");
        return switch (op) {
            case "equals" -> s -> s.equals(needle);
            case "does_not_equal" -> s -> !s.equals(needle);
            case "contains" -> s -> s.toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
            case "does_not_contain" -> s -> !s.toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
            case "starts_with" -> s -> s.toLowerCase(Locale.ROOT).startsWith(needle.toLowerCase(Locale.ROOT));
            case "ends_with" -> s -> s.toLowerCase(Locale.ROOT).endsWith(needle.toLowerCase(Locale.ROOT));
            case "is_empty" -> s -> s == null || s.isEmpty();
            case "is_not_empty" -> s -> s != null && !s.isEmpty();
            default -> throw unknownCondition(path, op);
        };
    }

    private static Predicate<Double> numberCondition(JsonNode c, String path) {
        String op = single(c, path);
        double arg = c.get(op).asDouble();
        return switch (op) {
            case "equals" -> n -> n != null && n == arg;
            case "does_not_equal" -> n -> n == null || n != arg;
            case "greater_than" -> n -> n != null && n > arg;
            case "less_than" -> n -> n != null && n < arg;
            case "greater_than_or_equal_to" -> n -> n != null && n >= arg;
            case "less_than_or_equal_to" -> n -> n != null && n <= arg;
            case "is_empty" -> n -> n == null;
            case "is_not_empty" -> n -> n != null;
            default -> throw unknownCondition(path, op);
        };
    }

    private static Predicate<String> optionCondition(JsonNode c, String path) {
        String op = single(c, path);
        String arg = c.get(op).asText();
        return switch (op) {
            case "equals" -> s -> arg.equals(s);
            case "does_not_equal" -> s -> !arg.equals(s);
            case "is_empty" -> s -> s == null;
            case "is_not_empty" -> s -> s != null;
            default -> throw unknownCondition(path, op);
        };
    }

    private static Predicate<Page> containsCondition(JsonNode c, String path, Function<Page, List<String>> members) {
        String op = single(c, path);
        String arg = c.get(op).asText();
        String argId = Ids.normalize(arg) != null ? Ids.normalize(arg) : arg;
        return switch (op) {
            case "contains" -> p -> members.apply(p).contains(argId) || members.apply(p).contains(arg);
            case "does_not_contain" -> p -> !members.apply(p).contains(argId) && !members.apply(p).contains(arg);
            case "is_empty" -> p -> members.apply(p).isEmpty();
            case "is_not_empty" -> p -> !members.apply(p).isEmpty();
            default -> throw unknownCondition(path, op);
        };
    }

    private Predicate<LocalDate> dayCondition(JsonNode c, String path) {
        String op = single(c, path);
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        if (op.equals("is_empty")) return d -> d == null;
        if (op.equals("is_not_empty")) return d -> d != null;
        LocalDate[] range = relativeDays(op, today);
        if (range != null) return d -> d != null && !d.isBefore(range[0]) && !d.isAfter(range[1]);
        LocalDate arg = day(c.get(op).asText());
        if (arg == null) throw ApiException.bodyValidation(path + "." + op, "should be a valid ISO 8601 date string, instead was `" + Json.text(c.get(op)) + "`");
        return switch (op) {
            case "equals" -> d -> arg.equals(d);
            case "before" -> d -> d != null && d.isBefore(arg);
            case "after" -> d -> d != null && d.isAfter(arg);
            case "on_or_before" -> d -> d != null && !d.isAfter(arg);
            case "on_or_after" -> d -> d != null && !d.isBefore(arg);
            default -> throw unknownCondition(path, op);
        };
    }

    private Predicate<Instant> instantCondition(JsonNode c, String path) {
        String op = single(c, path);
        Instant now = clock.instant();
        if (op.equals("is_empty")) return t -> t == null;
        if (op.equals("is_not_empty")) return t -> t != null;
        LocalDate[] range = relativeDays(op, LocalDate.ofInstant(now, ZoneOffset.UTC));
        if (range != null) {
            Instant from = range[0].atStartOfDay().toInstant(ZoneOffset.UTC);
            Instant to = range[1].plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            return t -> t != null && !t.isBefore(from) && t.isBefore(to);
        }
        String text = c.get(op).asText();
        Instant arg = Times.parseInstant(text);
        if (arg == null) throw ApiException.bodyValidation(path + "." + op, "should be a valid ISO 8601 date string, instead was `" + Json.text(c.get(op)) + "`");
        if (text.length() == 10) {
            Instant dayEnd = arg.plus(1, ChronoUnit.DAYS);
            return switch (op) {
                case "equals" -> t -> t != null && !t.isBefore(arg) && t.isBefore(dayEnd);
                case "before" -> t -> t != null && t.isBefore(arg);
                case "after" -> t -> t != null && !t.isBefore(dayEnd);
                case "on_or_before" -> t -> t != null && t.isBefore(dayEnd);
                case "on_or_after" -> t -> t != null && !t.isBefore(arg);
                default -> throw unknownCondition(path, op);
            };
        }
        Instant minute = Times.minute(arg);
        return switch (op) {
            case "equals" -> t -> t != null && Times.minute(t).equals(minute);
            case "before" -> t -> t != null && t.isBefore(arg);
            case "after" -> t -> t != null && t.isAfter(arg);
            case "on_or_before" -> t -> t != null && !t.isAfter(arg);
            case "on_or_after" -> t -> t != null && !t.isBefore(arg);
            default -> throw unknownCondition(path, op);
        };
    }

    /** Inclusive day ranges for the relative conditions; null for the absolute ones. */
    private static LocalDate[] relativeDays(String op, LocalDate today) {
        return switch (op) {
            case "this_week" -> {
                LocalDate monday = today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                yield new LocalDate[]{monday, monday.plusDays(6)};
            }
            case "past_week" -> new LocalDate[]{today.minusWeeks(1), today};
            case "past_month" -> new LocalDate[]{today.minusMonths(1), today};
            case "past_year" -> new LocalDate[]{today.minusYears(1), today};
            case "next_week" -> new LocalDate[]{today, today.plusWeeks(1)};
            case "next_month" -> new LocalDate[]{today, today.plusMonths(1)};
            case "next_year" -> new LocalDate[]{today, today.plusYears(1)};
            default -> null;
        };
    }

    /**
     * For the incremental-sync shape (a timestamp filter with a lower bound, alone or inside a top-level "and"),
     * the earliest instant a match can have, so the query can start inside the sorted index.
     */
    static Instant lowerBound(JsonNode filter, String timestamp) {
        if (filter == null || !filter.isObject()) return null;
        if (filter.has("and")) {
            Instant best = null;
            for (JsonNode part : filter.get("and")) {
                Instant b = lowerBound(part, timestamp);
                if (b != null && (best == null || b.isAfter(best))) best = b;
            }
            return best;
        }
        if (!timestamp.equals(filter.path("timestamp").asText())) return null;
        JsonNode c = filter.path(timestamp);
        for (String op : new String[]{"on_or_after", "after", "equals"}) {
            if (c.hasNonNull(op)) {
                Instant t = Times.parseInstant(c.get(op).asText());
                return t == null ? null : Times.minute(t);
            }
        }
        return null;
    }

    private static String single(JsonNode c, String path) {
        if (c == null || !c.isObject() || c.isEmpty()) throw ApiException.bodyValidation(path, "should be an object with one condition, instead was `" + (c == null ? "undefined" : Json.text(c)) + "`");
        return c.fieldNames().next();
    }

    private static ApiException unknownCondition(String path, String op) {
        return ApiException.bodyValidation(path + "." + op, "should be not present, instead was `" + op + "`");
    }
}
