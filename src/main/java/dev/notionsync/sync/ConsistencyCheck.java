package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundComparison;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.TableShapes;
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
    private final BoundComparison bound;
    private final TableShapes shapes;
    private final BoundColumns boundColumns;
    private final BoundSources boundSources;

    public ConsistencyCheck(MirrorTables tables, PageReader reader, SourceDoors doors, RowComparison comparison, PageWriter writer,
                            Deletions deletions, DeletionSweep sweep, BoundComparison bound, TableShapes shapes, BoundColumns boundColumns,
                            BoundSources boundSources, Clock clock) {
        this.boundSources = boundSources;
        this.bound = bound;
        this.shapes = shapes;
        this.boundColumns = boundColumns;
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
        SourceSettings settings = tables.source(source);
        if (settings.bound()) {
            ObjectNode boundReport = checkBound(settings, repair);
            allConsistent &= boundReport.path("consistent_table").asBoolean();
            boundReport.remove("consistent_table");
            tableReports.add(boundReport);
        }
        report.put("consistent", allConsistent).put("notion_requests", requests);
        return report;
    }

    /** Why the source cannot be checked (empty: it can). */
    public Optional<String> refusal(String source) throws java.sql.SQLException {
        SourceSettings settings = tables.source(source);
        if (!settings.readsNotion()) {
            return Optional.of("source " + source + " is not read from Notion (direction = push): there is nothing to compare its rows with");
        }
        if (settings.bound()) {
            BoundSources.BoundSource recorded = boundSources.find(source);
            boolean inStep = recorded != null && (recorded.bootstrapped() || recorded.bootstrapState() == null && recorded.matchedAt() != null);
            if (!inStep) {
                // before the bootstrap (or the record matching) is done, rows without pages are its work, not differences
                return Optional.of("source " + source + " is bound to " + settings.binding().qualifiedName() + " and not in step with Notion yet"
                        + (recorded != null && recorded.bootstrapState() != null ? " (its bootstrap is " + recorded.bootstrapState() + ")"
                        : settings.notionId() == null ? ": run notion-sync bootstrap " + source + " --parent <page id or URL>"
                        : ": its record matching has not run yet"));
            }
        }
        return Optional.empty();
    }

    /**
     * A bound source's own table, after its shadow mirror was checked against Notion: each linked row against what both
     * sides last agreed on (its link), each link against its row, each row against its link. Repair puts the agreed
     * values back into a differing row, has the Apply pass make a missing row again from its page, and asks the push
     * for the page of a row that has none. Rows with a change waiting for the push are left to it.
     */
    private ObjectNode checkBound(SourceSettings source, boolean repair) throws Exception {
        Binding binding = source.binding();
        List<String> key = shapes.read(binding.schema(), binding.table(), "notion.source." + source.name() + ".table").key();
        BoundComparison.Result found = bound.compare(source.name(), binding.schema(), binding.table(), key);
        int written = 0;
        int remade = 0;
        int pagesAsked = 0;
        int refusedCount = 0;
        ArrayNode refused = JSON.createArrayNode();
        if (repair) {
            BoundRows.Table table = new BoundRows.Table(binding.schema(), binding.table(), key);
            for (BoundComparison.Differing row : found.differing()) {
                try {
                    written += bound.repairRow(source.name(), table, row) ? 1 : 0;
                } catch (BoundRows.RefusedValueException e) {
                    // the agreed value no longer fits the column (its type or a constraint changed since): the row stays
                    if (refusedCount++ < LISTED) {
                        ObjectNode left = refused.addObject().put("page_id", row.pageId());
                        left.set("row_key", row.rowKey());
                        left.put("reason", e.getMessage() + ": the row is left as it is; set the value yourself, or edit it in Notion");
                    }
                }
            }
            for (String pageId : found.missingInPostgres()) {
                remade += bound.forgetMissingRow(source.name(), table, pageId) ? 1 : 0;
            }
            if (source.pushes()) {
                List<String> mapped = boundColumns.of(source.name()).stream().map(BoundColumns.BoundColumn::columnName).toList();
                for (JsonNode rowKey : found.missingInNotion()) {
                    pagesAsked += bound.requestPage(source.name(), table, rowKey, mapped) ? 1 : 0;
                }
            }
        }
        boolean consistent = found.differing().isEmpty() && found.missingInPostgres().isEmpty() && found.missingInNotion().isEmpty();
        // in the mirror tables' terms: a linked page whose row is gone is missing in PostgreSQL, a row without a page extra
        int linked = found.consistent() + found.differing().size() + found.missingInPostgres().size();
        ObjectNode node = JSON.createObjectNode().put("table", binding.schema() + "." + binding.table()).put("bound", true)
                .put("consistent_table", consistent).put("pages_in_notion", linked).put("consistent", found.consistent())
                .put("change_waiting_for_push", found.waiting()).put("differing_count", found.differing().size())
                .put("missing_in_postgres_count", found.missingInPostgres().size()).put("extra_in_postgres_count", found.missingInNotion().size());
        ArrayNode rows = node.putArray("differing");
        found.differing().stream().limit(LISTED).forEach(d -> {
            ObjectNode row = rows.addObject().put("page_id", d.pageId());
            row.set("row_key", d.rowKey());
            d.columns().forEach(row.putArray("columns")::add);
        });
        found.missingInPostgres().stream().limit(LISTED).forEach(node.putArray("missing_in_postgres")::add);
        ArrayNode extra = node.putArray("extra_in_postgres");
        found.missingInNotion().stream().limit(LISTED).forEach(k -> extra.add(k.toString()));
        node.putObject("repaired").put("rows_written", written).put("rows_marked_deleted", 0).put("left_to_the_push", found.waiting())
                .put("rows_made_again_from_notion", remade).put("pages_requested", pagesAsked).put("rows_refused", refusedCount);
        node.set("not_repaired", refused);
        LOG.info("verify {}: {}: {} linked rows consistent, {} differing, {} missing in PostgreSQL, {} without a page, {} waiting for the push{}",
                source.name(), binding.qualifiedName(), found.consistent(), found.differing().size(), found.missingInPostgres().size(),
                found.missingInNotion().size(), found.waiting(), repair ? "; repaired: " + written + " rows written, " + remade
                        + " rows to be made again from Notion, " + pagesAsked + " pages requested" : "");
        return node;
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
