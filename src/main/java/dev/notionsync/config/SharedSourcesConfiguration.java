package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.store.OAuthConnections;
import dev.notionsync.store.SharedSources;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The discovery engine's one bean (Mode.DISCOVER): the settings of the sources "every data source shared with this
 * connection" adds, for the connections that ask for it. A connection whose data sources cannot be listed now (Notion
 * away, the connection not authorized or revoked) keeps the sources it had: their names are stored.
 */
public final class SharedSourcesConfiguration implements AreaConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SharedSourcesConfiguration.class);

    private final EngineSettings engine;
    private final DataSource dataSource;

    public SharedSourcesConfiguration(EngineSettings engine, DataSource dataSource) {
        this.engine = engine;
        this.dataSource = dataSource;
    }

    /** The connections whose shared data sources become sources: as set, and every OAuth one with notion.oauth.sources = shared. */
    public static boolean wanted(Settings settings) {
        return settings.get("notion.oauth.sources", "none").trim().equalsIgnoreCase("shared")
                || settings.get("notion.api.sources", "none").trim().equalsIgnoreCase("shared")
                || settings.keysUnder("notion.connection.").stream().anyMatch(key -> key.endsWith(".sources")
                && settings.get(key).trim().equalsIgnoreCase("shared"));
    }

    @Override
    public void configure(CamelContext context) {
        context.getRegistry().bind("sharedSources", this);
    }

    /** The settings to add: each new source's .id and .connection, and notion.sources with their names appended. */
    public Map<String, String> settings(CamelContext context) throws Exception {
        NotionApi notion = AreaConfiguration.bean(context, "notionApi", NotionApi.class);
        SharedSources names = new SharedSources(dataSource);
        SharedSourceDiscovery discovery = new SharedSourceDiscovery(notion, names);
        Set<String> connections = new LinkedHashSet<>();
        engine.notion().connections().stream().filter(NotionApiSettings.Connection::shared).forEach(c -> connections.add(c.name()));
        if (engine.settings().get("notion.oauth.sources", "none").trim().equalsIgnoreCase("shared")) {
            new OAuthConnections(dataSource).all().stream().filter(c -> !c.revoked()).forEach(c -> connections.add(c.name()));
        }
        Set<String> configuredIds = new LinkedHashSet<>();
        Set<String> sourceNames = new LinkedHashSet<>();
        // a discovered source's name is its table too: it may be neither the name nor the table of a source of the settings
        Set<String> taken = new LinkedHashSet<>();
        engine.sync().sources().forEach(source -> {
            sourceNames.add(source.name());
            taken.add(source.name().toLowerCase(Locale.ROOT).replace('-', '_'));
            taken.add(source.table().toLowerCase(Locale.ROOT));
            if (source.notionId() != null) {
                configuredIds.add(source.notionId().replace("-", "").toLowerCase(Locale.ROOT));
            }
        });
        Map<String, String> added = new LinkedHashMap<>();
        for (String connection : connections) {
            Map<String, String> found;
            try {
                found = discovery.discover(connection, configuredIds, taken);
            } catch (Exception e) {
                LOG.warn("connection {}: its shared data sources could not be listed ({}); the sources found before are kept", connection, e.getMessage());
                found = new LinkedHashMap<>();
                for (Map.Entry<String, String> known : names.names(connection).entrySet()) {
                    if (taken.contains(known.getValue()) || configuredIds.contains(known.getKey().replace("-", "").toLowerCase(Locale.ROOT))) {
                        continue;   // a source of the settings has its name, its table or its data source now
                    }
                    found.put("notion.source." + known.getValue() + ".id", known.getKey());
                    found.put("notion.source." + known.getValue() + ".connection", connection);
                }
            }
            added.putAll(found);
            found.keySet().stream().filter(k -> k.endsWith(".id")).forEach(k ->
                    sourceNames.add(k.substring("notion.source.".length(), k.length() - ".id".length())));
        }
        List<String> all = new ArrayList<>(sourceNames);
        added.put("notion.sources", String.join(",", all));
        return added;
    }
}
