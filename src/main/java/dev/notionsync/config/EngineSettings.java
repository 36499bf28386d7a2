package dev.notionsync.config;

import dev.notionsync.notion.NotionHttp;
import dev.notionsync.sync.CommentSettings;

/**
 * Every setting the engine runs with, read and checked before the database opens: a wrong value stops the start
 * with one line naming the setting.
 */
public record EngineSettings(Settings settings, SyncSettings sync, ReportSettings reports, RetentionSettings retention,
                             DatabaseSettings database, NotionApiSettings notion, PushSettings push, WebhookSettings webhooks,
                             ManagementSettings management, CommentSettings comments, ContentSettings content,
                             ClusterSettings cluster) {

    public static EngineSettings of(Settings settings) {
        NotionApiSettings notion = NotionApiSettings.of(settings);
        SyncSettings sync = SyncSettings.of(settings, NotionHttp.returnsOnlyTitleUnlessFiltered(notion.version()));
        return new EngineSettings(settings, sync, ReportSettings.of(settings), RetentionSettings.of(settings), DatabaseSettings.of(settings), notion,
                PushSettings.of(settings), WebhookSettings.of(settings), ManagementSettings.of(settings),
                CommentsConfiguration.settings(settings, sync.sources()), ContentSettings.of(settings, sync.sources()),
                ClusterSettings.of(settings));
    }

    /** camel.main.jmx-enabled: whether Camel, and so Quartz, export MBeans. */
    public boolean jmx() {
        return settings.declared("camel.main.jmx-enabled").equals("true");
    }
}
