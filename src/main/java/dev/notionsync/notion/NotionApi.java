package dev.notionsync.notion;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One call to Notion and its answer. The engine's only implementation is {@link NotionDoorClient} (through the door
 * route, with its throttle, breaker and retries); unit tests use an in-memory one.
 */
public interface NotionApi {

    /**
     * @return Notion's answer
     * @throws NotionApiException Notion answered with an error (after the door's retries)
     * @throws NotionUnavailableException Notion could not be reached, or the breaker is open
     */
    JsonNode call(NotionRequest request);

    /**
     * The same door, for calls made with {@code connection} (its token, Notion-Version, budget and breaker). A request
     * that names its connection already keeps it: the innermost choice wins.
     */
    default NotionApi on(String connection) {
        NotionApi door = this;
        return request -> door.call(request.connection() == null ? request.on(connection) : request);
    }
}
