package dev.notionsync.config;

import dev.notionsync.sync.NotionIds;
import dev.notionsync.sync.PullSettings;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.sync.SourceSettings.ConflictPolicy;
import dev.notionsync.sync.SourceSettings.Direction;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** notion.sources, notion.source.&lt;name&gt;.* and notion.sync.*: what is synced, and how the pull reads it. */
public record SyncSettings(List<SourceSettings> sources, PullSettings pull, Duration sweep) {

    public static SyncSettings of(Settings settings, boolean queryNamesProperties) {
        return new SyncSettings(sources(settings),
                new PullSettings(settings.getDuration("notion.sync.overlap"), settings.getDuration("notion.sync.lag"),
                        settings.getInt("notion.sync.page-size"), settings.getDuration("notion.sync.schema-refresh"), queryNamesProperties),
                settings.getDuration("notion.sync.sweep"));
    }

    /** The names of the sources that pull from Notion. */
    public List<String> pulled() {
        return sources.stream().filter(SourceSettings::pulls).map(SourceSettings::name).toList();
    }

    public static List<SourceSettings> sources(Settings settings) {
        Duration defaultPoll = settings.getDuration("notion.sync.poll");
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
            return new SourceSettings(name, notionId(id, prefix + "id"), table, poll, parsedDirection, policy, onDelete.equals("trash"));
        }).toList();
    }

    /** The id a setting names, or a SettingsException naming the setting and its environment variable. */
    static String notionId(String idOrUrl, String setting) {
        String where = "setting " + setting + " (environment " + Settings.environmentName(setting) + "): ";
        try {
            return NotionIds.normalize(idOrUrl);
        } catch (IllegalArgumentException e) {
            if (idOrUrl.trim().startsWith("ntn_") || idOrUrl.trim().startsWith("secret_")) {
                // a token pasted into the wrong variable: say so without echoing it
                throw new SettingsException(where + "this is an integration secret, not a Notion id; put the token in NOTION_TOKEN"
                        + " and the database's id (32 hex digits) here");
            }
            throw new SettingsException(where + e.getMessage() + "; a Notion URL works too");
        }
    }
}
