package dev.notionsync.sync;

import java.time.Duration;
import java.util.Locale;

/** One configured source: a Notion database or data source mirrored into one table (one per data source). */
public record SourceSettings(String name, String notionId, String table, Duration poll, Direction direction,
                           ConflictPolicy conflict, boolean trashOnDelete) {

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
}
