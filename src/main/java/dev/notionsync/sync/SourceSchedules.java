package dev.notionsync.sync;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.component.quartz.QuartzEndpoint;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SchedulerFactory;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.quartz.impl.matchers.GroupMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schedules of the sources' polls and sweeps: clustered Quartz triggers in the engine's database
 * (routes/notion-pull.camel.yaml), one trigger group per source, {@code source-<name>}, holding its poll and its sweep.
 *
 * <p>A source is paused by pausing its group in the job store, not a route on one instance: no instance fires its
 * poll or sweep any more, and it stays paused across restarts until it is resumed, on any instance. Quartz records
 * the paused group itself, so a trigger stored into it later (a changed poll interval replaces the stored trigger)
 * starts paused too. A pull under way when the source is paused finishes.
 */
public final class SourceSchedules {

    private static final Logger LOG = LoggerFactory.getLogger(SourceSchedules.class);
    private static final String GROUP = "source-";

    private final SchedulerFactory schedulers;
    /** The sources this instance polls and sweeps (notion.sources), as given to {@link #removeAllBut}. */
    private volatile List<String> own = List.of();

    public SourceSchedules(SchedulerFactory schedulers) {
        this.schedulers = schedulers;
    }

    /** The source's trigger group (the poll and sweep routes' quartz:group/name). */
    public static String group(String source) {
        return GROUP + source;
    }

    public void pause(String source) throws SchedulerException {
        scheduler().pauseTriggers(GroupMatcher.triggerGroupEquals(group(source)));
    }

    public void resume(String source) throws SchedulerException {
        scheduler().resumeTriggers(GroupMatcher.triggerGroupEquals(group(source)));
    }

    /** The sources paused on the cluster, by name. */
    public Set<String> paused() throws SchedulerException {
        Set<String> sources = new TreeSet<>();
        for (String group : scheduler().getPausedTriggerGroups()) {
            if (group.startsWith(GROUP)) {
                sources.add(group.substring(GROUP.length()));
            }
        }
        return sources;
    }

    public boolean paused(String source) throws SchedulerException {
        return paused().contains(source);
    }

    /**
     * A source taken out of notion.sources (or no longer read from Notion) keeps its triggers in the shared job store,
     * where every instance would go on firing them into a route it no longer has; so an instance, before its scheduler
     * starts, removes the schedules of every source it was not configured with. An operator's pause stays (the group
     * stays paused): a source paused, taken out and added back, or still synced by another instance, is not polled
     * until resumeSource. Every instance of a cluster is expected to run the same notion.sources; an instance that
     * runs a source whose schedules another one removed puts them back ({@link #restoreMissing}).
     */
    public void removeAllBut(Collection<String> configured) throws SchedulerException {
        own = List.copyOf(configured);
        Scheduler scheduler = scheduler();
        for (String group : new TreeSet<>(scheduler.getTriggerGroupNames())) {
            if (!group.startsWith(GROUP) || configured.contains(group.substring(GROUP.length()))) {
                continue;
            }
            String source = group.substring(GROUP.length());
            for (TriggerKey key : scheduler.getTriggerKeys(GroupMatcher.triggerGroupEquals(group))) {
                Trigger trigger = scheduler.getTrigger(key);
                scheduler.unscheduleJob(key);
                if (trigger != null) {
                    scheduler.deleteJob(trigger.getJobKey());
                }
            }
            LOG.info("source {} is no longer pulled here (notion.sources): its poll and sweep schedules are removed from the cluster"
                    + " (a pause of it stays)", source);
        }
    }

    /**
     * Puts back the poll and sweep schedules of this instance's sources that are gone from the job store: an instance
     * started with a shorter notion.sources removed them (a rollback, an old replica restarted during a rolling
     * deploy), and no instance would poll those sources again until one that syncs them restarted. Called every
     * check-in interval (ClusterConfiguration); a restored schedule in a paused group starts paused.
     */
    public void restoreMissing(CamelContext context) {
        try {
            Scheduler scheduler = scheduler();
            if (!scheduler.isStarted() || scheduler.isInStandbyMode() || scheduler.isShutdown()) {
                return;
            }
            Set<TriggerKey> stored = scheduler.getTriggerKeys(GroupMatcher.triggerGroupStartsWith(GROUP));   // one query
            for (String source : own) {
                for (String kind : List.of("poll", "sweep")) {
                    if (stored.contains(new TriggerKey(kind, group(source)))) {
                        continue;
                    }
                    Route route = context.getRoute(kind + "-" + source);
                    Endpoint endpoint = route == null ? null : route.getEndpoint();
                    if (endpoint instanceof QuartzEndpoint quartz && quartz.getTriggerKey().equals(new TriggerKey(kind, group(source)))) {
                        quartz.stop();
                        quartz.start();   // camel-quartz stores the job and its trigger again (the route's consumer stays)
                        LOG.warn("source {}: its {} schedule was gone from the cluster (an instance started without it in notion.sources?"
                                + " every instance must run the same notion.sources); stored again by this instance", source, kind);
                    }
                }
            }
        } catch (Exception e) {
            LOG.debug("the sources' schedules were not checked: {}", e.getMessage());
        }
    }

    private Scheduler scheduler() throws SchedulerException {
        return schedulers.getScheduler();
    }
}
