package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.Conflicts;
import dev.notionsync.store.PageContentPushes;
import dev.notionsync.store.PageContents;
import dev.notionsync.sync.ConflictJudge;
import dev.notionsync.sync.ContentMode;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.PageContentPush;
import dev.notionsync.sync.SourceSettings;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * Page content edited in PostgreSQL (routes/notion-content-push.camel.yaml): the sources whose content is pushed
 * (notion.source.&lt;name&gt;.content = markdown and direction push or both), what the content tables' trigger allows
 * (notion_sync.content_sources, written at every start), and the pusher, on the door's foreground lane.
 */
public final class ContentPushConfiguration implements AreaConfiguration {

    static final String ALLOW_DELETING = "notion.content.allow-deleting-pages";

    private final Settings settings;
    private final ContentSettings content;
    private final PushSettings push;
    private final List<SourceSettings> sources;
    private final DataSource dataSource;
    private final NotionMetrics metrics;

    public ContentPushConfiguration(Settings settings, ContentSettings content, PushSettings push, List<SourceSettings> sources, DataSource dataSource,
                                    NotionMetrics metrics) {
        this.settings = settings;
        this.content = content;
        this.push = push;
        this.sources = sources;
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    /** The content sources whose edits of markdown go to Notion. */
    static List<SourceSettings> pushing(ContentSettings content, List<SourceSettings> sources) {
        List<SourceSettings> pushing = new ArrayList<>();
        for (SourceSettings source : sources) {
            // a bound source's body is edited in its content column; the bound push hands such edits to this push
            if (content.mode(source.name()) == ContentMode.MARKDOWN && source.pushes()) {
                pushing.add(source);
            }
        }
        return pushing;
    }

    /** notion.content.allow-deleting-pages: whether an edit may delete the page's child pages and databases (default false). */
    static boolean allowDeletingPages(Settings settings) {
        String value = settings.get(ALLOW_DELETING, "false").trim().toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new SettingsException("setting " + ALLOW_DELETING + " (environment " + Settings.environmentName(ALLOW_DELETING)
                    + ") must be true or false, was '" + value + "'");
        }
        return value.equals("true");
    }

    /** The route's placeholders: whether it starts (some source pushes content) and its timer's period (notion.push.poll). */
    static Map<String, String> camelSettings(Settings settings) {
        List<SourceSettings> sources = SyncSettings.sources(settings);
        boolean any = !pushing(ContentSettings.of(settings, sources), sources).isEmpty();
        allowDeletingPages(settings);
        return Map.of("notion.content.push-enabled", String.valueOf(any),
                "notion.content.push-period", String.valueOf(PushSettings.of(settings).poll().toMillis()));
    }

    @Override
    public void configure(CamelContext context) {
        Map<String, Boolean> pushes = new LinkedHashMap<>();
        Map<String, String> modes = new LinkedHashMap<>();
        Map<String, String> boundColumns = new LinkedHashMap<>();
        List<SourceSettings> pushing = pushing(content, sources);
        for (SourceSettings source : sources) {
            ContentMode mode = content.mode(source.name());
            if (mode != ContentMode.NONE) {
                modes.put(source.name(), mode.setting());
                pushes.put(source.name(), pushing.contains(source));
                if (source.bound()) {
                    boundColumns.put(source.name(), source.binding().qualifiedName() + "." + source.binding().contentColumn());
                }
            }
        }
        PageContentPushes store = new PageContentPushes(dataSource);
        try {
            store.register(pushes, modes, boundColumns);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record which sources push page content: " + e.getMessage(), e);
        }
        NotionApi foreground = AreaConfiguration.bean(context, "notionApi", NotionApi.class);
        MirrorTables mirrors = AreaConfiguration.bean(context, "mirrorTables", MirrorTables.class);
        context.getRegistry().bind("pageContentPush", new PageContentPush(foreground, mirrors, new PageContents(dataSource), store, pushing,
                new ConflictJudge(new Conflicts(dataSource), metrics), AreaConfiguration.bean(context, "deadLetterChannel", DeadLetterChannel.class),
                metrics, allowDeletingPages(settings), push.maxAttempts(), push.backoffBase()));
    }
}
