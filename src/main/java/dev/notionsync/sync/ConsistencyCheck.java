package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.Deletions;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.RowComparison;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * notion-sync verify: reads every page of a source from Notion (through the door, at the budget) and compares each
 * typed value with its row, per mirror table: consistent, differing (with the columns), missing in PostgreSQL, extra
 * in PostgreSQL. With repair, a differing or missing row is written again as Notion has it, and an extra row is
 * looked up on its own as the deletion sweep does (trashed, gone or moved: marked deleted). A row whose own change
 * waits for the push (or was dead-lettered) is reported, never overwritten.
 */
public final class ConsistencyCheck {

    /** Page ids listed per kind in the report at most; the counts are always whole. */
    static final int LISTED = 1000;

    private static final Logger LOG = LoggerFactory.getLogger("dev.notionsync.verify");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MirrorTables tables;
    private final PageReader reader;
    private final SourceDoors doors;
    private final RowComparison comparison;
    private final PageWriter writer;
    private final Deletions deletions;
    private final DeletionSweep sweep;
    private final Clock clock;

    public ConsistencyCheck(MirrorTables tables, PageReader reader, SourceDoors doors, RowComparison comparison, PageWriter writer,
                            Deletions deletions, DeletionSweep sweep, Clock clock) {
        this.tables = tables;
        this.reader = reader;
        this.doors = doors;
        this.comparison = comparison;
        this.writer = writer;
        this.deletions = deletions;
        this.sweep = sweep;
        this.clock = clock;
    }

    /**
     * Checks one source (and repairs it when asked); the report as JSON.
     *
     * @param progress a line per result page read, for the operator
     */
    public ObjectNode check(String source, boolean repair, Consumer<String> progress) throws Exception {
        Optional<String> refusal = refusal(source);
        if (refusal.isPresent()) {
            throw new IllegalArgumentException(refusal.get());
        }
        ObjectNode report = JSON.createObjectNode().put("source", source).put("checked_at", clock.instant().toString()).put("repair", repair);
        ArrayNode tableReports = report.putArray("tables");
        int requests = 0;
        boolean allConsistent = true;
        for (MirrorTable table : tables.of(source)) {
            TableCheck check = new TableCheck(table);
            requests += check.run(source, repair, progress);
            if (repair) {
                requests += check.repairExtra(source);
            }
            allConsistent &= check.consistent();
            tableReports.add(check.report());
            LOG.info("verify {}: {} {}", source, table.table(), check.summary());
        }
        report.put("consistent", allConsistent).put("notion_requests", requests);
        return report;
    }

    /** Why the source cannot be checked (empty: it can). */
    public Optional<String> refusal(String source) {
        SourceSettings settings = tables.source(source);
        if (!settings.readsNotion()) {
            return Optional.of("source " + source + " is not read from Notion (direction = push): there is nothing to compare its rows with");
        }
        if (settings.bound()) {
            return Optional.of("source " + source + " is bound to " + settings.binding().qualifiedName()
                    + ": verify compares mirror tables; a bound table is not checked yet");
        }
        return Optional.empty();
    }

    /** One mirror table's check: what Notion lists, compared with the rows, and what repair did. */
    private final class TableCheck {
        final MirrorTable table;
        final Set<String> listed = new HashSet<>();
        final List<PageWriter.Row> toWrite = new ArrayList<>();
        final List<RowComparison.Compared> differing = new ArrayList<>();
        final List<String> missing = new ArrayList<>();
        final Set<String> extra = new TreeSet<>();
        final List<String> localChanges = new ArrayList<>();
        int consistent;
        int newer;
        int rewritten;
        int markedDeleted;

        TableCheck(MirrorTable table) {
            this.table = table;
        }

        /** Lists every page (created_time windows: any number of pages) and compares each result page's rows. */
        int run(String source, boolean repair, Consumer<String> progress) throws Exception {
            int calls = 0;
            Instant started = reader.now();
            CreatedTimeWalk walk = new CreatedTimeWalk(null);
            String cursor = null;
            while (true) {
                ObjectNode body = JSON.createObjectNode().put("page_size", 100);
                ObjectNode filter = CreatedTimeWalk.allOf(walk.conditions());
                if (filter != null) {
                    body.set("filter", filter);
                }
                body.putArray("sorts").add(CreatedTimeWalk.sort());
                if (cursor != null) {
                    body.put("start_cursor", cursor);
                }
                // before the call, as the pull's rows: a row written from a later read of a page is never replaced by this one
                Instant asked = reader.now();
                JsonNode answer = doors.of(source).call(NotionRequest.post("/v1/data_sources/" + table.dataSourceId() + "/query", body.toString()));
                calls++;
                List<PageWriter.Row> rows = new ArrayList<>();
                List<Set<String>> absent = new ArrayList<>();
                for (JsonNode page : answer.path("results")) {
                    walk.read(page);
                    if (!listed.add(page.path("id").asText())) {
                        continue;   // a window's first minute again
                    }
                    PageReader.PageRead read = reader.readQueryResult(source, table, page, asked);
                    calls += read.extraCalls();
                    rows.add(read.row());
                    absent.add(absentColumns(read.row()));
                }
                compare(rows, absent, asked);
                if (repair) {
                    // at once, not after the whole listing: a change made in PostgreSQL meanwhile has less time to come between
                    repairRows(source);
                }
                progress.accept("verify " + source + ": " + table.table() + ": " + listed.size() + " pages read, " + differing.size()
                        + " differing, " + missing.size() + " missing in PostgreSQL");
                boolean capped = "incomplete".equals(answer.path("request_status").path("type").asText());
                cursor = !capped && answer.path("has_more").asBoolean(false) && answer.path("next_cursor").isTextual()
                        ? answer.path("next_cursor").asText() : null;
                if (cursor == null && walk.queryEnded(capped)) {
                    break;   // else the next result page, or the next created_time window
                }
            }
            // a row read from Notion after the listing began (a pull, the push's write-back) had its page then: not extra
            Set<String> present = deletions.presentIds(table, started);
            present.removeAll(listed);
            extra.addAll(present);
            return calls;
        }

