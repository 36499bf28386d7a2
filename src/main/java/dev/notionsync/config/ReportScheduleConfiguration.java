package dev.notionsync.config;

import dev.notionsync.report.ReportDefinition;
import dev.notionsync.store.ClusteredScheduler;
import dev.notionsync.store.SyncRuns;
import dev.notionsync.sync.bound.JoinTables;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.quartz.impl.matchers.GroupMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reports' schedules: each report's Quartz cron route, on the clustered job store in the engine's PostgreSQL
 * (ClusterConfiguration; not for a one-shot `report run`, which must not join the cluster and fire schedules).
 */
public final class ReportScheduleConfiguration implements AreaConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ReportScheduleConfiguration.class);
    /** The reports' trigger group (routes/reports.camel.yaml: quartz:reports/{{report}}). */
    private static final String GROUP = "reports";

    private final ReportSettings settings;
    private final List<String> pulledSources;
    private final DataSource dataSource;
    private Instant configuredAt;

    public ReportScheduleConfiguration(ReportSettings settings, List<String> pulledSources, DataSource dataSource) {
        this.settings = settings;
        this.pulledSources = pulledSources;
        this.dataSource = dataSource;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        if (settings.definitions().isEmpty()) {
            return;
        }
        configuredAt = Instant.now();
        TemplatedRoutes routes = new TemplatedRoutes();
        for (ReportDefinition report : settings.definitions()) {
            routes.add("report-schedule-" + report.id(), "notion-report-schedule",
                    Map.of("report", report.id(), "cron", report.cron(), "timeZone", report.timeZone().getId()));
        }
        context.getRegistry().bind("reportScheduleRoutes", routes);
        if (settings.afterFirstPull()) {
            // before the scheduler starts: Quartz records the paused group, and the report triggers stored into it start paused
            scheduler(context).pauseTriggers(GroupMatcher.triggerGroupEquals(GROUP));
        } else {
            // a hold left by an engine stopped before its sources' first pulls ended
            scheduler(context).resumeTriggers(GroupMatcher.triggerGroupEquals(GROUP));
        }
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
        Scheduler scheduler = scheduler(context);
        Set<String> configured = settings.definitions().stream().map(ReportDefinition::id).collect(Collectors.toSet());
        for (TriggerKey key : scheduler.getTriggerKeys(GroupMatcher.triggerGroupEquals(GROUP))) {
            if (!configured.contains(key.getName())) {
                Trigger trigger = scheduler.getTrigger(key);
                scheduler.unscheduleJob(key);
                if (trigger != null) {
                    scheduler.deleteJob(trigger.getJobKey());
                }
                LOG.info("report {} is no longer in notion.reports: its schedule is removed from the cluster", key.getName());
            }
        }
        if (settings.afterFirstPull()) {
            JoinTables joins = context.getRegistry().lookupByNameAndType("joinTables", JoinTables.class);
            List<String> sources = pulledSources.stream()
                    .filter(name -> joins == null || !joins.relation(name)).toList();   // a join table kept as a relation is never pulled
            resumeAfterFirstPulls(context, scheduler, sources);
        }
    }

    /**
     * notion.reports.after-first-pull: the report schedules resume once every source finished a pull begun since this
     * engine was configured, at most five minutes on; a fire missed meanwhile runs at once (the schedules' misfire policy).
     */
    private void resumeAfterFirstPulls(CamelContext context, Scheduler scheduler, List<String> sources) {
        Thread gate = new Thread(() -> {
            SyncRuns runs = new SyncRuns(dataSource);
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            try {
                while (System.nanoTime() < deadline && runs.sourcesPulledSince(sources, configuredAt) < sources.size()) {
                    Thread.sleep(250);
                }
                scheduler.resumeTriggers(GroupMatcher.triggerGroupEquals(GROUP));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                if (!context.isStopping() && !context.isStopped()) {   // else the engine was stopped meanwhile
                    LOG.warn("the report schedules did not resume after the first pulls ({}); they resume at the next start of an instance", e.getMessage());
                }
            }
        }, "reports-after-first-pull");
        gate.setDaemon(true);
        gate.start();
    }

    private static Scheduler scheduler(CamelContext context) throws SchedulerException {
        return AreaConfiguration.bean(context, "clusteredScheduler", ClusteredScheduler.class).getScheduler();
    }
}
