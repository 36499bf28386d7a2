package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.ColumnNames;
import dev.notionsync.mapping.ColumnSpec;
import dev.notionsync.mapping.UnwritableValueException;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.Conflicts;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.Outbox;
import dev.notionsync.store.PageWriter;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.language.simple.Simple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push: PostgreSQL → Notion, the beans of routes/notion-push.camel.yaml. Claims the outbox per page, decides what
 * the coalesced changes of a page mean (create, update, trash or nothing), sends only changed, writable properties
 * through the Notion door, and writes the page Notion returns back to the row (tagged as the engine's, so it never
 * echoes). Transient failures go back to the outbox with backoff; rejections become dead letters.
 */
public final class PushRunner {

    /** Exchange property holding the {@link PageChange} being pushed. */
    public static final String CHANGE = "pageChange";
    public static final String REPLAY_URI = "direct:push-page-change";
    /** Exchange property holding the batch's {@link NotionView.Batch}. */
    public static final String NOTION_VIEW = "pushNotionView";

    private static final Logger LOG = LoggerFactory.getLogger(PushRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, SourceSettings> sources = new LinkedHashMap<>();
    private final MirrorTables tables;
    private final PageReader reader;
    private final SourceDoors doors;
    private final Outbox outbox;
    private final PageWriter writer;
    private final ConflictJudge judge;
    private final DeadLetterChannel deadLetters;
    private final NotionMetrics metrics;
    private final Limits settings;
    private final NotionView view;
    private final PageCreator creator;

    public record Limits(String instance, int batchPages, int maxAttempts, Duration backoffBase) {
    }

    /**
     * How pushing a page's change ended, as its outbox entries record it: {@code outcome} pushed, ignored or
     * dead_letter, with a note for the operator (or null).
     */
    public record PushResult(String outcome, String note) {
        static final PushResult PUSHED = new PushResult("pushed", null);
        static final PushResult IGNORED = new PushResult("ignored", null);
    }

    public PushRunner(List<SourceSettings> sources, MirrorTables tables, PageReader reader, SourceDoors doors, Outbox outbox,
                      PageWriter writer, Conflicts conflicts, DeadLetterChannel deadLetters, NotionMetrics metrics,
                      Limits settings, PageCreator creator) {
        sources.forEach(s -> this.sources.put(s.name(), s));
        this.tables = tables;
        this.reader = reader;
        this.doors = doors;
        this.outbox = outbox;
        this.writer = writer;
        this.judge = new ConflictJudge(conflicts, metrics);
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.settings = settings;
        this.view = new NotionView();
        this.creator = creator;
    }

    /** The push's poll: claims up to a batch of pages of the source; the body becomes one message per page. */
    public List<String> claim(String sourceName) throws Exception {
        SourceSettings source = source(sourceName);
        List<MirrorTable> mirrors = tablesOf(source.name());
        List<String> bodies = new ArrayList<>();
        for (List<Outbox.Entry> entries : outbox.claim(mirrors.get(0).schema(), mirrors.stream().map(MirrorTable::table).toList(),
                settings.instance(), settings.batchPages())) {
            bodies.add(PageChange.of(source.name(), entries).body());
        }
        return bodies;
    }

    /** Reads the message (from the poll or a replay) back into the page's change. */
    public PageChange prepare(@Body String message) throws Exception {
        JsonNode body = JSON.readTree(message);
        List<Long> ids = new ArrayList<>();
        body.path("outbox_ids").forEach(id -> ids.add(id.asLong()));
        List<Outbox.Entry> entries = outbox.load(ids);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("outbox entries " + ids + " no longer exist");
        }
        Set<String> only = null;
        if (body.has("columns")) {
            only = new LinkedHashSet<>();
            for (JsonNode column : body.path("columns")) {
                only.add(column.asText());
            }
        }
        return PageChange.of(body.path("source").asText(), entries, only);
    }

