package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One entity whose state in Notion is to be applied to its mirror row (direct:page-apply): the coalesced webhook
 * events about it, or a page the pull could not write (no events, type "pull"). Travels as JSON text, the body a
 * dead letter stores and its replay sends again.
 *
 * @param onlyOwnWrites every event was caused by this integration's own write (an echo)
 * @param dataSourceId  the data source the pull read the page from, or the one a webhook event names as the page's
 *                      parent; null when unknown (a pull of that source, or the page's own parent, decides the table)
 * @param contentEventTime the latest page.content_updated event's timestamp (ISO-8601), or null when there is none
 */
public record PageWork(String entityId, String entityType, List<String> eventIds, List<String> types, boolean onlyOwnWrites,
                       String dataSourceId, String contentEventTime) {

    public PageWork(String entityId, String entityType, List<String> eventIds, List<String> types, boolean onlyOwnWrites, String dataSourceId) {
        this(entityId, entityType, eventIds, types, onlyOwnWrites, dataSourceId, null);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A page the pull read but could not write. */
    public static PageWork pullFailure(String pageId, String dataSourceId) {
        return new PageWork(pageId, "page", List.of(), List.of("pull"), false, dataSourceId);
    }

    public static PageWork parse(String json) throws IOException {
        JsonNode item = JSON.readTree(json);
        List<String> eventIds = new ArrayList<>();
        item.path("event_ids").forEach(id -> eventIds.add(id.asText()));
        List<String> types = new ArrayList<>();
        item.path("types").forEach(t -> types.add(t.asText()));
        return new PageWork(item.path("entity_id").asText(), item.path("entity_type").asText(), eventIds, types,
                item.path("only_own_writes").asBoolean(false), item.hasNonNull("data_source_id") ? item.path("data_source_id").asText() : null,
                item.hasNonNull("content_event_time") ? item.path("content_event_time").asText() : null);
    }

    /** Every event is page.content_updated: the page's body changed, not its properties. */
    public boolean contentOnly() {
        return !types.isEmpty() && types.stream().allMatch(CONTENT_UPDATED::equals);
    }

    /**
     * A page made or edited (properties, or body and properties), with its data source known: its source's pull
     * reads it. Trashed, restored and moved pages are not in a query's answer and are read one by one.
     */
    public boolean pullable() {
        return "page".equals(entityType) && dataSourceId != null && !types.isEmpty()
                && types.stream().allMatch(t -> PULLED.contains(t)) && !contentOnly();
    }

    private static final Set<String> PULLED = Set.of("page.created", "page.properties_updated", "page.content_updated");

    public boolean mentionsContent() {
        return types.contains(CONTENT_UPDATED);
    }

    public static final String CONTENT_UPDATED = "page.content_updated";

    public String json() {
        ObjectNode item = JSON.createObjectNode().put("entity_id", entityId).put("entity_type", entityType);
        if (dataSourceId != null) {
            item.put("data_source_id", dataSourceId);
        }
        eventIds.forEach(item.putArray("event_ids")::add);
        types.forEach(item.putArray("types")::add);
        item.put("only_own_writes", onlyOwnWrites);
        if (contentEventTime != null) {
            item.put("content_event_time", contentEventTime);
        }
        return item.toString();
    }
}
