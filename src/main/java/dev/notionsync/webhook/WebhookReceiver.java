package dev.notionsync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.manage.NotionMetrics;
import dev.notionsync.notion.WebhookSignature;
import dev.notionsync.store.WebhookInbox;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of POST /webhooks/notion (routes/notion-webhooks.camel.yaml). {@link #classify} decides what a
 * request is, on its raw bytes: a verification handshake, a verified event, or a rejection (413 too large,
 * 401 unsigned or wrongly signed, 400 malformed). Nothing is stored for a rejected request.
 */
public final class WebhookReceiver {

    public static final String OUTCOME = "webhookOutcome";

    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebhookInbox inbox;
    private final String configuredToken;
    private final int maxBodyBytes;
    private final NotionMetrics metrics;

    public WebhookReceiver(WebhookInbox inbox, String configuredToken, int maxBodyBytes, NotionMetrics metrics) {
        this.inbox = inbox;
        this.metrics = metrics;
        this.configuredToken = configuredToken;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Sets exchange property {@value #OUTCOME} to handshake, event, too_large, unsigned, bad_signature or malformed. */
    public void classify(Exchange exchange) throws Exception {
        byte[] raw = exchange.getMessage().getBody(byte[].class);
        raw = raw == null ? new byte[0] : raw;
        exchange.setProperty("webhookRaw", raw);
        String outcome = decide(raw, exchange.getMessage().getHeader("X-Notion-Signature", String.class));
        metrics.webhook(outcome);
        exchange.setProperty(OUTCOME, outcome);
        if (!outcome.equals("event") && !outcome.equals("handshake")) {
            LOG.warn("webhook rejected: {} ({} bytes)", outcome, raw.length);
        }
    }

    private String decide(byte[] raw, String signature) throws Exception {
        if (raw.length > maxBodyBytes) {
            return "too_large";
        }
        JsonNode json = parse(raw);
        if (json != null && json.isObject() && json.size() == 1 && json.path("verification_token").isTextual()) {
            return "handshake";   // signed or not: before the handshake nobody can know the token
        }
        if (signature == null || signature.isBlank()) {
            return "unsigned";
        }
        String token = token();
        if (token == null || !WebhookSignature.verify(raw, signature, token)) {
            return "bad_signature";
        }
        if (json == null || !json.isObject() || !json.path("id").isTextual() || !json.path("type").isTextual()) {
            return "malformed";
        }
        return "event";
    }

    public void storeHandshake(Exchange exchange) throws Exception {
        JsonNode json = parse(exchange.getProperty("webhookRaw", byte[].class));
        inbox.storeVerificationToken(json.path("verification_token").asText());
        LOG.warn("Notion webhook verification token received and stored. To finish the subscription, read it with"
                + " \"SELECT verification_token FROM notion_sync.webhook_subscriptions ORDER BY id DESC LIMIT 1\","
                + " paste it into the integration's Webhooks tab (Verify), and set NOTION_WEBHOOK_TOKEN to it for future starts.");
    }

    /** Commits a verified event to the inbox (deduplicated by event id) before the 200 goes out. */
    public void storeEvent(Exchange exchange) throws Exception {
        byte[] raw = exchange.getProperty("webhookRaw", byte[].class);
        JsonNode event = parse(raw);
        boolean isNew = inbox.store(event, new String(raw, StandardCharsets.UTF_8));
        if (!isNew) {
            metrics.webhook("duplicate");
        }
    }

    private String token() throws Exception {
        if (configuredToken != null && !configuredToken.isBlank()) {
            return configuredToken;
        }
        return inbox.latestVerificationToken().orElse(null);
    }

    private static JsonNode parse(byte[] raw) {
        try {
            return raw == null || raw.length == 0 ? null : JSON.readTree(raw);
        } catch (Exception e) {
            return null;
        }
    }
}
