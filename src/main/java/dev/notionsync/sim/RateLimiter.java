package dev.notionsync.sim;

/**
 * A token bucket like Notion's per-connection limit: {@code rate} requests per second on average, with a
 * burst allowance of one second's worth. Uses real time, not the simulator clock, because tests often fix that.
 */
final class RateLimiter {
    private volatile double rate;
    private double tokens;
    private long last = System.nanoTime();

    RateLimiter(double rate) {
        this.rate = rate;
        this.tokens = capacity();
    }

    synchronized void setRate(double newRate) {
        rate = newRate;
        tokens = capacity();
        last = System.nanoTime();
    }

    double rate() {
        return rate;
    }

    private double capacity() {
        return Math.max(1.0, rate);
    }

    /** Takes a token; returns 0 when allowed, else the whole seconds to wait (at least 1) for Retry-After. */
    synchronized int acquire() {
        if (rate <= 0) return 0;
        long now = System.nanoTime();
        tokens = Math.min(capacity(), tokens + (now - last) / 1e9 * rate);
        last = now;
        if (tokens >= 1.0) {
            tokens -= 1.0;
            return 0;
        }
        return (int) Math.max(1, Math.ceil((1.0 - tokens) / rate));
    }
}