    /**
     * INSERT of a row: creates the page in the data source exactly once (PageCreator), then the row takes the page's
     * id and system columns. When an earlier attempt made the page already, the INSERT's values are checked against
     * it as an update: someone may have edited it in Notion since.
     */
    public PushResult create(@ExchangeProperty(CHANGE) PageChange change, @Header(DeadLetterChannel.REPLAY_OF) Object replayOf,
                             @Header(DeadLetterChannel.REPLAY_FORCE) Boolean forced, @Simple("${fromRouteId}") String route) throws Exception {
        MirrorTable table = table(change);
        ObjectNode properties = JSON.createObjectNode();
        for (MirrorTable.PropertyColumns property : table.properties()) {
            Set<String> changed = changedSuffixes(property, change.changed());
            if (!changed.isEmpty()) {
                properties.set(property.propertyId(), property.type().write(property.propertyName(),
                        values(property, change.changed(), Map.of()), changed));
            }
        }
        logIgnored(change);
        // the row's local id is the create's key: a retry after a lost answer adopts the page instead of making another
        PageCreator.Created created = creator.on(doors.connection(change.source())).create(createKey(table, change), change.pageId(), table.dataSourceId(), titlePropertyId(table),
                properties, (page, sent) -> holdsSent(table, page, sent));
        if (created.byEarlierAttempt()) {
            return updateMadePage(change, table, created, replayOf, forced, route);
        }
        JsonNode page = created.page();
        boolean rekey = !page.path("id").asText().equals(change.pageId());
        writer.writePushed(table, reader.read(change.source(), table, page), rekey ? change.pageId() : null);
        LOG.info("push {}: row {} created page {}", change.source(), change.pageId(), page.path("id").asText());
        metrics.pushed(change.source(), "created");
        return PushResult.PUSHED;
    }

    /**
     * A create an earlier attempt already made (its answer was lost, or the engine stopped before the outbox entry was
     * closed): the page may have been edited in Notion since. The INSERT's columns take what the create carried as
     * their base and go through the update's conflict check, so the policy decides and a conflict is recorded,
     * instead of their values being written over the page.
     */
    private PushResult updateMadePage(PageChange change, MirrorTable table, PageCreator.Created created, Object replayOf, Boolean forced,
                                      String route) throws Exception {
        if (!created.pageId().equals(change.pageId())) {
            // an adopted page: the row takes its id first (a copy the pull made of the page goes)
            JsonNode page = doors.of(change.source()).call(NotionRequest.get("/v1/pages/" + created.pageId()));
            writer.writePushed(table, reader.read(change.source(), table, page), change.pageId());
        }
        // read-only columns of the INSERT were only logged by the create: not dead-lettered now either
        PageChange onPage = new PageChange(change.source(), change.table(), created.pageId(), change.outboxIds(), change.operation(),
                change.changed(), Set.of(), change.baseEditedTime(), change.baseProperties(), change.changedAt(), change.attempts(),
                change.baseOfColumn(), change.onlyColumns());
        // the batch's view of Notion was read before the page had this id: the update reads the page itself
        return update(onPage, null, replayOf, forced, route, created.sentBefore());
    }

    /**
     * After the claim: reads Notion's state for the batch's pages with a data source query per table (see
     * {@link NotionView}), so the conflict check needs no GET per page. A failure here only means each page is read
     * on its own.
     */
    public NotionView.Batch readNotion(@Body List<String> bodies) {
        Map<String, NotionView.Known> known = new HashMap<>();
        Map<String, List<String>> byTable = new LinkedHashMap<>();
        try {
            for (String text : bodies) {
                JsonNode body = JSON.readTree(text);
                byTable.computeIfAbsent(body.path("source").asText() + "\u0000" + body.path("table").asText(), k -> new ArrayList<>())
                        .add(body.path("page_id").asText());
            }
            for (Map.Entry<String, List<String>> group : byTable.entrySet()) {
                String[] key = group.getKey().split("\u0000");
                MirrorTable table = table(key[0], key[1]);
                Instant oldestRead = outbox.oldestRead(table, group.getValue());
                if (oldestRead != null) {
                    // more query pages than a tenth of the batch would cost more than reading each page
                    known.putAll(view.read(doors.of(key[0]), table, group.getValue(), oldestRead, Math.max(1, group.getValue().size() / 10)));
                }
            }
        } catch (Exception e) {
            LOG.warn("push: could not read the batch's pages from Notion at once ({}); each page is read on its own", e.getMessage());
        }
        return new NotionView.Batch(known);
    }

