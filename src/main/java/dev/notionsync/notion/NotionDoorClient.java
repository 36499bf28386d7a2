package dev.notionsync.notion;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * Java's way into the Notion door: every call is sent through {@code direct:notion-api}, so it shares its connection's
 * throttle, circuit breaker and retries with the YAML flows. There is no other HTTP client to Notion.
 */
public final class NotionDoorClient implements NotionApi {

    public static final String DOOR = "direct:notion-api";
    /** The door's background lane (content, comments, users): see {@link DoorLanes}. */
    public static final String BACKGROUND_DOOR = "direct:notion-api-background";

    private final ProducerTemplate producer;
    private final String door;

    /** The foreground client. */
    public NotionDoorClient(ProducerTemplate producer) {
        this(producer, DOOR);
    }

    public NotionDoorClient(ProducerTemplate producer, String door) {
        this.producer = producer;
        this.door = door;
    }

    @Override
    public JsonNode call(NotionRequest request) {
        Exchange result = producer.send(door, exchange -> exchange.setProperty(NotionRequest.PROPERTY, request));
        Exception failure = result.getException();
        if (failure instanceof NotionApiException notion) {
            throw notion;
        }
        if (failure instanceof CallNotPermittedException) {
            throw new NotionUnavailableException(request.endpoint(), 0, "circuit_open", "the circuit breaker is open for connection "
                    + request.connectionName() + " after repeated Notion failures; its calls resume when it half-opens", null);
        }
        if (failure instanceof NotionConnections.UnknownConnectionException unknown) {
            throw unknown;
        }
        if (failure != null) {
            throw new NotionUnavailableException(request.endpoint(), 0, "unreachable",
                    failure.getClass().getSimpleName() + ": " + failure.getMessage(), null);
        }
        return result.getMessage().getBody(JsonNode.class);
    }
}
