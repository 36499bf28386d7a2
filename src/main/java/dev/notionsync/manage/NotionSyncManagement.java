package dev.notionsync.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.report.Reports;
import dev.notionsync.report.VerifyReports;
import dev.notionsync.sync.PullRun;
import dev.notionsync.sync.SourceSchedules;
import dev.notionsync.sync.ConsistencyCheck;
import dev.notionsync.sync.bound.Bootstrap;
import dev.notionsync.store.DeadLetters.DeadLetter;
import dev.notionsync.store.SyncRuns;
import dev.notionsync.store.OperatorAudit;
import dev.notionsync.store.EventsLog;
import dev.notionsync.store.Watermarks;
import dev.notionsync.store.WebhookInbox;
import dev.notionsync.webhook.EventSubscriptions;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.Optional;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.quartz.SchedulerException;

/**
 * The operator's handle on a running instance: dead letters (list, replay) and backlogs. One implementation serves
 * JMX (and so Jolokia and Hawtio) and the HTTP endpoints under /observe/dead-letters on the management port.
 */
public final class NotionSyncManagement implements NotionSyncMBean {

    public static final String OBJECT_NAME = "dev.notionsync:type=NotionSync,name=notion-sync";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NotionSyncManagement.class);
    private static final org.slf4j.Logger VERIFY_LOG = org.slf4j.LoggerFactory.getLogger("dev.notionsync.verify");

    private final DeadLetterChannel deadLetters;
    private final WebhookInbox inbox;
    private final Runnable schemaRefresh;
    private final CamelContext context;
    private final SyncRuns runs;
    private final Watermarks watermarks;
    private final List<String> sources;
    private final Reports reports;
    private final Bootstrap bootstrap;
    private final SourceSchedules schedules;
    private final ConsistencyCheck consistency;
    private final OperatorAudit audit;
    private final EventsLog events;
    private final VerifyReports verifyReports;
    private final EventSubscriptions subscriptions;
    private final java.util.concurrent.atomic.AtomicBoolean verifying = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicReference<String> bootstrapping = new java.util.concurrent.atomic.AtomicReference<>();

    public NotionSyncManagement(DeadLetterChannel deadLetters, WebhookInbox inbox, Runnable schemaRefresh,
                                CamelContext context, DataSource dataSource, List<String> sources,
                                Reports reports, Bootstrap bootstrap, SourceSchedules schedules, ConsistencyCheck consistency,
                                OperatorAudit audit, VerifyReports verifyReports, EventSubscriptions subscriptions) {
        this.subscriptions = subscriptions;
        this.verifyReports = verifyReports;
        this.consistency = consistency;
        this.audit = audit;
        this.reports = reports;
        this.schedules = schedules;
        this.bootstrap = bootstrap;
        this.deadLetters = deadLetters;
        this.inbox = inbox;
        this.schemaRefresh = schemaRefresh;
        this.context = context;
        this.runs = new SyncRuns(dataSource);
        this.events = new EventsLog(dataSource);
        this.watermarks = new Watermarks(dataSource);
        this.sources = sources;
    }

    @Override
    public String sourceStatus() throws Exception {
        ArrayNode list = JSON.createArrayNode();
        Set<String> paused = schedules.paused();
        for (String source : sources) {
            SyncRuns.SourceStatus status = runs.status(source);
            ObjectNode node = list.addObject().put("source", source).put("paused", paused.contains(source));
            node.put("last_outcome", status.lastOutcome()).put("last_started_at", text(status.lastStartedAt()))
                    .put("last_finished_at", text(status.lastFinishedAt())).put("last_pages_read", status.lastPagesRead())
                    .put("last_pages_inserted", status.lastPagesInserted()).put("last_pages_updated", status.lastPagesUpdated())
                    .put("last_error", status.lastError()).put("watermark", text(status.watermark()))
                    .put("lag_seconds", status.lagSeconds()).put("seconds_since_last_ok_run", status.secondsSinceLastOkRun());
            // failing: the latest finished run failed (the latest run may still be under way)
            Optional<SyncRuns.LastRun> finished = runs.lastPull(source);
            node.put("failing", finished.isPresent() && "failed".equals(finished.get().outcome()))
                    .put("failing_error", finished.filter(r -> "failed".equals(r.outcome())).map(SyncRuns.LastRun::error).orElse(null))
                    .put("permanent_error_status", finished.filter(SyncRuns.LastRun::failedPermanently).map(SyncRuns.LastRun::permanentErrorStatus).orElse(null));
        }
        return list.toString();
    }

    /** ISO 8601 in UTC, or null: the same text whatever the JVM's time zone. */
    private static String text(Instant time) {
        return time == null ? null : time.toString();
    }

    /**
     * An operator's explicit pull runs on a paused source too (one pull, because someone asked for it); the answer says
     * that the source stays paused. The pull lease still turns it away while another pull of the source runs.
     */
    @Override
    public String syncNow(String source) throws Exception {
        return audited("syncNow", source, () -> {
            requireSource(source);
            return pull(source, "");
        });
    }

    private String pull(String source, String how) {
        Exchange pulled = producer().send("direct:pull-" + source, exchange -> { });
        Object run = pulled.getProperty(PullRun.PROPERTY);
        if (run instanceof PullRun pull && pull.isSkipped()) {
            return "not pulled: a pull of " + source + " is running already (on this instance or another); it reads what changed";
        }
        return "pulled " + source + how + (pausedNow(source) ? " (it stays paused: no polls, sweeps or webhook-driven pulls until resumeSource)" : "");
    }

    private boolean pausedNow(String source) {
        try {
            return schedules.paused(source);
        } catch (SchedulerException e) {
            return false;   // the answer is about the pull; the pause shows in sourceStatus
        }
    }

    /**
     * Compares every page of the source with its row (and repairs what differs, when asked); the report as JSON.
     * Progress goes to the log, a line per result page.
     */
    @Override
    public String verify(String source, boolean repair) throws Exception {
        return audited(repair ? "verify --repair" : "verify", source == null || source.isBlank() ? "(every source)" : source, () -> verifyNow(source, repair));
    }

    /** notion.verify.schedule's check of every source, recorded in the audit log as the schedule's. */
    public void verifyOnSchedule(boolean repair) throws Exception {
        String report = new Operator("schedule", "notion.verify.schedule").run(() -> verify("", repair));
        JsonNode verdict = JSON.readTree(report);
        if (verdict.path("consistent").asBoolean()) {
            VERIFY_LOG.info("scheduled verify: consistent ({})", verdict.path("html_report").asText("no HTML report"));
        } else {
            VERIFY_LOG.warn("scheduled verify: NOT consistent{}; see {}", repair ? " (repaired)" : "", verdict.path("html_report").asText("the log above"));
        }
    }

    private String verifyNow(String source, boolean repair) throws Exception {
        List<String> checked = source == null || source.isBlank() ? sources : List.of(source);
        checked.forEach(this::requireSource);
        if (consistency == null) {
            throw new IllegalStateException("verify runs on an instance that pulls (notion-sync run or demo)");
        }
        if (!verifying.compareAndSet(false, true)) {
            // one at a time: each reads every page at the connection's budget, beside the sync itself
            throw new IllegalStateException("a verify is running on this instance already; try again when it has ended");
        }
        try {
            ObjectNode all = JSON.createObjectNode();
            ArrayNode reports = all.putArray("sources");
            boolean consistent = true;
            int requests = 0;
            ArrayNode skipped = all.putArray("not_checked");
            for (String one : checked) {
                Optional<String> refusal = consistency.refusal(one);
                if (refusal.isPresent() && checked.size() > 1) {
                    skipped.addObject().put("source", one).put("reason", refusal.get());   // every source: the others are checked
                    continue;
                }
                ObjectNode report = consistency.check(one, repair, VERIFY_LOG::info);
                consistent &= report.path("consistent").asBoolean();
                requests += report.path("notion_requests").asInt();
                reports.add(report);
            }
            all.put("consistent", consistent).put("notion_requests", requests);
            try {
                all.put("html_report", verifyReports.write(all, Instant.now()).toAbsolutePath().toString());
            } catch (java.io.IOException e) {
                LOG.warn("verify: the HTML report could not be written ({}); the JSON report is whole", e.getMessage());
            }
            return all.toString();
        } finally {
            verifying.set(false);
        }
    }

    @Override
    public String fullResync(String source) throws Exception {
        return audited("fullResync", source, () -> {
            requireSource(source);
            watermarks.forget(source);
            schemaRefresh.run();
            return pull(source, " from the beginning");
        });
    }

    @Override
    public String pauseSource(String source) throws Exception {
        return audited("pauseSource", source, () -> pause(source));
    }

    private String pause(String source) throws Exception {
        requireSource(source);
        try {
            schedules.pause(source);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot pause " + source + ": the database did not take it (" + e.getMessage()
                    + "); try again once PostgreSQL answers (health shows it)");
        }
        LOG.info("source {} paused on every instance (its polls, sweeps and webhook-driven pulls) until resumeSource", source);
        return "paused " + source + " on every instance: no polls, sweeps or webhook-driven pulls until resumeSource (a pull under way finishes)";
    }

    @Override
    public String resumeSource(String source) throws Exception {
        return audited("resumeSource", source, () -> resume(source));
    }

    private String resume(String source) throws Exception {
        requireSource(source);
        try {
            schedules.resume(source);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot resume " + source + ": the database did not take it (" + e.getMessage()
                    + "); try again once PostgreSQL answers (health shows it)");
        }
        LOG.info("source {} resumed on every instance", source);
        return "resumed " + source + " on every instance";
    }

    @Override
    public String replayDeadLetters() throws Exception {
        return replayAllDeadLetters();
    }

    private ProducerTemplate producer;

    /** One template for the MBean's lifetime: each template holds a producer cache. */
    private synchronized ProducerTemplate producer() {
        if (producer == null) {
            producer = context.createProducerTemplate();
        }
        return producer;
    }

    private void requireSource(String source) {
        if (!sources.contains(source)) {
            throw new IllegalArgumentException("no pulled source named '" + source + "'; sources: " + String.join(", ", sources));
        }
    }

    @Override
    public String bootstrap(String source, String parent) {
        return unchecked(() -> audited("bootstrap", source, () -> startBootstrap(source, parent)));
    }

    private String startBootstrap(String source, String parent) {
        if (!bootstrapping.compareAndSet(null, source)) {
            return "bootstrap of " + bootstrapping.get() + " is running; one at a time (progress in the log)";
        }
        Thread run = new Thread(() -> {
            try {
                Bootstrap.Result result = bootstrap.bootstrap(source, parent == null || parent.isBlank() ? null : parent, LOG::info);
                LOG.info("bootstrap {}: {} pages created{}", source, result.pagesCreated(),
                        result.complete() ? "" : ", " + result.rowsLeftOut().size() + " rows left without a page");
                // the new database is pulled at once (its shadow mirror and links), not at the source's next poll
                LOG.info("bootstrap {}: {}", source, pull(source, " after its bootstrap"));
            } catch (Exception e) {
                LOG.error("bootstrap {} stopped: {}", source, e.getMessage());
            } finally {
                bootstrapping.set(null);
            }
        }, "bootstrap-" + source);
        run.setDaemon(true);
        run.start();
        return "bootstrap of " + source + " started" + (parent == null || parent.isBlank() ? "" : " under page " + parent)
                + "; progress in the log (notion_sync.bound_sources has its state)";
    }

    @Override
    public String runReport(String id) {
        return unchecked(() -> audited("runReport", id, () -> reports.run(id)));
    }

    @Override
    public String refreshSchemas() {
        return unchecked(() -> audited("refreshSchemas", null, () -> {
            schemaRefresh.run();
            return "schemas are re-read at each source's next run";
        }));
    }

    @Override
    public long getOpenDeadLetters() throws Exception {
        return deadLetters.store().countOpen();
    }

    @Override
    public long getInboxBacklog() throws Exception {
        return inbox.backlog();
    }

    @Override
    public String listDeadLetters() throws Exception {
        ArrayNode list = JSON.createArrayNode();
        for (DeadLetter d : deadLetters.store().list(true, 1000)) {
            list.addObject().put("id", d.id()).put("route_id", d.routeId()).put("endpoint_uri", d.endpointUri())
                    .put("exception_class", d.exceptionClass()).put("exception_message", d.exceptionMessage())
                    .put("attempts", d.attempts()).put("failed_at", d.failedAt().toString()).put("status", d.status())
                    .put("replay_count", d.replayCount()).put("last_replay_error", d.lastReplayError()).put("body", d.body());
        }
        return list.toString();
    }

    @Override
    public String replayDeadLetter(long id) throws Exception {
        return replayDeadLetter(id, false);
    }

    @Override
    public String replayDeadLetterForced(long id) throws Exception {
        return replayDeadLetter(id, true);
    }

    public String replayDeadLetter(long id, boolean force) throws Exception {
        return audited(force ? "replayDeadLetter --force" : "replayDeadLetter", "#" + id, () -> deadLetters.replay(id, force) ? "resolved"
                : "still failing: " + deadLetters.store().find(id).map(d -> d.lastReplayError()).orElse("?"));
    }

    @Override
    public String replayAllDeadLetters() throws Exception {
        return replayAllDeadLetters(false);
    }

    public String replayAllDeadLetters(boolean force) throws Exception {
        return audited(force ? "replayAllDeadLetters --force" : "replayAllDeadLetters", null, () -> {
            List<Long> resolved = deadLetters.replayAll(force);
            return resolved.size() + " resolved, " + deadLetters.store().countOpen() + " still open";
        });
    }

    @Override
    public long getPendingWebhookHandshakes() throws Exception {
        return inbox.handshakes().stream().filter(h -> h.status().equals("pending")).count();
    }

    @Override
    public String webhookToken() throws Exception {
        var answer = JSON.createObjectNode();
        ArrayNode pending = answer.putArray("pending");
        answer.putNull("in_force");
        if (inbox.tokenConfigured()) {
            answer.put("in_force", "setting notion.webhook.verification-token");
        }
        for (WebhookInbox.Handshake h : inbox.handshakes()) {
            if (h.status().equals("confirmed") && !inbox.tokenConfigured()) {
                answer.put("in_force", "handshake #" + h.id() + " (fingerprint " + h.fingerprint() + ")");
            } else if (h.status().equals("pending")) {
                pending.addObject().put("id", h.id()).put("received_at", h.receivedAt().toString())
                        .put("received_from", h.receivedFrom()).put("fingerprint", h.fingerprint());
            }
        }
        return answer.toString();
    }

    @Override
    public String confirmWebhookToken(long id) throws Exception {
        return audited("confirmWebhookToken", "handshake #" + id, () -> confirmToken(id));
    }

    private String confirmToken(long id) throws Exception {
        if (inbox.tokenConfigured()) {
            throw new IllegalArgumentException("notion.webhook.verification-token (NOTION_WEBHOOK_TOKEN) is set, and the setting is"
                    + " always in force: change the setting instead");
        }
        if (!inbox.confirmHandshake(id)) {
            throw new IllegalArgumentException("no webhook handshake #" + id + "; 'notion-sync webhook-token' lists the pending ones");
        }
        return "webhook handshake #" + id + " is now the token in force";
    }

    @Override
    public String listSubscriptions() throws Exception {
        return subscriptions().list();
    }

    @Override
    public String addSubscription(String name, String uri, String sources, String operations, String properties, String when,
                                  String secret) throws Exception {
        return addSubscription(subscriptions().definition(name, uri, list(sources), list(operations), list(properties), when, secret,
                null, null, null));
    }

    /** Adds a subscription (the management port's POST, with its retry settings too); recorded in the audit log, never its secret. */
    public String addSubscription(dev.notionsync.store.Subscriptions.Definition definition) throws Exception {
        return audited("addSubscription", definition.name(), () -> subscriptions().add(definition));
    }

    /** A runtime subscription's definition; what is null takes the notion.subscriptions.* defaults. */
    public dev.notionsync.store.Subscriptions.Definition subscriptionDefinition(String name, String uri, List<String> sources,
            List<String> operations, List<String> properties, String when, String secret, Integer maxAttempts, Long backoffMs, Long backoffMaxMs) {
        return subscriptions().definition(name, uri, sources, operations, properties, when, secret, maxAttempts, backoffMs, backoffMaxMs);
    }

    @Override
    public String removeSubscription(String name) throws Exception {
        return audited("removeSubscription", name, () -> subscriptions().remove(name));
    }

    private EventSubscriptions subscriptions() {
        if (subscriptions == null) {
            throw new IllegalStateException("change event subscriptions run on an instance that syncs (notion-sync run or demo)");
        }
        return subscriptions;
    }

    private static List<String> list(String commaSeparated) {
        return commaSeparated == null ? List.of() : java.util.Arrays.stream(commaSeparated.split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }

    @Override
    public String auditLog(int limit) throws Exception {
        return audit.recent(limit);
    }

    @Override
    public String events(String type, String source, int limit) throws Exception {
        return events.recent(type == null || type.isBlank() ? null : type, source == null || source.isBlank() ? null : source, limit);
    }

    /**
     * Runs an operator action and records it in the audit log with who asked (the management user, or JMX on this
     * machine), from where, and how it ended; a verify is recorded by its verdict, not its whole report.
     */
    private String audited(String action, String target, Callable<String> run) throws Exception {
        Operator operator = Operator.current();
        try {
            String outcome = run.call();
            audit.record(operator.who(), operator.from(), action, target, true, detail(outcome));
            return outcome;
        } catch (Exception e) {
            audit.record(operator.who(), operator.from(), action, target, false, e.getMessage());
            throw e;
        }
    }

    /** What the audit keeps of an action's answer: a verify's verdict, not its whole report; never in the action's way. */
    private static String detail(String outcome) {
        if (outcome == null || !outcome.startsWith("{")) {
            return outcome;
        }
        try {
            return JSON.readTree(outcome).path("consistent").asBoolean() ? "consistent" : "NOT consistent";
        } catch (java.io.IOException e) {
            return outcome;
        }
    }

    private static String unchecked(Callable<String> run) {
        try {
            return run.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public void register() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName(OBJECT_NAME);
        if (server.isRegistered(name)) {
            server.unregisterMBean(name);
        }
        server.registerMBean(new StandardMBean(this, NotionSyncMBean.class), name);
    }

    public void unregister() {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(new ObjectName(OBJECT_NAME));
        } catch (Exception ignored) {
            // already gone
        }
    }
}
