package dev.notionsync.notion;

/** 429 rate_limited or 529 service_overload: wait Retry-After, then try again. */
public final class NotionRateLimitedException extends NotionApiException {

    /** additional_data.rate_limit_reason of Notion's per-workspace limit, shared by every connection of the workspace. */
    public static final String WORKSPACE_LIMIT = "public_api_space_request_rate_limit";

    private final Long retryAfterSeconds;
    private final String reason;

    public NotionRateLimitedException(String endpoint, int status, String code, String message, String requestId, Long retryAfterSeconds) {
        this(endpoint, status, code, message, requestId, retryAfterSeconds, null);
    }

    public NotionRateLimitedException(String endpoint, int status, String code, String message, String requestId, Long retryAfterSeconds,
                                      String reason) {
        super(endpoint, status, code, reason == null ? message : message + " (rate_limit_reason " + reason + ")", requestId);
        this.retryAfterSeconds = retryAfterSeconds;
        this.reason = reason;
    }

    /** Notion's Retry-After in whole seconds, or null when the answer had none. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** Which limit was hit (additional_data.rate_limit_reason), or null when Notion did not say. */
    public String reason() {
        return reason;
    }
}
