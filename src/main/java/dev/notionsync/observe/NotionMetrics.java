package dev.notionsync.observe;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The engine's own metrics, in the same registry Camel exports on /observe/metrics (Prometheus format):
 * Notion calls by connection, endpoint and status with latency, throttle wait, 429s and breaker state by connection,
 * pages per source and outcome, backlogs and watermark lag. A connection is named, never its token.
 */
public final class NotionMetrics {

    private final MeterRegistry registry;

    public NotionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void notionCall(String connection, String endpoint, int status, Duration latency) {
        Timer.builder("notion_api_requests").description("Notion API calls by connection, endpoint and HTTP status (0 = no answer)")
                .tag("connection", connection).tag("endpoint", endpoint).tag("status", Integer.toString(status)).register(registry).record(latency);
        if (status == 429) {
            Counter.builder("notion_api_rate_limited").description("429 answers from Notion, by connection")
                    .tag("connection", connection).register(registry).increment();
        }
    }

    public void throttleWait(String connection, Duration wait) {
        Timer.builder("notion_api_throttle_wait").description("time calls waited for their connection's shared request budget")
                .tag("connection", connection).register(registry).record(wait);
    }

    public void pages(String source, String outcome, int count) {
        if (count > 0) {
            Counter.builder("notion_sync_pages").description("pages by source and outcome (read, inserted, updated, unchanged, deleted, nul_replaced)")
                    .tag("source", source).tag("outcome", outcome).register(registry).increment(count);
        }
    }

    public void pushed(String source, String outcome) {
        Counter.builder("notion_sync_pushed").description("changes pushed to Notion by source and outcome (created, updated, trashed, conflicts, dead_lettered)")
                .tag("source", source).tag("outcome", outcome).register(registry).increment();
    }

    /** Formula and rollup values Notion did not compute ("unsupported"): the stored value was kept. */
    public void unsupportedValues(String source, int count) {
        if (count > 0) {
            Counter.builder("notion_sync_unsupported_values").description("formula and rollup values Notion answered as unsupported (previous value kept)")
                    .tag("source", source).register(registry).increment(count);
        }
    }

    public void cursorRestart(String source) {
        Counter.builder("notion_sync_cursor_restarts").description("queries restarted from the watermark after Notion rejected their cursor")
                .tag("source", source).register(registry).increment();
    }

    public void webhook(String outcome) {
        Counter.builder("notion_webhook_requests").description("webhook requests by outcome (event, handshake, duplicate, unsigned, bad_signature, malformed, too_large)")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** Webhook events applied as nothing, by reason (not_synced: the page is in no configured source). */
    public void webhookIgnored(String reason, int events) {
        Counter.builder("notion_webhook_events_ignored").description("webhook events ignored by reason (not_synced, own_write, not_a_page)")
                .tag("reason", reason).register(registry).increment(events);
    }

    /** The state of a connection's circuit breaker. Held strongly, as {@link #gauge}'s suppliers are. */
    public void breaker(String connection, CircuitBreaker breaker) {
        Gauge.builder("notion_api_circuit_breaker_state", breaker, b -> switch (b.getState()) {
            case CLOSED -> 0;
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
            default -> 3;
        }).description("0 closed, 1 open, 2 half-open, 3 disabled, by connection").tag("connection", connection)
                .strongReference(true).register(registry);
    }

    /**
     * A gauge read on each scrape; a failing supplier (PostgreSQL down) reports NaN. Held strongly: Micrometer keeps a
     * gauge's object by weak reference, and nothing else holds these suppliers, so they would be collected.
     */
    public void gauge(String name, String description, String sourceTag, Supplier<Number> value) {
        Gauge.Builder<Supplier<Number>> builder = Gauge.builder(name, value, v -> {
            try {
                Number n = v.get();
                return n == null ? Double.NaN : n.doubleValue();
            } catch (RuntimeException e) {
                return Double.NaN;
            }
        }).description(description).strongReference(true);
        if (sourceTag != null) {
            builder.tag("source", sourceTag);
        }
        builder.register(registry);
    }
}
