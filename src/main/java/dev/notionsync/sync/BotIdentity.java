package dev.notionsync.sync;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;

/** This integration's bot user id (GET /v1/users/me), read once: it authors every comment the engine posts. */
public final class BotIdentity {

    private final NotionApi notion;
    private volatile String id;

    public BotIdentity(NotionApi notion) {
        this.notion = notion;
    }

    /** The bot's id; null while Notion could not be asked (asked again next time). */
    public String id() {
        if (id == null) {
            try {
                id = notion.call(NotionRequest.get("/v1/users/me")).path("id").asText(null);
            } catch (NotionApiException e) {
                return null;
            }
        }
        return id;
    }
}
