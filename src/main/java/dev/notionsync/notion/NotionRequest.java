package dev.notionsync.notion;

import java.util.List;

/**
 * One call to the Notion API, as handed to the door route {@code direct:notion-api} in the exchange property
 * {@value #PROPERTY}. {@code body} is JSON text or null; {@code query} is a URL query string without '?', or null.
 * {@code properties} are the property ids whose values the caller needs (null: no choice); the door names them in
 * {@code filter_properties} for versions that return only the title otherwise (see {@link NotionHttp}).
 * {@code connection} names the connection the call goes with (its token, version, budget and breaker; see
 * {@link NotionConnections}); null is the {@value NotionConnections#DEFAULT} connection.
 */
public record NotionRequest(String method, String path, String query, String body, List<String> properties, String connection) {

    public static final String PROPERTY = "notionRequest";

    public NotionRequest(String method, String path, String query, String body) {
        this(method, path, query, body, null, null);
    }

    public NotionRequest(String method, String path, String query, String body, List<String> properties) {
        this(method, path, query, body, properties, null);
    }

    public static NotionRequest get(String path) {
        return new NotionRequest("GET", path, null, null);
    }

    public static NotionRequest get(String path, String query) {
        return new NotionRequest("GET", path, query, null);
    }

    public static NotionRequest post(String path, String body) {
        return new NotionRequest("POST", path, null, body);
    }

    public static NotionRequest patch(String path, String body) {
        return new NotionRequest("PATCH", path, null, body);
    }

    /** The same call, asking for the values of these properties (ids as Notion sends them). */
    public NotionRequest withProperties(List<String> propertyIds) {
        return new NotionRequest(method, path, query, body, List.copyOf(propertyIds), connection);
    }

    public NotionRequest withBody(String newBody) {
        return new NotionRequest(method, path, query, newBody, properties, connection);
    }

    /** The same call, made with this connection's token, version, budget and breaker. */
    public NotionRequest on(String connectionName) {
        return new NotionRequest(method, path, query, body, properties, connectionName);
    }

    /** The connection this call goes with: its own, or the default one. */
    public String connectionName() {
        return connection == null ? NotionConnections.DEFAULT : connection;
    }

    /**
     * Whether sending this request again after a lost answer is harmless: reads (GET, query, search), updates that
     * set values (PATCH of a page or block) and DELETE. A create (POST /v1/pages, databases, comments, file uploads)
     * and a block append (PATCH .../children) are not: Notion may have applied the first one, and a second makes a
     * second page, comment or set of blocks. Such requests are only ever retried when Notion said it did nothing.
     */
    public boolean resendable() {
        return switch (method) {
            case "GET", "DELETE" -> true;
            // a markdown update is never resent by the door: the content push tries again itself, reading the page first,
            // so an edit a person made meanwhile is a conflict, not overwritten (and insert_content would insert twice)
            case "PATCH" -> !path.endsWith("/markdown") && !path.endsWith("/children");
            case "POST" -> path.endsWith("/query") || path.equals("/v1/search");
            default -> false;
        };
    }

    /** Without the body: it may be long, or hold secrets (an OAuth code or refresh token). */
    @Override
    public String toString() {
        return "NotionRequest[" + method + " " + path + (query == null ? "" : "?" + query) + (body == null ? "" : ", body of " + body.length() + " chars") + "]";
    }

    /** The endpoint with ids replaced, for metrics and logs: "POST /v1/data_sources/{id}/query". */
    public String endpoint() {
        return method + " " + path.replaceAll("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}", "{id}")
                .replaceAll("/properties/[^/]+", "/properties/{property}");
    }
}
