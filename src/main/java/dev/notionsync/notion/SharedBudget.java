package dev.notionsync.notion;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.BucketProxy;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of the door's budget that every instance on one database shares: a bucket4j token bucket kept in
 * PostgreSQL, and what the last 429 changed (store.NotionBudgets holds both). {@link NotionRateBudget} decides; this
 * class takes from the bucket, reads and writes the 429's changes, and falls back when the database is out of reach.
 *
 * <p>The bucket holds {@link #BURST} request and refills the rate per second evenly, so no window of one second sees
 * more than the rate plus one request, all instances together (Notion allows short bursts above its average).
 *
 * <p>When the database does not answer, the shared part is skipped: each instance keeps to its own throttle
 * (notion.api.rate per instance), says so once in a WARN, tries the database again every {@link #RETRY_DOWN}, and says
 * when the shared budget is back. Only one call per {@link #RETRY_DOWN} waits on the dead database (at most the pool's
 * connection timeout, 10 s); the others go on at once. No call is dropped.
 */
public final class SharedBudget {

    private static final Logger LOG = LoggerFactory.getLogger(SharedBudget.class);
    /** Requests the bucket may hold: the burst above the rate in any one-second window. */
    public static final int BURST = 1;
    static final Duration RETRY_DOWN = Duration.ofSeconds(10);

    /**
     * What the last 429 changed, as stored; null fields when nothing was lowered or paused. Durations, by the
     * database's clock: how long ago the rate was lowered, how long calls must still wait (negative once over).
     */
    public record Lowering(Integer reducedTo, Duration reducedAgo, Duration pauseLeft) {
    }

    /** The stored 429 changes of this budget's connection (store.NotionBudgets). */
    public interface Rows {
        Lowering read() throws Exception;

        void lower(int reducedTo) throws Exception;

        void pause(Duration wait) throws Exception;
    }

    private interface Write {
        void run() throws Exception;
    }

    private final String connection;
    private final BucketProxy bucket;
    private final Rows rows;
    private int appliedRate;
    private boolean down;
    private long retryAt;

    /** @param connection the connection whose budget this is, named in the log */
    public SharedBudget(String connection, BucketProxy bucket, Rows rows) {
        this.connection = connection;
        this.bucket = bucket;
        this.rows = rows;
    }

    /** The bucket at {@code rate} requests per second, holding at most {@link #BURST}. */
    public static BucketConfiguration configuration(int rate) {
        return BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(BURST).refillGreedy(rate, Duration.ofSeconds(1)).build())
                .build();
    }

    /**
     * Blocks until the shared bucket gives this call its request at {@code rate} per second (bucket4j reserves it in
     * one transaction, then this thread sleeps until its turn); false, at once, while the database is down. A new rate
     * is set on the bucket itself, so it holds for every instance (the bucket keeps its configuration in its row).
     */
    public boolean take(int rate) throws InterruptedException {
        if (!mayTry()) {
            return false;
        }
        try {
            if (rate != applied()) {
                // outside the lock: a slow database holds this call, not every other one; two calls may both set it
                bucket.replaceConfiguration(configuration(rate), TokensInheritanceStrategy.AS_IS);
                applied(rate);
            }
            bucket.asBlocking().consume(1);
            answered();
            return true;
        } catch (RuntimeException e) {
            failed(e);
            return false;
        }
    }

    /** The stored lowering and pause; empty while the database is down. */
    public Optional<Lowering> read() {
        if (!mayTry()) {
            return Optional.empty();
        }
        try {
            Lowering stored = rows.read();
            answered();
            return Optional.of(stored);
        } catch (Exception e) {
            failed(e);
            return Optional.empty();
        }
    }

    /** A 429: every instance lowers its rate to {@code reducedTo}, counted from now. */
    public void lower(int reducedTo) {
        write(() -> rows.lower(reducedTo));
    }

    /** A Retry-After: no call of any instance leaves for {@code wait}. */
    public void pause(Duration wait) {
        write(() -> rows.pause(wait));
    }

    /** Whether the shared budget is in use (false while the database is down). */
    public synchronized boolean available() {
        return !down;
    }

    private void write(Write write) {
        if (!mayTry()) {
            return;
        }
        try {
            write.run();
            answered();
        } catch (Exception e) {
            failed(e);
        }
    }

    private synchronized int applied() {
        return appliedRate;
    }

    private synchronized void applied(int rate) {
        appliedRate = rate;
    }

    /** Up: yes. Down: only the first call after each RETRY_DOWN tries; the others go on without the database. */
    private synchronized boolean mayTry() {
        if (!down) {
            return true;
        }
        long now = System.nanoTime();
        if (now - retryAt < 0) {
            return false;
        }
        retryAt = now + RETRY_DOWN.toNanos();
        return true;
    }

    private synchronized void answered() {
        if (down) {
            down = false;
            appliedRate = 0;   // set the rate again: the bucket may have been made anew meanwhile
            LOG.info("The shared Notion budget answers again: every instance on this database shares the rate of connection {} once more",
                    connection);
        }
    }

    private synchronized void failed(Exception e) {
        if (!down) {
            down = true;
            retryAt = System.nanoTime() + RETRY_DOWN.toNanos();
            LOG.warn("The shared Notion budget is out of reach ({}): each instance keeps to the rate of connection {} on its own until the"
                    + " database answers (tried again every {} s)", rootMessage(e), connection, RETRY_DOWN.toSeconds());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
