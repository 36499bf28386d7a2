package dev.notionsync.sync;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
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
     * starts, removes the schedules (and the pause) of every source it was not configured with. Every instance of a
     * cluster is expected to run the same notion.sources.
     */
    public void removeAllBut(Collection<String> configured) throws SchedulerException {
        Scheduler scheduler = scheduler();
        Set<String> groups = new TreeSet<>(scheduler.getTriggerGroupNames());
        groups.addAll(scheduler.getPausedTriggerGroups());
        for (String group : groups) {
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
            scheduler.resumeTriggers(GroupMatcher.triggerGroupEquals(group));   // forgets the group's pause
            LOG.info("source {} is no longer pulled (notion.sources): its poll and sweep schedules are removed from the cluster", source);
        }
    }

    private Scheduler scheduler() throws SchedulerException {
        return schedulers.getScheduler();
    }
}
