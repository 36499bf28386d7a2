package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.BoundValues;
import dev.notionsync.mapping.PropertyType;
import dev.notionsync.mapping.PropertyTypes;
import dev.notionsync.mapping.RefusedValueException;
import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import dev.notionsync.mapping.UnwritableValueException;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.BoundContents;
import dev.notionsync.store.BoundWriteBack;
import dev.notionsync.store.Links;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.RowChanges;
import dev.notionsync.store.TableShapes;
import dev.notionsync.sync.ConflictJudge;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.PageCreator;
import dev.notionsync.sync.PageReader;
import dev.notionsync.sync.PushRunner;
import dev.notionsync.sync.PushRunner.PushRejectedException;
import dev.notionsync.sync.PushRunner.PushResult;
import dev.notionsync.sync.SourceSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.language.simple.Simple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push of bound tables: an application's INSERT, UPDATE or DELETE on its own table → Notion; the beans of
 * routes/notion-bind-push.camel.yaml. The capture trigger (the only object the engine adds to the table) records
 * changes in notion_sync.row_changes; each poll claims them per row. An INSERT creates the row's page exactly once
 * (PageCreator, intent {@code bind:<source>:<row key>}), an UPDATE patches only the changed mapped properties after
 * the conflict check against the link's base (ConflictJudge; where Notion wins the row takes Notion's value back), a
 * key change moves the link and sets the key property, a DELETE trashes the page (or keeps it, on-delete=ignore).
 * Foreign keys to another bound table become relations through that table's links; a related row whose page is
 * still being created makes the change wait. Notion's answer is written back in one transaction (the link, the
 * shadow mirror row, the changes settled), so the Apply bridge sees nothing new: no echo.
 */
public final class BoundPush {

    /** Exchange property holding the {@link BoundChange} being pushed. */
    public static final String CHANGE = "rowChange";
    public static final String REPLAY_URI = "direct:bind-push-row";

