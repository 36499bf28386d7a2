package dev.notionsync.webhook;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One warning per kind and minute: a flood of refused requests must not become a flood of log lines. */
final class RareWarnings {

    private static final long EVERY_NANOS = 60_000_000_000L;

    private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();

    boolean shouldWarn(String kind) {
        long now = System.nanoTime();
        Long last = lastWarned.get(kind);
        if (last != null && now - last < EVERY_NANOS) {
            return false;
        }
        return last == null ? lastWarned.putIfAbsent(kind, now) == null : lastWarned.replace(kind, last, now);
    }
}
