package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.mapping.NulText;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a source's configured Notion id to its data source objects (schemas). The id may be a data source id
 * (used as it is) or a database id (resolved to every data source of the database).
 */
public final class DataSources {

    private final NotionApi notion;

    public DataSources(NotionApi notion) {
        this.notion = notion;
    }

    /** The same, with calls made with this connection (a source's). */
    public DataSources on(String connection) {
        return new DataSources(notion.on(connection));
    }

    /**
     * The data source objects of the configured id, with NUL characters replaced: property names are stored in the
     * column catalog (text), where a NUL would stop the source.
     */
    public List<JsonNode> resolve(String sourceName, String notionId) {
        return read(sourceName, notionId).stream().map(d -> NulText.clean(d).node()).toList();
    }

    private List<JsonNode> read(String sourceName, String notionId) {
        try {
            return List.of(notion.call(NotionRequest.get("/v1/data_sources/" + notionId)));
        } catch (NotionApiException e) {
            if (e.status() != 404 && e.status() != 400) {
                throw e;
            }
        }
        JsonNode database = notion.call(NotionRequest.get("/v1/databases/" + notionId));
        List<JsonNode> result = new ArrayList<>();
        for (JsonNode ref : database.path("data_sources")) {
            result.add(notion.call(NotionRequest.get("/v1/data_sources/" + ref.path("id").asText())));
        }
        if (result.isEmpty()) {
            throw new IllegalStateException("Notion database " + notionId + " of source '" + sourceName + "' has no data sources");
        }
        return result;
    }
}