    private static final Logger LOG = LoggerFactory.getLogger(BoundPush.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private final Map<String, SourceSettings> sources = new LinkedHashMap<>();
    private final MirrorTables tables;
    private final PageReader reader;
    private final NotionApi notion;
    private final RowChanges changes;
    private final TableShapes shapes;
    private final BoundColumns boundColumns;
    private final BoundSources boundSources;
    private final Links links;
    private final BoundRows rows;
    private final BoundWriteBack writeBack;
    private final ConflictJudge judge;
    private final DeadLetterChannel deadLetters;
    private final NotionMetrics metrics;
    private final PushRunner.Limits limits;
    private final PageCreator creator;
    private final BoundContent content;

    public BoundPush(List<SourceSettings> sources, MirrorTables tables, PageReader reader, NotionApi notion, RowChanges changes,
                     TableShapes shapes, BoundColumns boundColumns, BoundSources boundSources, Links links, BoundRows rows,
                     BoundWriteBack writeBack,
                     ConflictJudge judge, DeadLetterChannel deadLetters, NotionMetrics metrics, PushRunner.Limits limits,
                     PageCreator creator, BoundContent content) {
        sources.stream().filter(SourceSettings::bound).forEach(s -> this.sources.put(s.name(), s));
        this.tables = tables;
        this.reader = reader;
        this.notion = notion;
        this.changes = changes;
        this.shapes = shapes;
        this.boundColumns = boundColumns;
        this.boundSources = boundSources;
        this.links = links;
        this.rows = rows;
        this.writeBack = writeBack;
        this.judge = judge;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.limits = limits;
        this.creator = creator;
        this.content = content;
    }

    // ------------------------------------------------------------------------------------------------ the route's steps

    /**
     * The poll: (re)installs the source's capture trigger when its mapped columns differ from the trigger's, then
     * claims the pending changes of up to a batch of rows; the body becomes one message per row. Nothing before the
     * source has its columns paired with properties (bootstrap, or binding to an existing database), and nothing
     * while a bootstrap of the source is under way (creating or filling): it makes and links the pages of the rows it
     * reads itself, and the changes captured meanwhile wait for it, then go (a row it made a page for finds its link;
     * one it did not gets its page here, under the same create intent). Nor before the record matching of a source
     * bound to an existing database: a row changed meanwhile has no link yet, and would get a second page; its change
     * waits, then goes to the page matching links it to.
     */
    public List<String> claim(String sourceName) throws Exception {
        SourceSettings source = source(sourceName);
        if (!installCapture(source)) {
            return List.of();
        }
        BoundSources.BoundSource recorded = boundSources.find(source.name());
        if (recorded != null && recorded.bootstrapState() != null && !recorded.bootstrapped()) {
            return List.of();
        }
        if (recorded == null || recorded.bootstrapState() == null && recorded.matchedAt() == null) {
            return List.of();
        }
        List<String> bodies = new ArrayList<>();
        for (List<RowChanges.Entry> entries : changes.claim(source.name(), limits.instance(), limits.batchPages())) {
            bodies.add(BoundChange.of(entries, null).body());
        }
        return bodies;
    }

    /**
     * Installs the capture trigger on the source's table, or re-installs it when its mapped columns changed: the key
     * columns, then every column paired with a property. False while the source has no pairs yet.
     */
    public boolean installCapture(SourceSettings source) throws Exception {
        return installCapture(changes, shapes, boundColumns, links, source);
    }

    /**
     * At start: the capture trigger installed again for what the settings say now, and the values the engine stored of
     * columns {@code .exclude} names now but that were paired before (a secret noticed late; the trigger of before
     * recorded them) removed from its row changes and links. Nothing while the source has no pairs yet.
     */
    public void settleExcluded(SourceSettings source) throws Exception {
        installCapture(source);
        List<BoundColumns.BoundColumn> recorded = boundColumns.of(source.name());
        if (source.binding().exclude().isEmpty() || recorded.isEmpty()) {
            return;
        }
        TableShape shape = shapes.read(source.binding().schema(), source.binding().table(), "notion.source." + source.name() + ".table");
        List<BoundColumns.BoundColumn> synced = BoundMapping.synced(source, shape, recorded);
        List<String> columns = new ArrayList<>();
        List<String> propertyIds = new ArrayList<>();
        for (BoundColumns.BoundColumn pair : recorded) {
            if (!synced.contains(pair)) {
                columns.add(pair.columnName());
                shape.columns().stream().filter(c -> c.attnum() == pair.attnum()).forEach(c -> columns.add(c.name()));
                if (pair.propertyId() != null) {
                    propertyIds.add(pair.propertyId());
                }
            }
        }
        if (!columns.isEmpty()) {
            int forgotten = changes.forgetColumns(source.name(), columns);
            links.forgetValues(source.name(), columns, propertyIds);
            LOG.info("source {}: excluded column(s) {} are no longer synced; their values are removed from {} recorded changes and the links",
                    source.name(), columns, forgotten);
        }
    }

    /**
     * As {@link #installCapture(SourceSettings)}, for bootstrap (which has no push of its own): it installs the trigger
     * once the columns are paired and before it reads the rows, so no change made meanwhile is lost. False (the
     * trigger left as it is, and nothing pushed) while the table's key columns are named otherwise than its links name
     * them: the trigger installed before keeps recording changes under the links' names until it is renamed back.
     */
    public static boolean installCapture(RowChanges changes, TableShapes shapes, BoundColumns boundColumns, Links links, SourceSettings source)
            throws Exception {
        Mapping mapping = mapping(shapes, boundColumns, source);
        if (mapping == null || SchemaDrift.keyChanged(links.keyColumns(source.name()), mapping.shape()) != null) {
            return false;
        }
        List<RowChanges.Captured> captured = captured(mapping.columns().stream().map(Mapped::pair).toList(), mapping.shape());
        String contentColumn = source.binding().contentColumn();
        if (contentColumn != null) {
            // the page's body: recorded like a mapped column, handed to the content push by the push (BoundContent)
            mapping.shape().columns().stream().filter(c -> c.name().equals(contentColumn) && !c.key()).findFirst()
                    .ifPresent(c -> captured.add(new RowChanges.Captured(c.name(), c.attnum())));
        }
        changes.install(source.binding().schema(), source.binding().table(), source.name(), captured(mapping.shape().keyColumns()), captured);
        changes.installHistory(source.name(), source.binding().schema(), source.binding().table(), source.binding().excludedByUser());
        return true;
    }

    /**
     * The mapped columns as the capture trigger records them: each paired column the table still has, by its attnum,
     * under the name its pair was recorded under, so changes made before and after a rename read alike.
     */
    static List<RowChanges.Captured> captured(List<BoundColumns.BoundColumn> pairs, TableShape shape) {
        List<RowChanges.Captured> captured = new ArrayList<>();
        for (BoundColumns.BoundColumn pair : pairs) {
            if (pair.attnum() != BoundColumns.KEY_ATTNUM) {
                shape.columns().stream().filter(c -> c.attnum() == pair.attnum()).findFirst()
                        .ifPresent(column -> captured.add(new RowChanges.Captured(pair.columnName(), column.attnum())));
            }
        }
        return captured;
    }

    /** The key columns as the capture trigger records them: by the names they have now, which are the links' names. */
    static List<RowChanges.Captured> captured(List<TableColumn> keyColumns) {
        return keyColumns.stream().map(k -> new RowChanges.Captured(k.name(), k.attnum())).toList();
    }

    /** Reads the message (from the poll or a replay) back into the row's change. */
    public BoundChange prepare(@Body String message) throws Exception {
        JsonNode body = BoundChange.readTree(message);
        List<Long> ids = new ArrayList<>();
        body.path("change_ids").forEach(id -> ids.add(id.asLong()));
        List<RowChanges.Entry> entries = changes.load(ids);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("row changes " + ids + " no longer exist");
        }
        Set<String> only = null;
        if (body.has("columns")) {
            only = new LinkedHashSet<>();
            for (JsonNode column : body.path("columns")) {
                only.add(column.asText());
            }
        }
        // the trigger records each column under the name its pair was recorded under: the push works with today's names
        Mapping mapping = mapping(shapes, boundColumns, source(entries.get(0).source()));
        return BoundChange.of(entries, only, mapping == null ? Map.of() : mapping.namesNow());
    }

