package dev.notionsync.config;

import dev.notionsync.notion.NotionConnections;
import dev.notionsync.store.ChangeHistory;
import dev.notionsync.sync.Binding;
import dev.notionsync.sync.NotionIds;
import dev.notionsync.sync.PullSettings;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.sync.SourceSettings.ConflictPolicy;
import dev.notionsync.sync.SourceSettings.Direction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * notion.sources, notion.source.&lt;name&gt;.* and notion.sync.*: what is synced, and how the pull reads it; and what
 * each source's table records of its changes (notion.source.&lt;name&gt;.history, notion.change-events).
 */
public record SyncSettings(List<SourceSettings> sources, PullSettings pull, Duration sweep, Map<String, ChangeHistory.Capture> captures) {

    public static SyncSettings of(Settings settings) {
        List<SourceSettings> sources = sources(settings);
        return new SyncSettings(sources,
                new PullSettings(settings.getDuration("notion.sync.overlap"), settings.getDuration("notion.sync.lag"),
                        settings.getInt("notion.sync.page-size"), settings.getDuration("notion.sync.schema-refresh"),
                        settings.getDuration("notion.sync.pull-lease")),
                settings.getDuration("notion.sync.sweep"), captures(settings, sources));
    }

    /** Per source: whether its table keeps history and records change events. */
    static Map<String, ChangeHistory.Capture> captures(Settings settings, List<SourceSettings> sources) {
        boolean events = bool(settings, "notion.change-events", "true");
        Map<String, ChangeHistory.Capture> captures = new LinkedHashMap<>();
        Set<String> tables = new LinkedHashSet<>();
        sources.forEach(source -> tables.add(source.table()));
        for (SourceSettings source : sources) {
            String key = "notion.source." + source.name() + ".history";
            boolean history = bool(settings, key, "false");
            if (history && !source.bound() && tables.contains(ChangeHistory.nameFor(source.table()))) {
                throw new SettingsException("setting " + key + ": source " + source.name() + "'s history table " + ChangeHistory.nameFor(source.table())
                        + " is the table of another source; give one of them another table (notion.source.<name>.table)");
            }
            if (history && (source.bound() ? source.binding().table() : source.table()).length() > 63 - "_history".length()) {
                throw new SettingsException("setting " + key + ": the history table of source " + source.name() + " would be longer than"
                        + " PostgreSQL's 63 bytes; give the source a shorter table name (notion.source." + source.name() + ".table)");
            }
            captures.put(source.name(), new ChangeHistory.Capture(history, events));
        }
        return Map.copyOf(captures);
    }

