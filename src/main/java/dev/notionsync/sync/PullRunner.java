package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.PullLeases;
import dev.notionsync.store.SyncRuns;
import dev.notionsync.store.Watermarks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.ToLongFunction;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The steps of the pull route (routes/notion-pull.camel.yaml): start a run, read the schema and watermarks, plan the
 * next query, apply a result page, finish. The run's state ({@link PullRun}) travels in exchange property
 * {@value PullRun#PROPERTY}. The work is done by {@link MirrorTables} (the source's tables), {@link QueryPlanner}
 * (the incremental read), {@link PageReader} (pages to rows) and {@link ResultPageWriter} (rows and watermark).
 */
public final class PullRunner {

    private static final Logger LOG = LoggerFactory.getLogger(PullRunner.class);

    private final MirrorTables tables;
    private final QueryPlanner planner;
    private final PageReader reader;
    private final ResultPageWriter writer;
    private final Watermarks watermarks;
    private final SyncRuns runs;
    private final Clock clock;
    private final NotionMetrics metrics;
    private final ToLongFunction<String> rateLimited;
    private final PullLeases leases;

    /** @param rateLimited the count of 429 answers so far of a connection, so a run can report its own */
    public PullRunner(MirrorTables tables, QueryPlanner planner, PageReader reader, ResultPageWriter writer, Watermarks watermarks,
                      SyncRuns runs, Clock clock, NotionMetrics metrics, ToLongFunction<String> rateLimited, PullLeases leases) {
        this.tables = tables;
        this.planner = planner;
        this.reader = reader;
        this.writer = writer;
        this.watermarks = watermarks;
        this.runs = runs;
        this.clock = clock;
        this.metrics = metrics;
        this.rateLimited = rateLimited;
        this.leases = leases;
    }

    /** Records a run of the source, before anything can fail, so a run that fails on the schema or the breaker is visible too. */
    public PullRun start(String sourceName) throws Exception {
        SourceSettings source = tables.source(sourceName);
        String holder = UUID.randomUUID().toString();
        if (!leases.take(source.name(), holder)) {
            LOG.debug("pull {}: another run is pulling this source ({}); this one does nothing", source.name(), leases.holder(source.name()));
            return new PullRun(source, -1, new ArrayList<>(), null);
        }
        try {
            int abandoned = runs.endAbandoned(source.name(), "pull");
            if (abandoned > 0) {
                LOG.warn("pull {}: {} earlier run(s) left 'running' by an instance that stopped mid-run are ended as failed (sync_runs)",
                        source.name(), abandoned);
            }
            PullRun run = new PullRun(source, runs.start(source.name(), null), new ArrayList<>(), holder);
            run.rateLimitedBefore = rateLimited.applyAsLong(source.connection());
            return run;
        } catch (Exception e) {
            leases.release(source.name(), holder);
            throw e;
        }
    }

    /** Reads the source's tables (refreshing the schema when due) and the watermark of each. */
    public void begin(@ExchangeProperty(PullRun.PROPERTY) PullRun run) throws Exception {
        String source = run.source.name();
        for (MirrorTable table : tables.of(source)) {
            tables.applyPendingRewind(source, table.dataSourceId());
            run.targets.add(new PullRun.Target(table, watermarks.read(source, table.dataSourceId()).orElse(null)));
        }
        runs.recordWatermarkBefore(run.runId, run.targets.isEmpty() ? null : run.targets.get(0).watermark);
    }

    /** The next data source query, for the door route: with the source's connection. */
    public NotionRequest nextQuery(@ExchangeProperty(PullRun.PROPERTY) PullRun run) {
        run.queriedAt = clock.instant();
        return planner.query(run.target(), run.cursor).on(run.source.connection());
    }

    /**
     * A query failed. An invalid or expired cursor (400 validation_error while paging) restarts the data source's
     * query from its committed watermark, which loses nothing; any other failure fails the run.
     */
    public void recoverQuery(@ExchangeProperty(PullRun.PROPERTY) PullRun run,
                             @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) throws Exception {
        boolean cursorRejected = failure instanceof NotionApiException notion && notion.status() == 400
                && "validation_error".equals(notion.code()) && run.cursor != null;
        if (!cursorRejected || run.cursorRestarts >= 10) {
            throw failure;
        }
        run.cursorRestarts++;
        metrics.cursorRestart(run.source.name());
        LOG.warn("pull {}: Notion rejected the query cursor ({}); restarting {} from its watermark",
                run.source.name(), failure.getMessage(), run.target().table.table());
        run.cursor = null;
        planner.restart(run.target(), committedWatermark(run));
    }

    /** Reads and writes one result page and advances the watermark, in one transaction. */
    public void applyResults(@ExchangeProperty(PullRun.PROPERTY) PullRun run, @Body JsonNode response) throws Exception {
        String source = run.source.name();
        PullRun.Target target = run.target();
        Instant now = clock.instant();
        int extraCalls = 0;
        List<PageWriter.Row> rows = new ArrayList<>();
        Instant newest = null;
        for (JsonNode page : response.path("results")) {
            if (!"page".equals(page.path("object").asText())) {
                continue;
            }
            if (target.windowed) {
                target.walk.read(page);
            }
            PageReader.PageRead read;
            try {
                read = reader.readQueryResult(source, target.table, page, run.queriedAt == null ? now : run.queriedAt);
                metrics.unsupportedValues(source, read.row().unsupportedValues());
            } catch (NotionApiException e) {
                throw e;
            } catch (RuntimeException e) {
                // one bad page must not block the source: it goes to the dead letters, the rest is written
                writer.deadLetter(source, target.table, page.path("id").asText(), e);
                continue;
            }
            extraCalls += read.extraCalls();
            if (!read.withheld().isEmpty() && tables.forget(source)) {
                LOG.info("pull {}: Notion no longer gives properties {} of {}; the schema is read again at the next run",
                        source, read.withheld(), target.table.table());
            }
            PageWriter.Row row = read.row();
            rows.add(row);
            newest = newest == null || row.lastEditedTime().isAfter(newest) ? row.lastEditedTime() : newest;
        }
        boolean capped = "incomplete".equals(response.path("request_status").path("type").asText());
        boolean hasMore = response.path("has_more").asBoolean(false) && response.path("next_cursor").isTextual();
        QueryPlanner.Step step = planner.afterResults(target, capped, hasMore, newest, now, source);
        if (!leases.renew(source, run.leaseHolder)) {
            // the lease ran out (its engine could not renew it for notion.sync.pull-lease) and another run took the source over
            throw new IllegalStateException("pull " + source + " stopped: its lease on the source ran out (not renewed for"
                    + " notion.sync.pull-lease) and another run took the source over; nothing of this result page was written");
        }
        PageWriter.Outcome outcome = writer.write(source, target.table, rows, step.watermark());
        run.counts = run.counts.plus(outcome, rows.size(), extraCalls);
        metrics.pages(source, "read", rows.size());
        metrics.pages(source, "inserted", outcome.inserted());
        metrics.pages(source, "updated", outcome.updated());
        metrics.pages(source, "unchanged", outcome.unchanged());
        run.resultPages++;
        if (step.watermark() != null && (run.watermarkAfter == null || step.watermark().isAfter(run.watermarkAfter))) {
            run.watermarkAfter = step.watermark();
        }
        logResultPage(run, target, rows.size(), outcome);
        switch (step.next()) {
            case NEXT_PAGE -> run.cursor = response.path("next_cursor").asText();
            case NEXT_WINDOW -> run.cursor = null;
            case RESULT_CAP -> {
                run.cursor = null;
                planner.continueAfterResultCap(target, committedWatermark(run), clock.instant(), source);
            }
            case DONE -> {
                run.cursor = null;
                run.targetIndex++;
            }
        }
    }

    private void logResultPage(PullRun run, PullRun.Target target, int pages, PageWriter.Outcome outcome) {
        double seconds = Math.max(0.001, (System.nanoTime() - run.startedNanos) / 1e9);
        // an idle poll re-reads the overlap window and changes nothing: keep that out of the INFO log
        boolean changed = outcome.inserted() + outcome.updated() > 0;
        LOG.atLevel(changed ? Level.INFO : Level.DEBUG).log(
                "pull {}: result page {} of {}: {} pages ({} new, {} changed, {} unchanged); run total {} pages, {} pages/s",
                run.source.name(), run.resultPages, target.table.table(), pages, outcome.inserted(), outcome.updated(),
                outcome.unchanged(), run.counts.read(), String.format("%.1f", run.counts.read() / seconds));
    }

    /** The current target's watermark as committed (null: none); a created_time walk does not go by it. */
    private Instant committedWatermark(PullRun run) throws Exception {
        PullRun.Target target = run.target();
        return target.windowed ? null : watermarks.read(run.source.name(), target.table.dataSourceId()).orElse(null);
    }

    public void finish(@ExchangeProperty(PullRun.PROPERTY) PullRun run) throws Exception {
        run.counts = run.counts.withRateLimited((int) (rateLimited.applyAsLong(run.source.connection()) - run.rateLimitedBefore));
        try {
            runs.finish(run.runId, run.counts, run.watermarkAfter, "ok", null);
        } finally {
            leases.release(run.source.name(), run.leaseHolder);   // whatever happens: a lease kept would hold the source
        }
        run.finished = true;
        if (run.counts.inserted() + run.counts.updated() > 0) {
            LOG.info("pull {}: done, {} pages read, {} inserted, {} updated, {} unchanged", run.source.name(),
                    run.counts.read(), run.counts.inserted(), run.counts.updated(), run.counts.unchanged());
        }
    }

    /**
     * Records a failed run (when it got as far as being recorded); the route logs the returned message, and the next
     * poll starts again from the committed watermark.
     */
    public String fail(@ExchangeProperty(PullRun.PROPERTY) PullRun run, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception cause)
            throws Exception {
        String message = cause == null ? "unknown error" : cause.getMessage();
        if (run != null && !run.isSkipped()) {
            run.counts = run.counts.withRateLimited((int) (rateLimited.applyAsLong(run.source.connection()) - run.rateLimitedBefore));
            try {
                runs.finish(run.runId, run.counts, run.watermarkAfter, "failed", message,
                        cause instanceof NotionApiException notion && !notion.isTransient() ? notion.status() : null);
            } finally {
                // even when the run's end cannot be recorded now (the database away): else this engine renews the lease
                // for ever and no engine pulls the source again (SyncRuns records the end once the database answers)
                leases.release(run.source.name(), run.leaseHolder);
            }
        }
        if (cause instanceof NotionApiException notion && notion.isAuthorizationFailure()) {
            tables.refresh();
        }
        return message;
    }
}