    /**
     * INSERT of a row: creates its page exactly once, with every mapped column that has a value and the key property.
     * A page an earlier attempt made (its answer lost, or the engine stopped before the change was settled), or a row
     * already linked (record matching), is checked as an update instead: it may have been edited in Notion since.
     */
    public PushResult create(@ExchangeProperty(CHANGE) BoundChange change, @Header(DeadLetterChannel.REPLAY_OF) Object replayOf,
                             @Header(DeadLetterChannel.REPLAY_FORCE) Boolean forced, @Simple("${fromRouteId}") String route) throws Exception {
        SourceSettings source = source(change.source());
        Mapping mapping = requireMapping(source);
        MirrorTable shadow = shadow(source);
        Map<String, JsonNode> values = change.changed();
        if (values.isEmpty() && change.onlyColumns() == null) {
            // an INSERT recorded without values (record matching's unmatched rows): the row as it is now
            Optional<ObjectNode> row = rows.inEngineTransaction(c -> BoundRows.read(c, mapping.table(), change.rowKey()));
            if (row.isEmpty()) {
                return ignored("the row no longer exists");
            }
            values = mapping.mappedValues(row.get());
        }
        Links.Link link = links.byKey(source.name(), change.rowKey());
        if (link != null && link.pageId() != null && link.linked()) {
            return push(change, source, mapping, shadow, link.pageId(), null, linkBase(link), link, values, replayOf, forced, route);
        }
        // no link, or the unlinked link of a row deleted before under this key (on-delete=ignore): the new row gets a new page
        ObjectNode properties = JSON.createObjectNode();
        boolean leftOut = false;
        for (Map.Entry<String, JsonNode> value : values.entrySet()) {
            Mapped mapped = mapping.byColumn(value.getKey());
            if (mapped != null && !value.getValue().isNull()) {
                try {
                    properties.set(mapped.ref(), requestValue(mapping, mapped, value.getValue()));
                } catch (UnwritableValueException e) {
                    leftOut = true;   // a value Notion cannot hold does not keep the row from its page: push() below names it
                }
            }
        }
        properties.set(mapping.key().ref(), keyValue(mapping, change.rowKey()));
        PageCreator.Created created = creator.on(source.connection()).create(intentKey(source.name(), change.rowKey()), null, shadow.dataSourceId(), mapping.titleRef(),
                byKey(mapping, change.rowKey()), properties, (page, sent) -> holdsSent(mapping, page, sent));
        if (created.byEarlierAttempt()) {
            LOG.info("push {}: row {}: its page {} was made by an earlier attempt; its values are checked against it", source.name(),
                    change.rowKey(), created.pageId());
            return push(change, source, mapping, shadow, created.pageId(), null, sentBase(created.sentBefore()), null, values, replayOf,
                    forced, route, true);
        }
        if (leftOut) {
            // as for an update: the left-out column is a dead letter naming it and holding its value, and the row shows
            // the page's value; the other values are on the page already (converged)
            return push(change, source, mapping, shadow, created.pageId(), created.page(), sentBase(created.sentBefore()), null, values,
                    replayOf, forced, route, true);
        }
        JsonNode page = created.page();
        PageWriter.Row written = reader.read(source.name(), shadow, page);
        ObjectNode rowValues = NODES.objectNode();
        values.forEach((column, value) -> {
            if (mapping.byColumn(column) != null) {
                rowValues.set(column, value);
            }
        });
        writeBack.write(new BoundWriteBack.WriteBack(source.name(), null, new Links.Link(source.name(), change.rowKey(), created.pageId(),
                Links.LINKED, written.lastEditedTime(), pageValues(mapping, written), rowValues), shadow, written, List.of(), mapping.table(),
                change.rowKey(), null, change.ids(), "pushed", null), contentHandOff(source, created.pageId(), values, true));
        LOG.info("push {}: row {} created page {}", source.name(), change.rowKey(), created.pageId());
        metrics.pushed(source.name(), "created");
        return new PushResult("pushed", null);
    }

    /**
     * UPDATE of a row: PATCHes only its changed mapped properties (and the key property when the key changed), each
     * after the conflict check against the link's base; where Notion wins the row takes Notion's value back.
     */
    public PushResult update(@ExchangeProperty(CHANGE) BoundChange change, @Header(DeadLetterChannel.REPLAY_OF) Object replayOf,
                             @Header(DeadLetterChannel.REPLAY_FORCE) Boolean forced, @Simple("${fromRouteId}") String route) throws Exception {
        SourceSettings source = source(change.source());
        Mapping mapping = requireMapping(source);
        Links.Link link = links.byKey(source.name(), change.linkKey());
        if (link == null || link.pageId() == null) {
            // a row that never got a page (it was there before the binding and not matched yet): it gets one now
            Optional<ObjectNode> row = rows.inEngineTransaction(c -> BoundRows.read(c, mapping.table(), change.rowKey()));
            if (row.isEmpty()) {
                return ignored("the row no longer exists");
            }
            BoundChange asInsert = new BoundChange(change.source(), change.rowKey(), null, change.ids(), "create",
                    mapping.mappedValues(row.get()), change.previous(), change.changedAt(), change.attempts(), null);
            return create(asInsert, replayOf, forced, route);
        }
        if (!link.linked()) {
            return ignored("row " + change.linkKey() + " is unlinked from its page");
        }
        if (change.fromKey() == null && !change.changed().isEmpty()
                && change.changed().keySet().stream().allMatch(column -> column.equals(source.binding().contentColumn()))) {
            // only the page's body changed: no property to send, the content push takes it from here
            writeBack.write(new BoundWriteBack.WriteBack(source.name(), null, null, null, null, List.of(), mapping.table(), change.rowKey(), null,
                    change.ids(), "pushed", "content handed to the content push"), contentHandOff(source, link.pageId(), change.changed(), false));
            return new PushResult("pushed", "content handed to the content push");
        }
        return push(change, source, mapping, shadow(source), link.pageId(), null, linkBase(link), link, change.changed(), replayOf, forced,
                route);
    }

