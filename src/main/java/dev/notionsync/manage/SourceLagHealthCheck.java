package dev.notionsync.manage;

import dev.notionsync.store.SyncRuns;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import javax.sql.DataSource;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness: every pulled source has completed a run within {@code maxLag}, and no source's last run failed with an
 * error retrying cannot fix (Notion answered 400, 401, 403 or 404: a wrong id, a database no longer shared, a bad
 * token), which makes the instance not ready at once. Runs that keep failing for other reasons (Notion down, the
 * breaker open) make it not ready once the source falls behind; liveness is unaffected.
 */
public final class SourceLagHealthCheck extends AbstractHealthCheck {

    private final SyncRuns runs;
    private final List<String> sources;
    private final Duration maxLag;
    private final long startedAt = System.currentTimeMillis();

    public SourceLagHealthCheck(DataSource dataSource, List<String> sources, Duration maxLag) {
        super("notion-sync", "source-lag");
        this.runs = new SyncRuns(dataSource);
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
        List<String> failing = new ArrayList<>();
        try {
            for (String source : sources) {
                OptionalLong seconds = runs.secondsSinceLastOkPull(source);
                builder.detail("source." + source + ".seconds.since.last.run", seconds.isEmpty() ? "never" : String.valueOf(seconds.getAsLong()));
                boolean late = seconds.isEmpty() ? System.currentTimeMillis() - startedAt > maxLag.toMillis() : seconds.getAsLong() > maxLag.getSeconds();
                if (late) {
                    behind.add(source);
                }
                Optional<SyncRuns.LastRun> last = runs.lastPull(source);
                if (last.isPresent() && last.get().failedPermanently()) {
                    builder.detail("source." + source + ".failing", last.get().permanentErrorStatus());
                    failing.add(source + ": Notion answered " + last.get().permanentErrorStatus() + " (" + last.get().error() + ")");
                }
            }
        } catch (Exception e) {
            builder.message("cannot read sync runs: " + e.getMessage()).down();
            return;
        }
        List<String> reasons = new ArrayList<>();
        if (!failing.isEmpty()) {
            reasons.add("the last pull failed, and retrying cannot help, for " + String.join("; ", failing));
        }
        if (!behind.isEmpty()) {
            reasons.add("no successful pull within " + maxLag.toSeconds() + " s for " + String.join(", ", behind)
                    + " (see notion_sync.sync_runs for the errors)");
        }
        if (reasons.isEmpty()) {
            builder.up();
        } else {
            builder.message(String.join("; ", reasons)).down();
        }
    }
}
