package dev.notionsync.manage;

import dev.notionsync.store.Database;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** DOWN while PostgreSQL cannot be reached: nothing can be synced then. */
public final class PostgresHealthCheck extends AbstractHealthCheck {

    private final Database database;
    private final String displayUrl;

    public PostgresHealthCheck(Database database) {
        super("notion-sync", "postgres");
        this.database = database;
        this.displayUrl = database.displayUrl();
    }

    /** Readiness only: restarting the process cannot fix PostgreSQL. */
    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("url", displayUrl);
        try {
            if (database.answers(2)) {
                builder.up();
            } else {
                builder.message("PostgreSQL at " + displayUrl + " did not answer").down();
            }
        } catch (Exception e) {
            builder.message("PostgreSQL at " + displayUrl + " is unreachable: " + e.getMessage()).down();
        }
    }
}