    private static boolean bool(Settings settings, String key, String defaultValue) {
        String value = settings.get(key, defaultValue).trim().toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new SettingsException("setting " + key + " must be true or false, was '" + value + "'");
        }
        return value.equals("true");
    }

    /** The names of the sources that pull from Notion. */
    public List<String> pulled() {
        return sources.stream().filter(SourceSettings::readsNotion).map(SourceSettings::name).toList();
    }

    public static List<SourceSettings> sources(Settings settings) {
        Duration defaultPoll = settings.getDuration("notion.sync.poll");
        return settings.getList("notion.sources").stream().map(name -> {
            if (!name.matches("[A-Za-z0-9_-]+")) {
                throw new SettingsException("source name '" + name + "' in notion.sources may only use letters, digits, '-' and '_'");
            }
            String prefix = "notion.source." + name + ".";
            String mode = settings.get(prefix + "mode", "mirror").toLowerCase(Locale.ROOT);
            if (!mode.equals("mirror") && !mode.equals("bind")) {
                throw new SettingsException("setting " + prefix + "mode must be mirror or bind, was '" + mode + "'");
            }
            boolean bind = mode.equals("bind");
            String shadow = name.toLowerCase(Locale.ROOT).replace('-', '_');
            Binding binding = bind ? binding(settings, name, shadow) : null;
            if (!bind && !settings.get(prefix + "content-column").isBlank()) {
                throw new SettingsException("setting " + prefix + "content-column is for bound sources (mode = bind); a mirror source keeps its"
                        + " pages' bodies with " + prefix + "content = markdown, in <table>_content");
            }
            String id = bind ? settings.get(prefix + "id")
                    : settings.require(prefix + "id", "the Notion database or data source id of source '" + name + "'");
            // a bound source's .table is the user's table; its mirror (the shadow) is named like the source
            String table = bind ? shadow : settings.get(prefix + "table", shadow);
            Duration poll = settings.getDuration(prefix + "poll", defaultPoll);
            String direction = settings.get(prefix + "direction", bind ? "both" : "pull").toUpperCase(Locale.ROOT);
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
            String connection = settings.get(prefix + "connection").trim();
            connection = connection.isEmpty() ? NotionConnections.DEFAULT : connection;
            if (!connection.matches(NotionConnections.NAME_PATTERN)) {
                throw new SettingsException("setting " + prefix + "connection must name a connection (letters, digits, '-' and '_'),"
                        + " whose token is notion.connection.<name>.token, was '" + connection + "'");
            }
            return new SourceSettings(name, id.isBlank() ? null : notionId(id, prefix + "id"), table, poll, parsedDirection, policy,
                    onDelete.equals("trash"), binding, connection);
        }).toList();
    }

    /**
     * The binding of a bound source: notion.source.&lt;name&gt;.table (the user's table, [schema.]table, default schema
     * public) and the mapping settings beside it.
     */
    static Binding binding(Settings settings, String name, String shadow) {
        String prefix = "notion.source." + name + ".";
        String tableSetting = settings.require(prefix + "table", "the table source '" + name + "' binds (mode = bind), e.g. public.agents");
        List<String> parts = qualifiedName(tableSetting, prefix + "table");
        String schema = parts.size() == 2 ? parts.get(0) : "public";
        String table = parts.get(parts.size() - 1);
        String engineSchema = settings.get("notion.db.schema", "notion");
        if (schema.equals(engineSchema) && table.equals(shadow)) {
            throw new SettingsException("setting " + prefix + "table: " + schema + "." + table + " is the shadow mirror the engine keeps for source '"
                    + name + "' in notion.db.schema; bind a table of your application's schema (e.g. public." + table + ")");
        }
        if (schema.equals("notion_sync")) {
            throw new SettingsException("setting " + prefix + "table: notion_sync is the engine's own schema; bind a table of your application's schema");
        }
        Map<String, String> columns = new LinkedHashMap<>();
        String columnsPrefix = prefix + "columns.";
        for (String key : settings.keysUnder(columnsPrefix)) {
            String column = key.substring(columnsPrefix.length());
            String property = settings.get(key);
            if (column.isEmpty() || property.isBlank()) {
                throw new SettingsException("setting " + key + " must name a column after 'columns.' and a Notion property as its value, e.g. "
                        + columnsPrefix + "display_name = Name");
            }
            columns.put(column, property);
        }
        Set<String> exclude = new LinkedHashSet<>(settings.getList(prefix + "exclude"));
        String title = settings.get(prefix + "title-column");
        if (!title.isBlank() && exclude.contains(title)) {
            throw new SettingsException("setting " + prefix + "title-column names column '" + title + "', which " + prefix + "exclude leaves out");
        }
        String keyProperty = settings.get(prefix + "key-property", "Row key");
        if (keyProperty.isBlank()) {
            throw new SettingsException("setting " + prefix + "key-property must name the property that holds each row's key");
        }
        String onTrash = settings.get(prefix + "on-trash", "unlink").toLowerCase(Locale.ROOT);
        if (!onTrash.equals("delete") && !onTrash.equals("unlink")) {
            throw new SettingsException("setting " + prefix + "on-trash must be delete or unlink, was '" + onTrash + "'");
        }
        String newColumns = settings.get(prefix + "new-columns", "log").toLowerCase(Locale.ROOT);
        if (!newColumns.equals("log") && !newColumns.equals("add")) {
            throw new SettingsException("setting " + prefix + "new-columns must be log or add, was '" + newColumns + "'");
        }
        String as = settings.get(prefix + "as", "auto").toLowerCase(Locale.ROOT);
        if (!as.equals("auto") && !as.equals("relation") && !as.equals("database")) {
            throw new SettingsException("setting " + prefix + "as must be relation or database (unset: relation for a join table), was '" + as + "'");
        }
        String contentColumn = settings.get(prefix + "content-column").trim();
        if (!contentColumn.isEmpty()) {
            if (exclude.contains(contentColumn)) {
                throw new SettingsException("setting " + prefix + "content-column names column '" + contentColumn + "', which " + prefix
                        + "exclude leaves out");
            }
            if (contentColumn.equals(title)) {
                throw new SettingsException("setting " + prefix + "content-column names column '" + contentColumn + "', the title column ("
                        + prefix + "title-column); the page's body needs a column of its own");
            }
            if (columns.containsKey(contentColumn)) {
                throw new SettingsException("setting " + prefix + "content-column names column '" + contentColumn + "', which " + columnsPrefix
                        + contentColumn + " maps to a property; the page's body is no property: remove one of the two settings");
            }
            exclude.add(contentColumn);   // no property holds the body: the column is left out of the property mapping
        }
        String matchColumn = settings.get(prefix + "match-column");
        String matchProperty = settings.get(prefix + "match-property");
        return new Binding(schema, table, columns, exclude, title.isBlank() ? null : title, keyProperty,
                Binding.OnTrash.valueOf(onTrash.toUpperCase(Locale.ROOT)), matchColumn.isBlank() ? null : matchColumn,
                matchProperty.isBlank() ? null : matchProperty, bool(settings, prefix + "match-create-pages"),
                bool(settings, prefix + "match-create-rows"), newColumns.equals("add"), Binding.As.valueOf(as.toUpperCase(Locale.ROOT)),
                contentColumn.isEmpty() ? null : contentColumn);
    }

    private static boolean bool(Settings settings, String key) {
        String value = settings.get(key, "true").toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new SettingsException("setting " + key + " must be true or false, was '" + value + "'");
        }
        return value.equals("true");
    }

    /**
     * [schema.]table as PostgreSQL reads it: an unquoted part folds to lower case, a double-quoted one is taken as it
     * is ("" for a quote inside).
     */
    static List<String> qualifiedName(String text, String setting) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        String value = text.trim();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < value.length() && value.charAt(i + 1) == '"') {
                    part.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    part.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                wasQuoted = true;
            } else if (c == '.') {
                parts.add(wasQuoted ? part.toString() : part.toString().toLowerCase(Locale.ROOT));
                part.setLength(0);
                wasQuoted = false;
            } else {
                part.append(c);
            }
        }
        parts.add(wasQuoted ? part.toString() : part.toString().toLowerCase(Locale.ROOT));
        if (quoted || parts.size() > 2 || parts.stream().anyMatch(String::isBlank)) {
            throw new SettingsException("setting " + setting + " must name a table as table or schema.table (double quotes around a name"
                    + " with capitals or dots), was '" + text + "'");
        }
        return parts;
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
