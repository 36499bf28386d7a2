package dev.notionsync.notion;

/** Notion or the way to it failed for now (5xx, timeout, dropped connection, 409 conflict_error): back off and retry. */
public final class NotionUnavailableException extends NotionApiException {

    public NotionUnavailableException(String endpoint, int status, String code, String message, String requestId) {
        super(endpoint, status, code, message, requestId);
    }
}
