package dev.notionsync.sync;

import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.SyncRuns.PullCounts;
import java.time.Instant;
import java.util.List;

/** The state of one pull run of one source, carried between the steps of the pull route (exchange property "pullRun"). */
public final class PullRun {

    /** The exchange property the pull route keeps the run in. */
    public static final String PROPERTY = "pullRun";

    /**
     * One data source of the source and how far its read has come. {@code walk} is set while the read goes through
     * created_time windows because one last_edited_time window held more than Notion's 10,000-result cap; it began
     * at {@code walkStartedAt}.
     */
    static final class Target {
        final MirrorTable table;
        Instant watermark;
        boolean windowed;
        CreatedTimeWalk walk;
        Instant walkStartedAt;
        /** The walk could not read a crowded minute whole: some pages of it may be unread. */
        boolean leftUnread;

        Target(MirrorTable table, Instant watermark) {
            this.table = table;
            this.watermark = watermark;
        }
    }

    final SourceSettings source;
    final long runId;
    final List<Target> targets;
    final long startedNanos = System.nanoTime();
    int targetIndex;
    String cursor;
    int resultPages;
    int cursorRestarts;
    long rateLimitedBefore;
    PullCounts counts = PullCounts.ZERO;
    Instant watermarkAfter;
    /** When the current query was asked for: its rows' synced_at, so what Notion answered later always wins over them. */
    Instant queriedAt;

    /** When the run began (before its first query): a change made earlier is in what it reads. */
    final Instant startedAt = Instant.now();
    /** The run finished its read and wrote it all. */
    boolean finished;

    /** The run's hold on its source's pull lease; null for a run that did not get it ({@link #isSkipped}). */
    final String leaseHolder;

    PullRun(SourceSettings source, long runId, List<Target> targets, String leaseHolder) {
        this.source = source;
        this.runId = runId;
        this.targets = targets;
        this.leaseHolder = leaseHolder;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public boolean isFinished() {
        return finished;
    }

    /** Some pages could be reached by no query of this run (a crowded minute): webhook events must read theirs one by one. */
    public boolean leftPagesUnread() {
        return targets.stream().anyMatch(t -> t.leftUnread);
    }

    /** True when another run (on this engine or another) is pulling the source: this one does nothing. */
    public boolean isSkipped() {
        return leaseHolder == null;
    }

    /** True while there is another result page to fetch; the pull route loops on it. */
    public boolean isActive() {
        return targetIndex < targets.size();
    }

    Target target() {
        return targets.get(targetIndex);
    }

    public PullCounts counts() {
        return counts;
    }

    public String sourceName() {
        return source.name();
    }

    /** True for a bound source: the pull route then runs the source's Apply pass (routes/notion-bind.camel.yaml). */
    public boolean isBound() {
        return source.bound();
    }
}
