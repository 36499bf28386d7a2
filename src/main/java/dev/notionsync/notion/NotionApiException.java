package dev.notionsync.notion;

/**
 * Notion answered with an error, or could not be reached. Carries what an operator needs to act on it and what
 * Notion support asks for: the HTTP status, Notion's error code, its message and the request id.
 */
public class NotionApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final String requestId;
    private final String endpoint;
    /** additional_data.block_limit of a 403: the Free plan's workspace block limit refused a write that creates blocks. */
    private String blockLimit;

    public NotionApiException(String endpoint, int status, String code, String message, String requestId) {
        this(endpoint, status, code, message, requestId, null, null);
    }

    /**
     * @param connection   the connection the call went with (null: the default one), named in the advice of a 401/403/404
     * @param tokenSetting what sets that connection's token (null: NOTION_TOKEN), named in the advice of a 401
     */
    public NotionApiException(String endpoint, int status, String code, String message, String requestId, String connection,
                              String tokenSetting) {
        super(describe(endpoint, status, code, message, requestId, connection, tokenSetting));
        this.status = status;
        this.code = code;
        this.requestId = requestId;
        this.endpoint = endpoint;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String requestId() {
        return requestId;
    }

    public String endpoint() {
        return endpoint;
    }

    /** additional_data.block_limit (e.g. "block_creation"): the workspace's Free plan block limit; null otherwise. */
    public String blockLimit() {
        return blockLimit;
    }

    NotionApiException withBlockLimit(String limit) {
        this.blockLimit = limit;
        return this;
    }

    /** Worth retrying: rate limits (429, 529), Notion's 5xx, save conflicts (409 conflict_error), timeouts. */
    public boolean isTransient() {
        return this instanceof NotionUnavailableException || this instanceof NotionRateLimitedException;
    }

    /** Builds the exception that fits the status: rate limited, unavailable (retryable) or a permanent error. */
    public static NotionApiException of(String endpoint, int status, String code, String message, String requestId, Long retryAfterSeconds) {
        return of(endpoint, status, code, message, requestId, retryAfterSeconds, null);
    }

    /** @param rateLimitReason a 429's additional_data.rate_limit_reason, or null */
    public static NotionApiException of(String endpoint, int status, String code, String message, String requestId, Long retryAfterSeconds,
                                        String rateLimitReason) {
        return of(endpoint, status, code, message, requestId, retryAfterSeconds, rateLimitReason, null, null);
    }

    /**
     * @param connection   the connection the call went with, named in the advice of a 401/403/404 (null: the default one)
     * @param tokenSetting what sets that connection's token, named in the advice of a 401 (null: NOTION_TOKEN)
     */
    public static NotionApiException of(String endpoint, int status, String code, String message, String requestId, Long retryAfterSeconds,
                                        String rateLimitReason, String connection, String tokenSetting) {
        if (status == 429 || status == 529) {
            return new NotionRateLimitedException(endpoint, status, code, message, requestId, retryAfterSeconds, rateLimitReason);
        }
        if (status >= 500 || status == 0 || (status == 409 && "conflict_error".equals(code))) {
            return new NotionUnavailableException(endpoint, status, code, message, requestId);
        }
        return new NotionApiException(endpoint, status, code, message, requestId, connection, tokenSetting);
    }

    /** The token is wrong (401) or the integration lacks access (403). Retrying cannot help. */
    public boolean isAuthorizationFailure() {
        return status == 401 || status == 403;
    }

    private static String describe(String endpoint, int status, String code, String message, String requestId, String connection,
                                    String tokenSetting) {
        String integration = connection == null || connection.equals(NotionConnections.DEFAULT) ? "the integration"
                : "the integration of connection " + connection;
        StringBuilder text = new StringBuilder("Notion ").append(endpoint).append(" failed: ").append(status);
        if (code != null && !code.isBlank()) {
            text.append(' ').append(code);
        }
        if (message != null && !message.isBlank()) {
            text.append(": ").append(message);
        }
        if (status == 401) {
            text.append(" (").append(connection == null || connection.equals(NotionConnections.DEFAULT) ? "" : "connection " + connection + ": ")
                    .append("check ").append(tokenSetting == null ? "NOTION_TOKEN" : tokenSetting).append(": it must be the integration's secret)");
        } else if (status == 403 || status == 404) {
            text.append(" (is the database shared with ").append(integration).append("? Open it in Notion, ... > Connections)");
        }
        if (requestId != null && !requestId.isBlank()) {
            text.append(" [request_id ").append(requestId).append(']');
        }
        return text.toString();
    }
}
