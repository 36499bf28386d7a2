package dev.notionsync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.store.ChangeEvents.ChangeEvent;
import dev.notionsync.store.Subscriptions.Definition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which change events a subscription wants. Each part left empty takes every event: sources (the event's source is
 * one of them), operations (insert, update, delete, truncate), properties (one of the event's changed columns is one of them)
 * and a value condition on the row after the change, compared as text (see {@link #parseCondition}).
 */
public final class EventFilter {

    public static final Set<String> OPERATIONS = Set.of("insert", "update", "delete", "truncate");
    /** What a subscription's name may be: it names a route, a lock and a setting. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private static final Pattern BECOMES = Pattern.compile("^\\s*(\\S+)\\s+becomes\\s+(.*?)\\s*$");
    private static final Pattern EQUALS = Pattern.compile("^\\s*([^=\\s]+)\\s*=\\s*(.*?)\\s*$");
    private static final ObjectMapper JSON = EventDelivery.JSON;

    /** A parsed value condition: the column, the value as text, and whether it must have become that value. */
    record Condition(String column, String value, boolean becomes) {
    }

    private final Definition definition;
    private final Condition condition;

    public EventFilter(Definition definition) {
        this.definition = definition;
        this.condition = definition.when() == null || definition.when().isBlank() ? null : parseCondition(definition.when(), "when");
    }

    /**
     * Checks a definition's filter and retry settings; the message names the setting by {@code setting.apply(part)}
     * ("notion.subscription.agent.when", or "when" for a runtime add) and says what to write.
     */
    public static void check(Definition d, java.util.function.Function<String, String> setting) {
        if (!NAME.matcher(d.name()).matches()) {
            throw new IllegalArgumentException("subscription name '" + d.name() + "' must be 1 to 64 letters, digits, '-' or '_', e.g. agent-webhook");
        }
        if (d.uri() == null || d.uri().isBlank() || !d.uri().contains(":")) {
            throw new IllegalArgumentException(setting.apply("uri") + " must be a Camel endpoint URI, e.g. https://example.com/hooks/notion"
                    + " or file:/var/notion-sync/events");
        }
        for (String operation : d.operations()) {
            if (!OPERATIONS.contains(operation)) {
                throw new IllegalArgumentException(setting.apply("operations") + " has '" + operation + "': write a list of insert, update, delete, truncate"
                        + " (empty: all three)");
            }
        }
        if (d.when() != null && !d.when().isBlank()) {
            parseCondition(d.when(), setting.apply("when"));
        }
        if (d.maxAttempts() < 1) {
            throw new IllegalArgumentException(setting.apply("max-attempts") + " must be at least 1, e.g. 12");
        }
        if (d.backoff().isZero() || d.backoff().isNegative()) {
            throw new IllegalArgumentException(setting.apply("backoff") + " must be longer than 0, e.g. 1s");
        }
        if (d.backoffMax().compareTo(d.backoff()) < 0) {
            throw new IllegalArgumentException(setting.apply("backoff-max") + " must be at least " + setting.apply("backoff") + ", e.g. 5m");
        }
    }

    /**
     * {@code <column> becomes <value>}: an insert with that value, or an update whose row had another value before
     * and has this one after. {@code <column> = <value>}: the row has that value after the change (an insert or
     * an update). The value is compared as text with the column's value in the row's JSON (a number as written,
     * true/false, a list or object as compact JSON); double quotes around it are dropped. A delete never matches.
     */
    static Condition parseCondition(String when, String setting) {
        Matcher becomes = BECOMES.matcher(when);
        if (becomes.matches()) {
            return new Condition(becomes.group(1), unquote(becomes.group(2)), true);
        }
        Matcher equals = EQUALS.matcher(when);
        if (equals.matches()) {
            return new Condition(equals.group(1), unquote(equals.group(2)), false);
        }
        throw new IllegalArgumentException(setting + " must be '<column> becomes <value>' or '<column> = <value>', e.g. status becomes"
                + " Development; was '" + when + "'");
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
    }

    public boolean accepts(ChangeEvent event) {
        if (!definition.sources().isEmpty() && !definition.sources().contains(event.source())) {
            return false;
        }
        if (!definition.operations().isEmpty() && !definition.operations().contains(event.operation())) {
            return false;
        }
        if (!definition.properties().isEmpty() && event.changedColumns().stream().noneMatch(definition.properties()::contains)) {
            return false;
        }
        return condition == null || holds(event);
    }

    private boolean holds(ChangeEvent event) {
        if (event.after() == null || event.operation().equals("delete")) {
            return false;
        }
        String after = text(event.after());
        if (!condition.value().equals(after)) {
            return false;
        }
        return !condition.becomes() || event.before() == null || !condition.value().equals(text(event.before()));
    }

    /** The condition's column in a row's JSON as text; null when the row has no value there. */
    private String text(String row) {
        try {
            JsonNode value = JSON.readTree(row).path(condition.column());
            if (value.isMissingNode() || value.isNull()) {
                return null;
            }
            return value.isBigDecimal() ? value.decimalValue().toPlainString() : value.isValueNode() ? value.asText() : JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
