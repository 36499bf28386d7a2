package dev.notionsync.config;

import dev.notionsync.store.ClusteredScheduler;
import dev.notionsync.sync.SourceSchedules;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.support.LifecycleStrategySupport;

/**
 * The clustered Quartz scheduler every schedule of a running engine fires on (the sources' polls and sweeps, the
 * reports), on the engine's database, and the sources' schedules (pause, resume) for the operator and the webhook-driven
 * pulls. The areas after this one use both.
 */
public final class ClusterConfiguration implements AreaConfiguration {

    private final ClusteredScheduler scheduler;
    private final SourceSchedules schedules;
    private final Duration checkinInterval;
    private ScheduledExecutorService checker;

    /**
     * @param threads Quartz worker threads: a poll and a sweep of every pulled source at once, beside the reports
     */
    public ClusterConfiguration(ClusterSettings settings, DataSource dataSource, String instanceId, int threads, boolean jmx) {
        this.scheduler = new ClusteredScheduler(dataSource, instanceId, threads, jmx, settings.checkinInterval());
        this.schedules = new SourceSchedules(scheduler);
        this.checkinInterval = settings.checkinInterval();
    }

    @Override
    public void configure(CamelContext context) {
        context.getComponent("quartz", QuartzComponent.class).setSchedulerFactory(scheduler);
        context.getRegistry().bind("clusteredScheduler", scheduler);
        context.getRegistry().bind("sourceSchedules", schedules);
        context.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext stopping) {
                // before the routes stop: a fire here after they did would find no route (camel-quartz then makes an endpoint for it)
                stopChecking();
                scheduler.standby();
            }
        });
    }

    /** Every check-in interval: the schedules of this instance's sources that another instance removed are put back. */
    @Override
    public synchronized void started(CamelContext context) {
        checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "notion-sync-source-schedules");
            thread.setDaemon(true);
            return thread;
        });
        long every = checkinInterval.toMillis();
        checker.scheduleWithFixedDelay(() -> schedules.restoreMissing(context), every, every, TimeUnit.MILLISECONDS);
    }

    private synchronized void stopChecking() {
        if (checker != null) {
            checker.shutdownNow();
            checker = null;
        }
    }

    @Override
    public void stopped() {
        stopChecking();
        scheduler.close();
    }
}
