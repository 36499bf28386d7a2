package dev.notionsync.manage;

import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionConnection;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * One connection's line in health (notion-&lt;connection&gt;): DOWN when Notion refuses its token or sharing (401/403),
 * or when its door's circuit breaker is open. Says which connection, and what to set; never shows the token.
 */
public final class NotionHealthCheck extends AbstractHealthCheck {

    private final NotionConnection connection;

    public NotionHealthCheck(NotionConnection connection) {
        super("notion-sync", "notion-" + connection.name());
        this.connection = connection;
    }

    /** Readiness only: restarting the process cannot fix Notion. */
    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        CircuitBreaker.State state = connection.breaker().getState();
        builder.detail("connection", connection.name());
        builder.detail("circuit.breaker.state", state.name());
        NotionApiException denied = connection.access().denied();
        if (denied != null) {
            builder.message(denied.status() == 401
                    ? "Notion rejects the token of connection " + connection.name() + " (401): set " + connection.tokenSetting()
                            + " to the integration's secret"
                    : "Notion denies connection " + connection.name() + " access (403): share the databases with its integration (token "
                            + connection.tokenSetting() + ") and check the integration's capabilities").down();
        } else if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN) {
            builder.message("connection " + connection.name() + ": circuit breaker open: Notion failed repeatedly; its calls resume when it"
                    + " half-opens").down();
        } else {
            builder.message("connection " + connection.name() + ": ok").up();
        }
    }
}
