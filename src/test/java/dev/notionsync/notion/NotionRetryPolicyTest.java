package dev.notionsync.notion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** Which failures the door retries, how long it waits, and how the budget reacts to 429s. */
class NotionRetryPolicyTest {

    private static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-11-21T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final MovableClock clock = new MovableClock();
    private final NotionRateBudget budget = new NotionRateBudget(3, Duration.ofSeconds(10), clock);
    private final NotionRetryPolicy policy = new NotionRetryPolicy(8, Duration.ofSeconds(120), Duration.ofMillis(500), Duration.ofSeconds(30),
            NotionRetryPolicy.Budgets.single(budget));

    private Exchange failed(Exception failure, int attempt, NotionRequest request) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setException(failure);
        exchange.setProperty(NotionRetryPolicy.FAILURES, attempt);
        exchange.setProperty(NotionRequest.PROPERTY, request);
        return exchange;
    }

    private static NotionApiException error(int status, String code, Long retryAfter) {
        return NotionApiException.of("POST /v1/data_sources/{id}/query", status, code, "x", "req", retryAfter);
    }

    @Test
    void permanentErrorsAreNeverRetried() {
        for (int status : new int[] {400, 401, 403, 404}) {
            assertFalse(policy.shouldRetry(failed(error(status, "validation_error", null), 1, NotionRequest.get("/v1/users/me"))), "status " + status);
        }
        assertFalse(policy.shouldRetry(failed(error(409, "row_limit_exceeded", null), 1, NotionRequest.get("/v1/users/me"))));
    }

    @Test
    void transientErrorsAreRetriedUpToTheLimit() {
        for (int status : new int[] {429, 500, 502, 503, 504, 529}) {
            assertTrue(policy.shouldRetry(failed(error(status, "x", 1L), 1, NotionRequest.get("/v1/users/me"))), "status " + status);
        }
        assertTrue(policy.shouldRetry(failed(error(409, "conflict_error", null), 1, NotionRequest.get("/v1/users/me"))));
        assertTrue(policy.shouldRetry(failed(new IOException("Connection reset"), 3, NotionRequest.get("/v1/users/me"))));
        assertTrue(policy.shouldRetry(failed(error(503, "service_unavailable", null), 8, NotionRequest.get("/v1/users/me"))), "8th failure: 8th retry");
        assertFalse(policy.shouldRetry(failed(error(503, "service_unavailable", null), 9, NotionRequest.get("/v1/users/me"))), "9th failure: give up");
    }

    @Test
    void rateLimitsWaitRetryAfterCappedAndSlowTheBudget() {
        Exchange exchange = failed(error(429, "rate_limited", 7L), 0, NotionRequest.get("/v1/users/me"));
        policy.beforeRetry(exchange);
        assertEquals(7000L, exchange.getMessage().getHeader(Exchange.REDELIVERY_DELAY));
        assertEquals(1, budget.permitsPerSecond(), "halved from 3, rounded down, never below 1");
        Exchange huge = failed(error(529, "service_overload", 3600L), 0, NotionRequest.get("/v1/users/me"));
        policy.beforeRetry(huge);
        assertEquals(120_000L, huge.getMessage().getHeader(Exchange.REDELIVERY_DELAY), "capped");

        clock.now = clock.now.plusSeconds(10);
        assertEquals(2, budget.permitsPerSecond(), "recovers one step");
        clock.now = clock.now.plusSeconds(60);
        assertEquals(3, budget.permitsPerSecond(), "back to the configured rate, never above");
    }

    @Test
    void theWorkspaceLimitsLongRetryAfterIsWaitedByEveryCall() {
        NotionApiException workspace = NotionApiException.of("POST /v1/data_sources/{id}/query", 429, "rate_limited", "x", "req", 90L,
                NotionRateLimitedException.WORKSPACE_LIMIT);
        Exchange exchange = failed(workspace, 0, NotionRequest.get("/v1/users/me"));
        policy.beforeRetry(exchange);
        assertEquals(90_000L, exchange.getMessage().getHeader(Exchange.REDELIVERY_DELAY), "above a minute, under the cap: honoured");
        assertEquals(Duration.ofSeconds(90), budget.pauseLeft(), "no other call leaves before then");
        assertTrue(workspace.getMessage().contains("public_api_space_request_rate_limit"), workspace.getMessage());
        clock.now = clock.now.plusSeconds(90);
        assertEquals(Duration.ZERO, budget.pauseLeft());
    }

    @Test
    void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
        org.apache.camel.Message message = new DefaultExchange(new DefaultCamelContext()).getMessage();
        message.setHeader("Retry-After", "75");
        assertEquals(75L, NotionHttp.retryAfter(message));
        message.setHeader("Retry-After", java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(120)));
        long seconds = NotionHttp.retryAfter(message);
        assertTrue(seconds >= 118 && seconds <= 121, "an HTTP-date two minutes ahead: " + seconds);
        message.setHeader("Retry-After", "soon");
        assertEquals(null, NotionHttp.retryAfter(message));
    }

    @Test
    void serverErrorsBackOffExponentiallyWithJitter() {
        for (int attempt = 0; attempt < 10; attempt++) {
            Exchange exchange = failed(error(500, "internal_server_error", null), attempt, NotionRequest.get("/v1/users/me"));
            policy.beforeRetry(exchange);
            long delay = exchange.getMessage().getHeader(Exchange.REDELIVERY_DELAY, Long.class);
            long ceiling = Math.min(30_000, 500L << attempt);
            assertTrue(delay >= ceiling / 2 && delay <= ceiling, "attempt " + attempt + ": " + delay);
        }
    }

    @Test
    void aGatewayTimeoutOnAQueryRetriesWithHalfThePageSize() {
        Exchange exchange = failed(error(504, "gateway_timeout", null), 0,
                NotionRequest.post("/v1/data_sources/abc/query", "{\"sorts\":[],\"page_size\":100}"));
        policy.beforeRetry(exchange);
        assertEquals("{\"sorts\":[],\"page_size\":50}", exchange.getProperty(NotionRequest.PROPERTY, NotionRequest.class).body());
    }

    /** The dashboard's "calls in the last minute": a sliding minute, second by second. */
    @Test
    void theBudgetCountsTheCallsSentInTheLastMinute() {
        assertEquals(0, budget.sentLastMinute());
        for (int i = 0; i < 3; i++) {
            budget.sent();
        }
        clock.now = clock.now.plusSeconds(30);
        budget.sent();
        budget.sent();
        assertEquals(5, budget.sentLastMinute());
        clock.now = clock.now.plusSeconds(30);   // the first three are a minute old
        assertEquals(2, budget.sentLastMinute());
        clock.now = clock.now.plusSeconds(29);
        assertEquals(2, budget.sentLastMinute());
        clock.now = clock.now.plusSeconds(1);
        assertEquals(0, budget.sentLastMinute());
        clock.now = clock.now.plusSeconds(3600);   // a slot used an hour ago is not this minute's
        budget.sent();
        assertEquals(1, budget.sentLastMinute());
    }
}
