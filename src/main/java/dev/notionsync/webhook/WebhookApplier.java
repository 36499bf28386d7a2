package dev.notionsync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.Deletions;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.WebhookInbox;
import dev.notionsync.sync.PullRunner;
import dev.notionsync.sync.SourceSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies inbox events (routes/notion-webhooks.camel.yaml). Events are signals, not data: per entity, the events of a
 * claim are coalesced into one work item, and the page's current state is fetched through the Notion door and written
 * with the pull's mapper and upsert (a trashed page is soft-deleted, a vanished one marked gone). Schema events
 * refresh the schema. Events about sources we do not sync, and echoes of our own writes, are marked ignored.
 * An event never chooses the table: the page's own parent, as Notion answers it, does (the event's data.parent is
 * only what the sender says); a page that vanished is marked gone in whichever table holds it.
 * {@link #apply} also serves direct:page-apply for pages the pull could not write (their work items carry no events).
 */
public final class WebhookApplier {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookApplier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebhookInbox inbox;
    private final NotionApi notion;
    private final PullRunner pull;
    private final List<SourceSettings> sources;
    private final PageWriter writer;
    private final Deletions deletions;
    private final int batchSize;
    private final NotionMetrics metrics;
    private final RareWarnings warnings = new RareWarnings();
    private volatile String botId;

    public WebhookApplier(WebhookInbox inbox, NotionApi notion, PullRunner pull, List<SourceSettings> sources,
                          PageWriter writer, Deletions deletions, int batchSize, NotionMetrics metrics) {
        this.metrics = metrics;
        this.inbox = inbox;
        this.notion = notion;
        this.pull = pull;
        this.sources = sources;
        this.writer = writer;
        this.deletions = deletions;
        this.batchSize = batchSize;
    }

    /** Claims pending events and sets the body to one JSON work item per entity, oldest first. */
    public List<String> claim() throws Exception {
        Map<String, ObjectNode> items = new LinkedHashMap<>();
        for (WebhookInbox.Event event : inbox.claim(batchSize)) {
            String key = event.entityType() + ":" + event.entityId();
            ObjectNode item = items.computeIfAbsent(key, k -> {
                ObjectNode n = JSON.createObjectNode();
                n.put("entity_id", event.entityId());
                n.put("entity_type", event.entityType());
                n.putArray("event_ids");
                n.putArray("types");
                n.put("only_own_writes", true);
                return n;
            });
            ((ArrayNode) item.get("event_ids")).add(event.eventId());
            ((ArrayNode) item.get("types")).add(event.type());
            if (!authoredOnlyByUs(event.authors())) {
                item.put("only_own_writes", false);
            }
        }
        return items.values().stream().map(JsonNode::toString).toList();
    }

    /** Applies one work item; an exception leaves it to the dead letter channel's redelivery. */
    public void apply(String workItem) throws Exception {
        JsonNode item = JSON.readTree(workItem);
        List<String> eventIds = new ArrayList<>();
        item.path("event_ids").forEach(id -> eventIds.add(id.asText()));
        List<String> types = new ArrayList<>();
        item.path("types").forEach(t -> types.add(t.asText()));
        if (item.path("only_own_writes").asBoolean(false)) {
            metrics.webhookIgnored("own_write", eventIds.size());
            inbox.mark(eventIds, "ignored", "caused by this integration's own write");
            return;
        }
        if (types.stream().anyMatch(t -> t.endsWith("schema_updated"))) {
            pull.refreshSchemas();
            inbox.mark(eventIds, "applied", "schema refreshed");
            return;
        }
        if (!"page".equals(item.path("entity_type").asText())) {
            metrics.webhookIgnored("not_a_page", eventIds.size());
            inbox.mark(eventIds, "ignored", "not a page event");
            return;
        }
        String pageId = item.path("entity_id").asText();
        JsonNode page;
        try {
            page = notion.call(NotionRequest.get("/v1/pages/" + pageId));
        } catch (NotionApiException e) {
            if (e.status() == 404) {
                boolean marked = false;
                for (MirrorTable held : allTables()) {
                    marked |= deletions.markDeleted(held, pageId, "gone or no longer shared", false);
                }
                inbox.mark(eventIds, marked ? "applied" : "ignored", marked ? "page gone" : "page gone, and in no synced table");
                return;
            }
            throw e;
        }
        Held held = holderOf(page.path("parent").path("data_source_id").asText(""));
        if (held == null) {
            metrics.webhookIgnored("not_synced", eventIds.size());
            inbox.mark(eventIds, "ignored", "not a synced data source");
            return;
        }
        MirrorTable table = held.table();
        boolean trashed = page.path("in_trash").asBoolean(page.path("archived").asBoolean(false));
        String source = held.source();
        if (trashed) {
            writer.write(table, List.of(pull.mapPage(table, page)), source, null);
            deletions.markDeleted(table, pageId, "trashed", true);
        } else {
            writer.write(table, List.of(pull.mapPage(table, page)), source, null);
        }
        inbox.mark(eventIds, "applied", String.join(",", types));
    }

    /** Called by the dead letter sink for work items that exhausted their retries. */
    public void markDeadLettered(String workItem) throws Exception {
        JsonNode item = JSON.readTree(workItem);
        List<String> eventIds = new ArrayList<>();
        item.path("event_ids").forEach(id -> eventIds.add(id.asText()));
        inbox.mark(eventIds, "dead_letter", "see notion_sync.dead_letters");
    }

    private boolean authoredOnlyByUs(JsonNode authors) {
        if (authors == null || !authors.isArray() || authors.isEmpty()) {
            return false;
        }
        String us = botId();
        for (JsonNode author : authors) {
            if (us == null || !us.equals(author.path("id").asText())) {
                return false;
            }
        }
        return true;
    }

    private String botId() {
        if (botId == null) {
            try {
                botId = notion.call(NotionRequest.get("/v1/users/me")).path("id").asText(null);
            } catch (NotionApiException e) {
                LOG.warn("cannot read this integration's bot id ({}); echo suppression waits for the next event", e.getMessage());
            }
        }
        return botId;
    }

    private record Held(String source, MirrorTable table) {
    }

    /**
     * The source and table that hold a data source, or null. A source Notion cannot resolve for good (unshared,
     * deleted, wrong id) is skipped, else it would stop the events of every other source; a transient failure is
     * rethrown (the event retries) only when no other source holds the data source, as it may be the failing one's.
     */
    private Held holderOf(String dataSourceId) throws Exception {
        if (dataSourceId.isBlank()) {
            return null;
        }
        Exception transientFailure = null;
        for (SourceSettings source : sources) {
            try {
                for (MirrorTable table : pull.tablesOf(source.name())) {
                    if (table.dataSourceId().equals(dataSourceId)) {
                        return new Held(source.name(), table);
                    }
                }
            } catch (NotionApiException e) {
                if (e.isTransient()) {
                    transientFailure = e;
                } else {
                    warnUnresolvable(source, e);
                }
            }
        }
        if (transientFailure != null) {
            throw transientFailure;
        }
        return null;
    }

    /** The tables of every source Notion resolves; a source it cannot resolve for good is skipped. */
    private List<MirrorTable> allTables() throws Exception {
        List<MirrorTable> tables = new ArrayList<>();
        for (SourceSettings source : sources) {
            try {
                tables.addAll(pull.tablesOf(source.name()));
            } catch (NotionApiException e) {
                if (e.isTransient()) {
                    throw e;
                }
                warnUnresolvable(source, e);
            }
        }
        return tables;
    }

    private void warnUnresolvable(SourceSettings source, NotionApiException e) {
        if (warnings.shouldWarn("unresolvable source " + source.name())) {
            LOG.warn("source {}: skipped for webhook events, Notion cannot resolve it ({})", source.name(), e.getMessage());
        }
    }
}
