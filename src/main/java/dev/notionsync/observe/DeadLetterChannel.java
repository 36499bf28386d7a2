package dev.notionsync.observe;

import dev.notionsync.store.DeadLetters;
import dev.notionsync.store.DeadLetters.DeadLetter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead letter channel's sink and its replay. Each failed message is stored with the endpoint that should
 * receive it again (exchange property {@value #REPLAY_URI}, set by the flow's entry route). A replay re-sends the
 * stored message there; success marks the row resolved, failure keeps it open with the new error. Replaying a
 * resolved row does nothing, so replay is idempotent.
 */
public final class DeadLetterChannel {

    public static final String REPLAY_URI = "deadLetterReplayUri";
    public static final String REPLAY_OF = "NotionSyncReplayOf";
    /** Header of a forced replay: the push sends the stored change even where Notion changed since (no re-check). */
    public static final String REPLAY_FORCE = "NotionSyncReplayForce";
    static final String REDELIVERIES = "deadLetterRedeliveries";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterChannel.class);

    private final DeadLetters store;
    private final ProducerTemplate producer;

    public DeadLetterChannel(DeadLetters store, ProducerTemplate producer) {
        this.store = store;
        this.producer = producer;
    }

    /**
     * The sink: called by direct:dead-letter with the original message of an exhausted exchange. It takes the raw
     * Exchange because a dead letter keeps all of it: body, headers, the failed route, the exception and the attempts.
     */
    public void store(Exchange exchange) throws Exception {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Long replayOf = exchange.getMessage().getHeader(REPLAY_OF, Long.class);
        if (replayOf != null) {
            // a replay that failed again: keep the one row, with the new error
            store.recordReplayFailure(replayOf, failure == null ? "failed" : failure.getMessage());
            return;
        }
        String uri = exchange.getProperty(REPLAY_URI, String.class);
        if (uri == null) {
            uri = exchange.getProperty(Exchange.FAILURE_ENDPOINT, "unknown", String.class);
        }
        int attempts = 1 + exchange.getProperty(REDELIVERIES, 0, Integer.class);
        Map<String, Object> headers = new HashMap<>(exchange.getMessage().getHeaders());
        long id = store.insert(exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class), uri, failure, attempts,
                exchange.getMessage().getBody(String.class), headers, null);
        LOG.warn("dead letter {}: {} failed after {} attempts: {}{}", id, uri, attempts, failure == null ? "?" : failure.getMessage(), whatToDo(id));
    }

    /**
     * Records a failure that was caught outside a route's error handler (a page the pull could not write). A page
     * that fails again on every poll is recorded once while its dead letter is open.
     */
    public void record(String routeId, String replayUri, Throwable failure, String body) throws Exception {
        if (store.isOpen(replayUri, body)) {
            return;
        }
        long id = store.insert(routeId, replayUri, failure, 1, body, Map.of(), null);
        LOG.warn("dead letter {}: {} ({}): {}{}", id, replayUri, routeId, failure.getMessage(), whatToDo(id));
    }

    /** The log line's last words: where the dead letter is seen and how it is replayed (README "Dead letters"). */
    private static String whatToDo(long id) {
        return " (notion-sync dead-letters list shows it; fix its cause, then notion-sync dead-letters replay --id " + id + ")";
    }

    /** onRedelivery of the channel: counts redeliveries in a property, which survives useOriginalMessage. */
    public void countRedelivery(Exchange exchange) {
        exchange.setProperty(REDELIVERIES, exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class));
    }

    /** Replays one open dead letter; true when it now succeeded (or was already resolved). */
    public boolean replay(long id) throws Exception {
        return replay(id, false);
    }

    /**
     * Replays one open dead letter. A replayed push re-checks Notion and keeps values changed there since; with
     * {@code force} it overwrites them.
     */
    public boolean replay(long id, boolean force) throws Exception {
        DeadLetter letter = store.find(id).orElseThrow(() -> new IllegalArgumentException("no dead letter with id " + id));
        if (!"open".equals(letter.status())) {
            return true;
        }
        Exchange result = producer.send(letter.endpointUri(), exchange -> {
            exchange.getMessage().setBody(letter.body());
            exchange.getMessage().setHeader(REPLAY_OF, id);
            exchange.getMessage().setHeader(REPLAY_FORCE, force);
        });
        Throwable failure = result.getException() != null ? result.getException()
                : result.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure == null) {
            store.markResolved(id);
            LOG.info("dead letter {} replayed to {}: resolved", id, letter.endpointUri());
            return true;
        }
        if (result.getException() != null) {
            store.recordReplayFailure(id, failure.getMessage());
        }
        LOG.warn("dead letter {} replay failed: {}", id, failure.getMessage());
        return false;
    }

    /** Replays every open dead letter; returns the ids that are resolved now. */
    public List<Long> replayAll() throws Exception {
        return replayAll(false);
    }

    public List<Long> replayAll(boolean force) throws Exception {
        List<Long> resolved = new ArrayList<>();
        for (DeadLetter letter : store.list(true, 10_000)) {
            if (replay(letter.id(), force)) {
                resolved.add(letter.id());
            }
        }
        return resolved;
    }

    public DeadLetters store() {
        return store;
    }
}
