package dev.notionsync.notion;

import org.apache.camel.Exchange;

/**
 * The door's two lanes. Foreground calls (pull, push, webhooks, bootstrap, reports) go straight to the door's
 * throttle. Background calls (page content, comments, users) come through {@code direct:notion-api-background}: they
 * use at most {@code share} of the budget and wait while any foreground call waits for the budget, so a background
 * read never holds up property sync. While the foreground is busy for long (a large pull at the budget), a background
 * call waits at most {@code maxWait} and then goes anyway, so content, comments and users keep moving, slowly.
 */
public final class DoorLanes {

    /** Exchange property the background route sets; its absence means foreground. */
    public static final String LANE = "notionLane";
    public static final String BACKGROUND = "background";
    private static final String COUNTED = "notionForegroundWaiting";

    private final NotionRateBudget budget;
    private final double share;
    private final long maxWaitMillis;
    private int foregroundWaiting;

    /**
     * @param share   notion.api.background-share: the part of the budget background calls may use, above 0 and at most 1
     * @param maxWait notion.api.background-max-wait: the longest a background call gives way to waiting foreground calls
     */
    public DoorLanes(NotionRateBudget budget, double share, java.time.Duration maxWait) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("notion.api.background-share must be above 0 and at most 1, was " + share);
        }
        this.budget = budget;
        this.share = share;
        this.maxWaitMillis = maxWait.toMillis();
    }

    /** The background lane's own throttle: its share of what the budget allows right now, at least one call a second. */
    public int backgroundPermitsPerSecond() {
        return Math.max(1, (int) Math.floor(budget.permitsPerSecond() * share));
    }

    /**
     * Before the door's throttle, on every attempt: a foreground call is counted as waiting until {@link #sent}; a
     * background call waits until no foreground call is waiting.
     */
    public void enter(Exchange exchange) throws InterruptedException {
        if (BACKGROUND.equals(exchange.getProperty(LANE, String.class))) {
            awaitNoForeground();
            return;
        }
        if (!exchange.getProperty(COUNTED, false, Boolean.class)) {
            exchange.setProperty(COUNTED, true);
            synchronized (this) {
                foregroundWaiting++;
            }
            // a call that fails before it is sent (an interrupted wait) must not hold the background back for ever
            exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    sent(done);
                }
            });
        }
    }

    /** After the throttle, when the call is about to be sent: it no longer waits. */
    public void sent(Exchange exchange) {
        if (exchange.getProperty(COUNTED, false, Boolean.class)) {
            exchange.setProperty(COUNTED, false);
            synchronized (this) {
                foregroundWaiting--;
                notifyAll();
            }
        }
    }

    public synchronized int foregroundWaiting() {
        return foregroundWaiting;
    }

    private synchronized void awaitNoForeground() throws InterruptedException {
        long until = System.currentTimeMillis() + maxWaitMillis;
        for (long left = maxWaitMillis; foregroundWaiting > 0 && left > 0; left = until - System.currentTimeMillis()) {
            wait(Math.min(left, 200));
        }
    }
}
