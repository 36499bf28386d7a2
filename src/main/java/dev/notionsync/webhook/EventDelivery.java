package dev.notionsync.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.WebhookSignature;
import dev.notionsync.store.ChangeEvents;
import dev.notionsync.store.ChangeEvents.ChangeEvent;
import dev.notionsync.store.DeadLetters;
import dev.notionsync.store.EndpointUri;
import dev.notionsync.store.Subscriptions;
import dev.notionsync.store.Subscriptions.Definition;
import dev.notionsync.store.Subscriptions.Subscription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.util.URISupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of routes/event-subscriptions.camel.yaml: a round of one subscription's delivery claims the subscription
 * (one engine at a time), takes the settled events after its cursor, and delivers those its filter wants, one by one
 * in event_id order; the first failure ends the round, and the event is tried again after its backoff (doubling,
 * capped) or, after its last attempt, goes to the dead letters and the cursor moves on. The delivery state lives in
 * notion_sync.subscriptions, so a restart or another engine continues where this one stopped.
 */
public final class EventDelivery {

    public static final String EVENT_ID = "X-Notion-Sync-Event-Id";
    public static final String SIGNATURE = "X-Notion-Sync-Signature";
    public static final String SUBSCRIPTION = "X-Notion-Sync-Subscription";
    /** Where a replayed event dead letter goes (routes/event-subscriptions.camel.yaml). */
    public static final String REPLAY_URI = "direct:event-replay";
    static final String ROUND = "eventRound";
    static final String PAYLOAD = "eventPayload";
    static final String DELIVERY = "eventDelivery";
    static final String REPLAY_SUBSCRIPTION = "eventReplaySubscription";

