package dev.notionsync.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * Prunes the engine's own tables (routes/retention.camel.yaml), which would otherwise grow for ever: a sync run per
 * poll, every webhook event, every pushed change, every create's intent. Each table keeps what is younger than its
 * period, and whatever its age, what is still to do or still read: pending and processing events and changes, open
 * dead letters and the inbox and outbox rows their replay needs, the intents of creates not done (create intents
 * follow the outbox's period), running runs, the latest run and latest successful run of each source and kind
 * (readiness and status read them), the latest run of each report. Deletes go in batches, each its own short
 * transaction that skips rows another transaction holds, so pruning never locks a table for long.
 */
public final class Retention {

    /** How long each table keeps its rows; zero keeps them for ever. */
    public record Periods(Duration syncRuns, Duration webhookInbox, Duration outbox, Duration conflicts,
                          Duration deadLetters, Duration reportRuns, Duration operatorAudit, Duration changeEvents) {

        /** From the notion.retention.&lt;table&gt; settings, looked up by {@code setting} ("sync-runs", ...). */
        public static Periods of(Function<String, Duration> setting) {
            return new Periods(setting.apply("sync-runs"), setting.apply("webhook-inbox"), setting.apply("outbox"),
                    setting.apply("conflicts"), setting.apply("dead-letters"), setting.apply("report-runs"), setting.apply("operator-audit"),
                    setting.apply("change-events"));
        }
    }

    private record Rule(String table, Duration period, String sql) {
    }

    private final DataSource dataSource;
    private final List<Rule> rules = new ArrayList<>();
    private final int batchSize;
    private final Clock clock;

    public Retention(DataSource dataSource, Periods periods, int batchSize, Clock clock) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("notion.retention.batch-size must be at least 1, was " + batchSize);
        }
        this.dataSource = dataSource;
        this.batchSize = batchSize;
        this.clock = clock;
        // each statement: the cutoff, then the batch size
        rules.add(new Rule("sync_runs", periods.syncRuns(), "DELETE FROM notion_sync.sync_runs WHERE id IN ("
                + " SELECT r.id FROM notion_sync.sync_runs r WHERE r.started_at < ? AND r.outcome <> 'running'"
                + "   AND EXISTS (SELECT 1 FROM notion_sync.sync_runs n WHERE n.source = r.source AND n.kind = r.kind AND n.id > r.id)"
                + "   AND (r.outcome <> 'ok' OR EXISTS (SELECT 1 FROM notion_sync.sync_runs n WHERE n.source = r.source"
                + "        AND n.kind = r.kind AND n.outcome = 'ok' AND n.finished_at > r.finished_at))"
                + " ORDER BY r.id LIMIT ? FOR UPDATE SKIP LOCKED)"));
        rules.add(new Rule("webhook_inbox", periods.webhookInbox(), "DELETE FROM notion_sync.webhook_inbox WHERE event_id IN ("
                + " SELECT i.event_id FROM notion_sync.webhook_inbox i WHERE i.received_at < ?"
                + "   AND (i.status IN ('applied', 'ignored') OR i.status = 'dead_letter' AND NOT EXISTS ("
                + "        SELECT 1 FROM notion_sync.dead_letters d WHERE d.status = 'open' AND strpos(d.body, i.event_id) > 0))"
                + " LIMIT ? FOR UPDATE SKIP LOCKED)"));
        // an open dead letter of a push names its outbox ids in its body; a word match may keep a few too many, never too few
        rules.add(new Rule("outbox", periods.outbox(), "DELETE FROM notion_sync.outbox WHERE id IN ("
                + " SELECT o.id FROM notion_sync.outbox o WHERE o.processed_at < ?"
                + "   AND (o.status IN ('pushed', 'ignored') OR o.status = 'dead_letter' AND NOT EXISTS ("
                + "        SELECT 1 FROM notion_sync.dead_letters d WHERE d.status = 'open' AND d.body ~ ('\\m' || o.id || '\\M')))"
                + " ORDER BY o.id LIMIT ? FOR UPDATE SKIP LOCKED)"));
        // a create intent guards against a second page only until its create is done: the page is known and no change
        // of the row (under its local id or its page id) is still to push or replayable; a report's until its run ends
        rules.add(new Rule("create_intents", periods.outbox(), "DELETE FROM notion_sync.create_intents WHERE intent_key IN ("
                + " SELECT i.intent_key FROM notion_sync.create_intents i WHERE i.created_at < ? AND i.page_id IS NOT NULL"
                + "   AND NOT EXISTS (SELECT 1 FROM notion_sync.outbox o WHERE o.status NOT IN ('pushed', 'ignored')"
                + "        AND o.page_id IN (i.page_id, CAST(substring(i.intent_key FROM"
                + "            '^push:.*:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$') AS uuid)))"
                + "   AND NOT EXISTS (SELECT 1 FROM notion_sync.report_runs r WHERE r.outcome = 'running' AND i.intent_key = 'report:' || r.id)"
                // a bound row's create: while any change of its source is still to push or replayable (a few too many kept, never too few)
                + "   AND NOT EXISTS (SELECT 1 FROM notion_sync.row_changes c WHERE c.status NOT IN ('pushed', 'ignored')"
                + "        AND i.intent_key LIKE 'bind:' || c.source || ':%')"
                + " ORDER BY i.intent_key LIMIT ? FOR UPDATE SKIP LOCKED)"));
        // the bound tables' row changes, as the outbox: an open dead letter of a bound push names its change ids in its body
        rules.add(new Rule("row_changes", periods.outbox(), "DELETE FROM notion_sync.row_changes WHERE id IN ("
                + " SELECT r.id FROM notion_sync.row_changes r WHERE r.processed_at < ?"
                + "   AND (r.status IN ('pushed', 'ignored') OR r.status = 'dead_letter' AND NOT EXISTS ("
                + "        SELECT 1 FROM notion_sync.dead_letters d WHERE d.status = 'open' AND d.body ~ ('\\m' || r.id || '\\M')))"
                + " ORDER BY r.id LIMIT ? FOR UPDATE SKIP LOCKED)"));
        rules.add(new Rule("conflicts", periods.conflicts(), "DELETE FROM notion_sync.conflicts WHERE id IN ("
                + " SELECT id FROM notion_sync.conflicts WHERE detected_at < ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)"));
        rules.add(new Rule("dead_letters", periods.deadLetters(), "DELETE FROM notion_sync.dead_letters WHERE id IN ("
                + " SELECT id FROM notion_sync.dead_letters WHERE status = 'resolved' AND resolved_at < ?"
                + " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)"));
        rules.add(new Rule("report_runs", periods.reportRuns(), "DELETE FROM notion_sync.report_runs WHERE id IN ("
                + " SELECT r.id FROM notion_sync.report_runs r WHERE r.started_at < ? AND r.outcome <> 'running'"
                + "   AND EXISTS (SELECT 1 FROM notion_sync.report_runs n WHERE n.report = r.report AND n.id > r.id)"
                + " ORDER BY r.id LIMIT ? FOR UPDATE SKIP LOCKED)"));
        rules.add(new Rule("operator_audit", periods.operatorAudit(), "DELETE FROM notion_sync.operator_audit WHERE id IN ("
                + " SELECT id FROM notion_sync.operator_audit WHERE at < ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)"));
        // a change event is kept while an enabled subscription has not passed it (delivered, dead-lettered or filtered out)
        rules.add(new Rule("change_events", periods.changeEvents(), "DELETE FROM notion_sync.change_events WHERE event_id IN ("
                + " SELECT event_id FROM notion_sync.change_events WHERE occurred_at < ?"
                + "   AND event_id <= (SELECT coalesce(min(passed_through), 9223372036854775807) FROM notion_sync.subscriptions WHERE enabled)"
                + " ORDER BY event_id LIMIT ? FOR UPDATE SKIP LOCKED)"));
    }

    /** Prunes every table once; says how many rows went from which table ("" when none). */
    public String prune() throws SQLException {
        List<String> pruned = new ArrayList<>();
        Instant now = clock.instant();
        for (Rule rule : rules) {
            if (rule.period().isZero()) {
                continue;
            }
            long deleted = prune(rule, Timestamp.from(now.minus(rule.period())));
            if (deleted > 0) {
                pruned.add(rule.table() + " " + deleted);
            }
        }
        return String.join(", ", pruned);
    }

    private long prune(Rule rule, Timestamp cutoff) throws SQLException {
        long total = 0;
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(rule.sql())) {
            c.setAutoCommit(true);
            int deleted;
            do {
                ps.setTimestamp(1, cutoff);
                ps.setInt(2, batchSize);
                deleted = ps.executeUpdate();
                total += deleted;
            } while (deleted == batchSize);
        }
        return total;
    }
}
