package dev.notionsync;

import dev.notionsync.config.Settings;
import dev.notionsync.config.SettingsException;
import dev.notionsync.manage.ManagementCredentials;
import dev.notionsync.manage.ManagementEndpoints;
import dev.notionsync.manage.NotionHealthCheck;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.manage.PostgresHealthCheck;
import dev.notionsync.manage.SourceLagHealthCheck;
import dev.notionsync.notion.NotionAccess;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionDoorClient;
import dev.notionsync.notion.NotionHttp;
import dev.notionsync.notion.NotionRateBudget;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.notion.NotionRetryPolicy;
import dev.notionsync.notion.NotionUnavailableException;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.report.ClusteredScheduler;
import dev.notionsync.report.ReportDefinition;
import dev.notionsync.report.ReportQuery;
import dev.notionsync.report.ReportRunner;
import dev.notionsync.report.Reports;
import dev.notionsync.store.Conflicts;
import dev.notionsync.store.CreateIntents;
import dev.notionsync.store.Database;
import dev.notionsync.store.DeadLetters;
import dev.notionsync.store.Deletions;
import dev.notionsync.store.Outbox;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.ReportRuns;
import dev.notionsync.store.Retention;
import dev.notionsync.store.SchemaManager;
import dev.notionsync.store.SourceTables;
import dev.notionsync.store.SyncRuns;
import dev.notionsync.store.Watermarks;
import dev.notionsync.store.WebhookInbox;
import dev.notionsync.sync.DataSources;
import dev.notionsync.sync.DeletionSweep;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.NotionIds;
import dev.notionsync.sync.PageCreator;
import dev.notionsync.sync.PageReader;
import dev.notionsync.sync.PullRunner;
import dev.notionsync.sync.PushRunner;
import dev.notionsync.sync.QueryPlanner;
import dev.notionsync.sync.ResultPageWriter;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.webhook.EventCoalescer;
import dev.notionsync.webhook.PageApplier;
import dev.notionsync.webhook.WebhookGate;
import dev.notionsync.webhook.WebhookReceiver;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.Processor;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.quartz.impl.matchers.GroupMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running engine: the database, Camel with the YAML routes, and the beans the routes refer to by name.
 * Used by the command line (blocking) and by tests (start / close).
 */
