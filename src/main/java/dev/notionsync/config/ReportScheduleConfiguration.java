package dev.notionsync.config;

import dev.notionsync.report.ClusteredScheduler;
import dev.notionsync.report.ReportDefinition;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.Scheduler;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.quartz.impl.matchers.GroupMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reports' schedules: each report's Quartz cron route, on the clustered job store in the engine's PostgreSQL
 * (not for a one-shot `report run`, which must not join the cluster and fire schedules).
 */
public final class ReportScheduleConfiguration implements AreaConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ReportScheduleConfiguration.class);

    private final ReportSettings settings;
    private final DataSource dataSource;
    private final String instanceId;
    private final boolean jmx;

    public ReportScheduleConfiguration(ReportSettings settings, DataSource dataSource, String instanceId, boolean jmx) {
        this.settings = settings;
        this.dataSource = dataSource;
        this.instanceId = instanceId;
        this.jmx = jmx;
    }

    @Override
    public void configure(CamelContext context) {
        if (settings.definitions().isEmpty()) {
            return;
        }
        context.getComponent("quartz", QuartzComponent.class)
                .setSchedulerFactory(new ClusteredScheduler(dataSource, instanceId, settings.threads(), jmx));
        TemplatedRoutes routes = new TemplatedRoutes();
        for (ReportDefinition report : settings.definitions()) {
            routes.add("report-schedule-" + report.id(), "notion-report-schedule",
                    Map.of("report", report.id(), "cron", report.cron(), "timeZone", report.timeZone().getId()));
        }
        context.getRegistry().bind("reportScheduleRoutes", routes);
    }

    /**
     * A report taken out of notion.reports keeps its trigger in the shared job store, where any instance would go on
     * firing it; so each instance, once started, removes the report triggers it was not configured with. All
     * instances of a cluster are expected to run the same notion.reports.
     */
    @Override
    public void started(CamelContext context) throws Exception {
        if (settings.definitions().isEmpty()) {
            return;
        }
        Scheduler scheduler = context.getComponent("quartz", QuartzComponent.class).getScheduler();
        Set<String> configured = settings.definitions().stream().map(ReportDefinition::id).collect(Collectors.toSet());
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
}
