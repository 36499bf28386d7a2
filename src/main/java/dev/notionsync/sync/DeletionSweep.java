package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.Deletions;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.PullLeases;
import dev.notionsync.store.SyncRuns;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds pages that left a data source. Queries never return trashed pages, so a periodic sweep lists the ids still
 * in Notion (in created_time windows, so any number of pages), compares them with the table, and re-checks each
 * missing page on its own (GET page): a trashed page is soft-deleted as "trashed", a 404 as "gone or no longer
 * shared", a page now elsewhere as "moved". A page that is still there after all is written again. A row inserted
 * in PostgreSQL whose page is not created yet is never marked. Steps of the sweep route in routes/notion-pull.camel.yaml.
 */
public final class DeletionSweep {

    /** The exchange property the sweep route keeps the {@link SweepRun} in. */
    public static final String RUN = "sweepRun";

    private static final Logger LOG = LoggerFactory.getLogger(DeletionSweep.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MirrorTables tables;
    private final PageReader reader;
    private final SourceDoors doors;
    private final Deletions deletions;
    private final PageWriter writer;
    private final SyncRuns runs;

    private final NotionMetrics metrics;
    private final PullLeases leases;
    private final Duration every;

    /**
     * @param leases one sweep of a source at a time across engines (the pull's leases, under "sweep:" + source)
     * @param every  notion.sync.sweep: a source whose sweep (by any instance) began within half of it is not swept again
     */
    public DeletionSweep(MirrorTables tables, PageReader reader, SourceDoors doors, Deletions deletions, PageWriter writer, SyncRuns runs,
                         NotionMetrics metrics, PullLeases leases, Duration every) {
        this.metrics = metrics;
        this.leases = leases;
        this.every = every;
        this.runs = runs;
        this.tables = tables;
        this.reader = reader;
        this.doors = doors;
        this.deletions = deletions;
        this.writer = writer;
    }

    /** State of one sweep of one source. */
    public static final class SweepRun {
        final String source;
        final List<MirrorTable> tables;
        int tableIndex;
        String cursor;
        CreatedTimeWalk walk = new CreatedTimeWalk(null);
        final Set<String> seen = new HashSet<>();
        int markedDeleted;
        int restored;
        int listed;
        int calls;
        long runId;
        /** The sweep's hold on "sweep:" + source; null: another engine sweeps it, or swept it lately (this one does nothing). */
        final String leaseHolder;

        SweepRun(String source, List<MirrorTable> tables, String leaseHolder) {
            this.source = source;
            this.tables = tables;
            this.leaseHolder = leaseHolder;
        }

        public boolean isActive() {
            return tableIndex < tables.size();
        }

        public boolean isSkipped() {
            return leaseHolder == null;
        }
    }

    /**
     * Starts a sweep of the source's tables and records it; only when no other sweeps the source now, no sweep of it
     * began within half of notion.sync.sweep (a fire that follows a late one soon after), and the source has been
     * pulled once: the schedule's first fire comes as it is first stored, when a sweep of an empty table would list
     * every page of the source for nothing.
     */
    public SweepRun start(String source) throws Exception {
        String key = "sweep:" + source;
        String holder = UUID.randomUUID().toString();
        Duration since = runs.sinceLastSweep(source);
        if ((since != null && since.compareTo(every.dividedBy(2)) < 0) || runs.secondsSinceLastOkPull(source).isEmpty()
                || !leases.take(key, holder)) {
            LOG.debug("sweep {}: swept lately, being swept now, or never pulled yet; this one does nothing", source);
            return new SweepRun(source, List.of(), null);
        }
        try {
            SweepRun run = new SweepRun(source, tables.of(source), holder);
            if (runs.endAbandoned(source, "sweep") > 0) {
                LOG.warn("sweep {}: an earlier sweep left 'running' by an instance that stopped mid-run is ended as failed (sync_runs)", source);
            }
            run.runId = runs.start(source, "sweep", null);
            return run;
        } catch (Exception e) {
            leases.release(key, holder);
            throw e;
        }
    }

    /** The next listing query, for the door route. */
    public NotionRequest nextQuery(@ExchangeProperty(RUN) SweepRun run) {
        ObjectNode body = JSON.createObjectNode().put("page_size", 100);
        // created_time windows: a listing of any size, past Notion's 10,000 results per query
        ObjectNode filter = CreatedTimeWalk.allOf(run.walk.conditions());
        if (filter != null) {
            body.set("filter", filter);
        }
        body.putArray("sorts").add(CreatedTimeWalk.sort());
        if (run.cursor != null) {
            body.put("start_cursor", run.cursor);
        }
        // only ids are needed: ask for the title alone to keep answers small
        return new NotionRequest("POST", "/v1/data_sources/" + run.tables.get(run.tableIndex).dataSourceId() + "/query",
                "filter_properties%5B%5D=title", body.toString()).on(doors.connection(run.source));
    }

    /** Collects the ids of one result page; after the last one, re-checks what the table has but Notion did not list. */
    public void collect(@ExchangeProperty(RUN) SweepRun run, @Body JsonNode response) throws Exception {
        response.path("results").forEach(page -> {
            if (run.seen.add(page.path("id").asText())) {
                run.listed++;
            }
            run.walk.read(page);
        });
        run.calls++;
        boolean incomplete = "incomplete".equals(response.path("request_status").path("type").asText());
        if (!incomplete && response.path("has_more").asBoolean(false) && response.path("next_cursor").isTextual()) {
            run.cursor = response.path("next_cursor").asText();
            return;
        }
        run.cursor = null;
        if (!run.walk.queryEnded(incomplete)) {
            return;   // the next created_time window
        }
        MirrorTable table = run.tables.get(run.tableIndex);
        if (!run.walk.unreadMinutes().isEmpty()) {
            // safe all the same: each page the listing missed is looked up on its own before anything is marked
            LOG.warn("sweep {}: {} has more pages created in one minute than one Notion query lists, alike in their title;"
                    + " each of them not listed is looked up on its own", run.source, table.table());
        }
        recheckMissing(run, table);
        run.seen.clear();
        run.walk = new CreatedTimeWalk(null);
        run.tableIndex++;
    }

    public void finish(@ExchangeProperty(RUN) SweepRun run) throws Exception {
        try {
            runs.finish(run.runId, SyncRuns.PullCounts.sweep(run.listed, run.markedDeleted, run.calls), null, "ok", null);
        } finally {
            leases.release("sweep:" + run.source, run.leaseHolder);
        }
        metrics.pages(run.source, "deleted", run.markedDeleted);
        if (run.markedDeleted + run.restored > 0) {
            LOG.info("sweep {}: {} pages marked deleted, {} rewritten", run.source, run.markedDeleted, run.restored);
        }
    }

    /** Records a failed sweep; nothing was marked from a partial listing. */
    public void fail(@ExchangeProperty(RUN) SweepRun run, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception cause) throws Exception {
        if (run != null && !run.isSkipped()) {
            try {
                runs.finish(run.runId, SyncRuns.PullCounts.sweep(run.listed, run.markedDeleted, run.calls), null,
                        "failed", cause == null ? "unknown error" : cause.getMessage());
            } finally {
                leases.release("sweep:" + run.source, run.leaseHolder);
            }
        }
    }

    /** What a re-check of a page the listing did not return did to its row. */
    public enum Recheck { MARKED_DELETED, REWRITTEN, UNCHANGED }

    /**
     * Looks up one page a listing of its data source did not return (one GET): trashed, gone (404) or moved, its row
     * is marked deleted; still there after all (the listing raced an edit), its row is written as Notion has it now.
     * Used by the sweep and by the consistency check's repair.
     */
    public Recheck recheck(String source, MirrorTable table, String pageId) throws Exception {
        JsonNode page;
        Instant askedAt = reader.now();
        try {
            page = doors.of(source).call(NotionRequest.get("/v1/pages/" + pageId));
        } catch (NotionApiException e) {
            if (e.status() == 404) {
                return deletions.markDeleted(table, pageId, "gone or no longer shared", false) ? Recheck.MARKED_DELETED : Recheck.UNCHANGED;
            }
            throw e;
        }
        boolean trashed = page.path("in_trash").asBoolean(page.path("archived").asBoolean(false));
        String parent = page.path("parent").path("data_source_id").asText("");
        if (trashed) {
            return deletions.markDeleted(table, pageId, "trashed", true) ? Recheck.MARKED_DELETED : Recheck.UNCHANGED;
        } else if (!parent.equals(table.dataSourceId())) {
            return deletions.markDeleted(table, pageId, "moved to another data source", false) ? Recheck.MARKED_DELETED : Recheck.UNCHANGED;
        }
        PageWriter.Outcome written = writer.write(table, List.of(reader.read(source, table, page, askedAt)), source, null);
        return written.inserted() + written.updated() > 0 ? Recheck.REWRITTEN : Recheck.UNCHANGED;
    }

    private void recheckMissing(SweepRun run, MirrorTable table) throws Exception {
        // a restored page is listed again, but its edit time may be too old for the incremental query to see it
        Set<String> restored = deletions.deletedIds(table);
        restored.retainAll(run.seen);
        for (String pageId : restored) {
            Instant askedAt = reader.now();
            writer.write(table, List.of(reader.read(run.source, table, doors.of(run.source).call(NotionRequest.get("/v1/pages/" + pageId)), askedAt)),
                    run.source, null);
            run.restored++;
        }
        Set<String> missing = deletions.presentIds(table);
        missing.removeAll(run.seen);
        for (String pageId : missing) {
            run.calls++;
            Recheck done = recheck(run.source, table, pageId);
            run.markedDeleted += done == Recheck.MARKED_DELETED ? 1 : 0;
            run.restored += done == Recheck.REWRITTEN ? 1 : 0;
        }
    }
}
