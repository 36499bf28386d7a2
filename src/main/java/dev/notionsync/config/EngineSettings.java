package dev.notionsync.config;

import dev.notionsync.notion.NotionConnections;
import dev.notionsync.sync.CommentSettings;

/**
 * Every setting the engine runs with, read and checked before the database opens: a wrong value stops the start
 * with one line naming the setting.
 */
public record EngineSettings(Settings settings, SyncSettings sync, ReportSettings reports, RetentionSettings retention,
                             DatabaseSettings database, NotionApiSettings notion, PushSettings push, WebhookSettings webhooks,
                             ManagementSettings management, CommentSettings comments, ContentSettings content,
                             ClusterSettings cluster, SubscriptionSettings subscriptions) {

    public static EngineSettings of(Settings settings) {
        SyncSettings sync = SyncSettings.of(settings);
        NotionApiSettings notion = NotionApiSettings.of(settings, sync.sources());
        ReportSettings reports = ReportSettings.of(settings);
        if (!reports.notionParentPage().isBlank() && notion.connections().stream().noneMatch(c -> c.name().equals(reports.connection()))) {
            throw new SettingsException("notion.reports.connection names connection '" + reports.connection() + "', which has no token: set "
                    + (reports.connection().equals(NotionConnections.DEFAULT) ? "notion.api.token (NOTION_TOKEN)"
                    : "notion.connection." + reports.connection() + ".token") + ", or name a connection that has one");
        }
        return new EngineSettings(settings, sync, reports, RetentionSettings.of(settings), DatabaseSettings.of(settings), notion,
                PushSettings.of(settings), WebhookSettings.of(settings), ManagementSettings.of(settings),
                CommentsConfiguration.settings(settings, sync.sources()), ContentSettings.of(settings, sync.sources()),
                ClusterSettings.of(settings), SubscriptionSettings.of(settings));
    }

    /** camel.main.jmx-enabled: whether Camel, and so Quartz, export MBeans. */
    public boolean jmx() {
        return settings.declared("camel.main.jmx-enabled").equals("true");
    }
}
