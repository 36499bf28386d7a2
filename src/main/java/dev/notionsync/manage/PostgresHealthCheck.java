package dev.notionsync.manage;

import dev.notionsync.store.Database;
import java.sql.Connection;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** DOWN while PostgreSQL cannot be reached: nothing can be synced then. */
public final class PostgresHealthCheck extends AbstractHealthCheck {

    private final DataSource dataSource;
    private final String displayUrl;

    public PostgresHealthCheck(Database database) {
        super("notion-sync", "postgres");
        this.dataSource = database.dataSource();
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
        try (Connection c = dataSource.getConnection()) {
            if (c.isValid(2)) {
                builder.up();
            } else {
                builder.message("PostgreSQL at " + displayUrl + " did not answer").down();
            }
        } catch (Exception e) {
            builder.message("PostgreSQL at " + displayUrl + " is unreachable: " + e.getMessage()).down();
        }
    }
}
