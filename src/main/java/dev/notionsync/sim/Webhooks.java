package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Integration webhooks as Notion sends them: a verification handshake on subscribe, then signed deliveries
 * (X-Notion-Signature: sha256=HMAC of the raw body keyed with the verification token). Page events for the same
 * entity are aggregated within a short window; failed deliveries are retried with exponential backoff,
 * up to 8 attempts in all.
 */
final class Webhooks {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    static final int MAX_ATTEMPTS = 8;
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** One subscription; windows and backoff are per subscription so tests can make them short. */
    record Subscription(String id, String url, String verificationToken, String apiVersion, long aggregationWindowMs,
                        long retryBaseMs, Set<String> eventTypes, String handshakeStatus) {
    }

    /** What happened to one delivery attempt, for GET /__sim/webhooks. */
    record Attempt(String subscriptionId, String eventId, String type, int attemptNumber, int status, Instant at) {
    }

    private final SimModel model;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "notion-sim-webhooks");
        t.setDaemon(true);
        return t;
    });
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Map<String, List<ModelEvent>> pending = new LinkedHashMap<>();
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();

    Webhooks(SimModel model) {
        this.model = model;
    }

    /** POST /__sim/webhooks {"url","verification_token", optional "api_version","event_types","aggregation_window_ms","retry_backoff_base_ms"}. */
    ObjectNode subscribe(JsonNode body) {
        String url = Json.str(body, "url");
        String token = Json.str(body, "verification_token");
        if (url == null || token == null) throw ApiException.validation("Expected {\"url\":…,\"verification_token\":…}.");
        Set<String> types = new LinkedHashSet<>();
        body.path("event_types").forEach(t -> types.add(t.asText()));
        String id = UUID.randomUUID().toString();
        String status = handshake(url, token);
        Subscription s = new Subscription(id, url, token, body.path("api_version").asText("2025-09-03"),
                body.path("aggregation_window_ms").asLong(1000), body.path("retry_backoff_base_ms").asLong(1000), types, status);
        subscriptions.add(s);
        return subscriptionJson(s);
    }

    /** Notion's one-time POST of {"verification_token":…}; it is signed too, so one receiver code path handles both. */
    private String handshake(String url, String token) {
        byte[] body = Json.bytes(Json.object().put("verification_token", token));
        try {
            HttpResponse<Void> r = http.send(request(url, body, token), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() / 100 == 2 ? "verified" : "failed:" + r.statusCode();
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return "failed:" + e.getClass().getSimpleName();
        }
    }

    void clear() {
        subscriptions.clear();
        synchronized (pending) {
            pending.clear();
        }
        attempts.clear();
    }

    void close() {
        scheduler.shutdownNow();
    }

    /** Collects events per subscription and entity; the first one of a batch schedules its flush. */
    void onEvent(ModelEvent event) {
        for (Subscription s : subscriptions) {
            if (!s.eventTypes().isEmpty() && !s.eventTypes().contains(typeFor(s, event))) continue;
            String key = s.id() + "/" + event.entityId();
            boolean first;
            synchronized (pending) {
                List<ModelEvent> batch = pending.computeIfAbsent(key, k -> new ArrayList<>());
                first = batch.isEmpty();
                batch.add(event);
            }
            if (first) scheduler.schedule(() -> flush(s, key), s.aggregationWindowMs(), TimeUnit.MILLISECONDS);
        }
    }

    private static String typeFor(Subscription s, ModelEvent e) {
        if (s.apiVersion().equals("2022-06-28") && e.type().startsWith("data_source.")) return "database." + e.type().substring("data_source.".length());
        return e.type();
    }

    private void flush(Subscription s, String key) {
        List<ModelEvent> batch;
        synchronized (pending) {
            batch = pending.remove(key);
        }
        if (batch == null || batch.isEmpty()) return;
        for (ObjectNode payload : aggregate(s, batch)) deliver(s, payload, 1);
    }

    /**
     * Keeps the most meaningful result of a burst, as Notion documents: a page created and trashed in the
     * same window yields nothing, a create absorbs later property updates, trash/restore pairs cancel out,
     * and property updates merge into one event listing every changed property.
     */
    private List<ObjectNode> aggregate(Subscription s, List<ModelEvent> batch) {
        List<ObjectNode> out = new ArrayList<>();
        ModelEvent last = batch.get(batch.size() - 1);
        boolean created = batch.stream().anyMatch(e -> e.type().equals("page.created"));
        int trashBalance = 0;
        ModelEvent lastTrash = null;
        Set<String> properties = new LinkedHashSet<>();
        ModelEvent lastUpdate = null;
        List<ModelEvent> others = new ArrayList<>();
        for (ModelEvent e : batch) {
            switch (e.type()) {
                case "page.created" -> {
                }
                case "page.deleted" -> {
                    trashBalance++;
                    lastTrash = e;
                }
                case "page.undeleted" -> {
                    trashBalance--;
                    lastTrash = e;
                }
                case "page.properties_updated" -> {
                    properties.addAll(e.updatedProperties());
                    lastUpdate = e;
                }
                default -> others.add(e);
            }
        }
        if (created) {
            if (trashBalance > 0) return out;
            out.add(payload(s, batch.get(0), last, "page.created", batch, null));
        } else {
            if (trashBalance != 0 && lastTrash != null) out.add(payload(s, lastTrash, last, lastTrash.type(), batch, null));
            if (lastUpdate != null) {
                ArrayNode ids = Json.array();
                properties.forEach(ids::add);
                out.add(payload(s, lastUpdate, last, "page.properties_updated", batch, ids));
            }
        }
        List<ModelEvent> content = others.stream().filter(e -> e.type().equals("page.content_updated")).toList();
        if (!content.isEmpty() && !created) {
            // content updates aggregate too: one event listing every updated block
            Set<String> updated = new LinkedHashSet<>();
            content.forEach(e -> updated.addAll(e.updatedProperties()));
            ArrayNode blocks = Json.array();
            model.read(() -> {
                updated.forEach(id -> blocks.addObject().put("id", id).put("type", model.pageOrNull(id) != null ? "page" : model.databaseOrNull(id) != null ? "database" : "block"));
                return null;
            });
            ObjectNode p = payload(s, content.get(content.size() - 1), last, "page.content_updated", batch, null);
            ((ObjectNode) p.get("data")).set("updated_blocks", blocks);
            out.add(p);
        }
        for (ModelEvent e : others) {
            if (!e.type().equals("page.content_updated")) out.add(payload(s, e, e, typeFor(s, e), List.of(e), e.schemaChanges()));
        }
        return out;
    }

    private ObjectNode payload(Subscription s, ModelEvent e, ModelEvent last, String type, List<ModelEvent> batch, ArrayNode updated) {
        ObjectNode p = Json.object();
        p.put("id", UUID.randomUUID().toString());
        p.put("timestamp", TIMESTAMP.format(last.at()));
        p.put("workspace_id", model.workspaceId());
        p.put("workspace_name", model.workspaceName());
        p.put("subscription_id", s.id());
        p.put("integration_id", model.botUserId());
        p.put("type", type);
        ArrayNode authors = p.putArray("authors");
        Set<String> seen = new LinkedHashSet<>();
        for (ModelEvent b : batch) {
            if (seen.add(b.author().userId())) authors.addObject().put("id", b.author().userId()).put("type", b.author().type());
        }
        p.put("attempt_number", 1);
        p.put("api_version", s.apiVersion());
        p.putObject("entity").put("id", e.entityId()).put("type", e.entityType());
        ObjectNode data = p.putObject("data");
        if (e.entityType().equals("comment")) data.put("page_id", e.pageId());
        ObjectNode parent = data.putObject("parent");
        parent.put("id", e.parentId());
        parent.put("type", e.parentType());
        if (e.dataSourceId() != null && !s.apiVersion().equals("2022-06-28")) parent.put("data_source_id", e.dataSourceId());
        if (updated != null) data.set("updated_properties", updated);
        return p;
    }

    private void deliver(Subscription s, ObjectNode payload, int attempt) {
        payload.put("attempt_number", attempt);
        byte[] body = Json.bytes(payload);
        int status;
        try {
            status = http.send(request(s.url(), body, s.verificationToken()), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
            status = 0;
        }
        attempts.add(new Attempt(s.id(), payload.get("id").asText(), payload.get("type").asText(), attempt, status, Instant.now()));
        if (status / 100 == 2 || attempt >= MAX_ATTEMPTS || !subscriptions.contains(s)) {
            if (status / 100 != 2) LOG.info("webhook {} to {} gave up after {} attempts", payload.get("id").asText(), s.url(), attempt);
            return;
        }
        long delay = s.retryBaseMs() * (1L << (attempt - 1));
        ObjectNode next = payload.deepCopy();
        try {
            scheduler.schedule(() -> deliver(s, next, attempt + 1), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // the simulator is shutting down
        }
    }

    private static HttpRequest request(String url, byte[] body, String token) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("X-Notion-Signature", "sha256=" + sign(body, token))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    /** Lower-case hex HMAC-SHA256 of the raw body bytes, keyed with the verification token. */
    static String sign(byte[] body, String token) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    ObjectNode toJson() {
        ObjectNode node = Json.object();
        ArrayNode subs = node.putArray("subscriptions");
        for (Subscription s : subscriptions) subs.add(subscriptionJson(s));
        ArrayNode list = node.putArray("deliveries");
        for (Attempt a : attempts) {
            list.addObject().put("subscription_id", a.subscriptionId()).put("event_id", a.eventId()).put("type", a.type())
                    .put("attempt_number", a.attemptNumber()).put("status", a.status()).put("at", TIMESTAMP.format(a.at()));
        }
        return node;
    }

    private static ObjectNode subscriptionJson(Subscription s) {
        ObjectNode node = Json.object();
        node.put("id", s.id());
        node.put("url", s.url());
        node.put("api_version", s.apiVersion());
        node.put("handshake", s.handshakeStatus());
        node.put("aggregation_window_ms", s.aggregationWindowMs());
        node.put("retry_backoff_base_ms", s.retryBaseMs());
        ArrayNode types = node.putArray("event_types");
        s.eventTypes().forEach(types::add);
        return node;
    }
}
