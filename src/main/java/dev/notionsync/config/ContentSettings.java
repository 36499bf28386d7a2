package dev.notionsync.config;

import dev.notionsync.sync.ContentMode;
import dev.notionsync.sync.SourceSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * notion.source.&lt;name&gt;.content and notion.content.*: which sources sync their pages' bodies, and how the content
 * worker (routes/notion-content.camel.yaml) runs.
 *
 * @param modes           per source name, its content mode (sources without content are absent)
 * @param poll            how often the worker looks for pages whose content is due
 * @param blocksDepth     in blocks mode, how many levels of nested blocks are read (1: the page's own blocks only)
 * @param retryUnreadable how long a page Notion would not give is left alone, unless it is edited or a webhook names it
 */
public record ContentSettings(Map<String, ContentMode> modes, Duration poll, int blocksDepth, Duration retryUnreadable) {

    /** PostgreSQL cuts longer identifiers silently: a content table name must fit, or two tables could share one name. */
    static final int MAX_IDENTIFIER_BYTES = 63;

    public static ContentSettings of(Settings settings, List<SourceSettings> sources) {
        Map<String, ContentMode> modes = new LinkedHashMap<>();
        for (SourceSettings source : sources) {
            String key = "notion.source." + source.name() + ".content";
            String value = settings.get(key, "none");
            ContentMode mode = ContentMode.parse(value);
            if (mode == null) {
                throw new SettingsException("setting " + key + " (environment " + Settings.environmentName(key)
                        + ") must be none, markdown or blocks, was '" + value.trim() + "'");
            }
            if (source.bound()) {
                String column = source.binding().contentColumn();
                if (column == null && mode != ContentMode.NONE) {
                    throw new SettingsException("setting " + key + ": source '" + source.name() + "' binds " + source.binding().qualifiedName()
                            + " (mode = bind), whose pages' bodies are kept in a column of that table: set notion.source." + source.name()
                            + ".content-column = <a text column of " + source.binding().qualifiedName() + "> instead");
                }
                if (column != null && mode == ContentMode.BLOCKS) {
                    throw new SettingsException("setting " + key + ": source '" + source.name() + "' keeps its pages' bodies in column " + column
                            + " of " + source.binding().qualifiedName() + " as markdown; blocks mode is for mirror sources. Remove the setting");
                }
                if (column != null) {
                    mode = ContentMode.MARKDOWN;   // content-column: the body as markdown, read into the shadow mirror's content table
                }
            }
            if (mode == ContentMode.NONE) {
                continue;
            }
            modes.put(source.name(), mode);
        }
        checkTableNames(modes, sources);
        int depth = settings.getInt("notion.content.blocks-depth");
        if (depth < 1) {
            throw new SettingsException("setting notion.content.blocks-depth must be at least 1 (the page's own blocks), was " + depth);
        }
        Duration poll = settings.getDuration("notion.content.poll");
        if (poll.isZero() || poll.isNegative()) {
            throw new SettingsException("setting notion.content.poll must be above 0, was " + settings.get("notion.content.poll"));
        }
        return new ContentSettings(Map.copyOf(modes), poll, depth, settings.getDuration("notion.content.retry-unreadable"));
    }

    /** The source's mode; NONE when it syncs no content. */
    public ContentMode mode(String source) {
        return modes.getOrDefault(source, ContentMode.NONE);
    }

    public boolean any() {
        return !modes.isEmpty();
    }

    /**
     * A source's content tables sit beside its mirror table in the mirror schema: {@code <table>_content} and, in
     * blocks mode, {@code <table>_blocks}. Refused at start when one would be another source's table (or another content
     * table), or longer than PostgreSQL keeps.
     */
    static void checkTableNames(Map<String, ContentMode> modes, List<SourceSettings> sources) {
        Map<String, String> owners = new HashMap<>();
        for (SourceSettings source : sources) {
            owners.put(source.table(), "the mirror table of source '" + source.name() + "'");
        }
        for (SourceSettings source : sources) {
            ContentMode mode = modes.get(source.name());
            if (mode == null) {
                continue;
            }
            List<String> tables = mode == ContentMode.BLOCKS
                    ? List.of(source.table() + "_content", source.table() + "_blocks") : List.of(source.table() + "_content");
            for (String table : tables) {
                String key = "notion.source." + source.name() + ".content";
                if (table.getBytes(StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
                    throw new SettingsException("setting " + key + ": the content table " + table + " would be longer than PostgreSQL's "
                            + MAX_IDENTIFIER_BYTES + " bytes; give source '" + source.name() + "' a shorter notion.source." + source.name() + ".table");
                }
                String other = owners.putIfAbsent(table, "the content table of source '" + source.name() + "'");
                if (other != null) {
                    throw new SettingsException("setting " + key + ": source '" + source.name() + "' would keep its page content in table "
                            + table + ", which is " + other + "; rename one of them with notion.source.<name>.table");
                }
            }
        }
    }

    /** The content route's placeholders: whether it starts (some source syncs content) and its timer's period. */
    static Map<String, String> camelSettings(Settings settings) {
        ContentSettings content = of(settings, SyncSettings.sources(settings));
        return Map.of("notion.content.enabled", String.valueOf(content.any()),
                "notion.content.period", String.valueOf(content.poll().toMillis()));
    }
}
