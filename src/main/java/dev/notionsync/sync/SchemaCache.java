package dev.notionsync.sync;

import dev.notionsync.store.MirrorTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each source's mirror tables as last read, kept for {@code refresh} (notion.sync.schema-refresh): a schema read
 * costs Notion calls and DDL checks, so runs in between reuse it. Forgotten early when the schema is known to have
 * changed (a schema webhook, an operator's refresh, a property Notion no longer gives) or access failed.
 */
final class SchemaCache {

    /** Reads a source's tables afresh. */
    interface Loader {
        List<MirrorTable> load() throws Exception;
    }

    private record Entry(List<MirrorTable> tables, Instant readAt) {
    }

    private final Duration refresh;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    SchemaCache(Duration refresh, Clock clock) {
        this.refresh = refresh;
        this.clock = clock;
    }

    /** The source's cached tables, or those {@code loader} reads when there are none or they are due for a refresh. */
    List<MirrorTable> get(String source, Loader loader) throws Exception {
        Instant now = clock.instant();
        Entry cached = entries.get(source);
        if (cached != null && cached.readAt().plus(refresh).isAfter(now)) {
            return cached.tables();
        }
        List<MirrorTable> tables = List.copyOf(loader.load());
        entries.put(source, new Entry(tables, now));
        return tables;
    }

    /** Forgets one source; true when it was cached. */
    boolean forget(String source) {
        return entries.remove(source) != null;
    }

    void forgetAll() {
        entries.clear();
    }
}
