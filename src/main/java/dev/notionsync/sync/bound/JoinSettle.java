package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.BoundValues;
import dev.notionsync.mapping.PropertyItems;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.store.BoundProblems;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.JoinBases;
import dev.notionsync.store.Links;
import dev.notionsync.store.RowChanges;
import dev.notionsync.store.ShadowPages;
import dev.notionsync.sync.PushRunner;
import dev.notionsync.sync.PushRunner.PushRejectedException;
import dev.notionsync.sync.PushRunner.PushResult;
import dev.notionsync.sync.SourceSettings;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
 * A join table kept as a relation, both ways: the beans of routes/notion-bind-join.camel.yaml. The unit of work is a
 * page of the first referenced table (a "left value": the join table's first key column's value, e.g. an agent),
 * whose relation property holds the pages of its join rows' second column (its capabilities). A settle of a page
 * reads Notion's set from the page itself (GET, every related page), the table's set from the join rows, and the
 * base (what both sides held after the last settle, notion_sync.join_bases) and merges them three ways: a value
 * added or removed on one side since the base is added or removed on the other, so an application's insert and a
 * Notion user's removal made at the same time both stay. Then the join rows are inserted and deleted (the engine's
 * transaction: the capture trigger does not send them back), Notion's relation is set when it must change, and the
 * base becomes what Notion holds. Idempotent: a second settle finds nothing to do.
 *
 * <p>A page is due when the join table has row changes for it (an INSERT, a DELETE, a key UPDATE: the push side) or
 * when its shadow mirror row (the pull of the first referenced source) shows a version the base has not seen and a
 * set that differs from the base (the Apply side; Notion updates both pages of a two-way relation, and so their
 * last_edited_time, whichever side a user edits). Settles of one page never overlap: each holds the page's lease.
 */
public final class JoinSettle {

    /** Exchange property holding the {@link JoinPage} being settled. */
    public static final String PAGE = "joinPage";
    public static final String REPLAY_URI = "direct:bind-join-page";
    /** Notion takes at most this many related pages in one write of a relation property. */
    static final int MAX_RELATED = 100;

