package dev.notionsync.config;

import dev.notionsync.store.ClusteredScheduler;
import dev.notionsync.sync.SourceSchedules;
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

    /**
     * @param threads Quartz worker threads: a poll and a sweep of every pulled source at once, beside the reports
     */
    public ClusterConfiguration(ClusterSettings settings, DataSource dataSource, String instanceId, int threads, boolean jmx) {
        this.scheduler = new ClusteredScheduler(dataSource, instanceId, threads, jmx, settings.checkinInterval());
    }

    @Override
    public void configure(CamelContext context) {
        context.getComponent("quartz", QuartzComponent.class).setSchedulerFactory(scheduler);
        context.getRegistry().bind("clusteredScheduler", scheduler);
        context.getRegistry().bind("sourceSchedules", new SourceSchedules(scheduler));
        context.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext stopping) {
                // before the routes stop: a fire here after they did would find no route (camel-quartz then makes an endpoint for it)
                scheduler.standby();
            }
        });
    }

    @Override
    public void stopped() {
        scheduler.close();
    }
}
