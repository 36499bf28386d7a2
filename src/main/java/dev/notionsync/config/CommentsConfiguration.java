package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.store.CommentRows;
import dev.notionsync.store.CommentTables;
import dev.notionsync.sync.BotIdentity;
import dev.notionsync.sync.CommentPoster;
import dev.notionsync.sync.CommentSettings;
import dev.notionsync.sync.CommentsReader;
import dev.notionsync.sync.SourceDoors;
import dev.notionsync.sync.SourceSettings;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * Comments (routes/notion-comments.camel.yaml): the comments table of each source with comments on, made at start
 * beside its mirror table, the reader (background lane) and the poster (foreground lane).
 */
public final class CommentsConfiguration implements AreaConfiguration {

    private final CommentSettings settings;
    private final PushSettings push;
    private final String schema;
    private final DataSource dataSource;

    public CommentsConfiguration(CommentSettings settings, PushSettings push, String schema, DataSource dataSource) {
        this.settings = settings;
        this.push = push;
        this.schema = schema;
        this.dataSource = dataSource;
    }

    /** notion.source.&lt;name&gt;.comments and notion.comments.*; a comments table that would be another source's table stops the start. */
    public static CommentSettings settings(Settings settings, List<SourceSettings> sources) {
        List<SourceSettings> enabled = new ArrayList<>();
        for (SourceSettings source : sources) {
            String key = "notion.source." + source.name() + ".comments";
            String value = settings.get(key, "false").trim().toLowerCase(Locale.ROOT);
            if (!value.equals("true") && !value.equals("false")) {
                throw new SettingsException("setting " + key + " must be true or false, was '" + value + "'");
            }
            if (value.equals("false")) {
                continue;
            }
            String comments = CommentTables.nameFor(source.table());
            for (SourceSettings other : sources) {
                if (other.table().equals(comments)) {
                    throw new SettingsException("setting " + key + ": source " + source.name() + "'s comments table " + comments + " is the table of source "
                            + other.name() + "; give one of them another table (notion.source.<name>.table)");
                }
            }
            enabled.add(source);
        }
        Duration poll = settings.getDuration("notion.comments.poll");
        Duration rescan = settings.getDuration("notion.comments.rescan");
        Duration postPoll = settings.getDuration("notion.comments.post-poll");
        for (Map.Entry<String, Duration> d : Map.of("notion.comments.poll", poll, "notion.comments.rescan", rescan,
                "notion.comments.post-poll", postPoll).entrySet()) {
            if (d.getValue().isZero() || d.getValue().isNegative()) {
                throw new SettingsException("setting " + d.getKey() + " must be longer than 0, was " + d.getValue());
            }
        }
        return new CommentSettings(List.copyOf(enabled), poll, rescan, postPoll);
    }

    /** The route's placeholders: whether it starts, and its timers' periods. */
    static Map<String, String> camelSettings(Settings settings) {
        CommentSettings comments = settings(settings, SyncSettings.sources(settings));
        return Map.of("notion.comments.enabled", String.valueOf(comments.enabled()),
                "notion.comments.poll-ms", String.valueOf(comments.poll().toMillis()),
                "notion.comments.post-poll-ms", String.valueOf(comments.postPoll().toMillis()));
    }

    @Override
    public void configure(CamelContext context) {
        CommentTables made = new CommentTables(dataSource, schema);
        Map<String, CommentTables.Table> tables = new LinkedHashMap<>();
        for (SourceSettings source : settings.sources()) {
            try {
                tables.put(source.name(), made.ensure(source.name(), source.table()));
            } catch (SQLException e) {
                throw new IllegalStateException("cannot make the comments table of source " + source.name() + ": " + e.getMessage(), e);
            }
        }
        CommentRows rows = new CommentRows(dataSource);
        NotionApi background = AreaConfiguration.bean(context, "notionBackgroundApi", NotionApi.class);
        NotionApi foreground = AreaConfiguration.bean(context, "notionApi", NotionApi.class);
        SourceDoors backgroundDoors = AreaConfiguration.bean(context, "sourceBackgroundDoors", SourceDoors.class);
        SourceDoors foregroundDoors = AreaConfiguration.bean(context, "sourceDoors", SourceDoors.class);
        // a missing "Read comments" capability is asked about again after ten polls, not at every one
        Duration pause = settings.poll().multipliedBy(10);
        context.getRegistry().bind("commentsReader", new CommentsReader(backgroundDoors, rows, tables, schema, settings.rescan(), pause,
                new BotIdentity(background), Clock.systemUTC()));
        context.getRegistry().bind("commentPoster", new CommentPoster(foregroundDoors, rows, tables,
                AreaConfiguration.bean(context, "deadLetterChannel", DeadLetterChannel.class), new BotIdentity(foreground),
                push.maxAttempts(), push.backoffBase()));
    }
}
