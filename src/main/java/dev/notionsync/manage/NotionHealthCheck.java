package dev.notionsync.manage;

import dev.notionsync.notion.NotionAccess;
import dev.notionsync.notion.NotionApiException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** DOWN when Notion refuses our token or sharing (401/403), or when the door's circuit breaker is open. */
public final class NotionHealthCheck extends AbstractHealthCheck {

    private final NotionAccess access;
    private final CircuitBreaker breaker;

    public NotionHealthCheck(NotionAccess access, CircuitBreaker breaker) {
        super("notion-sync", "notion");
        this.access = access;
        this.breaker = breaker;
    }

    /** Readiness only: restarting the process cannot fix Notion. */
    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        CircuitBreaker.State state = breaker.getState();
        builder.detail("circuit.breaker.state", state.name());
        NotionApiException denied = access.denied();
        if (denied != null) {
            builder.message(denied.status() == 401
                    ? "Notion rejects the token (401): set NOTION_TOKEN to the integration's secret"
                    : "Notion denies access (403): share the databases with the integration and check its capabilities").down();
        } else if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN) {
            builder.message("circuit breaker open: Notion failed repeatedly; calls resume when it half-opens").down();
        } else {
            builder.up();
        }
    }
}
