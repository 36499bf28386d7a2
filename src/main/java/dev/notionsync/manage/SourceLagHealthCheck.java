package dev.notionsync.manage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness: every pulled source has completed a run within {@code maxLag}. A source whose runs keep failing
 * (Notion down, a bad token, the breaker open) falls behind and makes the instance not ready; liveness is unaffected.
 */
public final class SourceLagHealthCheck extends AbstractHealthCheck {

    private final DataSource dataSource;
    private final List<String> sources;
    private final Duration maxLag;
    private final long startedAt = System.currentTimeMillis();

    public SourceLagHealthCheck(DataSource dataSource, List<String> sources, Duration maxLag) {
        super("notion-sync", "source-lag");
        this.dataSource = dataSource;
        this.sources = sources;
        this.maxLag = maxLag;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<String> behind = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT extract(epoch FROM now() - max(finished_at)) FROM notion_sync.sync_runs"
                     + " WHERE source = ? AND kind = 'pull' AND outcome = 'ok'")) {
            for (String source : sources) {
                ps.setString(1, source);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    double seconds = rs.getDouble(1);
                    boolean never = rs.wasNull();
                    builder.detail("source." + source + ".seconds.since.last.run", never ? "never" : String.valueOf((long) seconds));
                    boolean late = never ? System.currentTimeMillis() - startedAt > maxLag.toMillis() : seconds > maxLag.getSeconds();
                    if (late) {
                        behind.add(source);
                    }
                }
            }
        } catch (Exception e) {
            builder.message("cannot read sync runs: " + e.getMessage()).down();
            return;
        }
        if (behind.isEmpty()) {
            builder.up();
        } else {
            builder.message("no successful pull within " + maxLag.toSeconds() + " s for " + String.join(", ", behind)
                    + " (see notion_sync.sync_runs for the errors)").down();
        }
    }
}
