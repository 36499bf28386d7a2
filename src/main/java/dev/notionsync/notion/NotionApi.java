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
}