    /**
     * UPDATE of a row: PATCHes only the changed, writable properties. A property whose value in Notion now differs
     * in meaning from the one the change was made against changed on both sides: the source's conflict policy
     * decides and a conflict is recorded; one Notion already holds (by meaning) as this change sets it is converged:
     * neither sent nor a conflict (a re-push after a crash finds its own write there). Values Notion cannot hold are dead-lettered per column while the page's
     * other changes go. Afterwards the row shows what Notion holds.
     */
    public PushResult update(@ExchangeProperty(CHANGE) PageChange change, @ExchangeProperty(NOTION_VIEW) NotionView.Batch batch,
                             @Header(DeadLetterChannel.REPLAY_OF) Object replayOf, @Header(DeadLetterChannel.REPLAY_FORCE) Boolean forced,
                             @Simple("${fromRouteId}") String route) throws Exception {
        return update(change, batch, replayOf, forced, route, null);
    }

    /** @param sentByCreate what the create of the page carried (by property id): the base of the INSERT's columns, or null */
    private PushResult update(PageChange change, NotionView.Batch batch, Object replayOf, Boolean forced, String route,
                              JsonNode sentByCreate) throws Exception {
        SourceSettings source = source(change.source());
        MirrorTable table = table(change);
        boolean replay = replayOf != null;   // a dead letter's replay: the operator may force it past conflicts
        boolean force = replay && Boolean.TRUE.equals(forced);
        Map<String, JsonNode> row = writer.readRow(table, change.pageId());
        Wanted wanted = wanted(change, table, row);
        Map<String, JsonNode> refused = wanted.refused();
        List<String> reasons = wanted.reasons();
        if (replay && !reasons.isEmpty()) {
            throw new PushRejectedException(String.join("; ", reasons));
        }
        if (wanted.values().isEmpty() && refused.isEmpty()) {
            return PushResult.IGNORED;
        }
        NotionState current = currentState(replay ? null : batch, change.source(), table, change.pageId(), row);
        if (current.inTrash()) {
            throw new PushRejectedException("page " + change.pageId() + " is in Notion's trash: restore it in Notion, or delete the row");
        }
        ObjectNode properties = JSON.createObjectNode();
        ObjectNode converged = JSON.createObjectNode();
        for (Map.Entry<MirrorTable.PropertyColumns, JsonNode> entry : wanted.values().entrySet()) {
            switch (decide(source, change, entry.getKey(), entry.getValue(), current, sentByCreate, replay, force)) {
                case SEND -> properties.set(entry.getKey().propertyId(), entry.getValue());
                case CONVERGED -> converged.set(entry.getKey().propertyId(), entry.getValue());
                case KEEP_NOTION -> { }
            }
        }
        // the row is written with a page read now, never an older copy: its synced_at says when Notion was read
        PageWriter.Row written = null;
        if (!properties.isEmpty()) {
            ObjectNode request = JSON.createObjectNode();
            request.set("properties", properties);
            JsonNode page = doors.of(source.name()).call(NotionRequest.patch("/v1/pages/" + change.pageId(), request.toString()));
            metrics.pushed(source.name(), "updated");
            if (page.path("in_trash").asBoolean(false)) {
                // Notion refuses edits of trashed pages; a page trashed since the batch's query shows it here
                throw new PushRejectedException("page " + change.pageId() + " is in Notion's trash: restore it in Notion, or delete the row");
            }
            written = reader.read(source.name(), table, page);
        }
        if (written == null && (!row.isEmpty() || !converged.isEmpty())) {
            written = reader.read(source.name(), table, doors.of(source.name()).call(NotionRequest.get("/v1/pages/" + change.pageId())));
        }
        if (!properties.isEmpty() || !converged.isEmpty()) {
            ObjectNode settled = properties.deepCopy().setAll(converged);
            outbox.rebase(table, change.pageId(), change.outboxIds(), landed(written, settled));
        }
        // the row now shows what Notion holds: the values sent, Notion's where Notion won or a value was refused
        // (unless the row was deleted meanwhile: its DELETE, still pending, decides about the page)
        if (!row.isEmpty()) {
            writer.writePushedIfPresent(table, written);
        }
        if (!refused.isEmpty()) {
            String reason = "rejected: " + String.join("; ", reasons);
            deadLetters.record(route, REPLAY_URI, new PushRejectedException(reason), change.body(refused, reason));
            metrics.pushed(source.name(), "dead_lettered");
            LOG.warn("push {}: page {}: {}; the row shows Notion's value again, the attempt is a dead letter", source.name(), change.pageId(), reason);
            return new PushResult(properties.isEmpty() ? "dead_letter" : "pushed", reason);
        }
        return PushResult.PUSHED;
    }