    /**
     * DELETE of a row: moves its page to Notion's trash (or, on-delete=ignore, keeps the page and unlinks it). A page
     * edited in Notion since the row's last sync is a conflict: where Notion wins the page stays and its link goes,
     * so the Apply bridge brings the row back from the page.
     */
    public PushResult trash(@ExchangeProperty(CHANGE) BoundChange change, @Header(DeadLetterChannel.REPLAY_OF) Object replayOf,
                            @Header(DeadLetterChannel.REPLAY_FORCE) Boolean forced) throws Exception {
        SourceSettings source = source(change.source());
        Links.Link link = links.byKey(source.name(), change.linkKey());
        if (link == null || link.pageId() == null) {
            return withdraw(change);
        }
        // the page stays (unlinked before, or on-delete=ignore): its create intent is forgotten, so a new row under the key gets a page of its own
        String intentOfKey = intentKey(source.name(), change.linkKey());
        if (!link.linked()) {
            writeBack.write(new BoundWriteBack.WriteBack(source.name(), null, null, null, null, List.of(intentOfKey), null, change.rowKey(), null,
                    change.ids(), "ignored", "the row was unlinked from its page"));
            return ignored("the row was unlinked from its page");
        }
        if (!source.trashOnDelete()) {
            writeBack.write(new BoundWriteBack.WriteBack(source.name(), null, new Links.Link(source.name(), link.rowKey(), link.pageId(),
                    Links.UNLINKED, link.pageEditedTime(), link.pageValues(), link.rowValues()), null, null, List.of(intentOfKey), null,
                    change.rowKey(), null, change.ids(), "ignored", "on-delete=ignore: the page stays, unlinked"));
            LOG.info("push {}: row {} deleted; its page {} stays in Notion, unlinked (on-delete=ignore)", source.name(), change.linkKey(), link.pageId());
            return ignored("on-delete=ignore: the page stays, unlinked");
        }
        Mapping mapping = requireMapping(source);
        MirrorTable shadow = shadow(source);
        boolean replay = replayOf != null;
        boolean force = replay && Boolean.TRUE.equals(forced);
        JsonNode page = notion.on(source.connection()).call(NotionRequest.get("/v1/pages/" + link.pageId()));
        String intent = intentKey(source.name(), change.linkKey());
        if (!inTrash(page)) {
            ObjectNode editedInNotion = JSON.createObjectNode();
            Base base = linkBase(link);
            for (Mapped mapped : mapping.all()) {
                JsonNode notionValue = propertyOf(page, mapped.pair());
                if (base.changedInNotion(mapped, notionValue)) {
                    editedInNotion.set(mapped.pair().propertyName(), notionValue);
                }
            }
            if (!editedInNotion.isEmpty() && !force && !judge.postgresWins(source, link.pageId(), change.changedAt(), "", "(row deleted)",
                    JSON.createObjectNode().put("deleted", true), editedInNotion, instant(page), replay)) {
                PageWriter.Row written = reader.read(source.name(), shadow, page);
                writeBack.write(new BoundWriteBack.WriteBack(source.name(), change.linkKey(), null, shadow, written, List.of(intent),
                        mapping.table(), change.rowKey(), null, change.ids(), "ignored",
                        "conflict: the page was edited in Notion since; it stays, and its row comes back from it"));
                LOG.warn("push {}: row {} deleted, but its page {} was edited in Notion since: the page stays and the row comes back from it",
                        source.name(), change.linkKey(), link.pageId());
                return ignored("conflict: the page was edited in Notion since; it stays, and its row comes back from it");
            }
            page = notion.on(source.connection()).call(NotionRequest.patch("/v1/pages/" + link.pageId(), "{\"in_trash\":true}"));
            metrics.pushed(source.name(), "trashed");
        }
        PageWriter.Row written = reader.read(source.name(), shadow, page);
        writeBack.write(new BoundWriteBack.WriteBack(source.name(), change.linkKey(), null, shadow, written, List.of(intent), mapping.table(),
                change.rowKey(), null, change.ids(), "pushed", null));
        LOG.info("push {}: row {} deleted; page {} moved to Notion's trash", source.name(), change.linkKey(), link.pageId());
        return new PushResult("pushed", null);
    }

    /**
     * A row inserted, then deleted, before it was pushed (or whose create was never settled): nothing to send, but a
     * page a lost answer made goes to the trash, and the intent is forgotten so the key can name a new row.
     */
    public PushResult withdraw(@ExchangeProperty(CHANGE) BoundChange change) throws Exception {
        SourceSettings source = source(change.source());
        Mapping mapping = mapping(source);
        String intent = intentKey(source.name(), change.linkKey());
        MirrorTable shadow = null;
        PageWriter.Row trashed = null;
        if (mapping != null) {
            shadow = shadow(source);
            String made = creator.on(source.connection()).withdraw(intent, shadow.dataSourceId(), mapping.titleRef(), byKey(mapping, change.linkKey()),
                    (page, sent) -> holdsSent(mapping, page, sent));
            if (made != null) {
                // the trashed page into the shadow mirror with the rest: else, until the next pull, the Apply bridge sees
                // a live page naming a key no row has and nothing pending, and makes the deleted row again
                trashed = reader.read(source.name(), shadow, notion.on(source.connection()).call(NotionRequest.get("/v1/pages/" + made)));
            }
        }
        writeBack.write(new BoundWriteBack.WriteBack(source.name(), null, null, shadow, trashed, List.of(intent), null, change.rowKey(), null,
                change.ids(), "ignored", null));
        return ignored(null);
    }

    /** The change went through (or amounted to nothing): its row changes are done, with how it ended. */
    public void complete(@ExchangeProperty(CHANGE) BoundChange change, @Body PushResult result) throws Exception {
        changes.finish(change.ids(), result.outcome(), result.note());
    }

