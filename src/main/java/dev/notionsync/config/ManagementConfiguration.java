package dev.notionsync.config;

import java.util.Map;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.Scheduler;
import org.quartz.TriggerKey;
import dev.notionsync.manage.Dashboard;
import dev.notionsync.manage.ManagementEndpoints;
import dev.notionsync.manage.NotionHealthCheck;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.manage.PostgresHealthCheck;
import dev.notionsync.manage.SourceLagHealthCheck;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionConnection;
import dev.notionsync.notion.NotionConnections;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.report.Reports;
import dev.notionsync.store.Database;
import dev.notionsync.store.WebhookInbox;
import dev.notionsync.webhook.EventSubscriptions;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.SourceSchedules;
import dev.notionsync.sync.ConsistencyCheck;
import dev.notionsync.store.DashboardQueries;
import dev.notionsync.store.EventsLog;
import dev.notionsync.store.OperatorAudit;
import dev.notionsync.sync.SourceSettings;
import java.util.stream.Collectors;
import dev.notionsync.report.VerifyReports;
import dev.notionsync.sync.bound.Bootstrap;
import dev.notionsync.sync.bound.JoinTables;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator surface on the management port: health checks (one per Notion connection, also for connections added
 * while the engine runs), the JMX MBean, the operator endpoints and the dashboard behind the management credentials, and a first call to
 * Notion per connection so a wrong token shows in health before the first poll.
 */
public final class ManagementConfiguration implements AreaConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementConfiguration.class);

    private final ManagementSettings settings;
    private final List<String> pulledSources;
    private final Map<String, String> connectionOf;
    private final Database database;
    private final String instanceId;
    private final VerifyReports verifyReports;
    private NotionSyncManagement management;
    private Dashboard dashboard;

    public ManagementConfiguration(ManagementSettings settings, SyncSettings sync, Database database, String instanceId,
                                   VerifyReports verifyReports) {
        this.instanceId = instanceId;
        this.verifyReports = verifyReports;
        this.settings = settings;
        this.pulledSources = sync.pulled();
        this.connectionOf = sync.sources().stream().collect(Collectors.toMap(SourceSettings::name, SourceSettings::connection));
        this.database = database;
    }

    @Override
    public void configure(CamelContext context) {
        ManagementEndpoints.guard(context, settings.credentials());
        JoinTables joins = context.getRegistry().lookupByNameAndType("joinTables", JoinTables.class);
        List<String> pulledSources = joins == null ? this.pulledSources
                : this.pulledSources.stream().filter(s -> !joins.relation(s)).toList();   // a join table kept as a relation is never pulled
        MirrorTables mirrorTables = AreaConfiguration.bean(context, "mirrorTables", MirrorTables.class);
        OperatorAudit audit = new OperatorAudit(database.dataSource(), instanceId);
        management = new NotionSyncManagement(AreaConfiguration.bean(context, "deadLetterChannel", DeadLetterChannel.class),
                AreaConfiguration.bean(context, "webhookInbox", WebhookInbox.class), mirrorTables::refresh, context,
                database.dataSource(), pulledSources, AreaConfiguration.bean(context, "reports", Reports.class),
                AreaConfiguration.bean(context, "bootstrap", Bootstrap.class),
                AreaConfiguration.bean(context, "sourceSchedules", SourceSchedules.class),
                context.getRegistry().lookupByNameAndType("consistencyCheck", ConsistencyCheck.class),
                audit, verifyReports, context.getRegistry().lookupByNameAndType("eventSubscriptions", EventSubscriptions.class));
        dashboard = new Dashboard(new DashboardQueries(database.dataSource()), new EventsLog(database.dataSource()), audit, pulledSources,
                connectionOf, AreaConfiguration.bean(context, "notionConnections", NotionConnections.class),
                AreaConfiguration.bean(context, "sourceSchedules", SourceSchedules.class));
        context.getRegistry().bind("notionSyncManagement", management);   // the operations, for the HTTP endpoints' callers and tests
        if (!settings.verifySchedule().isEmpty() && context.getRegistry().lookupByName("consistencyCheck") != null) {
            context.getRegistry().bind("verifyScheduleRoutes", new TemplatedRoutes().add("verify-schedule", "notion-verify-schedule",
                    Map.of("cron", settings.verifySchedule(), "repair", Boolean.toString(settings.verifyRepair()))));
        }
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        health.register(new PostgresHealthCheck(database));
        AreaConfiguration.bean(context, "notionConnections", NotionConnections.class)
                .whenRegistered(connection -> health.register(new NotionHealthCheck(connection)));
        health.register(new SourceLagHealthCheck(database.dataSource(), pulledSources, settings.maxLag()));
    }

    @Override
    public void started(CamelContext context) throws Exception {
        if (settings.verifySchedule().isEmpty() && context.hasComponent("quartz") != null) {
            // a schedule taken out of the settings stays in the shared job store, where any instance would fire it
            Scheduler scheduler = context.getComponent("quartz", QuartzComponent.class).getScheduler();
            if (scheduler != null && scheduler.unscheduleJob(TriggerKey.triggerKey("schedule", "verify"))) {
                LOG.info("notion.verify.schedule is empty: the scheduled consistency check is removed from the cluster");
            }
        }
        management.register();
        ManagementEndpoints.install(context, management, dashboard);
        NotionApi notion = AreaConfiguration.bean(context, "notionApi", NotionApi.class);
        AreaConfiguration.bean(context, "notionConnections", NotionConnections.class)
                .whenRegistered(connection -> checkTokenOnce(notion, connection));
    }

    /** GET /v1/users/me: a wrong token shows in health at once, and the connection learns its workspace. */
    private static void checkTokenOnce(NotionApi notion, NotionConnection connection) {
        Thread check = new Thread(() -> {
            try {
                notion.on(connection.name()).call(NotionRequest.get("/v1/users/me"));
            } catch (RuntimeException e) {
                LOG.warn("Notion token check of connection {}: {}", connection.name(), e.getMessage());
            }
        }, "notion-token-check-" + connection.name());
        check.setDaemon(true);
        check.start();
    }

    @Override
    public void stopped() {
        if (management != null) {
            management.unregister();
        }
    }
}