    private static final Logger LOG = LoggerFactory.getLogger(JoinSettle.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JoinTables joins;
    private final NotionApi notion;
    private final JoinBases bases;
    private final Links links;
    private final BoundRows rows;
    private final RowChanges changes;
    private final BoundSources boundSources;
    private final ShadowPages shadows;
    private final BoundProblems problems;
    private final DeadLetterChannel deadLetters;
    private final String shadowSchema;
    private final PushRunner.Limits limits;
    private final Duration lease;
    /** Join sources whose missing bootstrap was logged: once each, not at every poll. */
    private final Set<String> notBootstrappedSaid = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public JoinSettle(JoinTables joins, NotionApi notion, JoinBases bases, Links links, BoundRows rows, RowChanges changes,
                      BoundSources boundSources, ShadowPages shadows, BoundProblems problems, DeadLetterChannel deadLetters, String shadowSchema,
                      PushRunner.Limits limits, Duration lease) {
        this.joins = joins;
        this.notion = notion;
        this.bases = bases;
        this.links = links;
        this.rows = rows;
        this.changes = changes;
        this.boundSources = boundSources;
        this.shadows = shadows;
        this.problems = problems;
        this.deadLetters = deadLetters;
        this.shadowSchema = shadowSchema;
        this.limits = limits;
        this.lease = lease;
    }

    /**
     * One page's settle as prepared: its lease on the base, the shadow version it starts from (null when the shadow
     * mirror has no row for the page), and the join table's row changes that concern it (settled with it).
     */
    public record JoinPage(String source, JsonNode leftValue, JoinBases.Base base, String version, List<JoinBases.Change> changes) {

        /** The message of this page: what a dead letter keeps and its replay sends again. */
        public String body() {
            return body(source, leftValue);
        }

        static String body(String source, JsonNode leftValue) {
            ObjectNode body = JSON.createObjectNode();
            body.put("source", source);
            body.set("left", leftValue);
            return body.toString();
        }

        List<Long> changeIds() {
            return changes.stream().map(JoinBases.Change::id).toList();
        }
    }

    // ------------------------------------------------------------------------------------------------ the route's steps

    /**
     * The poll: the pages of the source with something to settle, one message each (at most a push batch): pages with
     * row changes whose time has come or a settle owed, then pages whose shadow version is new and whose set differs
     * from the base (a new version that changed nothing of the relation is only recorded as seen). Nothing before the
     * source's bootstrap is done. Its capture trigger (key columns only) is installed when the source pushes.
     */
    public List<String> due(String sourceName) throws Exception {
        JoinTable join = joins.join(sourceName);
        BoundSources.BoundSource recorded = boundSources.find(sourceName);
        if (recorded == null || recorded.bootstrapState() == null) {
            if (notBootstrappedSaid.add(sourceName)) {
                LOG.warn("source {} is a join table kept as a relation between {} and {}, not bootstrapped yet: run notion-sync bootstrap {}",
                        sourceName, join.leftSource().name(), join.rightSource().name(), sourceName);
            }
            return List.of();
        }
        if (!recorded.bootstrapped() || join.propertyId() == null) {
            return List.of();   // the bootstrap settles every page itself; changes captured meanwhile wait for it
        }
        SourceSettings source = join.source();
        Set<String> bodies = new LinkedHashSet<>();
        if (source.pushes()) {
            installCapture(changes, join);
            for (JsonNode left : bases.changed(source.name(), join.left().name(), lease, limits.batchPages())) {
                bodies.add(JoinPage.body(source.name(), left));
            }
        }
        String shadow = join.leftSource().table();
        if (source.pulls() && bodies.size() < limits.batchPages() && shadows.exists(shadowSchema, shadow)) {
            List<JoinBases.Candidate> unseen = bases.unseen(source.name(), shadowSchema, shadow, join.leftSource().name(),
                    join.left().references().column(), join.propertyId(), lease, limits.batchPages() * 4);
            Map<String, JsonNode> valueOfPage = bases.valuesOfPages(join.rightSource().name(), join.right().references().column(),
                    unseen.stream().flatMap(c -> BoundValues.relatedPageIds(c.relation()).stream()).toList());
            for (JoinBases.Candidate candidate : unseen) {
                if (bodies.size() >= limits.batchPages()) {
                    break;
                }
                if (candidate.agreed() != null && candidate.relation() != null && !candidate.relation().path("has_more").asBoolean(false)) {
                    Set<String> notion = new LinkedHashSet<>();
                    boolean unmapped = false;
                    for (String page : BoundValues.relatedPageIds(candidate.relation())) {
                        JsonNode value = valueOfPage.get(uuid(page));
                        unmapped |= value == null;
                        notion.add(value == null ? page : value.toString());
                    }
                    if (!unmapped && notion.equals(texts(candidate.agreed()))) {
                        bases.seen(source.name(), candidate.leftValue(), candidate.agreed(), candidate.version(), lease);
                        continue;
                    }
                }
                bodies.add(JoinPage.body(source.name(), candidate.leftValue()));
            }
        }
        return List.copyOf(bodies);
    }

    /** Reads the message (from the poll or a replay) and leases its page; null while another settle holds the page. */
    public JoinPage prepare(@Body String message) throws Exception {
        JsonNode body = JSON.readTree(message);
        String source = body.path("source").asText();
        return prepare(joins.join(source), body.path("left"));
    }

    JoinPage prepare(JoinTable join, JsonNode leftValue) throws Exception {
        JoinBases.Base base = bases.lease(join.name(), leftValue, limits.instance(), lease).orElse(null);
        if (base == null) {
            return null;
        }
        String version = null;
        Links.Link link = links.byKey(join.leftSource().name(), join.leftRowKey(leftValue));
        if (link != null && link.pageId() != null && shadows.exists(shadowSchema, join.leftSource().table())) {
            version = shadows.versions(shadowSchema, join.leftSource().table(), List.of(link.pageId())).get(link.pageId());
        }
        return new JoinPage(join.name(), leftValue, base, version, bases.pendingChanges(join.name(), join.left().name(), leftValue));
    }

    /**
     * Settles the page: merges Notion's set, the table's and the base, writes the join rows and (when it must change)
     * Notion's relation, and records the new base with the row changes settled.
     */
    public PushResult settle(@ExchangeProperty(PAGE) JoinPage page) throws Exception {
        JoinTable join = joins.join(page.source());
        if (join.propertyId() == null) {
            throw new IllegalStateException("source " + join.name() + " has no relation property yet: run notion-sync bootstrap " + join.name());
        }
        SourceSettings left = join.leftSource();
        NotionApi notion = this.notion.on(left.connection());   // the relation is a property of the left source's pages
        JsonNode leftKey = join.leftRowKey(page.leftValue());
        Links.Link link = links.byKey(left.name(), leftKey);
        if (link == null || link.pageId() == null) {
            BoundRows.Table leftTable = new BoundRows.Table(left.binding().schema(), left.binding().table(), List.of(join.left().references().column()));
            if (rows.inEngineTransaction(c -> BoundRows.read(c, leftTable, leftKey)).isEmpty()) {
                bases.forget(join.name(), page.leftValue(), page.changeIds(), left.binding().qualifiedName() + " " + leftKey + " is gone");
                return new PushResult("ignored", "the row it relates is gone");
            }
            if (changes.pending(left.name(), leftKey)) {
                throw new BoundPush.RelatedRowPending(left.binding().qualifiedName() + " " + leftKey + " has no page yet (source " + left.name()
                        + " is still creating it)");
            }
            throw new IllegalStateException(left.binding().qualifiedName() + " " + leftKey + " has no page in source " + left.name()
                    + " and none is being created");
        }
        if (!link.linked()) {
            return settleNothing(join, page, "the page of " + leftKey + " is unlinked from its row");
        }
        JsonNode current = notion.call(NotionRequest.get("/v1/pages/" + link.pageId()));
        if (current.path("in_trash").asBoolean(false) || current.path("archived").asBoolean(false)) {
            return settleNothing(join, page, "page " + link.pageId() + " is in Notion's trash");
        }
        JsonNode property = propertyById(current.path("properties"), join.propertyId());
        if (property == null) {
            throw new PushRejectedException("the relation property '" + join.propertyName() + "' (" + join.propertyId() + ") of " + join.describe()
                    + " is no longer on page " + link.pageId() + " of source " + left.name() + " (deleted in Notion?)");
        }
        List<String> related = relatedIds(notion, link.pageId(), property);
        Map<String, JsonNode> valueOfPage = bases.valuesOfPages(join.rightSource().name(), join.right().references().column(), related);
        Map<String, JsonNode> values = new LinkedHashMap<>();
        Set<String> inNotion = new LinkedHashSet<>();
        List<String> unmapped = new ArrayList<>();
        for (String id : related) {
            JsonNode value = valueOfPage.get(uuid(id));
            if (value == null) {
                unmapped.add(id);
            } else {
                inNotion.add(value.toString());
                values.put(value.toString(), value);
            }
        }
        List<JsonNode> members = bases.members(join.table(), join.left().name(), join.right().name(), page.leftValue());
        members.forEach(v -> values.put(v.toString(), v));
        List<JsonNode> agreed = page.base().agreed() == null ? List.of() : page.base().agreed();
        agreed.forEach(v -> values.put(v.toString(), v));
        Set<String> table = texts(members);
        Set<String> base = texts(agreed);
        Map<String, String> pageOf = bases.pagesOfValues(join.rightSource().name(), join.right().references().column(), values.values());

        List<JsonNode> inserts = new ArrayList<>();
        List<JsonNode> deletes = new ArrayList<>();
        List<String> wanted = new ArrayList<>();
        List<JsonNode> merged = new ArrayList<>();
        List<JsonNode> held = new ArrayList<>();
        Set<String> waiting = new LinkedHashSet<>();
        boolean write = false;
        for (Map.Entry<String, JsonNode> entry : values.entrySet()) {
            String x = entry.getKey();
            boolean n = inNotion.contains(x);
            boolean t = table.contains(x);
            if (!pageOf.containsKey(x)) {
                if (t) {
                    waiting.add(x);   // its row has no page (yet): the join row stays, Notion cannot show it
                }
                continue;
            }
            boolean r = merge(join.source(), n, t, base.contains(x));
            if (r && !t) {
                inserts.add(entry.getValue());
            } else if (!r && t) {
                deletes.add(entry.getValue());
            }
            if (r) {
                wanted.add(pageOf.get(x));
                merged.add(entry.getValue());
            }
            if (n) {
                held.add(entry.getValue());
            }
            write |= r != n;
        }
        wanted.addAll(unmapped);   // pages that are no row of the right source: kept in Notion, never dropped silently
        String overLimit = null;
        if (write && wanted.size() > MAX_RELATED) {
            overLimit = "page " + link.pageId() + " of source " + left.name() + " (" + leftKey + ") would relate, in '" + join.propertyName() + "', to "
                    + wanted.size() + " pages; Notion takes at most " + MAX_RELATED + " in one write: the join rows of " + join.describe()
                    + " stay, and the relation in Notion is left as it is until the rows are " + MAX_RELATED + " or fewer";
        } else if (write) {
            ObjectNode patch = JSON.createObjectNode();
            patch.putObject("properties").set(join.propertyId(), BoundValues.relation(wanted));
            notion.call(NotionRequest.patch("/v1/pages/" + link.pageId(), patch.toString()));
        }
        recordProblems(join, link.pageId(), leftKey, unmapped, overLimit);

        // the row changes it settles: all but those of rows whose related row has no page yet (they wait for it)
        List<Long> finished = new ArrayList<>();
        List<JoinBases.Change> wait = new ArrayList<>();
        List<JsonNode> owe = new ArrayList<>();
        for (JoinBases.Change change : page.changes()) {
            JsonNode newLeft = change.rowKey().get(join.left().name());
            JsonNode newRight = change.rowKey().get(join.right().name());
            if (!change.operation().equals("DELETE") && newLeft != null && newLeft.toString().equals(page.leftValue().toString()) && newRight != null
                    && waiting.contains(newRight.toString())) {
                wait.add(change);
                continue;
            }
            finished.add(change.id());
            for (JsonNode key : Arrays.asList(change.rowKey(), change.oldRowKey())) {
                JsonNode other = key == null ? null : key.get(join.left().name());
                if (other != null && !other.toString().equals(page.leftValue().toString()) && !texts(owe).contains(other.toString())) {
                    owe.add(other);   // a row moved between two pages: the other page's relation changes too
                }
            }
        }
        boolean unmappedWait = !unmapped.isEmpty();
        int attempts = unmappedWait ? page.base().attempts() + 1 : 0;
        List<JsonNode> nowAgreed = new ArrayList<>(write && overLimit == null ? merged : held);
        nowAgreed.sort(Comparator.comparing(JsonNode::toString));
        String status = overLimit != null ? "dead_letter" : write || !inserts.isEmpty() || !deletes.isEmpty() ? "pushed" : "ignored";
        if (overLimit != null && !finished.isEmpty()) {
            deadLetters.record("bind-join-" + join.name(), REPLAY_URI, new PushRejectedException(overLimit), page.body());
        }
        bases.settle(new JoinBases.Settlement(join.name(), join.table(), join.left().name(), join.right().name(), page.leftValue(), inserts, deletes,
                nowAgreed, unmappedWait ? page.base().seenVersion() : page.version(), page.base().leasedAt(), finished, status, overLimit, owe,
                unmappedWait ? backoff(attempts) : null, attempts, unmappedWait ? "related pages without a row: " + unmapped : null));
        waitFor(join, page, wait);
        if (!inserts.isEmpty() || !deletes.isEmpty() || write) {
            LOG.info("join {}: page {} ({}): {} join rows added, {} removed{}", join.name(), link.pageId(), leftKey, inserts.size(), deletes.size(),
                    overLimit != null ? "; " + overLimit : write ? "; its relation '" + join.propertyName() + "' set to " + wanted.size() + " pages" : "");
        }
        return new PushResult(status, overLimit);
    }

    /**
     * The three-way merge of one related value: whether it is in the relation after the settle, given whether Notion
     * holds it, the table holds it, and the base held it. Both ways: a side that changed since the base wins (both
     * changed: they agree, as each side's change is a flip of the base). A source that only pulls takes Notion's, one
     * that only pushes the table's.
     */
    static boolean merge(SourceSettings source, boolean notion, boolean table, boolean base) {
        if (!source.pushes()) {
            return notion;
        }
        if (!source.pulls()) {
            return table;
        }
        return notion && table || notion && !base || table && !base;
    }

    /**
     * The settle failed. A related row whose page is being created makes it wait (no attempt counted); rejections (a
     * value PostgreSQL refuses, a 4xx from Notion but 429, a relation property gone) are dead letters at once, naming
     * the page; transient failures are tried again with backoff until notion.push.max-attempts, then are dead letters.
     * A dead letter's page is looked at again once it changes in Notion, or by its replay.
     */
    public void failed(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure, @ExchangeProperty(PAGE) JoinPage page,
                       @Header(DeadLetterChannel.REPLAY_OF) Object replayOf, @Simple("${fromRouteId}") String route) throws Exception {
        if (page == null) {
            throw failure;   // before the lease: nothing to give back
        }
        if (replayOf != null) {
            bases.retry(page.source(), page.leftValue(), Duration.ZERO, page.base().attempts(), failure.getMessage(), null);
            throw failure;
        }
        if (failure instanceof BoundPush.RelatedRowPending) {
            bases.retry(page.source(), page.leftValue(), limits.backoffBase(), page.base().attempts(), failure.getMessage(), null);
            LOG.info("join {}: page of {} waits: {}", page.source(), page.leftValue(), failure.getMessage());
            return;
        }
        int attempts = page.base().attempts() + 1;
        if (permanent(failure) || attempts >= limits.maxAttempts()) {
            String reason = "the relation of " + page.leftValue() + ": " + (permanent(failure) ? "rejected: " : "failed " + attempts + " times: ")
                    + failure.getMessage();
            deadLetters.record(route, REPLAY_URI, new PushRejectedException(reason), page.body());
            changes.finish(page.changeIds(), "dead_letter", reason);
            // looked at again once the page changes in Notion (a new shadow version) or the dead letter is replayed
            bases.retry(page.source(), page.leftValue(), limits.backoffBase(), 0, reason, page.version() == null ? "" : page.version());
            LOG.warn("join {}: {}", page.source(), reason);
            return;
        }
        Duration delay = backoff(attempts);
        bases.retry(page.source(), page.leftValue(), delay, attempts, failure.getMessage(), null);
        LOG.warn("join {}: page of {} failed ({}), retry {} in {}s", page.source(), page.leftValue(), failure.getMessage(), attempts, delay.toSeconds());
    }

    static boolean permanent(Exception failure) {
        return failure instanceof PushRejectedException || failure instanceof BoundRows.RefusedValueException
                || failure instanceof JoinTables.NotAJoinTableException || failure instanceof NotionApiException notionFailure && !notionFailure.isTransient();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The capture trigger of a join table records its key columns only: a join row's other columns are no part of the relation. */
    static void installCapture(RowChanges changes, JoinTable join) throws Exception {
        changes.install(join.shape().schema(), join.shape().table(), join.name(), BoundPush.captured(join.shape().keyColumns()), List.of());
    }

    /** A page that is unlinked or in the trash: nothing to write; its changes are settled as ignored. */
    private PushResult settleNothing(JoinTable join, JoinPage page, String why) throws Exception {
        bases.settle(new JoinBases.Settlement(join.name(), join.table(), join.left().name(), join.right().name(), page.leftValue(), List.of(),
                List.of(), page.base().agreed() == null ? List.of() : page.base().agreed(), page.version(), page.base().leasedAt(), page.changeIds(),
                "ignored", why, List.of(), null, 0, why));
        return new PushResult("ignored", why);
    }

    /** Row changes whose related row has no page: they wait, without counting while its page is being created, else until a dead letter. */
    private void waitFor(JoinTable join, JoinPage page, List<JoinBases.Change> wait) throws Exception {
        for (JoinBases.Change change : wait) {
            JsonNode right = change.rowKey().get(join.right().name());
            JsonNode rightKey = join.rightRowKey(right);
            String why = join.rightSource().binding().qualifiedName() + " " + rightKey + " has no page in source " + join.rightSource().name();
            if (changes.pending(join.rightSource().name(), rightKey)) {
                changes.retryLater(List.of(change.id()), limits.backoffBase(), why + " yet (it is being created)", false);
            } else if (change.attempts() + 1 >= limits.maxAttempts()) {
                String reason = "row " + change.rowKey() + ": " + why + "; the row stays, the relation cannot show it";
                deadLetters.record("bind-join-" + join.name(), REPLAY_URI, new PushRejectedException(reason), page.body());
                changes.finish(List.of(change.id()), "dead_letter", reason);
            } else {
                changes.retryLater(List.of(change.id()), backoff(change.attempts() + 1), why);
            }
        }
    }

    private void recordProblems(JoinTable join, String pageId, JsonNode leftKey, List<String> unmapped, String overLimit) throws Exception {
        String subject = pageId + "/" + join.propertyId();
        if (unmapped.isEmpty()) {
            problems.resolve(join.name(), BoundProblems.UNLINKED_RELATION, subject);
        } else {
            problems.record(join.name(), BoundProblems.UNLINKED_RELATION, subject, unmapped, List.of(leftKey), "page " + pageId + " of source "
                    + join.leftSource().name() + " relates, in '" + join.propertyName() + "', to " + unmapped.size() + " page(s) that are no linked row"
                    + " of source " + join.rightSource().name() + ": " + unmapped + "; they stay in Notion, and get a join row once they are rows");
        }
        if (overLimit == null) {
            problems.resolve(join.name(), BoundProblems.RELATION_OVER_LIMIT, subject);
        } else {
            problems.record(join.name(), BoundProblems.RELATION_OVER_LIMIT, subject, List.of(pageId), List.of(leftKey), overLimit);
        }
    }

    /** The related page ids of a relation value, every one: read through the property item endpoint when the page had more than it shows (25). */
    private List<String> relatedIds(NotionApi notion, String pageId, JsonNode property) {
        if (!property.path("has_more").asBoolean(false)) {
            return BoundValues.relatedPageIds(property);
        }
        String propertyId = property.path("id").asText();
        List<JsonNode> responses = new ArrayList<>();
        String cursor = null;
        do {
            String query = "page_size=100" + (cursor == null ? "" : "&start_cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            JsonNode response = notion.call(NotionRequest.get("/v1/pages/" + pageId + "/properties/" + propertyId, query));
            responses.add(response);
            cursor = response.path("has_more").asBoolean(false) ? response.path("next_cursor").asText(null) : null;
        } while (cursor != null);
        return BoundValues.relatedPageIds(PropertyItems.mergeToPropertyValue(propertyId, "relation", responses));
    }

    private Duration backoff(int attempts) {
        return limits.backoffBase().multipliedBy(1L << Math.min(Math.max(attempts - 1, 0), 10));
    }

    private static JsonNode propertyById(JsonNode properties, String propertyId) {
        for (JsonNode property : properties) {
            if (propertyId.equals(property.path("id").asText())) {
                return property;
            }
        }
        return null;
    }

    private static Set<String> texts(List<JsonNode> values) {
        Set<String> texts = new LinkedHashSet<>();
        values.forEach(v -> texts.add(v.toString()));
        return texts;
    }

    /** A Notion id as PostgreSQL writes a uuid (the links' page_id::text): lower case, dashed. */
    static String uuid(String notionId) {
        String hex = notionId.replace("-", "").toLowerCase(Locale.ROOT);
        return hex.length() != 32 ? notionId : hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }
}
