package dev.notionsync.notion;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The door's request budget per second, read by the throttle for every call. It is the configured rate, except that
 * after a 429 it is halved and then climbs back by one request per second every recovery interval. It never exceeds
 * the configured rate.
 *
 * <p>With a {@link SharedBudget} (the engine always has one: its database) the budget is one for every instance on
 * the database: each call also takes its request from the shared bucket ({@link #take}), and a 429 or a Retry-After
 * that any instance meets is written there and followed by every other instance within {@link #FOLLOW}.
 */
public final class NotionRateBudget {

    /** How often an instance reads what the others' 429s changed (only while calls go through the door). */
    static final Duration FOLLOW = Duration.ofMillis(500);

    private final int configured;
    private final Duration recoveryStep;
    private final Clock clock;
    private final SharedBudget shared;
    private int reducedTo;
    private Instant reducedAt;
    private long rateLimitedCount;
    private Instant pausedUntil;
    private long nextFollow;
    /** Calls this instance sent in each of the last 60 seconds, slot by epoch second modulo 60: the budget's use. */
    private final long[] sentInSecond = new long[60];
    private final long[] secondOfSlot = new long[60];

    /** A budget of this process alone. */
    public NotionRateBudget(int configured, Duration recoveryStep, Clock clock) {
        this(configured, recoveryStep, clock, null);
    }

    /** A budget shared with every instance using the same {@code shared} store (null: this process alone). */
    public NotionRateBudget(int configured, Duration recoveryStep, Clock clock, SharedBudget shared) {
        if (configured < 1) {
            throw new IllegalArgumentException("notion.api.rate must be at least 1 request per second");
        }
        this.configured = configured;
        this.recoveryStep = recoveryStep;
        this.clock = clock;
        this.shared = shared;
        this.nextFollow = System.nanoTime();
    }

    /** Requests allowed per second right now. */
    public int permitsPerSecond() {
        follow();
        return localPermits();
    }

    private synchronized int localPermits() {
        if (reducedAt == null) {
            return configured;
        }
        long steps = Math.max(0, Duration.between(reducedAt, clock.instant()).toMillis()) / Math.max(1, recoveryStep.toMillis());
        int now = (int) Math.min(configured, reducedTo + steps);
        if (now >= configured) {
            reducedAt = null;
        }
        return now;
    }

    /** Notion said 429: slow down, every instance. */
    public void onRateLimited() {
        synchronized (this) {
            rateLimitedCount++;
        }
        lowerRate();
    }

    /**
     * Halves the rate, every instance, without a 429 of this connection's own: another connection to the same
     * workspace met Notion's per-workspace limit, which this one shares.
     */
    public void lowerRate() {
        int to;
        synchronized (this) {
            to = Math.max(1, localPermits() / 2);
            reducedTo = to;
            reducedAt = clock.instant();
        }
        if (shared != null) {
            shared.lower(to);
        }
    }

    /**
     * Notion said 429 (or 529) with a Retry-After: no call of this connection leaves before then, not only the one that
     * was refused, and no call of any other instance either. (Notion's per-workspace limit, shared by every connection
     * to the workspace, pauses the budgets of all of them: NotionRetryPolicy. Its wait can exceed a minute.)
     */
    public void pauseFor(Duration wait) {
        synchronized (this) {
            Instant until = clock.instant().plus(wait);
            if (pausedUntil == null || until.isAfter(pausedUntil)) {
                pausedUntil = until;
            }
        }
        if (shared != null) {
            shared.pause(wait);
        }
    }

    /** How long calls must still wait for the last Retry-After; zero when they may go. */
    public Duration pauseLeft() {
        follow();
        synchronized (this) {
            if (pausedUntil == null) {
                return Duration.ZERO;
            }
            Duration left = Duration.between(clock.instant(), pausedUntil);
            return left.isNegative() ? Duration.ZERO : left;
        }
    }

    /**
     * The door's step after its throttle (notion-call in routes/notion-api.camel.yaml): blocks until the budget every
     * instance shares gives this call its request. A pause that began meanwhile is waited out and the request taken
     * again. While the database is down it returns at once: the throttle before it bounds this process alone.
     */
    public void take() throws InterruptedException {
        if (shared == null) {
            return;
        }
        do {
            awaitPause();
            shared.take(permitsPerSecond());
        } while (!pauseLeft().isZero());
    }

    /** Reads what the other instances' 429s changed, at most every FOLLOW; the reading happens outside the lock. */
    private void follow() {
        if (shared == null) {
            return;
        }
        synchronized (this) {
            long now = System.nanoTime();
            if (now - nextFollow < 0) {
                return;
            }
            nextFollow = now + FOLLOW.toNanos();
        }
        shared.read().ifPresent(this::adopt);
    }

    /** The stored times are ages and waits by the database's clock, placed on this instance's clock (clocks may differ). */
    private synchronized void adopt(SharedBudget.Lowering stored) {
        Instant now = clock.instant();
        Instant storedAt = stored.reducedAgo() == null ? null : now.minus(stored.reducedAgo());
        if (stored.reducedTo() != null && storedAt != null && (reducedAt == null || storedAt.isAfter(reducedAt))) {
            reducedTo = stored.reducedTo();
            reducedAt = storedAt;
        }
        Instant storedUntil = stored.pauseLeft() == null || stored.pauseLeft().isNegative() ? null : now.plus(stored.pauseLeft());
        if (storedUntil != null && (pausedUntil == null || storedUntil.isAfter(pausedUntil))) {
            pausedUntil = storedUntil;
        }
    }

    /** Blocks the calling thread until the pause is over (the door's calls are synchronous anyway). */
    public void awaitPause() throws InterruptedException {
        for (Duration left = pauseLeft(); !left.isZero(); left = pauseLeft()) {
            Thread.sleep(Math.max(1, Math.min(left.toMillis(), 500)));
        }
    }

    /** A call left for Notion (each attempt counts: a retry spends the budget too). */
    public synchronized void sent() {
        long second = clock.instant().getEpochSecond();
        int slot = (int) Math.floorMod(second, 60L);
        if (secondOfSlot[slot] != second) {
            secondOfSlot[slot] = second;
            sentInSecond[slot] = 0;
        }
        sentInSecond[slot]++;
    }

    /** Calls this instance sent in the last 60 seconds (other instances on the database spend the same budget). */
    public synchronized long sentLastMinute() {
        long now = clock.instant().getEpochSecond();
        long sum = 0;
        for (int slot = 0; slot < 60; slot++) {
            sum += now - secondOfSlot[slot] < 60 ? sentInSecond[slot] : 0;
        }
        return sum;
    }

    public int configured() {
        return configured;
    }

    public synchronized long rateLimitedCount() {
        return rateLimitedCount;
    }
}
