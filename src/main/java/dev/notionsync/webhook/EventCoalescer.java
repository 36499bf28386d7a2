package dev.notionsync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.store.WebhookInbox;
import dev.notionsync.sync.BotIdentity;
import dev.notionsync.sync.PageWork;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims pending webhook events from the inbox (routes/notion-webhooks.camel.yaml) and coalesces the events of a claim
 * per entity into one {@link PageWork}: events are signals, not data, so an entity is applied once however many
 * events name it. An entity whose events were all caused by the engine's own writes (by the bot of any of its
 * connections) is marked as an echo.
 */
public final class EventCoalescer {

    private static final Logger LOG = LoggerFactory.getLogger(EventCoalescer.class);

    private final WebhookInbox inbox;
    private final BotIdentity bots;
    private final Supplier<List<String>> connections;
    private final int batchSize;

    /** @param connections the names of the engine's connections, whose bots' writes are its own */
    public EventCoalescer(WebhookInbox inbox, BotIdentity bots, Supplier<List<String>> connections, int batchSize) {
        this.inbox = inbox;
        this.bots = bots;
        this.connections = connections;
        this.batchSize = batchSize;
    }

    /** Claims pending events; the body becomes one JSON work item ({@link PageWork}) per entity, oldest first. */
    public List<String> claim() throws Exception {
        Map<String, List<WebhookInbox.Event>> byEntity = new LinkedHashMap<>();
        for (WebhookInbox.Event event : inbox.claim(batchSize)) {
            byEntity.computeIfAbsent(event.entityType() + ":" + event.entityId(), k -> new ArrayList<>()).add(event);
        }
        List<String> items = new ArrayList<>();
        for (List<WebhookInbox.Event> events : byEntity.values()) {
            WebhookInbox.Event first = events.get(0);
            boolean onlyOwnWrites = events.stream().allMatch(e -> authoredOnlyByUs(e.authors()));
            // the latest content event's time: the edit a content read then reflects
            String contentTime = events.stream().filter(e -> PageWork.CONTENT_UPDATED.equals(e.type()) && e.time() != null)
                    .map(WebhookInbox.Event::time).max(java.time.Instant::compareTo).map(java.time.Instant::toString).orElse(null);
            // the data source the sender names (informational: a pull of that source, or the page's own parent, decides)
            String dataSource = events.stream().map(WebhookInbox.Event::dataSourceId).filter(Objects::nonNull).findFirst().orElse(null);
            items.add(new PageWork(first.entityId(), first.entityType(), events.stream().map(WebhookInbox.Event::eventId).toList(),
                    events.stream().map(WebhookInbox.Event::type).toList(), onlyOwnWrites, dataSource, contentTime).json());
        }
        return items;
    }

    private boolean authoredOnlyByUs(JsonNode authors) {
        if (authors == null || !authors.isArray() || authors.isEmpty()) {
            return false;
        }
        Set<String> us = new HashSet<>();
        for (String connection : connections.get()) {
            String bot = bots.id(connection);
            if (bot == null) {
                LOG.debug("cannot read the bot id of connection {}; its echoes are applied until it can", connection);
            } else {
                us.add(bot);
            }
        }
        for (JsonNode author : authors) {
            if (!us.contains(author.path("id").asText())) {
                return false;
            }
        }
        return true;
    }
}