    /** The values a change sets, in Notion's request shape, and the columns whose values Notion cannot take (and why). */
    private record Wanted(Map<MirrorTable.PropertyColumns, JsonNode> values, Map<String, JsonNode> refused, List<String> reasons) {
    }

    private Wanted wanted(PageChange change, MirrorTable table, Map<String, JsonNode> row) {
        Wanted wanted = new Wanted(new LinkedHashMap<>(), new LinkedHashMap<>(), new ArrayList<>());
        for (MirrorTable.PropertyColumns property : table.properties()) {
            Set<String> changed = changedSuffixes(property, change.changed());
            if (changed.isEmpty()) {
                continue;
            }
            try {
                wanted.values().put(property, property.type().write(property.propertyName(), values(property, change.changed(), row), changed));
            } catch (UnwritableValueException e) {
                changed.forEach(suffix -> wanted.refused().put(column(property, suffix), change.changed().get(column(property, suffix))));
                wanted.reasons().add("column " + changed.stream().map(suffix -> "'" + column(property, suffix) + "'").toList() + ": " + e.getMessage());
            }
        }
        for (String column : change.ignored()) {
            wanted.refused().put(column, row.getOrDefault(column, NullNode.getInstance()));
            wanted.reasons().add("column '" + column + "' belongs to a read-only Notion property (Notion computes it): its changes cannot be sent");
        }
        return wanted;
    }

    private enum Decision { SEND, CONVERGED, KEEP_NOTION }

    /**
     * One property of an update: converged when Notion already holds, by meaning, what the change sets (our own push
     * landed before a crash, or the same edit on both sides: neither sent nor a conflict); otherwise sent, unless it
     * changed in Notion since the change's base and the policy (recorded as a conflict) keeps Notion's value.
     */
    private Decision decide(SourceSettings source, PageChange change, MirrorTable.PropertyColumns property, JsonNode value, NotionState current,
                            JsonNode sentByCreate, boolean replay, boolean force) throws Exception {
        JsonNode notionValue = propertyById(current.properties(), property.propertyId());
        if (property.type().holds(notionValue, value)) {
            return Decision.CONVERGED;
        }
        if (changedInNotion(change, property, notionValue, sentByCreate) && !force
                && !judge.postgresWins(source, change, property.propertyId(), property.propertyName(), value, notionValue,
                        current.lastEdited(), replay)) {
            return Decision.KEEP_NOTION;
        }
        return Decision.SEND;
    }

