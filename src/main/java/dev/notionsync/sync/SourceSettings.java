package dev.notionsync.sync;

import dev.notionsync.config.Settings;
import dev.notionsync.config.SettingsException;
import java.time.Duration;
import java.util.List;
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

    public static List<SourceSettings> fromSettings(Settings settings) {
        Duration defaultPoll = settings.getDuration("notion.sync.poll", Duration.ofSeconds(30));
        return settings.getList("notion.sources").stream().map(name -> {
            if (!name.matches("[A-Za-z0-9_-]+")) {
                throw new SettingsException("source name '" + name + "' in notion.sources may only use letters, digits, '-' and '_'");
            }
            String prefix = "notion.source." + name + ".";
            String id = settings.require(prefix + "id", "the Notion database or data source id of source '" + name + "'");
            String table = settings.get(prefix + "table", name.toLowerCase(Locale.ROOT).replace('-', '_'));
            Duration poll = settings.getDuration(prefix + "poll", defaultPoll);
            String direction = settings.get(prefix + "direction", "pull").toUpperCase(Locale.ROOT);
            Direction parsedDirection;
            try {
                parsedDirection = Direction.valueOf(direction);
            } catch (IllegalArgumentException e) {
                throw new SettingsException("setting " + prefix + "direction must be pull, push or both, was '" + direction.toLowerCase(Locale.ROOT) + "'");
            }
            String conflict = settings.get(prefix + "conflict", "notion-wins");
            ConflictPolicy policy;
            try {
                policy = ConflictPolicy.valueOf(conflict.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new SettingsException("setting " + prefix + "conflict must be notion-wins, postgres-wins or newest-wins, was '" + conflict + "'");
            }
            String onDelete = settings.get(prefix + "on-delete", "trash");
            if (!onDelete.equals("trash") && !onDelete.equals("ignore")) {
                throw new SettingsException("setting " + prefix + "on-delete must be trash or ignore, was '" + onDelete + "'");
            }
            return new SourceSettings(name, NotionIds.normalize(id, prefix + "id"), table, poll, parsedDirection, policy, onDelete.equals("trash"));
        }).toList();
    }
}