        void compare(List<PageWriter.Row> rows, List<Set<String>> absent, Instant asked) throws Exception {
            if (rows.isEmpty()) {
                return;
            }
            List<RowComparison.Compared> compared = comparison.compare(table, rows, asked);
            for (int i = 0; i < compared.size(); i++) {
                RowComparison.Compared one = compared.get(i);
                if (!one.missing() && one.newer()) {
                    newer++;   // written from a read of its page after this listing (a pull, a push's write-back): nothing to compare
                    continue;
                }
                List<String> columns = new ArrayList<>(one.differing());
                columns.removeAll(absent.get(i));   // a value Notion did not give: the pull keeps the stored one too
                if (!one.missing() && columns.isEmpty()) {
                    consistent++;
                    continue;
                }
                if (one.missing()) {
                    missing.add(one.pageId());
                } else {
                    differing.add(new RowComparison.Compared(one.pageId(), false, columns, one.localChange(), false));
                }
                if (one.localChange()) {
                    localChanges.add(one.pageId());   // a change of the row (or its DELETE) waits for the push: never repaired from Notion
                } else {
                    toWrite.add(rows.get(i));
                }
            }
        }

        /** The columns of properties the page did not give (absent, or withheld by Notion). */
        Set<String> absentColumns(PageWriter.Row row) throws Exception {
            Set<String> given = new HashSet<>();
            JSON.readTree(row.properties()).forEach(value -> given.add(value.path("id").asText()));
            Set<String> columns = new HashSet<>();
            table.properties().stream().filter(p -> !given.contains(p.propertyId())).forEach(p -> columns.addAll(p.columnNames()));
            return columns;
        }

        void repairRows(String source) throws Exception {
            Set<String> missingIds = new HashSet<>(missing);
            for (PageWriter.Row row : toWrite) {
                if (missingIds.contains(row.pageId())) {
                    PageWriter.Outcome outcome = writer.write(table, List.of(row), source, null);
                    rewritten += outcome.inserted() + outcome.updated();
                } else {
                    // written although its content hash is Notion's: the row was changed behind the engine's back; not
                    // when a user's change of it committed since the comparison, or a newer read of the page landed
                    rewritten += writer.writeRepair(table, row) ? 1 : 0;
                }
            }
            toWrite.clear();
        }

        int repairExtra(String source) throws Exception {
            int calls = 0;
            for (String pageId : extra) {
                calls++;
                DeletionSweep.Recheck done = sweep.recheck(source, table, pageId);
                markedDeleted += done == DeletionSweep.Recheck.MARKED_DELETED ? 1 : 0;
                rewritten += done == DeletionSweep.Recheck.REWRITTEN ? 1 : 0;
            }
            return calls;
        }

        boolean consistent() {
            return differing.isEmpty() && missing.isEmpty() && extra.isEmpty();
        }

        String summary() {
            return listed.size() + " pages in Notion: " + consistent + " consistent, " + (newer > 0 ? newer + " changed while checking, " : "")
                    + differing.size() + " differing ("
                    + localChanges.size() + " with a change waiting for the push), " + missing.size() + " missing in PostgreSQL, "
                    + extra.size() + " extra in PostgreSQL" + (rewritten + markedDeleted > 0 ? "; repaired: " + rewritten
                    + " rows written from Notion, " + markedDeleted + " marked deleted" : "");
        }

        ObjectNode report() {
            ObjectNode node = JSON.createObjectNode().put("table", table.schema() + "." + table.table()).put("data_source_id", table.dataSourceId())
                    .put("pages_in_notion", listed.size()).put("consistent", consistent).put("changed_while_checking", newer)
                    .put("differing_count", differing.size())
                    .put("missing_in_postgres_count", missing.size()).put("extra_in_postgres_count", extra.size());
            ArrayNode rows = node.putArray("differing");
            differing.stream().limit(LISTED).forEach(d -> {
                ObjectNode row = rows.addObject().put("page_id", d.pageId());
                d.differing().forEach(row.putArray("columns")::add);
                if (d.localChange()) {
                    row.put("change_waiting_for_push", true);
                }
            });
            missing.stream().limit(LISTED).forEach(node.putArray("missing_in_postgres")::add);
            extra.stream().limit(LISTED).forEach(node.putArray("extra_in_postgres")::add);
            node.putObject("repaired").put("rows_written", rewritten).put("rows_marked_deleted", markedDeleted)
                    .put("left_to_the_push", localChanges.size());
            return node;
        }
    }
}
