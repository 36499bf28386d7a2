package dev.notionsync.manage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionConnection;
import dev.notionsync.notion.NotionConnections;
import dev.notionsync.notion.NotionRateBudget;
import dev.notionsync.store.DashboardQueries;
import dev.notionsync.store.EventsLog;
import dev.notionsync.store.OperatorAudit;
import dev.notionsync.sync.SourceSchedules;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.quartz.SchedulerException;

/**
 * The figures of the operator dashboard, as one JSON object (GET /observe/dashboard.json; the HTML page shows the same
 * object): per source, per connection, the totals, and the latest events and operator actions. The database's figures
 * come from {@link DashboardQueries}, the events log and the audit log; the budgets' use from this instance's doors.
 * Nothing here holds a secret: connections are named, never their tokens.
 */
public final class Dashboard {

    /** Events and audit entries shown. */
    static final int RECENT = 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DashboardQueries queries;
    private final EventsLog events;
    private final OperatorAudit audit;
    private final List<String> sources;
    private final Map<String, String> connectionOf;
    private final NotionConnections connections;
    private final SourceSchedules schedules;

    /**
     * @param sources      the pulled sources, in the order configured
     * @param connectionOf each source's connection (notion.source.&lt;name&gt;.connection)
     * @param connections  the doors of this instance; null where there are none
     */
    public Dashboard(DashboardQueries queries, EventsLog events, OperatorAudit audit, List<String> sources, Map<String, String> connectionOf,
                     NotionConnections connections, SourceSchedules schedules) {
        this.queries = queries;
        this.events = events;
        this.audit = audit;
        this.sources = sources;
        this.connectionOf = connectionOf;
        this.connections = connections;
        this.schedules = schedules;
    }

    public ObjectNode figures() throws Exception {
        ObjectNode all = JSON.createObjectNode().put("generated_at", Instant.now().toString());
        DashboardQueries.Totals totals = queries.totals();
        all.putObject("totals").put("open_dead_letters", totals.openDeadLetters()).put("push_backlog", totals.pushBacklog())
                .put("inbox_backlog", totals.inboxBacklog()).put("conflicts_24h", totals.conflicts24h())
                .put("failed_runs_24h", totals.failedRuns24h()).put("newest_open_dead_letter_at", text(totals.newestOpenDeadLetter()));
        Set<String> paused = paused();
        ArrayNode list = all.putArray("sources");
        for (String source : sources) {
            DashboardQueries.SourceFigures f = queries.source(source);
            ObjectNode node = list.addObject().put("source", source).put("connection", connectionOf.getOrDefault(source, NotionConnections.DEFAULT))
                    .put("paused", paused.contains(source)).put("freshness_seconds", f.freshnessSeconds());
            node.putObject("last_run").put("outcome", f.lastOutcome()).put("started_at", text(f.lastStartedAt()))
                    .put("finished_at", text(f.lastFinishedAt())).put("pages_read", f.lastPagesRead()).put("pages_inserted", f.lastPagesInserted())
                    .put("pages_updated", f.lastPagesUpdated()).put("error", f.lastRunError());
            node.put("pages_written_24h", f.pagesWritten24h()).put("failed_runs_24h", f.failedRuns24h()).put("last_error", f.lastError())
                    .put("last_error_at", text(f.lastErrorAt())).put("rate_limited_24h", f.rateLimited24h()).put("conflicts_24h", f.conflicts24h())
                    .put("push_backlog", f.pushBacklog()).put("inbox_backlog", f.inboxBacklog());
            ArrayNode perMinute = node.putArray("pages_per_minute_by_hour");
            f.pagesPerHour().forEach(pages -> perMinute.add(perMinute(pages)));
        }
        ArrayNode doors = all.putArray("connections");
        if (connections != null) {
            for (NotionConnection connection : connections.all()) {
                NotionRateBudget budget = connection.budget();
                long sent = budget.sentLastMinute();
                int rateNow = budget.permitsPerSecond();
                doors.addObject().put("connection", connection.name()).put("rate_configured", budget.configured()).put("rate_now", rateNow)
                        .put("calls_last_minute", sent).put("budget_per_minute", rateNow * 60L)
                        .put("budget_used_percent", Math.round(100.0 * sent / Math.max(1, rateNow * 60L)))
                        .put("rate_limited_since_start", budget.rateLimitedCount()).put("paused_seconds", budget.pauseLeft().toSeconds())
                        .put("circuit_breaker", connection.breaker().getState().name().toLowerCase(java.util.Locale.ROOT))
                        .put("sources", sources.stream().filter(s -> connectionOf.getOrDefault(s, NotionConnections.DEFAULT).equals(connection.name())).count());
            }
        }
        all.set("events", JSON.readTree(events.recentSyncEvents(RECENT)));
        all.set("audit", JSON.readTree(audit.recent(RECENT)));
        return all;
    }

    /** An hour's pages as pages per minute, to two decimals. */
    private static BigDecimal perMinute(long pagesInHour) {
        return BigDecimal.valueOf(pagesInHour).divide(BigDecimal.valueOf(60), 2, RoundingMode.HALF_UP);
    }

    private Set<String> paused() {
        try {
            return schedules == null ? Set.of() : schedules.paused();
        } catch (SchedulerException e) {
            return Set.of();   // the figures stand without it; the status endpoint says why the scheduler failed
        }
    }

    private static String text(Instant time) {
        return time == null ? null : time.toString();
    }
}
