package dev.notionsync.report;

import dev.notionsync.store.QuartzConnections;
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

/**
 * The Quartz scheduler camel-quartz uses: a clustered JDBC job store in the engine's own PostgreSQL (tables
 * notion_sync.qrtz_*, created by Flyway V5), on the engine's connection pool. Every instance uses the same scheduler
 * name, which is what makes them one cluster, and its own instance id.
 *
 * <p>Quartz keeps schedulers and data sources in JVM-wide registries keyed by name. This engine owns its scheduler
 * (camel-quartz shuts it down with the context), so the scheduler is taken out of Quartz's repository once created and
 * the data source is registered under a name of its own: two engines in one JVM (tests) are two cluster nodes.
 */
public final class ClusteredScheduler implements SchedulerFactory {

    public static final String NAME = "notion-sync";
    private static final Object CREATING = new Object();

    private final Properties properties = new Properties();
    private final DataSource dataSource;
    private final String dataSourceName;
    private Scheduler scheduler;

    public ClusteredScheduler(DataSource dataSource, String instanceId, int threads, boolean jmx) {
        this.dataSource = dataSource;
        this.dataSourceName = "notion-sync-" + instanceId;
        properties.setProperty("org.quartz.scheduler.instanceName", NAME);
        properties.setProperty("org.quartz.scheduler.instanceId", instanceId);
        properties.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        properties.setProperty("org.quartz.scheduler.jmx.export", Boolean.toString(jmx));
        properties.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        properties.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        properties.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        properties.setProperty("org.quartz.jobStore.tablePrefix", "notion_sync.qrtz_");
        properties.setProperty("org.quartz.jobStore.isClustered", "true");
        properties.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        // a trigger late by more than this counts as misfired and follows its misfire instruction (fire once now)
        properties.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
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
}
