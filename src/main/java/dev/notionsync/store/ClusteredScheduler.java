package dev.notionsync.store;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import javax.sql.DataSource;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SchedulerFactory;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quartz scheduler camel-quartz uses for the polls, the sweeps and the reports: a clustered JDBC job store in the
 * engine's own PostgreSQL (tables notion_sync.qrtz_*, created by Flyway V5), on the engine's connection pool. Every
 * instance uses the same scheduler name, which is what makes them one cluster, and its own instance id. Quartz's
 * cluster does the rest: each fire of a trigger is taken by one instance, and the triggers an instance had taken
 * when it died are given to the others once it misses its check-ins.
 *
 * <p>Quartz keeps schedulers and data sources in JVM-wide registries keyed by name. This engine owns its scheduler
 * (camel-quartz shuts it down with the context), so the scheduler is taken out of Quartz's repository once created and
 * the data source is registered under a name of its own: two engines in one JVM (tests) are two cluster nodes.
 */
public final class ClusteredScheduler implements SchedulerFactory {

    public static final String NAME = "notion-sync";
    /**
     * A trigger this late counts as misfired and follows its misfire instruction (polls and reports: fire once now).
     * Shorter than Quartz's minute, so that a pull that outlasted its poll period is followed by one pull at once, not
     * by one for every period it missed; not much shorter, as Quartz looks for misfires (and logs each failure to, while
     * the database is away) this often.
     */
    static final long MISFIRE_THRESHOLD_MS = 5000;
    private static final Logger LOG = LoggerFactory.getLogger(ClusteredScheduler.class);
    private static final Object CREATING = new Object();

    private final Properties properties = new Properties();
    private final DataSource dataSource;
    private final String dataSourceName;
    private Scheduler scheduler;

    /**
     * @param threads         Quartz worker threads: how many polls, sweeps and reports this instance runs at once
     * @param checkinInterval notion.cluster.checkin-interval: how often this instance tells the others it is alive, and
     *                        how often an idle one looks for due triggers; Quartz gives a silent instance's triggers to
     *                        the others after about this interval plus 7.5 s
     */
    public ClusteredScheduler(DataSource dataSource, String instanceId, int threads, boolean jmx, Duration checkinInterval) {
        this.dataSource = dataSource;
        this.dataSourceName = "notion-sync-" + instanceId;
        properties.setProperty("org.quartz.scheduler.instanceName", NAME);
        properties.setProperty("org.quartz.scheduler.instanceId", instanceId);
        properties.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        properties.setProperty("org.quartz.scheduler.jmx.export", Boolean.toString(jmx));
        // spreading: an instance takes one trigger at a time (the next one due) and fires it before it takes another,
        // so the other instances take the rest; an idle one looks again every check-in interval (Quartz: 30 s)
        properties.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", "1");
        properties.setProperty("org.quartz.scheduler.idleWaitTime", Long.toString(checkinInterval.toMillis()));
        properties.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        properties.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        properties.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        properties.setProperty("org.quartz.jobStore.tablePrefix", "notion_sync.qrtz_");
        properties.setProperty("org.quartz.jobStore.isClustered", "true");
        properties.setProperty("org.quartz.jobStore.clusterCheckinInterval", Long.toString(checkinInterval.toMillis()));
        // taking a trigger under the job store's row lock: without it, an instance that read a trigger just before
        // another fired it can still take it and fire the same time again (the pull lease would turn that run away)
        properties.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        properties.setProperty("org.quartz.jobStore.misfireThreshold", Long.toString(MISFIRE_THRESHOLD_MS));
        properties.setProperty("org.quartz.jobStore.dataSource", dataSourceName);
    }

    @Override
    public Scheduler getScheduler() throws SchedulerException {
        synchronized (CREATING) {
            if (scheduler == null || scheduler.isShutdown()) {
                DBConnectionManager.getInstance().addConnectionProvider(dataSourceName, new QuartzConnections(dataSource));
                scheduler = new StdSchedulerFactory(properties).getScheduler();
                SchedulerRepository.getInstance().remove(NAME);
            }
            return scheduler;
        }
    }

    @Override
    public Scheduler getScheduler(String name) throws SchedulerException {
        return NAME.equals(name) ? getScheduler() : null;
    }

    @Override
    public Collection<Scheduler> getAllSchedulers() throws SchedulerException {
        return List.of(getScheduler());
    }

    /**
     * The engine begins to stop: no more fires here (the other instances take them), so none comes after this
     * engine's routes are gone; the jobs running finish.
     */
    public void standby() {
        synchronized (CREATING) {
            try {
                if (scheduler != null && !scheduler.isShutdown()) {
                    scheduler.standby();
                }
            } catch (SchedulerException e) {
                LOG.debug("Quartz scheduler not put in standby: {}", e.getMessage());
            }
        }
    }

    /**
     * The engine stopped: shuts the scheduler down if camel-quartz did not (an engine that failed to start made it,
     * but never started the component that shuts it down). Its threads would outlive the engine.
     */
    public void close() {
        synchronized (CREATING) {
            try {
                if (scheduler != null && !scheduler.isShutdown()) {
                    scheduler.shutdown(false);
                }
            } catch (SchedulerException e) {
                LOG.debug("Quartz scheduler not shut down: {}", e.getMessage());
            }
        }
    }
}
