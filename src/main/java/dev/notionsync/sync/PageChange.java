package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.store.Outbox;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the pending changes of one page amount to. {@code baseOfColumn}: per changed column, the Notion
 * properties the oldest change of that column was made against (moved forward when the engine's own push of
 * the property lands); {@code onlyColumns}: a dead letter's replay re-sends only these, or all when null.
 */
public record PageChange(String source, String table, String pageId, List<Long> outboxIds, String operation,
                         Map<String, JsonNode> changed, Set<String> ignored,
                         Instant baseEditedTime, JsonNode baseProperties, Instant changedAt, int attempts,
                         Map<String, JsonNode> baseOfColumn, Set<String> onlyColumns) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static PageChange of(String source, List<Outbox.Entry> entries) {
        return of(source, entries, null);
    }

    static PageChange of(String source, List<Outbox.Entry> entries, Set<String> onlyColumns) {
        Outbox.Entry first = entries.get(0);
        Outbox.Entry last = entries.get(entries.size() - 1);
        boolean inserted = first.operation().equals("INSERT");
        String operation = last.operation().equals("DELETE") ? (inserted ? "nothing" : "trash") : inserted ? "create" : "update";
        Map<String, JsonNode> changed = new LinkedHashMap<>();
        Map<String, JsonNode> baseOfColumn = new LinkedHashMap<>();
        Set<String> ignored = new LinkedHashSet<>();
        Instant baseEdited = null;
        JsonNode baseProperties = null;
        Instant changedAt = first.changedAt();
        int attempts = 0;
        List<Long> ids = new ArrayList<>();
        for (Outbox.Entry entry : entries) {
            ids.add(entry.id());
            for (Map.Entry<String, JsonNode> column : entry.changed().entrySet()) {
                if (onlyColumns == null || onlyColumns.contains(column.getKey())) {
                    changed.put(column.getKey(), column.getValue());
                    if (entry.baseProperties() != null) {
                        // the version the user started from: the oldest change's base of this column
                        baseOfColumn.putIfAbsent(column.getKey(), entry.baseProperties());
                    }
                }
            }
            entry.ignored().stream().filter(c -> onlyColumns == null || onlyColumns.contains(c)).forEach(ignored::add);
            if (baseProperties == null && entry.baseProperties() != null) {
                baseEdited = entry.baseEditedTime();
                baseProperties = entry.baseProperties();
            }
            changedAt = entry.changedAt().isAfter(changedAt) ? entry.changedAt() : changedAt;
            attempts = Math.max(attempts, entry.attempts());
        }
        return new PageChange(source, first.table(), first.pageId(), ids, operation, changed, ignored, baseEdited,
                baseProperties, changedAt, attempts, baseOfColumn, onlyColumns);
    }

    /** The message body of this change: what a dead letter stores and a replay sends back. */
    String body() {
        ObjectNode body = JSON.createObjectNode();
        body.put("source", source);
        body.put("table", table);
        body.put("page_id", pageId);
        ArrayNode ids = body.putArray("outbox_ids");
        outboxIds.forEach(ids::add);
        if (onlyColumns != null) {
            onlyColumns.forEach(body.putArray("columns")::add);
        }
        return body.toString();
    }

    /** The body of a dead letter for some columns of this change, with the values that were attempted. */
    String body(Map<String, JsonNode> attempted, String reason) {
        ObjectNode body = (ObjectNode) PushRunner.readTree(new PageChange(source, table, pageId, outboxIds, operation, changed, ignored,
                baseEditedTime, baseProperties, changedAt, attempts, baseOfColumn, attempted.keySet()).body());
        ObjectNode values = body.putObject("attempted");
        attempted.forEach(values::set);
        body.put("reason", reason);
        return body.toString();
    }
}
