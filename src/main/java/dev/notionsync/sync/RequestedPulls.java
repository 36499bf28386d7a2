package dev.notionsync.sync;

import dev.notionsync.store.WebhookInbox;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.ExchangeProperty;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls asked for by webhook events (routes/notion-webhooks.camel.yaml): an event saying a page of a synced source
 * was made or edited asks for that source's incremental pull instead of a read of the page, so a burst of edits costs
 * a few queries rather than one request per page. A source is pulled once its requests have been quiet for
 * {@code delay}, or its oldest has waited three times that while a burst goes on: every pull re-reads the pages
 * edited in the watermark's minute, so fewer pulls in a burst read fewer pages twice. The
 * events stay claimed ('processing') until a pull of their source that began after them has finished, and are marked
 * applied then; a pull skipped because one was running, or one that failed, leaves them for the next turn, and after
 * a crash the inbox gives them out again (notion.webhook.reclaim-after).
 */
public final class RequestedPulls {

    private static final Logger LOG = LoggerFactory.getLogger(RequestedPulls.class);

    /** The exchange property naming the source a requested pull is for (the pull route's steps replace the message). */
    public static final String SOURCE = "notionRequestedPull";

    /** Per source, its waiting events: event id -> when it asked (an event given out again keeps its first time). */
    private final Map<String, Map<String, Instant>> requested = new ConcurrentHashMap<>();
    /** Events a pull could not answer (their page may be in a minute no query reaches whole): read one by one. */
    private final Set<String> readOneByOne = ConcurrentHashMap.newKeySet();
    private final WebhookInbox inbox;
    private final Duration delay;
    private final Clock clock;
    private final SourceSchedules schedules;

    public RequestedPulls(WebhookInbox inbox, Duration delay, Clock clock, SourceSchedules schedules) {
        this.inbox = inbox;
        this.delay = delay;
        this.clock = clock;
        this.schedules = schedules;
    }

    /** Pages of this source changed in Notion (these events say so): its pull is due once the burst has had {@code delay}. */
    public void request(String source, List<String> eventIds) {
        Instant now = clock.instant();
        Map<String, Instant> waiting = requested.computeIfAbsent(source, name -> new ConcurrentHashMap<>());
        eventIds.forEach(id -> waiting.putIfAbsent(id, now));
    }

    /**
     * The sources to pull now: no request for {@code delay}, or the oldest waiting three times that. A paused source
     * (JMX pauseSource, on any instance) is not pulled; its events wait for it to be resumed.
     */
    public List<String> due() {
        if (requested.values().stream().allMatch(Map::isEmpty)) {
            return List.of();
        }
        Set<String> paused;
        try {
            paused = schedules.paused();
        } catch (SchedulerException e) {
            LOG.debug("webhook-driven pulls wait: the sources' pauses cannot be read ({})", e.getMessage());
            return List.of();
        }
        Instant now = clock.instant();
        List<String> due = new ArrayList<>();
        requested.forEach((source, waiting) -> {
            if (paused.contains(source)) {
                return;
            }
            Instant oldest = waiting.values().stream().min(Instant::compareTo).orElse(null);
            Instant newest = waiting.values().stream().max(Instant::compareTo).orElse(null);
            if (oldest != null && (!newest.plus(delay).isAfter(now) || !oldest.plus(delay.multipliedBy(3)).isAfter(now))) {
                due.add(source);
            }
        });
        return due;
    }

    /**
     * After the source's pull: the events it answered (those requested before it began) are applied, when it finished;
     * those requested while it ran stay for the next turn, as do all when it did not run (another was running) or failed.
     */
    public void pulled(@ExchangeProperty(SOURCE) String source, @ExchangeProperty(PullRun.PROPERTY) PullRun run) throws Exception {
        if (run == null || run.isSkipped() || !run.isFinished()) {
            return;
        }
        Map<String, Instant> waiting = requested.getOrDefault(source, Map.of());
        List<String> answered = new ArrayList<>();
        waiting.forEach((eventId, at) -> {
            if (at.isBefore(run.startedAt())) {
                answered.add(eventId);
            }
        });
        if (answered.isEmpty()) {
            return;
        }
        if (run.leftPagesUnread()) {
            // the pull could not reach every page: these events go back to the inbox and read their pages one by one
            readOneByOne.addAll(answered);
            inbox.mark(answered, "pending", "read one by one: a pull of " + source + " could not reach every page");
        } else {
            inbox.mark(answered, "applied", "read by a pull of " + source);
        }
        answered.forEach(waiting::remove);
    }

    /** Whether these events are to read their page one by one (a pull could not answer them); forgets them. */
    public boolean readOneByOne(List<String> eventIds) {
        boolean any = false;
        for (String id : eventIds) {
            any |= readOneByOne.remove(id);
        }
        return any;
    }

    /** Events waiting for their source's pull (for tests and metrics). */
    public int waiting() {
        return requested.values().stream().mapToInt(Map::size).sum();
    }
}