    /**
     * The change failed. A related row whose page is still being created makes it wait (no attempt counted);
     * rejections (a value Notion cannot hold, a 4xx but 429) are dead letters at once, naming the row's key; transient
     * failures go back with exponential backoff until notion.push.max-attempts, then are dead letters. A replay that
     * fails again keeps its dead letter open.
     */
    public void failed(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure, @ExchangeProperty(CHANGE) BoundChange change,
                       @Header(DeadLetterChannel.REPLAY_OF) Object replayOf, @Simple("${fromRouteId}") String route) throws Exception {
        if (replayOf != null || change == null) {
            throw failure;
        }
        if (failure instanceof RelatedRowPending) {
            changes.retryLater(change.ids(), limits.backoffBase(), failure.getMessage(), false);
            LOG.info("push {}: row {} waits: {}", change.source(), change.rowKey(), failure.getMessage());
            return;
        }
        if (failure instanceof NotionApiException refused && refused.status() == 400 && propertyDeletedSince(change.source())) {
            // a property deleted in Notion since the schema was read: sent again without it (not counted as an attempt)
            changes.retryLater(change.ids(), limits.backoffBase(), failure.getMessage(), false);
            LOG.info("push {}: row {}: a mapped property was deleted in Notion ({}); sent again without it", change.source(), change.rowKey(),
                    failure.getMessage());
            return;
        }
        boolean permanent = failure instanceof PushRejectedException || failure instanceof UnwritableValueException
                || failure instanceof RefusedValueException || failure instanceof NotionApiException notionFailure && !notionFailure.isTransient();
        int attempts = change.attempts() + 1;
        if (permanent || attempts >= limits.maxAttempts()) {
            String reason = "row " + change.rowKey() + ": " + (permanent ? "rejected: " : "failed " + attempts + " times: ") + failure.getMessage();
            // the dead letter first: if storing it fails, the claim runs out and the change is tried again
            deadLetters.record(route, REPLAY_URI, new PushRejectedException(reason), change.body());
            handOffContent(change);   // the page's body goes on its own way: the content push's
            changes.finish(change.ids(), "dead_letter", reason);
            metrics.pushed(change.source(), "dead_lettered");
            LOG.warn("push {}: {}", change.source(), reason);
            return;
        }
        Duration delay = limits.backoffBase().multipliedBy(1L << Math.min(attempts - 1, 10));
        changes.retryLater(change.ids(), delay, failure.getMessage());
        LOG.warn("push {}: row {} failed ({}), retry {} in {}s", change.source(), change.rowKey(), failure.getMessage(), attempts, delay.toSeconds());
    }

