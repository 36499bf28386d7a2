package dev.notionsync.notion;

import java.util.concurrent.atomic.AtomicReference;

/** Whether the last answer said our token or sharing is wrong (401/403); any successful call clears it. */
public final class NotionAccess {

    private final AtomicReference<NotionApiException> denied = new AtomicReference<>();

    public void recordSuccess() {
        denied.set(null);
    }

    public void recordDenied(NotionApiException e) {
        denied.set(e);
    }

    /** The 401/403 that made access fail, or null while access works. */
    public NotionApiException denied() {
        return denied.get();
    }
}
