package dev.notionsync.sync;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionConnections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Notion door as each source uses it: every call made for a source goes with the source's connection
 * (notion.source.&lt;name&gt;.connection), so with its token, Notion-Version, budget and breaker.
 */
public final class SourceDoors {

    private final NotionApi notion;
    private final Map<String, String> connections = new HashMap<>();

    public SourceDoors(NotionApi notion, List<SourceSettings> sources) {
        this.notion = notion;
        sources.forEach(source -> connections.put(source.name(), source.connection()));
    }

    /** The door for calls made for this source; null, or a name that is no configured source, goes with the default connection. */
    public NotionApi of(String source) {
        return notion.on(connection(source));
    }

    /** The connection of a source; the default one for a name that is no configured source. */
    public String connection(String source) {
        return connections.getOrDefault(source, NotionConnections.DEFAULT);
    }
}