    /**
     * After Notion refused a request as invalid: reads the source's schema again, and tells whether a mapped property
     * is gone from it that was not known gone before (Notion answers 400 to a value for a property it no longer has).
     */
    private boolean propertyDeletedSince(String sourceName) {
        try {
            SourceSettings source = source(sourceName);
            Set<Integer> before = goneFromNotion(source);
            tables.forget(source.name());
            Set<Integer> after = goneFromNotion(source);
            return !before.containsAll(after);
        } catch (Exception e) {
            LOG.warn("push {}: the schema could not be read again: {}", sourceName, e.getMessage());
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------------ the update itself

    /**
     * Sends a row's values to its page: each changed mapped column converged (Notion holds it already: not sent),
     * kept (changed in Notion since {@code base} and the policy keeps Notion's: the row takes Notion's value back) or
     * sent; a key change sets the key property. Then the write-back, in one transaction.
     */
    private PushResult push(BoundChange change, SourceSettings source, Mapping mapping, MirrorTable shadow, String pageId, JsonNode current,
                            Base base, Links.Link link, Map<String, JsonNode> values, Object replayOf, Boolean forced, String route) throws Exception {
        return push(change, source, mapping, shadow, pageId, current, base, link, values, replayOf, forced, route, false);
    }

    /** @param pageJustMade the page was made by this change's create (an empty body: the base of the row's content) */
    private PushResult push(BoundChange change, SourceSettings source, Mapping mapping, MirrorTable shadow, String pageId, JsonNode current,
                            Base base, Links.Link link, Map<String, JsonNode> values, Object replayOf, Boolean forced, String route,
                            boolean pageJustMade) throws Exception {
        boolean replay = replayOf != null;
        boolean force = replay && Boolean.TRUE.equals(forced);
        JsonNode page = current != null ? current : notion.on(source.connection()).call(NotionRequest.get("/v1/pages/" + pageId));
        if (inTrash(page)) {
            throw new PushRejectedException("page " + pageId + " is in Notion's trash: restore it in Notion, or delete the row");
        }
        Instant notionEdited = instant(page);
        ObjectNode properties = JSON.createObjectNode();
        ObjectNode rowBack = NODES.objectNode();
        Map<String, JsonNode> refused = new LinkedHashMap<>();
        List<String> reasons = new ArrayList<>();
        for (Map.Entry<String, JsonNode> value : values.entrySet()) {
            Mapped mapped = mapping.byColumn(value.getKey());
            if (mapped == null) {
                continue;   // no longer mapped
            }
            JsonNode notionValue = propertyOf(page, mapped.pair());
            if (notionValue == null) {
                // the page has no such property: deleted in Notion since the schema was read. Not sent (Notion would refuse
                // the whole request), not taken back; the schema is read again, so Apply reports it and the push leaves it out
                LOG.info("push {}: row {}: page {} has no property '{}' (deleted in Notion?): column {} is not sent", source.name(),
                        change.rowKey(), pageId, mapped.pair().propertyName(), mapped.column().name());
                tables.forget(source.name());
                continue;
            }
            JsonNode wanted;
            try {
                wanted = requestValue(mapping, mapped, value.getValue());
            } catch (UnwritableValueException e) {
                refused.put(value.getKey(), value.getValue());
                reasons.add(e.getMessage());
                columnFromNotion(mapping, mapped, notionValue).ifPresent(v -> rowBack.set(value.getKey(), v));
                continue;
            }
            if (mapped.type().holds(notionValue, wanted)) {
                continue;   // converged: Notion holds it already (our own write before a crash, or the same edit on both sides)
            }
            if (base.changedInNotion(mapped, notionValue) && !force && !judge.postgresWins(source, pageId, change.changedAt(), mapped.ref(),
                    mapped.pair().propertyName(), wanted, notionValue, notionEdited, replay)) {
                columnFromNotion(mapping, mapped, notionValue).ifPresent(v -> rowBack.set(value.getKey(), v));
                continue;
            }
            properties.set(mapped.ref(), wanted);
        }
        // the key property shows the row's key: after a key change, a create, or a row Apply made of a page without a key
        // (its key from the column's default); read-only by convention, so the row's key is put back wherever it differs
        JsonNode key = keyValue(mapping, change.rowKey());
        if (!mapping.key().type().holds(propertyOf(page, mapping.key().pair()), key)) {
            properties.set(mapping.key().ref(), key);
        }
        if (replay && !reasons.isEmpty()) {
            throw new PushRejectedException(String.join("; ", reasons));
        }
        if (!source.pulls()) {
            rowBack.removeAll();   // direction = push: Notion never writes the table; where Notion's value stays, the row keeps its own
        }
        if (!properties.isEmpty()) {
            ObjectNode request = JSON.createObjectNode();
            request.set("properties", properties);
            page = notion.on(source.connection()).call(NotionRequest.patch("/v1/pages/" + pageId, request.toString()));
            metrics.pushed(source.name(), "updated");
            if (inTrash(page)) {
                throw new PushRejectedException("page " + pageId + " is in Notion's trash: restore it in Notion, or delete the row");
            }
        }
        PageWriter.Row written = reader.read(source.name(), shadow, page);
        ObjectNode rowValues = link != null && link.rowValues() != null && link.rowValues().isObject()
                ? ((ObjectNode) link.rowValues()).deepCopy() : NODES.objectNode();
        values.forEach((column, value) -> {
            if (mapping.byColumn(column) != null) {
                rowValues.set(column, value);   // a column no longer mapped (excluded since) is not kept
            }
        });
        rowValues.setAll(rowBack);
        String status = "pushed";
        String note = null;
        if (!refused.isEmpty()) {
            note = "rejected: " + String.join("; ", reasons);
            deadLetters.record(route, REPLAY_URI, new PushRejectedException("row " + change.rowKey() + ": " + note), change.body(refused, note));
            metrics.pushed(source.name(), "dead_lettered");
            LOG.warn("push {}: row {}: {}; the row shows Notion's value again, the attempt is a dead letter", source.name(), change.rowKey(), note);
            status = properties.isEmpty() ? "dead_letter" : "pushed";
        }
        List<String> forget = change.fromKey() != null ? List.of(intentKey(source.name(), change.fromKey())) : List.of();
        writeBack.write(new BoundWriteBack.WriteBack(source.name(), change.fromKey(), new Links.Link(source.name(), change.rowKey(), pageId,
                Links.LINKED, written.lastEditedTime(), basedOn(mapping, link, values, written), rowValues), shadow, written, forget, mapping.table(),
                change.rowKey(), rowBack, change.ids(), status, note), contentHandOff(source, pageId, values, pageJustMade));
        if (change.fromKey() != null) {
            LOG.info("push {}: row {} is now {}; its page {} follows", source.name(), change.fromKey(), change.rowKey(), pageId);
        }
        return new PushResult(status, note);
    }

    /**
     * The hand-off of the row's content column to the content push, when this change wrote it (or made the page): in
     * the write-back's transaction, so the Apply pass never sees the row settled without its edit handed over.
     */
    private BoundWriteBack.ContentHandOff contentHandOff(SourceSettings source, String pageId, Map<String, JsonNode> values, boolean pageJustMade)
            throws Exception {
        String column = source.binding().contentColumn();
        if (column == null || !values.containsKey(column)) {
            return null;
        }
        BoundContents.Column content = this.content.column(source.name());
        return content == null ? null : new BoundWriteBack.ContentHandOff(content, pageId,
                pageJustMade ? BoundContent.newPageBase() : BoundContents.UNKNOWN_BASE);
    }

    /** A change that ends as a dead letter still hands its content edit over, when the row has its page. */
    private void handOffContent(BoundChange change) throws Exception {
        SourceSettings source = sources.get(change.source());
        if (source == null || change.operation().equals("trash") || change.operation().equals("nothing")) {
            return;
        }
        Links.Link link = links.byKey(source.name(), change.rowKey());
        BoundWriteBack.ContentHandOff handOff = link == null || !link.linked() || link.pageId() == null ? null
                : contentHandOff(source, link.pageId(), change.changed(), false);
        if (handOff != null) {
            content.handOff(handOff, change.rowKey());
        }
    }

    /** The request value of a mapped column's value: a relation through the related source's links, else BoundValues. */
    private JsonNode requestValue(Mapping mapping, Mapped mapped, JsonNode value) throws Exception {
        if (!mapped.pair().propertyType().equals("relation")) {
            return BoundValues.toNotion(mapped.column(), mapped.pair().propertyType(), value);
        }
        if (value == null || value.isNull()) {
            return BoundValues.relation(List.of());
        }
        TableColumn.Reference reference = mapped.column().references();
        SourceSettings related = reference == null ? null : boundTo(reference.schema(), reference.table());
        if (related == null) {
            throw new UnwritableValueException("column '" + mapped.column().name() + "' is a relation, but the table it references is bound by no source");
        }
        ObjectNode relatedKey = NODES.objectNode().set(reference.column(), value);
        Links.Link link = links.byKey(related.name(), relatedKey);
        if (link != null && link.linked() && link.pageId() != null) {
            return BoundValues.relation(List.of(link.pageId()));
        }
        boolean beingCreated = changes.pending(related.name(), relatedKey);
        String what = "column '" + mapped.column().name() + "': the related row " + relatedKey + " of source " + related.name();
        if (beingCreated) {
            throw new RelatedRowPending(what + " has no page yet (its own change is still to push)");
        }
        throw new IllegalStateException(what + " has no page");
    }

    /** A column's value from Notion's property value: the row takes it back where Notion won. Empty when it cannot. */
    private Optional<JsonNode> columnFromNotion(Mapping mapping, Mapped mapped, JsonNode notionValue) {
        try {
            if (!mapped.pair().propertyType().equals("relation")) {
                return Optional.of(BoundValues.fromNotion(mapped.column(), notionValue));
            }
            List<String> pages = BoundValues.relatedPageIds(notionValue);
            if (pages.isEmpty()) {
                return Optional.of(NullNode.getInstance());
            }
            TableColumn.Reference reference = mapped.column().references();
            SourceSettings related = reference == null ? null : boundTo(reference.schema(), reference.table());
            Links.Link link = related == null ? null : links.byPage(related.name(), pages.get(0));
            return link == null ? Optional.empty() : Optional.ofNullable(link.rowKey().get(reference.column()));
        } catch (Exception e) {
            LOG.warn("push {}: column '{}' cannot take Notion's value back ({}); it keeps its own", mapping.source().name(),
                    mapped.column().name(), e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * How a lost create answer's page is found: by the key property, which every create sets and nobody renames in
     * Notion the way a title is (by a person or an automation triaging new pages) before the retry.
     */
    private static PageCreator.Lookup byKey(Mapping mapping, JsonNode rowKey) {
        return new PageCreator.Lookup(mapping.key().ref(), mapping.key().pair().propertyType(),
                BoundValues.keyText(mapping.shape().keyColumns(), rowKey));
    }

    private static JsonNode keyValue(Mapping mapping, JsonNode rowKey) {
        return BoundValues.keyRequest(BoundValues.keyText(mapping.shape().keyColumns(), rowKey), mapping.key().pair().propertyType().equals("title"));
    }

    /** Whether a page (as a query shows it) holds, by meaning, every property a create sent ({@code sent}: by property id). */
    private static boolean holdsSent(Mapping mapping, JsonNode page, JsonNode sent) {
        for (Mapped mapped : mapping.all()) {
            JsonNode value = sent.get(mapped.ref());
            if (value != null && !mapped.type().holds(propertyOf(page, mapped.pair()), value)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The link's page_values after a push: Notion's answer for the key property and the properties of the change's
     * columns; a property the change did not touch keeps its base, so an edit made in Notion meanwhile (in the answer
     * and the shadow mirror row) is still a difference the Apply bridge brings into the row. Without a link, the answer.
     */
    private static ObjectNode basedOn(Mapping mapping, Links.Link link, Map<String, JsonNode> values, PageWriter.Row written) {
        ObjectNode answer = pageValues(mapping, written);
        if (link == null || link.pageValues() == null || !link.pageValues().isObject()) {
            return answer;
        }
        ObjectNode base = ((ObjectNode) link.pageValues()).deepCopy();
        for (Mapped mapped : mapping.all()) {
            JsonNode now = answer.get(mapped.ref());
            boolean touched = mapped.column() == null || values.containsKey(mapped.column().name());
            if (now != null && (touched || !base.has(mapped.ref()))) {
                base.set(mapped.ref(), now);
            }
        }
        return base;
    }

    /** The mapped properties of a page as its shadow mirror row holds them, by property id: the link's page_values. */
    private static ObjectNode pageValues(Mapping mapping, PageWriter.Row row) {
        JsonNode properties = BoundChange.readTree(row.properties());
        ObjectNode values = NODES.objectNode();
        for (Mapped mapped : mapping.all()) {
            JsonNode value = propertyOf(properties, mapped.pair());
            if (value != null) {
                values.set(mapped.ref(), value);
            }
        }
        return values;
    }

    // ------------------------------------------------------------------------------------------------ bases

    /** What a change was made against: the link's page values, or (a page an earlier create made) what that create sent. */
    private interface Base {
        boolean changedInNotion(Mapped mapped, JsonNode notionValue);
    }

    private static Base linkBase(Links.Link link) {
        JsonNode values = link.pageValues();
        // no base for a property (a link made without its page's values), or a page without the property (deleted in
        // Notion): nothing says it was edited in Notion
        return (mapped, notionValue) -> notionValue != null && values != null && values.has(mapped.ref())
                && !mapped.type().sameMeaning(notionValue, values.get(mapped.ref()));
    }

    private static Base sentBase(JsonNode sent) {
        return (mapped, notionValue) -> {
            JsonNode value = sent == null ? null : sent.get(mapped.ref());
            return notionValue != null && value != null && !mapped.type().holds(notionValue, value);
        };
    }

    // ------------------------------------------------------------------------------------------------ the mapping

    /** A mapped column: the column as the table has it now, its pair with a property, and the property's type. */
    record Mapped(TableColumn column, BoundColumns.BoundColumn pair, PropertyType type) {
        /** How requests and page_values name the property: its id, or its name until Notion named it. */
        String ref() {
            return pair.propertyId() != null ? pair.propertyId() : pair.propertyName();
        }
    }

    /** A bound source's columns and properties as they are now. */
    record Mapping(SourceSettings source, TableShape shape, List<Mapped> columns, Mapped key, BoundRows.Table table) {

        Mapped byColumn(String name) {
            return columns.stream().filter(m -> m.column().name().equals(name)).findFirst().orElse(null);
        }

        /** The name each pair was recorded under (the capture trigger's) -> the column's name now, where they differ. */
        Map<String, String> namesNow() {
            Map<String, String> names = new LinkedHashMap<>();
            columns.stream().filter(m -> !m.pair().columnName().equals(m.column().name()))
                    .forEach(m -> names.put(m.pair().columnName(), m.column().name()));
            return names;
        }

        /** Every mapped property, the key property last. */
        List<Mapped> all() {
            List<Mapped> all = new ArrayList<>(columns);
            all.add(key);
            return all;
        }

        /** The title property: the title column's, or the key property when it is the title. */
        String titleRef() {
            return all().stream().filter(m -> m.pair().propertyType().equals("title")).map(Mapped::ref).findFirst().orElse("title");
        }

        /** A row's mapped columns ({@code to_jsonb} shape). */
        Map<String, JsonNode> mappedValues(JsonNode row) {
            Map<String, JsonNode> values = new LinkedHashMap<>();
            for (Mapped mapped : columns) {
                values.put(mapped.column().name(), row.has(mapped.column().name()) ? row.get(mapped.column().name()) : NullNode.getInstance());
            }
            return values;
        }
    }

    /**
     * The source's mapping now, or null while its columns are not paired with properties yet. A column whose property
     * Notion no longer has (deleted there, as the last schema read found) is left out: nothing is sent to it, and the
     * column keeps its values (README "Schema drift").
     */
    private Mapping mapping(SourceSettings source) throws Exception {
        Mapping mapping = mapping(shapes, boundColumns, source);
        if (mapping == null) {
            return null;
        }
        Set<Integer> gone = goneFromNotion(source);
        if (gone.isEmpty()) {
            return mapping;
        }
        return new Mapping(source, mapping.shape(), mapping.columns().stream().filter(m -> !gone.contains(m.pair().attnum())).toList(),
                mapping.key(), mapping.table());
    }

    /** The attnums of the source's pairs whose property Notion no longer has. */
    private Set<Integer> goneFromNotion(SourceSettings source) throws Exception {
        MirrorTable shadow = shadow(source);
        Set<Integer> gone = new LinkedHashSet<>();
        boundColumns.goneFromNotion(source.name(), shadow.schema(), shadow.table()).forEach(p -> gone.add(p.attnum()));
        return gone;
    }

    private static Mapping mapping(TableShapes shapes, BoundColumns boundColumns, SourceSettings source) throws Exception {
        List<BoundColumns.BoundColumn> recorded = boundColumns.of(source.name());
        BoundColumns.BoundColumn keyPair = recorded.stream().filter(p -> p.attnum() == BoundColumns.KEY_ATTNUM).findFirst().orElse(null);
        if (keyPair == null) {
            return null;
        }
        TableShape shape = shapes.read(source.binding().schema(), source.binding().table(), "notion.source." + source.name() + ".table");
        List<BoundColumns.BoundColumn> pairs = BoundMapping.synced(source, shape, recorded);
        List<Mapped> columns = new ArrayList<>();
        for (BoundColumns.BoundColumn pair : pairs) {
            if (pair.attnum() == BoundColumns.KEY_ATTNUM) {
                continue;
            }
            // by attnum: a column renamed in PostgreSQL keeps its pair
            shape.columns().stream().filter(c -> c.attnum() == pair.attnum()).findFirst()
                    .ifPresent(column -> columns.add(new Mapped(column, pair, type(pair))));
        }
        return new Mapping(source, shape, columns, new Mapped(null, keyPair, type(keyPair)),
                new BoundRows.Table(shape.schema(), shape.table(), shape.key()));
    }

    private Mapping requireMapping(SourceSettings source) throws Exception {
        Mapping mapping = mapping(source);
        if (mapping == null) {
            throw new IllegalStateException("source " + source.name() + " has no columns paired with properties yet (bootstrap, or the first sync, pairs them)");
        }
        return mapping;
    }

    private static PropertyType type(BoundColumns.BoundColumn pair) {
        return PropertyTypes.of(pair.propertyType())
                .orElseThrow(() -> new IllegalStateException("column '" + pair.columnName() + "' is paired with a property of unknown type "
                        + pair.propertyType()));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The value of a property in a page (or a page's properties object), by the pair's property id (or name). */
    private static JsonNode propertyOf(JsonNode pageOrProperties, BoundColumns.BoundColumn pair) {
        JsonNode properties = pageOrProperties.has("properties") && pageOrProperties.has("object")
                ? pageOrProperties.path("properties") : pageOrProperties;
        var fields = properties.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            if (pair.propertyId() != null ? pair.propertyId().equals(field.getValue().path("id").asText())
                    : pair.propertyName().equals(field.getKey())) {
                return field.getValue();
            }
        }
        return null;
    }

    private SourceSettings boundTo(String schema, String table) {
        return sources.values().stream().filter(s -> s.binding().schema().equals(schema) && s.binding().table().equals(table))
                .findFirst().orElse(null);
    }

    private static boolean inTrash(JsonNode page) {
        return page.path("in_trash").asBoolean(false) || page.path("archived").asBoolean(false);
    }

    private static Instant instant(JsonNode page) {
        return Instant.parse(page.path("last_edited_time").asText());
    }

    /**
     * The create intent of a row: one page per row key, however often the create is sent (bootstrap and record
     * matching use it too). The key's columns in name order, compact JSON, so any rendering of the key names one intent.
     */
    public static String intentKey(String source, JsonNode rowKey) {
        Map<String, JsonNode> columns = new TreeMap<>();
        rowKey.fields().forEachRemaining(column -> columns.put(column.getKey(), column.getValue()));
        ObjectNode sorted = NODES.objectNode();
        columns.forEach(sorted::set);
        return "bind:" + source + ":" + sorted;
    }

    private static PushResult ignored(String note) {
        return new PushResult("ignored", note);
    }

    private SourceSettings source(String name) {
        SourceSettings source = sources.get(name);
        if (source == null) {
            throw new IllegalArgumentException("no bound source named '" + name + "' in notion.sources");
        }
        return source;
    }

    private MirrorTable shadow(SourceSettings source) {
        try {
            return tables.of(source.name()).get(0);
        } catch (Exception e) {
            throw new IllegalStateException("the shadow mirror of source " + source.name() + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** A related row's page is still being created: the change waits for it (no attempt counted). */
    static final class RelatedRowPending extends IllegalStateException {
        RelatedRowPending(String message) {
            super(message);
        }
    }
}
