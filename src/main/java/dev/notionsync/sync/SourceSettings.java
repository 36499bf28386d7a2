package dev.notionsync.sync;

import dev.notionsync.notion.NotionConnections;
import java.time.Duration;
import java.util.Locale;

/**
 * One configured source: a Notion database or data source mirrored into one table (one per data source). A bound
 * source ({@link #binding()} not null) also keeps an application's own table in step; {@code table} is then its
 * shadow mirror in the engine's schema, and {@code notionId} may be null: the database bootstrap made, recorded in
 * notion_sync.bound_sources. Every Notion call made for the source goes with its {@code connection}
 * (notion.source.&lt;name&gt;.connection: its token, Notion-Version, budget and breaker).
 */
public record SourceSettings(String name, String notionId, String table, Duration poll, Direction direction,
                           ConflictPolicy conflict, boolean trashOnDelete, Binding binding, String connection) {

    /** A mirror source of the default connection. */
    public SourceSettings(String name, String notionId, String table, Duration poll, Direction direction, ConflictPolicy conflict,
                          boolean trashOnDelete) {
        this(name, notionId, table, poll, direction, conflict, trashOnDelete, null);
    }

    /** A source of the default connection. */
    public SourceSettings(String name, String notionId, String table, Duration poll, Direction direction, ConflictPolicy conflict,
                          boolean trashOnDelete, Binding binding) {
        this(name, notionId, table, poll, direction, conflict, trashOnDelete, binding, NotionConnections.DEFAULT);
    }

    public enum Direction { PULL, PUSH, BOTH }

    /** Who wins a property both sides changed since the last sync (push sources). */
    public enum ConflictPolicy {
        NOTION_WINS, POSTGRES_WINS, NEWEST_WINS;

        public String setting() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public boolean pulls() {
        return direction != Direction.PUSH;
    }

    public boolean pushes() {
        return direction != Direction.PULL;
    }

    /** Whether this source binds an application's own table (mode = bind). */
    public boolean bound() {
        return binding != null;
    }

    /**
     * Whether the source's Notion pages are read into its mirror table: a pulling source, and every bound source,
     * whose shadow mirror is what Notion holds, whichever way the source syncs.
     */
    public boolean readsNotion() {
        return pulls() || bound();
    }

    /**
     * Whether rows changed in the source's mirror table are pushed (the mirror push: its trigger and outbox route).
     * Never for a bound source: its shadow mirror is written by the engine only, and its pushes come from its table.
     */
    public boolean pushesMirror() {
        return pushes() && !bound();
    }
}
