package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.Users;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the users of a connection's workspace (GET /v1/users, page by page, with that connection) into
 * notion_sync.users, for routes/notion-users.camel.yaml, which refreshes every connection. A listing cut short by a
 * failure still stores the users it read, but marks nobody removed.
 */
public final class UsersRefresh {

    /** GET /v1/users answered 403: the integration lacks the user information capability. */
    public static final class CapabilityMissingException extends RuntimeException {
        CapabilityMissingException(String connection, NotionApiException cause) {
            super("Notion refused to list the workspace's users (403 " + cause.code() + ") to connection " + connection + ": enable the"
                    + " capability \"Read user information including email addresses\" (or \"without email addresses\") in its integration's"
                    + " Capabilities at notion.so/profile/integrations; notion_sync.users keeps the users it had", cause);
        }
    }

    private final NotionApi notion;
    private final Users users;
    private final Clock clock;

    public UsersRefresh(NotionApi notion, Users users, Clock clock) {
        this.notion = notion;
        this.users = users;
        this.clock = clock;
    }

    /** @return what was stored of the connection's users, for the log */
    public String refresh(String connection) {
        List<Users.User> listed = new ArrayList<>();
        String cursor = null;
        try {
            do {
                JsonNode page = notion.on(connection).call(NotionRequest.get("/v1/users", "page_size=100"
                        + (cursor == null ? "" : "&start_cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8))));
                page.path("results").forEach(user -> listed.add(Users.User.of(user)));
                cursor = page.path("has_more").asBoolean() ? page.path("next_cursor").asText(null) : null;
            } while (cursor != null);
        } catch (NotionApiException e) {
            users.store(connection, listed, false, clock.instant());
            throw e.status() == 403 ? new CapabilityMissingException(connection, e) : e;
        } catch (RuntimeException e) {
            users.store(connection, listed, false, clock.instant());
            throw e;
        }
        int removed = users.store(connection, listed, true, clock.instant());
        return listed.size() + " users listed, " + removed + " newly removed";
    }
}
