package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.store.RowChanges;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the claimed changes of one row of a bound table amount to: {@code create} (an INSERT, perhaps updated since),
 * {@code update} (perhaps moving the row from {@code fromKey} to {@code rowKey}), {@code trash} (a DELETE) or
 * {@code nothing} (inserted and deleted before it was pushed). {@code changed}: column → the latest value;
 * {@code previous}: column → the value before the first change of it (a DELETE's: the deleted row);
 * {@code onlyColumns}: a dead letter's replay re-sends only these, or all when null.
 */
public record BoundChange(String source, JsonNode rowKey, JsonNode fromKey, List<Long> ids, String operation,
                          Map<String, JsonNode> changed, Map<String, JsonNode> previous, Instant changedAt, int attempts,
                          Set<String> onlyColumns) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static BoundChange of(List<RowChanges.Entry> entries, Set<String> onlyColumns) {
        return of(entries, onlyColumns, Map.of());
    }

    /**
     * @param namesNow the name a column's changes were recorded under -&gt; its name now, for columns renamed since their
     *                 pair was recorded (the capture trigger records a column under its pair's name, whatever it is
     *                 called when it fires)
     */
    static BoundChange of(List<RowChanges.Entry> entries, Set<String> onlyColumns, Map<String, String> namesNow) {
        RowChanges.Entry first = entries.get(0);
        RowChanges.Entry last = entries.get(entries.size() - 1);
        boolean inserted = first.operation().equals("INSERT");
        String operation = last.operation().equals("DELETE") ? (inserted ? "nothing" : "trash") : inserted ? "create" : "update";
        Map<String, JsonNode> changed = new LinkedHashMap<>();
        Map<String, JsonNode> previous = new LinkedHashMap<>();
        Instant changedAt = first.changedAt();
        int attempts = 0;
        List<Long> ids = new ArrayList<>();
        for (RowChanges.Entry entry : entries) {
            ids.add(entry.id());
            entry.changed().forEach((recorded, value) -> {
                String column = namesNow.getOrDefault(recorded, recorded);
                if (onlyColumns == null || onlyColumns.contains(column)) {
                    changed.put(column, value);
                }
            });
            entry.previous().forEach((recorded, value) -> previous.putIfAbsent(namesNow.getOrDefault(recorded, recorded), value));
            changedAt = entry.changedAt().isAfter(changedAt) ? entry.changedAt() : changedAt;
            attempts = Math.max(attempts, entry.attempts());
        }
        return new BoundChange(first.source(), last.rowKey(), first.oldRowKey(), ids, operation, changed, previous, changedAt, attempts,
                onlyColumns);
    }

    /** The key the row's link is under now: the key it moves from, or its key. */
    public JsonNode linkKey() {
        return fromKey != null ? fromKey : rowKey;
    }

    /** The message body of this change: what a dead letter stores and a replay sends back. */
    String body() {
        ObjectNode body = JSON.createObjectNode();
        body.put("source", source);
        body.set("row_key", rowKey);
        ArrayNode list = body.putArray("change_ids");
        ids.forEach(list::add);
        if (onlyColumns != null) {
            onlyColumns.forEach(body.putArray("columns")::add);
        }
        return body.toString();
    }

    /** The body of a dead letter for some columns of this change, with the values attempted and why they were refused. */
    String body(Map<String, JsonNode> attempted, String reason) {
        ObjectNode body = (ObjectNode) readTree(new BoundChange(source, rowKey, fromKey, ids, operation, changed, previous, changedAt,
                attempts, new LinkedHashSet<>(attempted.keySet())).body());
        ObjectNode values = body.putObject("attempted");
        attempted.forEach(values::set);
        body.put("reason", reason);
        return body.toString();
    }

    static JsonNode readTree(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException("unreadable message: " + e.getMessage(), e);
        }
    }
}
