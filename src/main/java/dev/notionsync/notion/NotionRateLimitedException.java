package dev.notionsync.notion;

/** 429 rate_limited or 529 service_overload: wait Retry-After, then try again. */
public final class NotionRateLimitedException extends NotionApiException {

    private final Long retryAfterSeconds;

    public NotionRateLimitedException(String endpoint, int status, String code, String message, String requestId, Long retryAfterSeconds) {
        super(endpoint, status, code, message, requestId);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Notion's Retry-After in whole seconds, or null when the answer had none. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
