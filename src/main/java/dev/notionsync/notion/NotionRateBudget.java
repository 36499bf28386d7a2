package dev.notionsync.notion;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The door's request budget per second, read by the throttle for every call. It is the configured rate, except that
 * after a 429 it is halved and then climbs back by one request per second every recovery interval. It never exceeds
 * the configured rate.
 */
public final class NotionRateBudget {

    private final int configured;
    private final Duration recoveryStep;
    private final Clock clock;
    private int reducedTo;
    private Instant reducedAt;
    private long rateLimitedCount;

    public NotionRateBudget(int configured, Duration recoveryStep, Clock clock) {
        if (configured < 1) {
            throw new IllegalArgumentException("notion.api.rate must be at least 1 request per second");
        }
        this.configured = configured;
        this.recoveryStep = recoveryStep;
        this.clock = clock;
    }

    /** Requests allowed per second right now. */
    public synchronized int permitsPerSecond() {
        if (reducedAt == null) {
            return configured;
        }
        long steps = Duration.between(reducedAt, clock.instant()).toMillis() / Math.max(1, recoveryStep.toMillis());
        int now = (int) Math.min(configured, reducedTo + steps);
        if (now >= configured) {
            reducedAt = null;
        }
        return now;
    }

    /** Notion said 429: slow down. */
    public synchronized void onRateLimited() {
        rateLimitedCount++;
        reducedTo = Math.max(1, permitsPerSecond() / 2);
        reducedAt = clock.instant();
    }

    public int configured() {
        return configured;
    }

    public synchronized long rateLimitedCount() {
        return rateLimitedCount;
    }
}
