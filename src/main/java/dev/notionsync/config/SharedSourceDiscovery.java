package dev.notionsync.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.SharedSources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * "Every data source shared with this connection": lists them with Notion's search (through the door, with the
 * connection's token) and makes each a mirror source of its own, as if it were written in the settings:
 * notion.sources gains {@code <connection>_<title>}, with its .id and .connection. The name a data source gets the
 * first time is kept (notion_sync.shared_sources): a database renamed in Notion stays in its table.
 */
public final class SharedSourceDiscovery {

    private static final Logger LOG = LoggerFactory.getLogger(SharedSourceDiscovery.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Room for the longest table name made from a source (its mirror and "_comments") within PostgreSQL's 63 bytes. */
    static final int MAX_NAME = 48;

    private final NotionApi notion;
    private final SharedSources names;

    public SharedSourceDiscovery(NotionApi notion, SharedSources names) {
        this.notion = notion;
        this.names = names;
    }

    /** One data source shared with a connection: its id, its database's id and its title. */
    record Shared(String id, String databaseId, String title) {
    }

    /**
     * The settings that add a source for each data source shared with {@code connection} but not already configured
     * (by id) in {@code configuredIds}: notion.source.&lt;name&gt;.id and .connection; the caller appends the names to
     * notion.sources. {@code takenNames}: the names and the tables of the sources of the settings (lower case, '-' as
     * '_'), which no discovered source may have (its table is its name).
     */
    public Map<String, String> discover(String connection, Set<String> configuredIds, Set<String> takenNames) throws Exception {
        Map<String, String> known = names.names(connection);
        Map<String, String> settings = new LinkedHashMap<>();
        Set<String> taken = new HashSet<>(takenNames);
        for (Shared shared : list(connection)) {
            if (configuredIds.contains(compact(shared.id())) || shared.databaseId() != null && configuredIds.contains(compact(shared.databaseId()))) {
                continue;   // a source of the settings reads it already
            }
            String name = known.get(shared.id());
            if (name == null) {
                name = sourceName(connection, shared.title());
                if (taken.contains(name) || names.taken(name)) {
                    name = withIdSuffix(sourceName(connection, shared.title()), shared.id());
                }
            }
            // the name it has: another engine on the database may have named it meanwhile
            name = names.listed(connection, shared.id(), name, shared.title());
            if (takenNames.contains(name)) {
                LOG.warn("connection {}: data source '{}' ({}) shared with it is not synced: its source name {} is the name or table of a"
                        + " source of the settings; rename that source", connection, shared.title(), shared.id(), name);
                continue;
            }
            taken.add(name);
            settings.put("notion.source." + name + ".id", shared.id());
            settings.put("notion.source." + name + ".connection", connection);
            LOG.info("connection {}: data source '{}' ({}) shared with it is synced as source {}", connection, shared.title(), shared.id(), name);
        }
        return settings;
    }

    /** Every data source the connection's token can read, page by page. */
    List<Shared> list(String connection) {
        List<Shared> shared = new ArrayList<>();
        String cursor = null;
        NotionApi door = notion.on(connection);
        do {
            ObjectNode body = JSON.createObjectNode();
            body.putObject("filter").put("property", "object").put("value", "data_source");
            body.put("page_size", 100);
            if (cursor != null) {
                body.put("start_cursor", cursor);
            }
            JsonNode answer = door.call(NotionRequest.post("/v1/search", body.toString()));
            for (JsonNode result : answer.path("results")) {
                if ("data_source".equals(result.path("object").asText()) && !result.path("in_trash").asBoolean(false)) {
                    StringBuilder title = new StringBuilder();
                    result.path("title").forEach(part -> title.append(part.path("plain_text").asText("")));
                    shared.add(new Shared(result.path("id").asText(), result.path("parent").path("database_id").asText(null), title.toString()));
                }
            }
            cursor = answer.path("has_more").asBoolean(false) ? answer.path("next_cursor").asText(null) : null;
        } while (cursor != null);
        return shared;
    }

    /**
     * {@code <connection>_<title>} in lower case letters, digits and '_' (a source name, a table name and part of an
     * environment variable's name), at most {@value #MAX_NAME} characters; a title with no such character gives
     * "data_source".
     */
    static String sourceName(String connection, String title) {
        String owner = slug(connection, 16);
        owner = owner.isEmpty() ? "connection" : owner;
        String part = slug(title == null ? "" : title, MAX_NAME - owner.length() - 1 - 7);
        return owner + "_" + (part.isEmpty() ? "data_source" : part);
    }

    /** A name two data sources would share, made unique with the start of the data source's id. */
    static String withIdSuffix(String name, String id) {
        return name + "_" + compact(id).substring(0, 6);
    }

    /** Letters (accents dropped), digits and '_', lower case, no '_' at either end or twice, at most {@code max}. */
    static String slug(String text, int max) {
        String plain = Normalizer.normalize(text, Normalizer.Form.NFKD).replaceAll("\\p{M}", "").toLowerCase(Locale.ROOT);
        String slug = plain.replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        if (slug.length() > max) {
            slug = slug.substring(0, max).replaceAll("_+$", "");
        }
        return slug;
    }

    private static String compact(String id) {
        return id.replace("-", "").toLowerCase(Locale.ROOT);
    }
}