    /**
     * DELETE of a row: moves the page to Notion's trash, or leaves it (notion.source.X.on-delete=ignore). When the
     * page was edited in Notion since the row was last synced, the delete is a conflict: where Notion wins, the row
     * comes back with Notion's page.
     */
    public PushResult trash(@ExchangeProperty(CHANGE) PageChange change, @ExchangeProperty(NOTION_VIEW) NotionView.Batch batch,
                            @Header(DeadLetterChannel.REPLAY_OF) Object replayOf, @Header(DeadLetterChannel.REPLAY_FORCE) Boolean forced)
            throws Exception {
        SourceSettings source = source(change.source());
        if (!source.trashOnDelete()) {
            LOG.info("push {}: row {} deleted; its page stays in Notion (on-delete=ignore)", source.name(), change.pageId());
            return PushResult.IGNORED;
        }
        MirrorTable table = table(change);
        boolean replay = replayOf != null;   // a dead letter's replay: the operator may force it past conflicts
        boolean force = replay && Boolean.TRUE.equals(forced);
        NotionState current = currentState(replay ? null : batch, change.source(), table, change.pageId(), Map.of());
        if (current.inTrash()) {
            LOG.info("push {}: row {} deleted; its page is in Notion's trash already", source.name(), change.pageId());
            return PushResult.PUSHED;
        }
        ObjectNode editedInNotion = JSON.createObjectNode();
        for (MirrorTable.PropertyColumns property : table.properties()) {
            JsonNode notionValue = propertyById(current.properties(), property.propertyId());
            JsonNode baseValue = propertyById(change.baseProperties(), property.propertyId());
            if (change.baseProperties() != null && !property.type().sameMeaning(notionValue, baseValue)
                    && !holdsChangedValue(property, change, notionValue)) {
                editedInNotion.set(property.propertyName(), notionValue);
            }
        }
        if (!editedInNotion.isEmpty() && !force) {
            ObjectNode deleted = JSON.createObjectNode().put("deleted", true);
            if (!judge.postgresWins(source, change, "", "(row deleted)", deleted, editedInNotion, current.lastEdited(), replay)) {
                writer.writePushed(table, current.row() != null ? current.row()
                        : reader.read(source.name(), table, doors.of(source.name()).call(NotionRequest.get("/v1/pages/" + change.pageId()))), null);
                LOG.warn("push {}: row {} deleted, but its page was edited in Notion since: the row is back with Notion's page", source.name(), change.pageId());
                return new PushResult("ignored", "conflict: the page was edited in Notion since; the row is back with Notion's page");
            }
        }
        doors.of(source.name()).call(NotionRequest.patch("/v1/pages/" + change.pageId(), "{\"in_trash\":true}"));
        LOG.info("push {}: row {} deleted; page moved to Notion's trash", source.name(), change.pageId());
        metrics.pushed(source.name(), "trashed");
        return PushResult.PUSHED;
    }

    /**
     * A row inserted, then deleted, before it was pushed: nothing to send, but a page a lost answer made goes to the
     * trash, and a copy the pull made of it goes too.
     */
    public PushResult withdraw(@ExchangeProperty(CHANGE) PageChange change) throws Exception {
        MirrorTable table = table(change);
        String made = creator.on(doors.connection(change.source())).withdraw(createKey(table, change), table.dataSourceId(), titlePropertyId(table),
                (page, sent) -> holdsSent(table, page, sent));
        if (made != null) {
            writer.deleteWithdrawnRow(table, made, change.outboxIds());
        }
        return PushResult.IGNORED;
    }

    /** The change went through (or amounted to nothing): its outbox entries are done, with how it ended. */
    public void complete(@ExchangeProperty(CHANGE) PageChange change, @Body PushResult result) throws Exception {
        outbox.finish(change.outboxIds(), result.outcome(), result.note());
    }

    /**
     * The change failed. Rejections (4xx but 429, values Notion cannot take) are dead-lettered at once and the row
     * returns to what Notion holds; transient failures go back to the outbox with exponential backoff until
     * notion.push.max-attempts, then dead-lettered. A replay that fails again keeps its dead letter open.
     */
    public void failed(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure, @ExchangeProperty(CHANGE) PageChange change,
                       @Header(DeadLetterChannel.REPLAY_OF) Object replayOf, @Simple("${fromRouteId}") String route) throws Exception {
        if (replayOf != null) {
            throw failure;
        }
        if (change == null) {
            throw failure;   // the outbox itself is unreadable: the dead letter channel keeps the message
        }
        boolean permanent = failure instanceof PushRejectedException || failure instanceof UnwritableValueException
                || failure instanceof NotionApiException notion && !notion.isTransient();
        int attempts = change.attempts() + 1;
        if (permanent || attempts >= settings.maxAttempts()) {
            String reason = (permanent ? "rejected: " : "failed " + attempts + " times: ") + failure.getMessage();
            // the dead letter first: if storing it fails, the claim runs out and the change is tried again
            deadLetters.record(route, REPLAY_URI, failure, change.body());
            outbox.finish(change.outboxIds(), "dead_letter", reason);
            metrics.pushed(change.source(), "dead_lettered");
            if (permanent) {
                restoreRow(change);
            }
            return;
        }
        Duration delay = settings.backoffBase().multipliedBy(1L << Math.min(attempts - 1, 10));
        outbox.retryLater(change.outboxIds(), delay, failure.getMessage());
        LOG.warn("push {}: page {} failed ({}), retry {} in {}s", change.source(), change.pageId(), failure.getMessage(), attempts, delay.toSeconds());
    }

