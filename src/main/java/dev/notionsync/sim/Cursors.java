package dev.notionsync.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opaque query cursors "s:&lt;token&gt;:&lt;next page id&gt;" like Notion's. Each token remembers where the
 * query stopped; tokens expire after a time-to-live and can all be invalidated at once.
 */
final class Cursors {
    /** Where a paginated listing stopped: the first item of the next page (as it was then) and how many were served. */
    record State(String scope, Page next, int offset, Instant issuedAt) {
    }

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile Duration ttl = Duration.ofMinutes(30);

    Cursors(Clock clock) {
        this.clock = clock;
    }

    void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    Duration ttl() {
        return ttl;
    }

    String issue(String scope, Page next, String nextId, int offset) {
        if (states.size() > 200_000) pruneExpired();
        String token = UUID.randomUUID().toString();
        states.put(token, new State(scope, next, offset, clock.instant()));
        return "s:" + token + ":" + nextId;
    }

    State resolve(String cursor, String scope) {
        State state = null;
        if (cursor != null && cursor.startsWith("s:")) {
            String[] parts = cursor.split(":");
            if (parts.length == 3) state = states.get(parts[1]);
        }
        if (state == null || !state.scope().equals(scope) || state.issuedAt().plus(ttl).isBefore(clock.instant())) {
            throw ApiException.validation("The start_cursor provided is invalid: " + cursor);
        }
        return state;
    }

    int invalidateAll() {
        int n = states.size();
        states.clear();
        return n;
    }

    private void pruneExpired() {
        Instant cutoff = clock.instant().minus(ttl);
        for (Iterator<State> it = states.values().iterator(); it.hasNext(); ) {
            if (it.next().issuedAt().isBefore(cutoff)) it.remove();
        }
    }

    /** Property item cursors only need an offset; they are opaque to clients all the same. */
    static String propertyCursor(int offset) {
        return "p:" + offset;
    }

    static int propertyOffset(String cursor) {
        if (cursor == null) return 0;
        try {
            if (cursor.startsWith("p:")) return Integer.parseInt(cursor.substring(2));
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw ApiException.validation("The start_cursor provided is invalid: " + cursor);
    }
}
