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
    private Instant pausedUntil;

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

    /**
     * Notion said 429 (or 529) with a Retry-After: no call at all leaves before then, not only the one that was
     * refused. The per-workspace limit is shared by every connection of the workspace, and its wait can exceed a minute.
     */
    public synchronized void pauseFor(Duration wait) {
        Instant until = clock.instant().plus(wait);
        if (pausedUntil == null || until.isAfter(pausedUntil)) {
            pausedUntil = until;
        }
    }

    /** How long calls must still wait for the last Retry-After; zero when they may go. */
    public synchronized Duration pauseLeft() {
        if (pausedUntil == null) {
            return Duration.ZERO;
        }
        Duration left = Duration.between(clock.instant(), pausedUntil);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** Blocks the calling thread until the pause is over (the door's calls are synchronous anyway). */
    public void awaitPause() throws InterruptedException {
        for (Duration left = pauseLeft(); !left.isZero(); left = pauseLeft()) {
            Thread.sleep(Math.max(1, Math.min(left.toMillis(), 500)));
        }
    }

    public int configured() {
        return configured;
    }

    public synchronized long rateLimitedCount() {
        return rateLimitedCount;
    }
}
