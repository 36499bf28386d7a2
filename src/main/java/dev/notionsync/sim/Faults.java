package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * Fault injection for /v1 requests, repeatable for a given seed and request order: Notion's 5xx and 429 answers,
 * added latency (fixed plus occasional spikes), connections closed without an answer, and truncated bodies.
 */
final class Faults {
    /** 429 is last so that adding it left the fault sequence of existing seeds unchanged. */
    static final int[] STATUSES = {500, 502, 503, 504, 529, 429};

    /** What to do to one request. */
    record Decision(int status, boolean drop, boolean truncate, long delayMs) {
        static final Decision NONE = new Decision(0, false, false, 0);
    }

    private Random random = new Random(0);
    private final double[] errorRates = new double[STATUSES.length];
    private double drop;
    private double truncate;
    /** Endpoints ("POST /v1/pages") whose answers may be cut off; empty: every endpoint's. */
    private Set<String> truncateOnly = Set.of();
    private long latencyMs;
    private double spikeProbability;
    private long spikeMs;
    private int retryAfterSeconds = 1;
    private long seed;
    /** Ids whose every request fails with {@link #failingStatus}: a permanent fault, until cleared. */
    private Set<String> failingIds = Set.of();
    private int failingStatus = 500;
    /**
     * Endpoint ("POST /v1/data_sources/{id}/query") → milliseconds its answers are held AFTER they were computed: a
     * slow answer on the wire, that reaches the client after a later write was answered (stale_answers).
     */
    private java.util.Map<String, Long> staleAnswers = java.util.Map.of();
    /** Until then (System.nanoTime), every request meets the per-workspace limit: Retry-After is the time left. */
    private long workspaceLimitedUntil;

    synchronized void configure(JsonNode body) {
        Arrays.fill(errorRates, 0);
        JsonNode errors = body.path("errors");
        for (int i = 0; i < STATUSES.length; i++) errorRates[i] = errors.path(String.valueOf(STATUSES[i])).asDouble(0);
        drop = body.path("drop_connection").asDouble(0);
        truncate = body.path("truncate_body").asDouble(0);
        Set<String> only = new HashSet<>();
        body.path("truncate_only").forEach(endpoint -> only.add(endpoint.asText()));
        truncateOnly = only;
        latencyMs = body.path("latency_ms").asLong(0);
        spikeProbability = body.path("latency_spike").path("probability").asDouble(0);
        spikeMs = body.path("latency_spike").path("ms").asLong(0);
        retryAfterSeconds = body.path("retry_after_seconds").asInt(1);
        seed = body.path("seed").asLong(seed);
        random = new Random(seed);
        Set<String> ids = new HashSet<>();
        body.path("failing_ids").forEach(id -> ids.add(Ids.normalize(id.asText())));
        failingIds = ids;
        failingStatus = body.path("failing_status").asInt(500);
        java.util.Map<String, Long> stale = new java.util.HashMap<>();
        body.path("stale_answers").fields().forEachRemaining(e -> stale.put(e.getKey(), e.getValue().asLong()));
        staleAnswers = stale;
        long workspaceSeconds = body.path("workspace_rate_limit_seconds").asLong(0);
        workspaceLimitedUntil = workspaceSeconds > 0 ? System.nanoTime() + workspaceSeconds * 1_000_000_000L : 0;
    }

    /** Whole seconds (at least 1) a request must wait for the per-workspace limit, or 0 when it is not in force. */
    synchronized int workspaceRetryAfter() {
        long left = workspaceLimitedUntil - System.nanoTime();
        return workspaceLimitedUntil == 0 || left <= 0 ? 0 : (int) Math.max(1, (left + 999_999_999L) / 1_000_000_000L);
    }

    /** The status to fail a request with when its path names a failing id, else 0. */
    synchronized int permanentFailure(String path) {
        if (failingIds.isEmpty()) return 0;
        for (String segment : path.split("/")) {
            String id = Ids.normalize(segment);
            if (id != null && failingIds.contains(id)) return failingStatus;
        }
        return 0;
    }

    synchronized void reseed(long newSeed) {
        seed = newSeed;
        random = new Random(newSeed);
    }

    synchronized Decision decide() {
        long delay = latencyMs;
        if (spikeProbability > 0 && random.nextDouble() < spikeProbability) delay += spikeMs;
        if (drop > 0 && random.nextDouble() < drop) return new Decision(0, true, false, delay);
        double roll = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < STATUSES.length; i++) {
            cumulative += errorRates[i];
            if (errorRates[i] > 0 && roll < cumulative) return new Decision(STATUSES[i], false, false, delay);
        }
        boolean cut = truncate > 0 && random.nextDouble() < truncate;
        return delay == 0 && !cut ? Decision.NONE : new Decision(0, false, cut, delay);
    }

    /**
     * Whether a cut-off body decided for a request may hit this endpoint. The answer is cut off after the request was
     * applied: the client cannot tell whether a create or an append happened, as with a real dropped connection.
     */
    synchronized boolean truncates(String endpoint) {
        return truncateOnly.isEmpty() || truncateOnly.contains(endpoint);
    }

    /** How long an answer of this endpoint is held after it was computed (0: not at all). */
    synchronized long staleAnswerMs(String endpoint) {
        return staleAnswers.getOrDefault(endpoint, 0L);
    }

    synchronized int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The error Notion answers with for each injected status (notion-api.md §2.3). */
    ApiException error(int status) {
        return switch (status) {
            case 500 -> new ApiException(500, "internal_server_error", "Unexpected error occurred.");
            case 502 -> new ApiException(502, "bad_gateway", "Bad Gateway");
            case 503 -> new ApiException(503, "service_unavailable", "Notion is unavailable, please try again later.");
            case 504 -> new ApiException(504, "gateway_timeout", "Gateway Timeout");
            // an injected 429 looks like the limiter's own, so clients cannot tell a storm from real throttling
            case 429 -> new ApiException(429, "rate_limited", "You have been rate limited. Please try again in a few minutes.",
                    Json.object().put("rate_limit_reason", SimConnections.CONNECTION_LIMIT), retryAfterSeconds());
            default -> new ApiException(529, "service_overload", "The service is overloaded. Please try again later.", null, retryAfterSeconds());
        };
    }

    synchronized ObjectNode toJson() {
        ObjectNode node = Json.object();
        ObjectNode errors = node.putObject("errors");
        for (int i = 0; i < STATUSES.length; i++) errors.put(String.valueOf(STATUSES[i]), errorRates[i]);
        node.put("drop_connection", drop);
        node.put("truncate_body", truncate);
        node.set("truncate_only", Json.F.arrayNode().addAll(truncateOnly.stream().sorted().map(Json.F::textNode).toList()));
        node.put("latency_ms", latencyMs);
        node.putObject("latency_spike").put("probability", spikeProbability).put("ms", spikeMs);
        node.put("retry_after_seconds", retryAfterSeconds);
        node.put("seed", seed);
        node.set("failing_ids", Json.F.arrayNode().addAll(failingIds.stream().map(Json.F::textNode).toList()));
        node.put("failing_status", failingStatus);
        node.put("workspace_rate_limit_seconds", workspaceRetryAfter());
        ObjectNode stale = node.putObject("stale_answers");
        new java.util.TreeMap<>(staleAnswers).forEach(stale::put);
        return node;
    }
}
