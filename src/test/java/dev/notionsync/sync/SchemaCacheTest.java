package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.store.MirrorTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** A source's schema is read once per notion.sync.schema-refresh, and again as soon as it is forgotten. */
class SchemaCacheTest {

    static final List<MirrorTable> TABLES = List.of(PageReaderTest.TABLE);

    final MovableClock clock = new MovableClock();
    final SchemaCache cache = new SchemaCache(Duration.ofMinutes(10), clock);
    int reads;

    final SchemaCache.Loader loader = () -> {
        reads++;
        return TABLES;
    };

    /** Within the refresh interval every run uses the schema read; from its end on, the next run reads it again. */
    @Property(tries = 100)
    void theSchemaIsReadAgainOnceTheRefreshIsDue(@ForAll @IntRange(min = 0, max = 1800) int secondsLater) throws Exception {
        MovableClock clock = new MovableClock();
        SchemaCache cache = new SchemaCache(Duration.ofMinutes(10), clock);
        int[] count = {0};
        SchemaCache.Loader counting = () -> {
            count[0]++;
            return TABLES;
        };
        cache.get("projects", counting);
        clock.now = clock.now.plusSeconds(secondsLater);

        assertEquals(TABLES, cache.get("projects", counting));

        assertEquals(secondsLater < 600 ? 1 : 2, count[0]);
    }

    @Test
    void aForgottenSourceIsReadAtItsNextUse() throws Exception {
        cache.get("projects", loader);
        cache.get("tasks", loader);

        assertTrue(cache.forget("projects"));
        assertFalse(cache.forget("projects"), "forgotten already");
        cache.get("projects", loader);
        cache.get("tasks", loader);

        assertEquals(3, reads);
    }

    @Test
    void forgettingAllReadsEverySourceAgain() throws Exception {
        cache.get("projects", loader);
        cache.get("tasks", loader);
        cache.forgetAll();
        cache.get("projects", loader);
        cache.get("tasks", loader);

        assertEquals(4, reads);
    }

    /** A failed read caches nothing: the next use tries again, and an earlier read stays until it is replaced. */
    @Test
    void aFailedReadIsNotCached() throws Exception {
        assertThrows(IllegalStateException.class, () -> cache.get("projects", () -> {
            throw new IllegalStateException("Notion is down");
        }));
        assertSame(TABLES, cache.get("projects", loader));
        assertEquals(1, reads);
    }

    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
