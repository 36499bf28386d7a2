package dev.notionsync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.notion.WebhookSignature;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.WebhookInbox;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of POST /webhooks/notion (routes/notion-webhooks.camel.yaml), on the raw bytes {@link WebhookGate}
 * read. {@link #classify} decides what a request is: a verification handshake, a verified event, or a rejection
 * (401 unsigned or wrongly signed or no token in force yet, 400 malformed, 429 too many handshakes). Nothing is stored
 * for a rejected request. A handshake never changes the token in force: it is recorded for the operator to confirm.
 */
public final class WebhookReceiver {

    /** Exchange property: the request's raw bytes, as {@link WebhookGate} read them. */
    public static final String RAW = "webhookRaw";
    /** Exchange property: the sender's address, as {@link WebhookGate} saw it. */
    public static final String FROM = "webhookFrom";

    /** Notion's tokens are short ("secret_" and some 40 characters); anything far longer is not one. */
    private static final int MAX_TOKEN_LENGTH = 200;
    private static final int MAX_HANDSHAKE_BYTES = 1024;
    /** Recorded handshakes kept waiting for confirmation, in all and per sender address (see WebhookInbox#recordHandshake). */
    static final int MAX_PENDING_HANDSHAKES = 100;
    static final int MAX_PENDING_HANDSHAKES_PER_SENDER = 3;
    /** A pending handshake this young is never dropped for another sender's: the operator has time to see it. */
    static final Duration PENDING_HANDSHAKE_KEPT = Duration.ofHours(1);
    /** Senders whose handshake rate is tracked; the least recently seen is forgotten beyond, so the map stays small. */
    private static final int TRACKED_SENDERS = 1024;
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{1," + MAX_TOKEN_LENGTH + "}");
    private static final Pattern NOTION_ID = Pattern.compile("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}");
    private static final int MAX_ID_LENGTH = 200;

    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebhookInbox inbox;
    private final int handshakesPerMinute;
    private final NotionMetrics metrics;
    /** Per sender (WebhookGate#sender), the times of its handshakes in the last minute; least recently used first. */
    private final Map<String, Deque<Long>> recentHandshakes = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
            return size() > TRACKED_SENDERS;
        }
    };
    private final RareWarnings warnings = new RareWarnings();

    public WebhookReceiver(WebhookInbox inbox, int handshakesPerMinute, NotionMetrics metrics) {
        this.inbox = inbox;
        this.handshakesPerMinute = handshakesPerMinute;
        this.metrics = metrics;
    }

    /**
     * What the request is: handshake, event, unsigned, no_token, bad_signature, malformed or rate_limited.
     *
     * @param raw the request's raw bytes, as {@link WebhookGate} read them
     */
    public String classify(@ExchangeProperty(RAW) byte[] raw, @Header("X-Notion-Signature") String signature,
                           @ExchangeProperty(FROM) String from) throws Exception {
        String outcome = decide(raw, signature, WebhookGate.sender(from));
        metrics.webhook(outcome);
        if (!outcome.equals("event") && !outcome.equals("handshake") && warnings.shouldWarn(outcome)) {
            LOG.warn("webhook requests rejected: {} (the last {} bytes); notion_webhook_requests_total counts them all", outcome, raw.length);
        }
        return outcome;
    }

    private String decide(byte[] raw, String signature, String sender) throws SQLException {
        JsonNode json = parse(raw);
        if (json != null && json.isObject() && json.size() == 1 && json.has("verification_token")) {
            // signed or not: before the handshake nobody can know the token, so a signature proves nothing here
            if (raw.length > MAX_HANDSHAKE_BYTES || !TOKEN.matcher(json.path("verification_token").asText("")).matches()) {
                return "malformed";
            }
            return allowHandshake(sender) ? "handshake" : "rate_limited";
        }
        if (signature == null || signature.isBlank()) {
            return "unsigned";
        }
        Optional<String> token = inbox.tokenInForce();
        if (token.isEmpty()) {
            if (warnings.shouldWarn("no token in force")) {
                LOG.warn("webhook events are refused (401) because no webhook token is in force: see the pending handshakes with"
                        + " 'notion-sync webhook-token' and confirm Notion's, or set NOTION_WEBHOOK_TOKEN");
            }
            return "no_token";
        }
        if (!WebhookSignature.verify(raw, signature, token.get())) {
            return "bad_signature";
        }
        return wellFormed(json) ? "event" : "malformed";
    }

    /**
     * What applying an event needs: an id, a type, and the entity (a Notion id and its type). Other fields are optional:
     * without authors an event counts as someone else's edit, without a readable timestamp it sorts first.
     */
    private static boolean wellFormed(JsonNode event) {
        return event != null && event.isObject()
                && shortText(event.path("id")) && shortText(event.path("type"))
                && event.path("entity").path("id").isTextual() && NOTION_ID.matcher(event.path("entity").path("id").asText()).matches()
                && shortText(event.path("entity").path("type"));
    }

    private static boolean shortText(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() && node.asText().length() <= MAX_ID_LENGTH;
    }

    /**
     * At most handshakes-per-minute handshakes in any minute from one sender, for this instance: a flood from one
     * address uses up its own budget, not Notion's.
     */
    private synchronized boolean allowHandshake(String sender) {
        long now = System.nanoTime();
        Deque<Long> recent = recentHandshakes.computeIfAbsent(sender, key -> new ArrayDeque<>());
        while (!recent.isEmpty() && now - recent.peekFirst() > 60_000_000_000L) {
            recent.removeFirst();
        }
        if (recent.size() >= handshakesPerMinute) {
            return false;
        }
        recent.addLast(now);
        return true;
    }

    /**
     * Records the handshake for the operator; it takes effect only when confirmed (or configured).
     *
     * @return handshake, or rate_limited when too many handshakes are pending
     */
    public String storeHandshake(@ExchangeProperty(RAW) byte[] raw, @ExchangeProperty(FROM) String from) throws Exception {
        String token = parse(raw).path("verification_token").asText();
        if (inbox.tokenInForce().filter(token::equals).isPresent()) {
            LOG.info("Notion webhook handshake repeats the token in force (fingerprint {}): nothing to do", WebhookInbox.fingerprint(token));
            return "handshake";
        }
        long id = inbox.recordHandshake(token, from, MAX_PENDING_HANDSHAKES, MAX_PENDING_HANDSHAKES_PER_SENDER, PENDING_HANDSHAKE_KEPT);
        if (id < 0) {
            LOG.warn("Notion webhook handshake from {} not recorded: {} handshakes younger than {} are pending already; answered 429",
                    from, MAX_PENDING_HANDSHAKES, PENDING_HANDSHAKE_KEPT);
            return "rate_limited";
        }
        LOG.warn("Notion webhook handshake #{} recorded (token fingerprint {}, from {}). It is NOT in force until an operator confirms it."
                + " If you just created or re-verified the subscription in Notion: read the token with"
                + " \"SELECT verification_token FROM notion_sync.webhook_subscriptions WHERE id = {}\", paste it into the integration's"
                + " Webhooks tab (Verify); when Notion accepts it, run 'notion-sync webhook-token confirm {}' (or the JMX operation"
                + " confirmWebhookToken({}), or set NOTION_WEBHOOK_TOKEN to it). If you did not, ignore it.",
                id, WebhookInbox.fingerprint(token), from, id, id, id);
        return "handshake";
    }

    /**
     * Commits a verified event to the inbox (deduplicated by event id) before the 200 goes out. An event PostgreSQL
     * refuses to store (a data error, e.g. a NUL character in its JSON) becomes 'malformed' (400), never a 500.
     *
     * @return event, or malformed
     */
    public String storeEvent(@ExchangeProperty(RAW) byte[] raw) throws Exception {
        JsonNode event = parse(raw);
        try {
            if (!inbox.store(event, new String(raw, StandardCharsets.UTF_8))) {
                metrics.webhook("duplicate");
            }
        } catch (SQLException e) {
            if (e.getSQLState() == null || !e.getSQLState().startsWith("22")) {
                throw e;
            }
            LOG.warn("webhook event {} not stored: PostgreSQL refused its content ({}); answered 400", event.path("id").asText(), e.getMessage());
            metrics.webhook("malformed");
            return "malformed";
        }
        return "event";
    }

    private static JsonNode parse(byte[] raw) {
        try {
            return raw == null || raw.length == 0 ? null : JSON.readTree(raw);
        } catch (Exception e) {
            return null;
        }
    }
}
