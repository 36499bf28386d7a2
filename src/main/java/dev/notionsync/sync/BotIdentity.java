package dev.notionsync.sync;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bot user id of each connection's integration (GET /v1/users/me), read once per connection: it authors every
 * page, comment and edit the engine makes with that connection.
 */
public final class BotIdentity {

    private final NotionApi notion;
    private final Map<String, String> ids = new ConcurrentHashMap<>();

    public BotIdentity(NotionApi notion) {
        this.notion = notion;
    }

    /** The bot of a connection; null while Notion could not be asked (asked again next time). */
    public String id(String connection) {
        String id = ids.get(connection);
        if (id == null) {
            try {
                id = notion.on(connection).call(NotionRequest.get("/v1/users/me")).path("id").asText(null);
            } catch (NotionApiException e) {
                return null;
            }
            if (id != null) {
                ids.put(connection, id);
            }
        }
        return id;
    }
}