    /** After a rejection the row shows Notion's page again; the dead letter keeps what was attempted. */
    private void restoreRow(PageChange change) {
        if (!change.operation().equals("update") && !change.operation().equals("trash")) {
            return;
        }
        try {
            MirrorTable table = table(change);
            JsonNode page = doors.of(change.source()).call(NotionRequest.get("/v1/pages/" + change.pageId()));
            PageWriter.Row row = reader.read(change.source(), table, page);
            if (change.operation().equals("trash")) {
                writer.writePushed(table, row, null);   // the page stays: so does its row
            } else {
                writer.writePushedIfPresent(table, row);
            }
            LOG.warn("push {}: page {} refused the change; the row shows Notion's page again (the attempt is a dead letter)", change.source(), change.pageId());
        } catch (Exception e) {
            LOG.warn("push {}: page {} refused the change, and its page could not be read back ({}); the next pull corrects the row",
                    change.source(), change.pageId(), e.getMessage());
        }
    }

    /** Notion's state of a page now: from the batch's query, else the row where the query shows it unchanged, else a GET. */
    private NotionState currentState(NotionView.Batch batch, String source, MirrorTable table, String pageId, Map<String, JsonNode> row) {
        NotionView.Known known = batch == null ? NotionView.Known.UNKNOWN : batch.of(pageId);
        Instant rowRead = row.containsKey("synced_at") && !row.get("synced_at").isNull()
                ? OffsetDateTime.parse(row.get("synced_at").asText()).toInstant() : null;
        boolean rowNewer = rowRead != null && known.readAt() != null && rowRead.isAfter(known.readAt());
        if (known.page() != null && !rowNewer) {
            return NotionState.of(reader.read(source, table, known.page()));
        }
        if (rowRead != null && (rowNewer || known.rowReadSince() != null && !rowRead.isBefore(known.rowReadSince()))) {
            return new NotionState(row.get("properties"), OffsetDateTime.parse(row.get("last_edited_time").asText()).toInstant(),
                    false, null);
        }
        return NotionState.of(reader.read(source, table, doors.of(source).call(NotionRequest.get("/v1/pages/" + pageId))));
    }

    /** Notion's page properties (complete), its last edit, and the page mapped to a row when it was read just now. */
    private record NotionState(JsonNode properties, Instant lastEdited, boolean inTrash, PageWriter.Row row) {
        static NotionState of(PageWriter.Row row) {
            return new NotionState(readTree(row.properties()), row.lastEditedTime(), row.inTrash(), row);
        }
    }

    /**
     * Whether Notion holds what the change's own edits of this property set (an UPDATE before the DELETE whose PATCH
     * landed before a crash): that is the engine's write, not an edit made in Notion.
     */
    private static boolean holdsChangedValue(MirrorTable.PropertyColumns property, PageChange change, JsonNode notionValue) {
        Set<String> changed = changedSuffixes(property, change.changed());
        if (changed.isEmpty()) {
            return false;
        }
        try {
            return property.type().holds(notionValue, property.type().write(property.propertyName(),
                    values(property, change.changed(), Map.of()), changed));
        } catch (UnwritableValueException e) {
            return false;
        }
    }

    /**
     * Whether Notion's value of a property differs in meaning from the change's base: its base from the outbox, else
     * (a column set by the INSERT of a page made earlier) what the create sent.
     */
    private static boolean changedInNotion(PageChange change, MirrorTable.PropertyColumns property, JsonNode notionValue, JsonNode sentByCreate) {
        JsonNode base = baseOf(change, property);
        if (base != null) {
            return !property.type().sameMeaning(notionValue, propertyById(base, property.propertyId()));
        }
        JsonNode sent = sentByCreate == null ? null : sentByCreate.get(property.propertyId());
        return sent != null && !property.type().holds(notionValue, sent);
    }