    private static final Logger LOG = LoggerFactory.getLogger(EventDelivery.class);
    /**
     * The events' JSON, numbers exact: a numeric column's 12345678901234567.89 or 1250.50 leaves (and is compared by
     * {@link EventFilter}) as PostgreSQL wrote it, never through a double or with its trailing zeros cut. Without
     * Jackson's default limits (numbers of 1000 digits, texts of 20 MB, 1000 levels, names of 50,000 characters): a
     * row beyond them would make no payload, and its subscription would retry it for ever, never dead-lettering it.
     */
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(Integer.MAX_VALUE).maxStringLength(Integer.MAX_VALUE)
                    .maxNestingDepth(Integer.MAX_VALUE).maxNameLength(Integer.MAX_VALUE).build())
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(Integer.MAX_VALUE).build()).build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN).setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private final Subscriptions subscriptions;
    private final ChangeEvents events;
    private final DeadLetters deadLetters;
    private final int batchSize;
    /** The secrets of the settings' subscriptions: they stay in the settings, never in the database. */
    private final Map<String, String> declaredSecrets = new ConcurrentHashMap<>();

    public EventDelivery(Subscriptions subscriptions, ChangeEvents events, DeadLetters deadLetters, int batchSize) {
        this.subscriptions = subscriptions;
        this.events = events;
        this.deadLetters = deadLetters;
        this.batchSize = batchSize;
    }

    void declareSecret(String name, String secret) {
        if (secret == null || secret.isEmpty()) {
            declaredSecrets.remove(name);
        } else {
            declaredSecrets.put(name, secret);
        }
    }

    /** One round of a subscription's delivery: its lock, the subscription as read, what to deliver; open until a failure. */
    public static final class Round {
        private final Subscriptions.Lock lock;
        private final Subscription subscription;
        private final List<Delivery> deliveries;
        private boolean open = true;
        /** The failed attempts at the event being delivered: the subscription's for the round's first, none for those after it. */
        private int attempts;

        Round(Subscriptions.Lock lock, Subscription subscription, List<Delivery> deliveries) {
            this.lock = lock;
            this.subscription = subscription;
            this.deliveries = deliveries;
            this.attempts = subscription == null ? 0 : subscription.attempts();
        }

        public List<Delivery> getDeliveries() {
            return deliveries;
        }

        public boolean isOpen() {
            return open;
        }

        public String getUri() {
            return subscription.definition().uri();
        }
    }

    /** An event to deliver, and how far the cursor may move once it is delivered (over the filtered events after it). */
    public record Delivery(ChangeEvent event, long through) {
    }

    /** Claims the subscription for a round; a round with nothing to deliver when another engine has it, or it waits for its backoff. */
    public Round claim(String name) throws SQLException {
        Subscriptions.Lock lock = subscriptions.tryLock(name);
        if (lock == null) {
            return new Round(null, null, List.of());
        }
        try {
            Optional<Subscription> found = subscriptions.find(name);
            if (found.isEmpty() || !found.get().enabled() || !found.get().due()) {
                return new Round(lock, found.orElse(null), List.of());
            }
            Subscription subscription = found.get();
            List<ChangeEvent> batch = events.between(subscription.passedThrough(), events.settledThrough(), batchSize);
            EventFilter filter = new EventFilter(subscription.definition());
            List<ChangeEvent> wanted = batch.stream().filter(filter::accepts).toList();
            if (wanted.isEmpty()) {
                if (!batch.isEmpty()) {
                    subscriptions.pass(name, batch.get(batch.size() - 1).id());
                }
                return new Round(lock, subscription, List.of());
            }
            subscriptions.pass(name, wanted.get(0).id() - 1);
            List<Delivery> deliveries = new ArrayList<>();
            for (int i = 0; i < wanted.size(); i++) {
                long through = i + 1 < wanted.size() ? wanted.get(i + 1).id() - 1 : batch.get(batch.size() - 1).id();
                deliveries.add(new Delivery(wanted.get(i), through));
            }
            return new Round(lock, subscription, deliveries);
        } catch (SQLException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** The end of a round: the subscription's lock is given back. */
    public void release(Exchange exchange) throws SQLException {
        Round round = exchange.getProperty(ROUND, Round.class);
        if (round != null && round.lock != null) {
            round.lock.close();
        }
    }

    /** The message of one delivery: the event's JSON as the body, its id, the subscription and the signature as headers. */
    public void prepare(Exchange exchange) throws IOException {
        Round round = exchange.getProperty(ROUND, Round.class);
        Delivery delivery = exchange.getMessage().getBody(Delivery.class);
        exchange.setProperty(DELIVERY, delivery);   // first: an event that makes no payload fails as a delivery does
        exchange.removeProperty(PAYLOAD);
        String payload = payload(delivery.event(), round.subscription.definition().name());
        exchange.setProperty(PAYLOAD, payload);
        message(exchange.getMessage(), round.subscription, delivery.event().uuid(), delivery.event().id(), payload);
    }

    private void message(Message message, Subscription subscription, String eventId, long sequence, String payload) {
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        message.removeHeaders("*");
        message.setBody(body);
        message.setHeader(Exchange.HTTP_METHOD, "POST");
        message.setHeader(Exchange.CONTENT_TYPE, "application/json; charset=utf-8");
        message.setHeader(EVENT_ID, eventId);
        message.setHeader(SUBSCRIPTION, subscription.definition().name());
        // a file endpoint writes one file per event, named so that a listing sorts in delivery order
        message.setHeader(Exchange.FILE_NAME, String.format("%020d-%s.json", sequence, eventId));
        String secret = secret(subscription);
        if (secret != null) {
            message.setHeader(SIGNATURE, WebhookSignature.sign(body, secret));
        }
    }

    boolean signed(Subscription subscription) {
        return secret(subscription) != null;
    }

    /**
     * A subscription of the settings signs with the settings' secret; one added at runtime with its own, even under
     * the name of a settings' one removed at runtime (whose secret this engine still knows).
     */
    private String secret(Subscription subscription) {
        String secret = subscription.origin().equals("settings") ? declaredSecrets.get(subscription.definition().name())
                : subscription.definition().secret();
        return secret == null || secret.isEmpty() ? null : secret;
    }

    /** The event as subscribers get it: every field of the change event, its event_uuid as event_id. */
    static String payload(ChangeEvent e, String subscription) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("event_id", e.uuid()).put("sequence", e.id()).put("subscription", subscription).put("occurred_at", e.occurredAt().toString())
                .put("source", e.source()).put("table_schema", e.tableSchema()).put("table_name", e.tableName()).put("page_id", e.pageId());
        node.set("row_key", tree(e.rowKey()));
        node.put("operation", e.operation()).put("side", e.side()).put("changed_by", e.changedBy());
        e.changedColumns().forEach(node.putArray("changed_columns")::add);
        node.set("before", tree(e.before()));
        node.set("after", tree(e.after()));
        return JSON.writeValueAsString(node);
    }

    private static JsonNode tree(String json) throws IOException {
        return json == null ? JSON.nullNode() : JSON.readTree(json);
    }

    /** The subscriber took the event: the cursor moves through it. */
    public void delivered(Exchange exchange) throws SQLException {
        Round round = exchange.getProperty(ROUND, Round.class);
        Delivery delivery = exchange.getProperty(DELIVERY, Delivery.class);
        subscriptions.delivered(round.subscription.definition().name(), delivery.through());
        round.attempts = 0;
    }

    /**
     * The subscriber refused the event (a non-2xx answer) or could not be reached: the round ends; the event is tried
     * again after its backoff, or after its last attempt it becomes a dead letter and the cursor moves on.
     */
    public void failed(Exchange exchange) throws SQLException {
        Round round = exchange.getProperty(ROUND, Round.class);
        round.open = false;
        Delivery delivery = exchange.getProperty(DELIVERY, Delivery.class);
        Definition subscription = round.subscription.definition();
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String error = safe(failure == null ? "failed" : String.valueOf(failure.getMessage()), round.subscription);
        int attempts = round.attempts + 1;
        if (attempts >= subscription.maxAttempts()) {
            ObjectNode letter = JSON.createObjectNode().put("subscription", subscription.name());
            String letterText;
            try {
                String payload = exchange.getProperty(PAYLOAD, String.class);
                // no payload: the event could not be read into one; the letter names it (notion_sync.change_events has it)
                letter.set("event", payload != null ? JSON.readTree(payload) : JSON.createObjectNode().put("event_id", delivery.event().uuid())
                        .put("sequence", delivery.event().id()).put("unreadable", error));
                letterText = JSON.writeValueAsString(letter);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            long id = deadLetters.insert("subscription-" + subscription.name(), REPLAY_URI, failure == null ? null : failure.getClass().getName(),
                    error, attempts, letterText, Map.of("NotionSyncSubscription", subscription.name(), EVENT_ID, delivery.event().uuid()), null);
            subscriptions.deadLettered(subscription.name(), delivery.through(), error);
            LOG.warn("subscription {}: event {} ({}) failed {} attempts, the last: {}; dead letter {}, the subscription goes on with the next"
                    + " event (notion-sync dead-letters replay --id {} delivers it again)", subscription.name(), delivery.event().id(),
                    delivery.event().uuid(), attempts, error, id, id);
            return;
        }
        Duration retryIn = backoff(subscription, attempts);
        subscriptions.failed(subscription.name(), error, retryIn);
        LOG.info("subscription {}: event {} failed (attempt {} of {}): {}; next attempt in {} s", subscription.name(), delivery.event().id(),
                attempts, subscription.maxAttempts(), error, retryIn.toMillis() / 1000.0);
    }

    /** The wait after the n-th failed attempt: backoff, doubling each time, at most backoffMax. */
    static Duration backoff(Definition subscription, int attempts) {
        Duration wait = subscription.backoff();
        for (int i = 1; i < attempts && wait.compareTo(subscription.backoffMax()) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(subscription.backoffMax()) > 0 ? subscription.backoffMax() : wait;
    }

    /** An error as it may be shown and stored: the endpoint's URI masked as {@link EndpointUri} shows it, the secret never there. */
    String safe(String error, Subscription subscription) {
        String safe = URISupport.sanitizeUri(EndpointUri.of(subscription.definition().uri()).redact(error));
        String secret = secret(subscription);
        return secret == null ? safe : safe.replace(secret, "xxxxxx");
    }

    /**
     * A replay that failed again (direct:event-replay's catch): the dead letter keeps, the log and the replay's answer
     * show its error, and the subscriber's error names its URL as it is (camel-http's "HTTP operation failed invoking
     * https://..."). So it goes on as an error masked as {@link #safe} makes it, without the original as its cause.
     */
    public void replayFailed(Exchange exchange) throws Exception {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Subscription subscription = exchange.getProperty(REPLAY_SUBSCRIPTION, Subscription.class);
        String error = failure == null ? "failed" : String.valueOf(failure.getMessage());
        throw new ReplayFailedException(subscription == null ? URISupport.sanitizeUri(error) : safe(error, subscription));
    }

    /** A replayed event's delivery that failed again, its message masked. */
    public static final class ReplayFailedException extends Exception {
        ReplayFailedException(String message) {
            super(message);
        }
    }

    /**
     * A replayed event dead letter (direct:event-replay): the stored event, to its subscription as it is now (its URI
     * and secret may have been fixed since), with the same event id; the filter and the cursor play no part.
     */
    public void prepareReplay(Exchange exchange) throws IOException, SQLException {
        JsonNode letter = JSON.readTree(exchange.getMessage().getBody(String.class));
        String name = letter.path("subscription").asText();
        Subscription subscription = subscriptions.find(name).orElseThrow(() -> new IllegalArgumentException("subscription " + name
                + " no longer exists: add it again (addSubscription) to replay its events"));
        JsonNode event = letter.path("event");
        exchange.setProperty("eventReplayUri", subscription.definition().uri());
        exchange.setProperty(REPLAY_SUBSCRIPTION, subscription);
        message(exchange.getMessage(), subscription, event.path("event_id").asText(), event.path("sequence").asLong(),
                JSON.writeValueAsString(event));
    }
}