public final class NotionSync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NotionSync.class);

    private final Settings settings;
    private final Database database;
    private final List<SourceSettings> sources;
    private final Main main;
    private final NotionAccess access = new NotionAccess();
    private final NotionMetrics metrics;
    private final String instanceId = instanceId();
    private NotionRateBudget budget;
    private CircuitBreaker breaker;
    private DeadLetterChannel deadLetters;
    private NotionSyncManagement management;
    private WebhookGate webhookGate;
    private final List<Consumer<NotionSync>> onStarted = new CopyOnWriteArrayList<>();
    private final List<ReportDefinition> reportDefinitions;
    /** True for `report run`: only the Notion door, the dead letter channel and the reports' direct routes. */
    private final boolean reportsOnly;
    private Reports reports;
    /** Set at start when a server port is not listening: the engine then stops instead of running deaf. */
    private volatile String portProblem;

    private NotionSync(Settings settings, Database database, List<SourceSettings> sources, List<ReportDefinition> reportDefinitions,
                       boolean reportsOnly) {
        this.settings = settings;
        this.database = database;
        this.sources = sources;
        this.reportDefinitions = reportDefinitions;
        this.reportsOnly = reportsOnly;
        this.main = new Main();
        Properties properties = settings.resolvedProperties();
        properties.putAll(jolokiaSettings(settings));
        if (reportsOnly) {
            // a one-shot run beside a running instance: no pollers, no webhook inbox, no ports of its own
            String routes = "file:" + settings.get("notion.home", ".") + "/routes/";
            properties.setProperty("camel.main.routes-include-pattern",
                    routes + "notion-api.camel.yaml," + routes + "dead-letters.camel.yaml," + routes + "reports.camel.yaml");
            properties.setProperty("camel.server.enabled", "false");
            properties.setProperty("camel.management.enabled", "false");
            properties.setProperty("camel.main.jmx-enabled", "false");
        }
        main.setOverrideProperties(properties);
        // one registry for Camel's metrics and ours, exported on /observe/metrics
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        main.bind("metricsRegistry", meters);
        this.metrics = new NotionMetrics(meters);
        bindNotionDoor(settings);
        main.bind("dataSource", database.dataSource());
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport ignored) {
                wire(main.getCamelContext());
            }

            @Override
            public void afterStop(BaseMainSupport ignored) {
                management.unregister();
                database.close();
            }
        });
    }

    /** Opens the database (embedded or configured) and prepares Camel; nothing runs until start or run. */
    public static NotionSync create(Settings settings) {
        return create(settings, false);
    }

    /**
     * An engine that only runs reports on demand (`notion-sync report run`): no pollers, no schedules, no servers,
     * against the configured database.
     */
    public static NotionSync createForReports(Settings settings) {
        return create(settings, true);
    }

    private static NotionSync create(Settings settings, boolean reportsOnly) {
        List<SourceSettings> sources = SourceSettings.fromSettings(settings);
        List<ReportDefinition> reports = ReportDefinition.fromSettings(settings);
        reportsParentPage(settings);
        retentionPeriods(settings);   // a bad retention setting stops the start here, naming the setting
        if (!reportsOnly) {
            RequiredPorts.checkFree(settings);
        }
        Database database = Database.open(settings.get("notion.db.url"), settings.get("notion.db.user"),
                settings.get("notion.db.password"), settings.getInt("notion.db.pool-size", 10),
                Path.of(settings.get("notion.home", ".")).resolve(settings.get("notion.db.embedded-dir", "data/postgres")),
                !settings.get("notion.db.embedded-durable", "true").equals("false"));
        return new NotionSync(settings, database, sources, reports, reportsOnly);
    }

    /** notion.retention.*: how long the engine's own tables keep rows, and how often they are pruned. */
    private static Retention.Periods retentionPeriods(Settings settings) {
        if (settings.getDuration("notion.retention.interval", Duration.ofHours(1)).isZero()) {
            throw new SettingsException("notion.retention.interval must be longer than 0, e.g. 1h"
                    + " (to keep a table's rows for ever, set its notion.retention.<table> to 0)");
        }
        if (settings.getInt("notion.retention.batch-size", 1000) < 1) {
            throw new SettingsException("notion.retention.batch-size must be at least 1, e.g. 1000");
        }
        return Retention.Periods.of(table -> settings.getDuration("notion.retention." + table, Duration.ZERO));
    }

    /**
     * Jolokia (and so Hawtio) only with a management password. Camel's own authentication is off: its user file cuts a
     * password at the first comma; {@link ManagementEndpoints#guard} checks the whole password instead.
     */
    private static Properties jolokiaSettings(Settings settings) {
        Properties extra = new Properties();
        extra.setProperty("camel.management.jolokia-enabled", String.valueOf(ManagementCredentials.of(settings).isPresent()));
        extra.setProperty("camel.management.authentication-enabled", "false");
        return extra;
    }

    /** The beans routes/notion-api.camel.yaml refers to: budget, retry policy, breaker, HTTP ends. */
    private void bindNotionDoor(Settings settings) {
        NotionRateBudget budget = new NotionRateBudget(settings.getInt("notion.api.rate", 3),
                settings.getDuration("notion.api.rate-recovery-step", Duration.ofSeconds(10)), Clock.systemUTC());
        NotionRetryPolicy retries = new NotionRetryPolicy(settings.getInt("notion.api.max-retries", 8),
                settings.getDuration("notion.api.retry-after-cap", Duration.ofSeconds(120)),
                settings.getDuration("notion.api.backoff-base", Duration.ofMillis(500)),
                settings.getDuration("notion.api.backoff-max", Duration.ofSeconds(30)), budget);
        CircuitBreaker breaker = CircuitBreaker.of("notion", CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.getInt("notion.api.breaker.failure-rate", 50))
                .minimumNumberOfCalls(settings.getInt("notion.api.breaker.minimum-calls", 10))
                .slidingWindowSize(settings.getInt("notion.api.breaker.window", 20))
                .waitDurationInOpenState(settings.getDuration("notion.api.breaker.open-wait", Duration.ofSeconds(30)))
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .recordExceptions(NotionUnavailableException.class, IOException.class)
                .build());
        main.bind("notionRateBudget", budget);
        this.budget = budget;
        main.bind("notionRetryPolicy", retries);
        main.bind("notionRetryBeforeRetry", (Processor) retries::beforeRetry);
        main.bind("notionCircuitBreaker", breaker);
        main.bind("notionHttp", new NotionHttp(settings.get("notion.api.token"), settings.get("notion.api.version"), access, metrics,
                budget, settings.getInt("notion.api.filter-properties-max", 100)));
        this.breaker = breaker;
        metrics.breaker(breaker);
    }

    private void wire(CamelContext context) {
        ManagementEndpoints.guard(context, ManagementCredentials.of(settings));
        String schema = settings.get("notion.db.schema", "notion");
        PullRunner.PullSettings pull = new PullRunner.PullSettings(
                settings.getDuration("notion.sync.overlap", Duration.ofMinutes(2)),
                settings.getDuration("notion.sync.lag", Duration.ofSeconds(5)),
                settings.getInt("notion.sync.page-size", 100),
                settings.getDuration("notion.sync.schema-refresh", Duration.ofMinutes(10)),
                NotionHttp.returnsOnlyTitleUnlessFiltered(settings.get("notion.api.version")));
        NotionApi notion = new NotionDoorClient(context.createProducerTemplate());
        context.getRegistry().bind("notionApi", notion);
        PageWriter writer = new PageWriter(database.dataSource());
        deadLetters = new DeadLetterChannel(new DeadLetters(database.dataSource()), context.createProducerTemplate());
        SchemaManager schemas = new SchemaManager(database.dataSource(), schema);
        try {
            schemas.createSchema();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create schema '" + schema + "': " + e.getMessage(), e);
        }
        Watermarks pullWatermarks = new Watermarks(database.dataSource());
        MirrorTables mirrorTables = new MirrorTables(sources, new DataSources(notion), schemas, new SourceTables(database.dataSource(), schema),
                pullWatermarks, pull.schemaRefresh(), pull.queryNamesProperties(), Clock.systemUTC());
        context.getRegistry().bind("mirrorTables", mirrorTables);
        PageReader pageReader = new PageReader(notion, metrics, Clock.systemUTC());
        PullRunner pullRunner = new PullRunner(mirrorTables, new QueryPlanner(pull.overlap(), pull.lag(), pull.pageSize()), pageReader,
                new ResultPageWriter(writer, deadLetters), pullWatermarks, new SyncRuns(database.dataSource()), Clock.systemUTC(), metrics,
                budget::rateLimitedCount);
        context.getRegistry().bind("pullRunner", pullRunner);
        context.getRegistry().bind("deletionSweep", new DeletionSweep(mirrorTables, pageReader, notion, new Deletions(database.dataSource()), writer,
                new SyncRuns(database.dataSource()), metrics));
        Duration sweep = settings.getDuration("notion.sync.sweep", Duration.ofHours(1));
        Deletions deletions = new Deletions(database.dataSource());
        WebhookInbox inbox = new WebhookInbox(database.dataSource(), settings.getDuration("notion.webhook.reclaim-after", Duration.ofMinutes(5)),
                settings.get("notion.webhook.verification-token"));
        webhookGate = new WebhookGate(settings.getInt("notion.webhook.max-body-bytes", 1 << 20), settings.getInt("notion.webhook.max-concurrent", 16), metrics);
        context.getRegistry().bind("webhookReceiver", new WebhookReceiver(inbox,
                settings.getInt("notion.webhook.handshakes-per-minute", 10), metrics));
        context.getRegistry().bind("eventCoalescer", new EventCoalescer(inbox, notion, settings.getInt("notion.webhook.batch-size", 100)));
        context.getRegistry().bind("pageApplier", new PageApplier(inbox, notion, mirrorTables, pageReader, sources, writer, deletions, metrics));
        Outbox outbox = new Outbox(database.dataSource(), settings.getDuration("notion.push.reclaim-after", Duration.ofMinutes(5)));
        context.getRegistry().bind("pushRunner", new PushRunner(sources, mirrorTables, pageReader, notion, outbox, writer,
                new Conflicts(database.dataSource()), deadLetters, metrics,
                new PushRunner.PushSettings(instanceId, settings.getInt("notion.push.batch-size", 50),
                        settings.getInt("notion.push.max-attempts", 8), settings.getDuration("notion.push.backoff-base", Duration.ofSeconds(2))),
                new PageCreator(notion, new CreateIntents(database.dataSource()))));
        context.getRegistry().bind("retention", new Retention(database.dataSource(), retentionPeriods(settings),
                settings.getInt("notion.retention.batch-size", 1000), Clock.systemUTC()));
        context.getRegistry().bind("deadLetterChannel", deadLetters);
        context.getRegistry().bind("deadLetterAttempts", (Processor) deadLetters::countRedelivery);
        wireReports(context, notion);
        management = new NotionSyncManagement(deadLetters, inbox, mirrorTables::refresh, context, database.dataSource(),
                sources.stream().filter(SourceSettings::pulls).map(SourceSettings::name).toList(), reports);
        Watermarks watermarks = new Watermarks(database.dataSource());
        metrics.gauge("notion_sync_inbox_backlog", "webhook events waiting to be applied", null, () -> call(inbox::backlog));
        metrics.gauge("notion_sync_outbox_backlog", "changes made in PostgreSQL waiting to be pushed to Notion", null, () -> call(outbox::backlog));
        metrics.gauge("notion_sync_dead_letters_open", "dead letters waiting for replay", null, () -> call(deadLetters.store()::countOpen));
        for (SourceSettings source : sources) {
            metrics.gauge("notion_sync_watermark_lag_seconds", "seconds between now and the source's oldest watermark", source.name(),
                    () -> call(() -> watermarks.lagSeconds(source.name())));
        }
        try {
            context.addStartupListener(new ExtendedStartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                    if (!reportsOnly) {
                        WebhookGate.install(started, webhookGate);
                    }
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) throws Exception {
                    if (reportsOnly) {
                        onStarted.forEach(callback -> callback.accept(NotionSync.this));
                        return;
                    }
                    portProblem = RequiredPorts.notListening(started, settings);
                    if (portProblem != null) {
                        main.completed();
                        return;
                    }
                    management.register();
                    ManagementEndpoints.install(started, management);
                    unscheduleRemovedReports(started);
                    checkTokenOnce(notion);
                    onStarted.forEach(callback -> callback.accept(NotionSync.this));
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        HealthCheckRegistry.get(context).register(new PostgresHealthCheck(database));
        HealthCheckRegistry.get(context).register(new NotionHealthCheck(access, breaker));
        HealthCheckRegistry.get(context).register(new SourceLagHealthCheck(database.dataSource(),
                sources.stream().filter(SourceSettings::pulls).map(SourceSettings::name).toList(),
                settings.getDuration("notion.health.max-lag", Duration.ofMinutes(15))));
        for (SourceSettings source : sources) {
            if (source.pushes() && !reportsOnly) {
                try {
                    context.addRouteFromTemplate("push-" + source.name(), "notion-push", Map.of("source", source.name(),
                            "poll", settings.getDuration("notion.push.poll", Duration.ofSeconds(2)).toMillis() + ""));
                } catch (Exception e) {
                    throw new IllegalStateException("cannot create the push route of source '" + source.name() + "': " + e.getMessage(), e);
                }
            }
            if (!source.pulls() || reportsOnly) {
                continue;
            }
            try {
                context.addRouteFromTemplate("pull-" + source.name(), "notion-pull", Map.of("source", source.name()));
                context.addRouteFromTemplate("poll-" + source.name(), "notion-poll",
                        Map.of("source", source.name(), "poll", source.poll().toMillis() + ""));
                context.addRouteFromTemplate("sweep-" + source.name(), "notion-sweep",
                        Map.of("source", source.name(), "every", sweep.toMillis() + ""));
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the pull route of source '" + source.name() + "': " + e.getMessage(), e);
            }
        }
    }

    /**
     * The report beans and routes: direct:report-&lt;id&gt; for each report, and its Quartz schedule on the clustered
     * job store (not for a one-shot `report run`, which must not join the cluster and fire schedules).
     */
    private void wireReports(CamelContext context, NotionApi notion) {
        Path home = Path.of(settings.get("notion.home", "."));
        String parent = settings.get("notion.reports.notion-parent-page");
        ReportRunner runner = new ReportRunner(
                reportDefinitions.stream().collect(Collectors.toMap(ReportDefinition::id, r -> r)),
                new ReportQuery(database.dataSource(), settings.get("notion.db.schema", "notion"),
                        settings.getInt("notion.reports.max-rows", 2000), settings.getDuration("notion.reports.statement-timeout", Duration.ofMinutes(5))),
                new ReportRuns(database.dataSource()), notion, home.resolve(settings.get("notion.reports.folder", "reports/out")),
                settings.getInt("notion.reports.keep", 50),
                reportsParentPage(settings), instanceId, Clock.systemUTC(),
                new CreateIntents(database.dataSource()));
        context.getRegistry().bind("reportRunner", runner);
        reports = new Reports(reportDefinitions.stream().map(ReportDefinition::id).toList(), context);
        if (reportDefinitions.isEmpty()) {
            return;
        }
        for (ReportDefinition report : reportDefinitions) {
            if (report.wants(ReportDefinition.Output.NOTION) && parent.isBlank()) {
                LOG.warn("report {}: the Notion output is skipped until notion.reports.notion-parent-page names the page to put reports under", report.id());
            }
        }
        if (!reportsOnly) {
            QuartzComponent quartz = context.getComponent("quartz", QuartzComponent.class);
            quartz.setSchedulerFactory(new ClusteredScheduler(database.dataSource(), instanceId,
                    settings.getInt("notion.reports.threads", 2), settings.get("camel.main.jmx-enabled", "true").equals("true")));
        }
        for (ReportDefinition report : reportDefinitions) {
            try {
                context.addRouteFromTemplate("report-" + report.id(), "notion-report", Map.of("report", report.id(),
                        "errorHandling", reportsOnly ? "report-command" : "dead-letter-channel"));
                if (!reportsOnly) {
                    context.addRouteFromTemplate("report-schedule-" + report.id(), "notion-report-schedule",
                            Map.of("report", report.id(), "cron", report.cron(), "timeZone", report.timeZone().getId()));
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the routes of report '" + report.id() + "': " + e.getMessage(), e);
            }
        }
    }

    /** notion.reports.notion-parent-page as a dashed id, "" when unset; checked at start, before the database opens. */
    private static String reportsParentPage(Settings settings) {
        String parent = settings.get("notion.reports.notion-parent-page");
        return parent.isBlank() ? "" : NotionIds.normalize(parent, "notion.reports.notion-parent-page");
    }

    /**
     * A report taken out of notion.reports keeps its trigger in the shared job store, where any instance would go on
     * firing it; so each instance, once started, removes the report triggers it was not configured with. All
     * instances of a cluster are expected to run the same notion.reports.
     */
    private void unscheduleRemovedReports(CamelContext context) throws SchedulerException {
        if (reportDefinitions.isEmpty() || reportsOnly) {
            return;
        }
        Scheduler scheduler = context.getComponent("quartz", QuartzComponent.class).getScheduler();
        Set<String> configured = reportDefinitions.stream().map(ReportDefinition::id).collect(Collectors.toSet());
        for (TriggerKey key : scheduler.getTriggerKeys(GroupMatcher.triggerGroupEquals("reports"))) {
            if (!configured.contains(key.getName())) {
                Trigger trigger = scheduler.getTrigger(key);
                scheduler.unscheduleJob(key);
                if (trigger != null) {
                    scheduler.deleteJob(trigger.getJobKey());
                }
                LOG.info("report {} is no longer in notion.reports: its schedule is removed from the cluster", key.getName());
            }
        }
    }

    /**
     * This instance's name in the Quartz cluster, in report runs and in outbox claims: host, process and a random part
     * (two engines in one JVM).
     */
    private static String instanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private interface SqlCall<T> {
        T get() throws Exception;
    }

    private static <T> T call(SqlCall<T> call) {
        try {
            return call.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asks Notion who we are once at start, so a wrong token shows in health before the first poll. */
    private static void checkTokenOnce(NotionApi notion) {
        Thread check = new Thread(() -> {
            try {
                notion.call(NotionRequest.get("/v1/users/me"));
            } catch (RuntimeException e) {
                LOG.warn("Notion token check: {}", e.getMessage());
            }
        }, "notion-token-check");
        check.setDaemon(true);
        check.start();
    }

    /** Runs {@code callback} once every route has started. */
    public void onStarted(Consumer<NotionSync> callback) {
        onStarted.add(callback);
    }

    public Settings settings() {
        return settings;
    }

    public void start() throws Exception {
        try {
            main.start();
        } catch (Exception e) {
            close();
            throw e;
        }
        if (portProblem != null) {
            close();
            throw new SettingsException(portProblem);
        }
    }

    /**
     * Runs until Ctrl-C or SIGTERM, then stops the routes gracefully and closes the database.
     *
     * @throws dev.notionsync.config.SettingsException when a port could not be bound: the engine stopped at once
     */
    public void run() throws Exception {
        main.run();
        if (portProblem != null) {
            throw new SettingsException(portProblem);
        }
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public DeadLetterChannel deadLetters() {
        return deadLetters;
    }

    public CircuitBreaker circuitBreaker() {
        return breaker;
    }

    public Database database() {
        return database;
    }

    /** Runs reports now (CLI, JMX); available once the engine is configured. */
    public Reports reports() {
        return reports;
    }

    public List<SourceSettings> sources() {
        return sources;
    }

    @Override
    public void close() {
        try {
            main.stop();
            if (management != null) {
                management.unregister();
            }
        } catch (Exception e) {
            throw new IllegalStateException("stopping notion-sync failed: " + e.getMessage(), e);
        } finally {
            database.close();
        }
    }
}
