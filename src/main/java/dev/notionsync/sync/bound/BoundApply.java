package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.BoundValues;
import dev.notionsync.mapping.RefusedValueException;
import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.store.ChangeHistory;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundContents;
import dev.notionsync.store.BoundProblems;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.BoundSources.BoundSource;
import dev.notionsync.store.Links;
import dev.notionsync.store.RowChanges;
import dev.notionsync.store.ShadowPages;
import dev.notionsync.store.ShadowPages.Page;
import dev.notionsync.store.TableShapes;
import dev.notionsync.sync.Binding;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.SourceSettings;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.camel.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Apply bridge of bound sources (Notion → the user's table), the bean of routes/notion-bind.camel.yaml.
 * Level-triggered and idempotent: each pass compares the shadow mirror (what Notion holds, kept by the pull) with the
 * links (what was last in step) and applies the difference, one row per transaction, the link updated in the same
 * transaction, as the engine's write (the capture trigger ignores it):
 * <ul>
 *   <li>a linked page whose mapped properties changed → UPDATE of only the columns of those properties;</li>
 *   <li>a page without a link → INSERT of a row (key from the key property, else the key column's default); on the
 *       first sync of a source bound to an existing database, record matching ({@link RecordMatching}) first;</li>
 *   <li>a linked page trashed or deleted → DELETE of its row (on-trash = delete) or the link unlinked (unlink).</li>
 * </ul>
 * A row with captured changes still to push is left alone: the push resolves it with the conflict policy. A value
 * PostgreSQL (or the conversion) refuses is a dead letter naming the page, the column and the constraint, whose
 * replay applies that page again; the rest of the source goes on.
 */
public final class BoundApply {

    /** Where a dead letter of Apply is replayed: one page of one source, body {@link #work}. */
    public static final String REPLAY_URI = "direct:bound-apply-page";

    private static final Logger LOG = LoggerFactory.getLogger(BoundApply.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 500;
    private static final int MAX_BATCHES = 20;

    private final Map<String, SourceSettings> sources = new LinkedHashMap<>();
    private final String mirrorSchema;
    private final BoundSources boundSources;
    private final BoundColumns boundColumns;
    private final TableShapes shapes;
    private final Links links;
    private final BoundRows rows;
    private final ShadowPages pages;
    private final BoundProblems problems;
    private final DeadLetterChannel deadLetters;
    private final RowChanges changes;
    private final RecordMatching matching;
    private final SchemaDrift drift;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** source + page id → the page's version when it failed: not tried again by the timer until it changes. */
    private final Map<String, String> failed = new ConcurrentHashMap<>();
    /** Problems already logged, so a pass every second does not repeat them. */
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    public BoundApply(List<SourceSettings> sources, String mirrorSchema, BoundSources boundSources, BoundColumns boundColumns,
                      TableShapes shapes, Links links, BoundRows rows, ShadowPages pages, BoundProblems problems,
                      DeadLetterChannel deadLetters, NotionApi notion, MirrorTables tables, RowChanges changes) {
        sources.stream().filter(SourceSettings::bound).forEach(s -> this.sources.put(s.name(), s));
        this.mirrorSchema = mirrorSchema;
        this.boundSources = boundSources;
        this.boundColumns = boundColumns;
        this.shapes = shapes;
        this.links = links;
        this.rows = rows;
        this.pages = pages;
        this.problems = problems;
        this.deadLetters = deadLetters;
        this.changes = changes;
        this.matching = new RecordMatching(rows, pages, links, problems, boundSources);
        this.drift = new SchemaDrift(sources, mirrorSchema, notion, tables, shapes, boundSources, boundColumns, links, rows, problems);
    }

    /** What one pass did, for the log and tests. */
    public record Pass(String state, int updated, int inserted, int deleted, int unlinked, int skipped, int failed) {
        static Pass waiting(String why) {
            return new Pass(why, 0, 0, 0, 0, 0, 0);
        }

        boolean changed() {
            return updated + inserted + deleted + unlinked + failed > 0;
        }
    }

    /** How one page went. */
    enum Outcome { UPDATED, INSERTED, DELETED, UNLINKED, SKIPPED, UNCHANGED, FAILED, RELINKED }

    /**
     * One pass over a bound source: record matching when its first sync is due, then every page with work, in batches.
     * Passes of one source never overlap (the timer and the pull both start them): a pass finding another running
     * returns at once.
     */
    public Pass apply(String sourceName) throws Exception {
        ReentrantLock lock = locks.computeIfAbsent(sourceName, k -> new ReentrantLock());
        if (!lock.tryLock()) {
            return Pass.waiting("busy");
        }
        try {
            BoundMapping mapping = ready(sourceName);
            if (mapping == null) {
                return Pass.waiting("not ready");
            }
            BoundSource record = boundSources.find(sourceName);
            if (record.bootstrapState() == null && record.matchedAt() == null) {
                if (!pages.pulledOnce(sourceName)) {
                    return Pass.waiting("record matching waits for the first pull of " + sourceName);
                }
                // the capture trigger before matching reads the rows, as bootstrap does: what the application writes
                // from now on is recorded, and the push (which waits for matching) sends it to the matched page. Left to
                // the push's poll, a write made between matching and that poll was never recorded (adversary finding 5)
                if (mapping.source().pushes()) {
                    BoundPush.installCapture(changes, shapes, boundColumns, links, mapping.source());
                }
                matching.match(mapping, mirrorSchema);
            }
            // a column added, dropped or renamed, a property deleted: after matching, so an added column's values go to matched pages
            mapping = drift.check(mapping);
            if (mapping == null) {
                return Pass.waiting("the table's key columns are named otherwise than its links name them (notion_sync.bound_problems)");
            }
            if (!mapping.source().pulls()) {
                // direction = push: Notion writes nothing into the table. The pass still did what the push needs (record
                // matching's links, schema drift); the shadow mirror, kept by the pull, is the push's view of Notion
                return Pass.waiting("push only");
            }
            int[] counts = new int[Outcome.values().length];
            for (int round = 0; round < MAX_BATCHES; round++) {
                List<String> skip = skipped(mapping);
                List<Page> batch = pages.pending(mirrorSchema, mapping.source().table(), sourceName, mapping.propertyIds(), true, skip, BATCH);
                for (Page page : batch) {
                    counts[applyPage(mapping, page, false).ordinal()]++;
                }
                if (batch.size() < BATCH) {
                    break;
                }
            }
            Pass pass = new Pass("applied", counts[Outcome.UPDATED.ordinal()], counts[Outcome.INSERTED.ordinal()],
                    counts[Outcome.DELETED.ordinal()], counts[Outcome.UNLINKED.ordinal()], counts[Outcome.SKIPPED.ordinal()],
                    counts[Outcome.FAILED.ordinal()]);
            if (pass.changed()) {
                LOG.info("apply {}: {} rows updated, {} inserted, {} deleted, {} unlinked, {} left to the push, {} dead-lettered",
                        sourceName, pass.updated(), pass.inserted(), pass.deleted(), pass.unlinked(), pass.skipped(), pass.failed());
            }
            return pass;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The replay of a dead letter (direct:bound-apply-page): applies that one page again as it is in the shadow mirror
     * now; throws when it fails again, so the dead letter stays open with the new error.
     */
    public void applyPage(@Body String body) throws Exception {
        JsonNode work = JSON.readTree(body);
        String sourceName = work.path("source").asText();
        String pageId = work.path("page_id").asText();
        ReentrantLock lock = locks.computeIfAbsent(sourceName, k -> new ReentrantLock());
        lock.lock();
        try {
            BoundMapping mapping = ready(sourceName);
            if (mapping == null) {
                throw new IllegalStateException("source " + sourceName + " is not ready to apply pages (not bound, or bootstrap running)");
            }
            Page page = pages.page(mirrorSchema, mapping.source().table(), sourceName, mapping.propertyIds(), pageId);
            failed.remove(sourceName + "/" + pageId);
            if (page == null) {
                return;   // the page is no longer in the shadow mirror: nothing to apply
            }
            applyPage(mapping, page, true);
        } finally {
            lock.unlock();
        }
    }

    /** The dead letter body of a page: what its replay applies again. */
    static String work(String source, String pageId) {
        return JSON.createObjectNode().put("source", source).put("page_id", pageId).toString();
    }

    /** The source's mapping when it can be applied now; null while it is not bound yet, bootstraps, or has no shadow mirror. */
    private BoundMapping ready(String sourceName) throws SQLException {
        SourceSettings source = sources.get(sourceName);
        if (source == null) {
            throw new IllegalArgumentException("no bound source named " + sourceName);
        }
        Binding binding = source.binding();
        BoundSource record = boundSources.find(sourceName);
        if (record == null) {
            if (source.notionId() == null) {
                return null;   // waits for bootstrap; the pull's runs say so
            }
            // bound to an existing database by notion.source.<n>.id: first sync, record matching is due
            boundSources.boundToExisting(sourceName, binding.schema(), binding.table(), null, null);
            record = boundSources.find(sourceName);
        }
        if (record.bootstrapState() != null && !record.bootstrapped()) {
            return null;   // bootstrap creates the pages and links them itself
        }
        if (!pages.exists(mirrorSchema, source.table())) {
            return null;   // the first pull has not made the shadow mirror yet
        }
        TableShape shape = shapes.read(binding.schema(), binding.table(), "notion.source." + sourceName + ".table");
        List<BoundColumns.BoundColumn> pairs = boundColumns.of(sourceName);
        if (pairs.isEmpty() && record.bootstrapState() == null) {
            // bound to an existing database: its properties, as the first pull saw them, paired with the columns once
            List<ShadowPages.Property> properties = pages.properties(mirrorSchema, source.table());
            if (properties.isEmpty()) {
                return null;
            }
            pairs = ExistingDatabasePairing.pair(sourceName, binding, shape, properties);
            boundColumns.replace(sourceName, pairs);
        }
        if (pairs.isEmpty()) {
            return null;
        }
        return BoundMapping.of(source, shape, pairs);
    }

    /** Pages whose last attempt failed and that did not change since: the timer leaves them to their dead letter's replay. */
    private List<String> skipped(BoundMapping mapping) throws SQLException {
        String prefix = mapping.name() + "/";
        Map<String, String> mine = new LinkedHashMap<>();
        failed.forEach((k, edited) -> {
            if (k.startsWith(prefix)) {
                mine.put(k.substring(prefix.length()), edited);
            }
        });
        if (mine.isEmpty()) {
            return List.of();
        }
        Map<String, String> now = pages.versions(mirrorSchema, mapping.source().table(), mine.keySet());
        List<String> skip = new ArrayList<>();
        mine.forEach((pageId, edited) -> {
            if (edited.equals(now.get(pageId))) {
                skip.add(pageId);
            } else {
                failed.remove(prefix + pageId);   // edited since: tried again
            }
        });
        return skip;
    }

    /**
     * Applies one page. A refused value becomes a dead letter (or, on a replay, is thrown); a page the timer had given
     * up on and that now applies resolves its dead letter.
     */
    private Outcome applyPage(BoundMapping mapping, Page page, boolean replay) throws Exception {
        String key = mapping.name() + "/" + page.pageId();
        Outcome outcome;
        try {
            if (page.hasLink() && !page.linked() && !page.gone()) {
                outcome = restored(mapping, page);
            } else if (page.hasLink() && !page.linked()) {
                outcome = Outcome.UNCHANGED;   // unlinked: the page is no row's any more
            } else if (page.linked() && page.gone()) {
                outcome = gone(mapping, page);
            } else if (page.linked()) {
                outcome = changed(mapping, page);
            } else if (!page.gone()) {
                outcome = created(mapping, page);
            } else {
                outcome = Outcome.UNCHANGED;
            }
        } catch (RefusedValueException | BoundRows.RefusedValueException e) {
            ApplyRefusedException refused = new ApplyRefusedException("source " + mapping.name() + ": page " + page.pageId() + ": "
                    + e.getMessage(), e);
            if (replay) {
                throw refused;
            }
            failed.put(key, String.valueOf(page.version()));
            deadLetters.record("bind-apply-" + mapping.name(), REPLAY_URI, refused, work(mapping.name(), page.pageId()));
            return Outcome.FAILED;
        }
        deadLetters.store().markResolvedFor(REPLAY_URI, work(mapping.name(), page.pageId()));
        return outcome;
    }

    /** A linked page trashed in Notion or deleted: the row goes (on-trash = delete), or only the link (unlink). */
    private Outcome gone(BoundMapping mapping, Page page) throws SQLException {
        String source = mapping.name();
        if (mapping.binding().onTrash() == Binding.OnTrash.UNLINK) {
            rows.inEngineTransaction(c -> {
                Links.unlinkTrashed(c, source, page.rowKey());
                return null;
            });
            LOG.info("apply {}: page {} is in Notion's trash: row {} kept, unlinked (on-trash=unlink)", source, page.pageId(), page.rowKey());
            return Outcome.UNLINKED;
        }
        Outcome outcome = rows.inEngineTransaction(c -> {
            ChangeHistory.tagNotionEdit(c, page.pageId());
            Optional<ObjectNode> row = BoundRows.lock(c, mapping.table(), page.rowKey());
            if (row.isPresent() && BoundRows.hasPendingChanges(c, source, page.rowKey())) {
                return Outcome.SKIPPED;
            }
            if (!ShadowPages.stillAsRead(c, mirrorSchema, mapping.source().table(), page)) {
                return Outcome.UNCHANGED;   // restored or written since this pass read it: the next pass sees it
            }
            if (row.isPresent()) {
                BoundRows.delete(c, mapping.table(), page.rowKey());
            }
            Links.delete(c, source, page.rowKey());
            return Outcome.DELETED;
        });
        if (outcome == Outcome.DELETED) {
            LOG.info("apply {}: page {} is in Notion's trash: row {} deleted (on-trash=delete)", source, page.pageId(), page.rowKey());
        }
        return outcome;
    }

    /**
     * A page restored from Notion's trash whose row was kept (on-trash = unlink): the row's page again, as a three-way
     * merge against what both sides last agreed on (the link's values, kept while unlinked). What the application
     * changed meanwhile (the push ignored it: the row had no page) is recorded as the row's UPDATE, pushed under the
     * conflict policy; what the page shows changed since (an edit just before the trash) comes into the row at the next
     * passes, as any edit in Notion. Only for a page unlinked for the trash: a page kept when its row was deleted
     * (on-delete = ignore) stays unlinked. A row deleted meanwhile leaves the page unlinked.
     */
    private Outcome restored(BoundMapping mapping, Page page) throws SQLException {
        String source = mapping.name();
        Outcome outcome = rows.inEngineTransaction(c -> {
            if (!ShadowPages.stillAsRead(c, mirrorSchema, mapping.source().table(), page)) {
                return Outcome.UNCHANGED;   // trashed again since this pass read it: the next pass sees it
            }
            Optional<ObjectNode> row = BoundRows.lock(c, mapping.table(), page.rowKey());
            if (row.isEmpty()) {
                Links.forgetTrashed(c, source, page.pageId());
                return Outcome.UNCHANGED;
            }
            if (!Links.relinkRestored(c, source, page.pageId())) {
                return Outcome.UNCHANGED;   // unlinked otherwise (replayed): the page is no row's
            }
            JsonNode was = page.rowValues() == null ? JSON.createObjectNode() : page.rowValues();
            ObjectNode changed = JSON.createObjectNode();
            ObjectNode previous = JSON.createObjectNode();
            for (BoundMapping.Mapped mapped : mapping.values()) {
                JsonNode now = row.get().path(mapped.column().name());
                JsonNode before = was.path(mapped.column().name());
                if (!sameValue(now, before)) {
                    changed.set(mapped.pair().columnName(), now.isMissingNode() ? NullNode.getInstance() : now);
                    previous.set(mapped.pair().columnName(), before.isMissingNode() ? NullNode.getInstance() : before);
                }
            }
            String content = mapping.binding().contentColumn();
            if (content != null && BoundContents.editedSinceAgreed(c, source, page.rowKey(), row.get().get(content))) {
                // the body written meanwhile (the link says what the column held when last in step, not the value)
                changed.set(content, row.get().get(content) == null ? NullNode.getInstance() : row.get().get(content));
                previous.set(content, NullNode.getInstance());
            }
            if (!changed.isEmpty() && mapping.source().pushes()) {
                RowChanges.requestUpdate(c, source, mapping.table().schema(), mapping.table().name(), page.rowKey(), changed, previous);
            }
            return Outcome.RELINKED;
        });
        if (outcome == Outcome.RELINKED) {
            LOG.info("apply {}: page {} is back from Notion's trash: row {} is its row again", source, page.pageId(), page.rowKey());
        }
        return outcome;
    }

    /** A linked page whose mapped properties changed: only the columns of those properties are set. */
    private Outcome changed(BoundMapping mapping, Page page) throws SQLException {
        String source = mapping.name();
        JsonNode was = page.linkedValues() == null ? JSON.createObjectNode() : page.linkedValues();
        ObjectNode now = page.values();
        ObjectNode set = JSON.createObjectNode();
        ObjectNode base = JSON.createObjectNode();
        for (BoundMapping.Mapped mapped : mapping.values()) {
            String id = mapped.propertyId();
            JsonNode current = now.get(id);
            JsonNode before = was.get(id);
            if (current == null) {
                continue;   // the page no longer has the property (removed in Notion): the column keeps its value
            }
            if (current.equals(before)) {
                base.set(id, current);
                continue;
            }
            if (mapped.column().key()) {
                // a key column (a join table's relation): the row is found by it, so an edit in Notion cannot move it
                logOnce(source + "/keycol/" + page.pageId() + "/" + current, "apply " + source + ": page " + page.pageId() + " changed '"
                        + mapped.pair().propertyName() + "', which holds key column " + mapped.column().name() + " of row " + page.rowKey()
                        + ": a key is not changed from Notion; the edit is ignored");
                base.set(id, current);
                continue;
            }
            if (mapped.relation()) {
                Related related = related(mapping, mapped, page, current);
                if (related == null) {
                    if (before != null) {
                        base.set(id, before);   // still to do: the next pass tries again
                    }
                    continue;
                }
                set.set(mapped.column().name(), related.value());
            } else {
                set.set(mapped.column().name(), BoundValues.fromNotion(mapped.column(), current));
            }
            base.set(id, current);
        }
        keyProperty(mapping, page, now, base);
        return rows.inEngineTransaction(c -> {
            ChangeHistory.tagNotionEdit(c, page.pageId());
            Optional<ObjectNode> row = BoundRows.lock(c, mapping.table(), page.rowKey());
            if (row.isEmpty() || BoundRows.hasPendingChanges(c, source, page.rowKey())) {
                // a row deleted or changed in PostgreSQL: its captured change, pushed under the conflict policy, decides
                return Outcome.SKIPPED;
            }
            if (!ShadowPages.stillAsRead(c, mirrorSchema, mapping.source().table(), page)) {
                return Outcome.UNCHANGED;   // written since this pass read it (a push's write-back): the next pass applies it
            }
            JsonNode after = row.get();
            if (!set.isEmpty()) {
                BoundRows.update(c, mapping.table(), page.rowKey(), set);
                after = BoundRows.read(c, mapping.table(), page.rowKey()).orElseThrow();
            }
            Links.put(c, new Links.Link(source, page.rowKey(), page.pageId(), Links.LINKED, page.lastEditedTime(), base,
                    mapping.rowValues(after)));
            return set.isEmpty() ? Outcome.UNCHANGED : Outcome.UPDATED;
        });
    }

    /**
     * A page without a link: a new row, its key from the key property or, without one, the key columns' defaults (the
     * push then writes the row's key into the page's key property, asked in the same transaction). A page naming the
     * key of a row that has no linked page becomes that row's page (a create whose answer was lost, a page restored
     * from the trash).
     */
    private Outcome created(BoundMapping mapping, Page page) throws SQLException {
        String source = mapping.name();
        ObjectNode now = page.values();
        ObjectNode values = JSON.createObjectNode();
        ObjectNode base = JSON.createObjectNode();
        for (BoundMapping.Mapped mapped : mapping.values()) {
            JsonNode current = now.get(mapped.propertyId());
            if (mapped.relation()) {
                Related related = current == null ? new Related(NullNode.getInstance()) : related(mapping, mapped, page, current);
                if (related == null) {
                    continue;   // the foreign key stays unset (its default) until the related page is a row: retried
                }
                values.set(mapped.column().name(), related.value());
            } else {
                JsonNode value = BoundValues.fromNotion(mapped.column(), current);
                if (!(value.isNull() && mapped.column().hasDefault())) {
                    values.set(mapped.column().name(), value);   // nothing in Notion: a column with a default takes it
                }
            }
            if (current != null) {
                base.set(mapped.propertyId(), current);
            }
        }
        keyProperty(mapping, null, now, base);
        String keyText = mapping.keyText(now);
        ObjectNode key = null;
        if (!keyText.isEmpty()) {
            key = BoundValues.rowKey(mapping.shape().keyColumns(), keyText);
            values.setAll(key);
        } else {
            // a key column a relation sets (a join table's) or with a default needs no key text
            List<String> missing = mapping.shape().keyColumns().stream().filter(k -> !k.hasDefault() && !values.hasNonNull(k.name()))
                    .map(TableColumn::name).toList();
            if (!missing.isEmpty()) {
                throw new RefusedValueException("column " + String.join(", ", missing) + " of " + mapping.binding().qualifiedName()
                        + " refused by not null: the page has no key in property '" + mapping.keyPropertyName()
                        + "' and the key column has no default; write the row's key there, or give the column a default");
            }
        }
        ObjectNode given = key;
        Object[] outcome = new Object[1];
        Outcome result = rows.inEngineTransaction(c -> {
            ChangeHistory.tagNotionEdit(c, page.pageId());
            ObjectNode rowKey = given;
            Optional<ObjectNode> existing = given == null ? Optional.empty() : BoundRows.lock(c, mapping.table(), given);
            if (existing.isPresent()) {
                Links.Link link = Links.byKey(c, source, given);
                if (link != null && link.linked() && !page.pageId().equals(link.pageId())) {
                    outcome[0] = link.pageId();
                    return Outcome.UNCHANGED;
                }
            }
            if (given != null && BoundRows.hasPendingChanges(c, source, given)) {
                // changes of the row still to push; without a row under the key: a create whose answer was lost, the row
                // deleted or moved to another key since. The push settles the page (trashes it, or moves it along)
                return Outcome.SKIPPED;
            }
            if (existing.isEmpty() && given != null && RowChanges.deleteGivenUp(c, source, given)) {
                // the row was deleted here and the push gave up trashing its page (a lost create's withdrawal that
                // dead-lettered settles the changes without a word to the shadow mirror): its replay decides, not this page
                return Outcome.SKIPPED;
            }
            if (!ShadowPages.stillAsRead(c, mirrorSchema, mapping.source().table(), page)) {
                return Outcome.UNCHANGED;   // the push trashed or wrote the page since this pass read it: the next pass sees it
            }
            if (existing.isPresent()) {
                ObjectNode update = values.deepCopy();
                mapping.table().keyColumns().forEach(update::remove);
                // a new page adopting a row that has none (its old page trashed and unlinked): what the page leaves
                // empty was never said in Notion, so the row keeps its value instead of losing it to NULL
                update.properties().removeIf(e -> e.getValue().isNull());
                BoundRows.update(c, mapping.table(), given, update);
            } else {
                rowKey = BoundRows.insert(c, mapping.table(), values);
            }
            JsonNode row = BoundRows.read(c, mapping.table(), rowKey).orElseThrow();
            Links.put(c, new Links.Link(source, rowKey, page.pageId(), Links.LINKED, page.lastEditedTime(), base, mapping.rowValues(row)));
            if (mapping.key() != null && mapping.source().pushes()
                    && !BoundValues.keyText(mapping.shape().keyColumns(), rowKey).equals(keyText)) {
                // the key came from the column's default (or the page wrote it otherwise): the push writes it into the page
                RowChanges.requestKeyProperty(c, source, mapping.table().schema(), mapping.table().name(), rowKey);
            }
            outcome[0] = rowKey;
            return Outcome.INSERTED;
        });
        if (result == Outcome.UNCHANGED && outcome[0] instanceof String otherPage) {
            String detail = "page " + page.pageId() + " names key " + keyText + " in '" + mapping.keyPropertyName() + "', which is the row of page "
                    + otherPage + " (a duplicated page carries its key along): left alone; clear its key to make it a new row, or trash it";
            problems.record(source, BoundProblems.DUPLICATE_KEY_PAGE, page.pageId(), List.of(page.pageId(), otherPage), List.of(given), detail);
            logOnce(source + "/dup/" + page.pageId(), "apply " + source + ": " + detail);
        } else if (result == Outcome.INSERTED) {
            problems.resolvePage(source, BoundProblems.DUPLICATE_KEY_PAGE, page.pageId());
            if (given != null) {
                problems.resolve(source, BoundProblems.UNMATCHED_ROW, given.toString());   // a row record matching left without a page
            }
            LOG.debug("apply {}: page {} is row {}", source, page.pageId(), outcome[0]);
        }
        return result;
    }

    /** The key property is read-only by convention: its value goes into the link's base, an edit of it is only logged. */
    private void keyProperty(BoundMapping mapping, Page linked, ObjectNode now, ObjectNode base) {
        if (mapping.key() == null || mapping.key().propertyId() == null) {
            return;
        }
        JsonNode current = now.get(mapping.key().propertyId());
        if (current == null) {
            return;
        }
        base.set(mapping.key().propertyId(), current);
        if (linked != null && !mapping.keyText(now).isEmpty()
                && !mapping.keyText(now).equals(BoundValues.keyText(mapping.shape().keyColumns(), linked.rowKey()))) {
            logOnce(mapping.name() + "/key/" + linked.pageId() + "/" + mapping.keyText(now), "apply " + mapping.name() + ": page " + linked.pageId()
                    + " shows key '" + mapping.keyText(now) + "' in '" + mapping.keyPropertyName() + "', but is the row "
                    + linked.rowKey() + ": the key property is read-only, the edit is ignored");
        }
    }

    /** The foreign key value a relation sets: resolved, or null while it cannot be (reported, the column kept). */
    private record Related(JsonNode value) {
    }

    private Related related(BoundMapping mapping, BoundMapping.Mapped mapped, Page page, JsonNode property) throws SQLException {
        String source = mapping.name();
        String subject = page.pageId() + "/" + mapped.propertyId();
        List<String> ids = BoundValues.relatedPageIds(property);
        if (ids.isEmpty()) {
            problems.resolve(source, BoundProblems.UNLINKED_RELATION, subject);
            return new Related(NullNode.getInstance());
        }
        TableColumn.Reference reference = mapped.column().references();
        String detail = null;
        String target = reference == null ? null : boundSourceOf(reference);
        Links.Link link = null;
        if (ids.size() > 1) {
            detail = "relation '" + mapped.pair().propertyName() + "' of page " + page.pageId() + " holds " + ids.size()
                    + " pages; column " + mapped.column().name() + " holds one: kept as it was";
        } else if (target == null) {
            detail = "relation '" + mapped.pair().propertyName() + "' of page " + page.pageId() + ": column " + mapped.column().name()
                    + " references no bound table: kept as it was";
        } else {
            link = links.byPage(target, ids.get(0));
            if (link == null || !link.linked()) {
                detail = "relation '" + mapped.pair().propertyName() + "' of page " + page.pageId() + " points at page " + ids.get(0)
                        + ", which is no linked row of " + reference.qualifiedTable() + " (source " + target + "): column "
                        + mapped.column().name() + " kept as it was";
            }
        }
        if (detail != null) {
            problems.record(source, BoundProblems.UNLINKED_RELATION, subject, List.of(page.pageId()), page.rowKey() == null ? List.of()
                    : List.of(page.rowKey()), detail);
            logOnce(source + "/rel/" + subject + "/" + ids, "apply " + source + ": " + detail);
            return null;
        }
        JsonNode value = link.rowKey().get(reference.column());
        if (value == null) {
            // a foreign key to another unique column than the key: read it from the referenced row
            SourceSettings referenced = sources.get(target);
            BoundRows.Table table = new BoundRows.Table(reference.schema(), reference.table(),
                    shapes.read(referenced.binding().schema(), referenced.binding().table(), "notion.source." + target + ".table").key());
            JsonNode referencedKey = link.rowKey();
            value = rows.inEngineTransaction(c -> BoundRows.read(c, table, referencedKey)).map(r -> r.get(reference.column())).orElse(null);
        }
        problems.resolve(source, BoundProblems.UNLINKED_RELATION, subject);
        return new Related(value == null ? NullNode.getInstance() : value);
    }

    /** The bound source whose table a foreign key references, or null. */
    private String boundSourceOf(TableColumn.Reference reference) {
        for (SourceSettings source : sources.values()) {
            Binding binding = source.binding();
            if (binding.schema().equals(reference.schema()) && binding.table().equals(reference.table())) {
                return source.name();
            }
        }
        return null;
    }

    /** Two to_jsonb values alike: null and missing alike, numbers by value (1 and 1.0 read back alike). */
    private static boolean sameValue(JsonNode a, JsonNode b) {
        boolean noA = a == null || a.isMissingNode() || a.isNull();
        boolean noB = b == null || b.isMissingNode() || b.isNull();
        if (noA || noB) {
            return noA == noB;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private void logOnce(String key, String message) {
        if (logged.add(key)) {
            LOG.warn(message);
        }
    }

    /** A page Apply could not write: names the page, the column and the constraint. */
    public static final class ApplyRefusedException extends Exception {
        ApplyRefusedException(String message, Exception cause) {
            super(message, cause);
        }
    }
}