    /** Whether the page holds, by meaning, every property a create sent ({@code sent}: request values by property id). */
    private static boolean holdsSent(MirrorTable table, JsonNode page, JsonNode sent) {
        for (MirrorTable.PropertyColumns property : table.properties()) {
            JsonNode value = sent.get(property.propertyId());
            if (value != null && !property.type().holds(propertyById(page.path("properties"), property.propertyId()), value)) {
                return false;
            }
        }
        return true;
    }

    /** The base of a property: what Notion held when its oldest pending change was made (or the engine's push landed). */
    private static JsonNode baseOf(PageChange change, MirrorTable.PropertyColumns property) {
        for (String suffix : property.type().writableSuffixes()) {
            JsonNode base = change.baseOfColumn().get(column(property, suffix));
            if (base != null) {
                return base;
            }
        }
        return null;
    }

    /** The pushed properties as Notion holds them after the PATCH, by name: the new base of later changes. */
    private static JsonNode landed(PageWriter.Row written, ObjectNode sent) {
        JsonNode properties = readTree(written.properties());
        ObjectNode landed = JSON.createObjectNode();
        properties.fields().forEachRemaining(e -> {
            if (sent.has(e.getValue().path("id").asText())) {
                landed.set(e.getKey(), e.getValue());
            }
        });
        return landed;
    }

    static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable page properties", e);
        }
    }

    /** A change Notion will never accept as it is. */
    public static final class PushRejectedException extends RuntimeException {
        public PushRejectedException(String message) {
            super(message);
        }
    }

    private SourceSettings source(String name) {
        SourceSettings source = sources.get(name);
        if (source == null) {
            throw new IllegalArgumentException("no source named '" + name + "' in notion.sources");
        }
        return source;
    }

    private MirrorTable table(PageChange change) {
        return table(change.source(), change.table());
    }

    private MirrorTable table(String source, String name) {
        return tablesOf(source).stream().filter(t -> t.table().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("source " + source + " has no table " + name));
    }

    /**
     * The source's tables. A failure to read them (Notion or PostgreSQL) says nothing about the change: it is
     * transient for the push (tried again with backoff), never a rejection that dead-letters the change at once.
     */
    private List<MirrorTable> tablesOf(String source) {
        try {
            return tables.of(source);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String createKey(MirrorTable table, PageChange change) {
        return "push:" + table.qualifiedName() + ":" + change.pageId();
    }

    private static String titlePropertyId(MirrorTable table) {
        return table.properties().stream().filter(p -> p.type().name().equals("title")).map(MirrorTable.PropertyColumns::propertyId)
                .findFirst().orElse("title");
    }

    private static Set<String> changedSuffixes(MirrorTable.PropertyColumns property, Map<String, JsonNode> changed) {
        Set<String> suffixes = new LinkedHashSet<>();
        for (String suffix : property.type().writableSuffixes()) {
            if (changed.containsKey(column(property, suffix))) {
                suffixes.add(suffix);
            }
        }
        return suffixes;
    }

    /** The property's writable column values: the changed ones from the outbox, the others as the row holds them. */
    private static Map<String, JsonNode> values(MirrorTable.PropertyColumns property, Map<String, JsonNode> changed, Map<String, JsonNode> row) {
        Map<String, JsonNode> values = new LinkedHashMap<>();
        for (String suffix : property.type().writableSuffixes()) {
            String column = column(property, suffix);
            JsonNode value = changed.containsKey(column) ? changed.get(column) : row.get(column);
            if (value != null) {
                values.put(suffix, value);
            }
        }
        return values;
    }

    private static String column(MirrorTable.PropertyColumns property, String suffix) {
        ColumnSpec spec = property.type().columns().stream().filter(c -> c.suffix().equals(suffix)).findFirst().orElseThrow();
        return ColumnNames.columnName(property.columnBase(), spec);
    }

    private void logIgnored(PageChange change) {
        if (!change.ignored().isEmpty()) {
            LOG.info("push {}: page {}: columns {} belong to read-only Notion properties; their changes are not sent",
                    change.source(), change.pageId(), change.ignored());
        }
    }

    private static JsonNode propertyById(JsonNode properties, String propertyId) {
        if (properties == null) {
            return null;
        }
        for (JsonNode property : properties) {
            if (propertyId.equals(property.path("id").asText())) {
                return property;
            }
        }
        return null;
    }

}
