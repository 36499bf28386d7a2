package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.manage.DeadLetterChannel;
import dev.notionsync.manage.NotionMetrics;
import dev.notionsync.mapping.ColumnNames;
import dev.notionsync.mapping.ColumnSpec;
import dev.notionsync.mapping.PropertyWriters;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.Conflicts;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.Outbox;
import dev.notionsync.store.PageWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.camel.Exchange;
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

    private static final Logger LOG = LoggerFactory.getLogger(PushRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, SourceConfig> sources = new LinkedHashMap<>();
    private final Function<String, List<MirrorTable>> tables;
    private final NotionApi notion;
    private final Outbox outbox;
    private final PageWriter writer;
    private final Conflicts conflicts;
    private final DeadLetterChannel deadLetters;
    private final NotionMetrics metrics;
    private final PushSettings settings;
    private final Function<MirrorTable, Function<JsonNode, PageWriter.Row>> mapper;
    private final PageCreator creator;

    public record PushSettings(String instance, int batchPages, int maxAttempts, Duration backoffBase) {
    }

    /** What the pending changes of one page amount to. */
    public record PageChange(String source, String table, String pageId, List<Long> outboxIds, String operation,
                             Map<String, com.fasterxml.jackson.databind.JsonNode> changed, Set<String> ignored,
                             Instant baseEditedTime, JsonNode baseProperties, Instant changedAt, int attempts) {

        static PageChange of(String source, List<Outbox.Entry> entries) {
            Outbox.Entry first = entries.get(0);
            Outbox.Entry last = entries.get(entries.size() - 1);
            boolean inserted = first.operation().equals("INSERT");
            String operation = last.operation().equals("DELETE") ? (inserted ? "nothing" : "trash") : inserted ? "create" : "update";
            Map<String, JsonNode> changed = new LinkedHashMap<>();
            Set<String> ignored = new LinkedHashSet<>();
            Instant baseEdited = null;
            JsonNode baseProperties = null;
            Instant changedAt = first.changedAt();
            int attempts = 0;
            List<Long> ids = new ArrayList<>();
            for (Outbox.Entry entry : entries) {
                ids.add(entry.id());
                changed.putAll(entry.changed());
                ignored.addAll(entry.ignored());
                if (baseProperties == null && entry.baseProperties() != null) {
                    // the version the user started from: the oldest change's base
                    baseEdited = entry.baseEditedTime();
                    baseProperties = entry.baseProperties();
                }
                changedAt = entry.changedAt().isAfter(changedAt) ? entry.changedAt() : changedAt;
                attempts = Math.max(attempts, entry.attempts());
            }
            return new PageChange(source, first.table(), first.pageId(), ids, operation, changed, ignored, baseEdited,
                    baseProperties, changedAt, attempts);
        }

        /** The message body of this change: what a dead letter stores and a replay sends back. */
        String body() {
            ObjectNode body = JSON.createObjectNode();
            body.put("source", source);
            body.put("table", table);
            body.put("page_id", pageId);
            ArrayNode ids = body.putArray("outbox_ids");
            outboxIds.forEach(ids::add);
            return body.toString();
        }
    }

    public PushRunner(List<SourceConfig> sources, Function<String, List<MirrorTable>> tables, NotionApi notion, Outbox outbox,
                      PageWriter writer, Conflicts conflicts, DeadLetterChannel deadLetters, NotionMetrics metrics,
                      PushSettings settings, Function<MirrorTable, Function<JsonNode, PageWriter.Row>> mapper, PageCreator creator) {
        sources.forEach(s -> this.sources.put(s.name(), s));
        this.tables = tables;
        this.notion = notion;
        this.outbox = outbox;
        this.writer = writer;
        this.conflicts = conflicts;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.settings = settings;
        this.mapper = mapper;
        this.creator = creator;
    }

    /** The push's poll: claims up to a batch of pages of the source; the body becomes one message per page. */
    public List<String> claim(String sourceName) throws Exception {
        SourceConfig source = source(sourceName);
        List<MirrorTable> mirrors = tables.apply(source.name());
        List<String> bodies = new ArrayList<>();
        for (List<Outbox.Entry> entries : outbox.claim(mirrors.get(0).schema(), mirrors.stream().map(MirrorTable::table).toList(),
                settings.instance(), settings.batchPages())) {
            bodies.add(PageChange.of(source.name(), entries).body());
        }
        return bodies;
    }

    /** Reads the message (from the poll or a replay) back into the page's change. */
    public void prepare(Exchange exchange) throws Exception {
        JsonNode body = JSON.readTree(exchange.getMessage().getBody(String.class));
        List<Long> ids = new ArrayList<>();
        body.path("outbox_ids").forEach(id -> ids.add(id.asLong()));
        List<Outbox.Entry> entries = outbox.load(ids);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("outbox entries " + ids + " no longer exist");
        }
        exchange.setProperty(CHANGE, PageChange.of(body.path("source").asText(), entries));
    }

    /**
     * INSERT of a row: creates the page in the data source exactly once (PageCreator), then the row takes the page's
     * id and system columns.
     */
    public void create(Exchange exchange) throws Exception {
        PageChange change = exchange.getProperty(CHANGE, PageChange.class);
        MirrorTable table = table(change);
        ObjectNode properties = JSON.createObjectNode();
        for (MirrorTable.PropertyColumns property : table.properties()) {
            Set<String> changed = changedSuffixes(property, change.changed());
            if (!changed.isEmpty()) {
                properties.set(property.propertyId(), PropertyWriters.toNotion(property.type(), property.propertyName(),
                        values(property, change.changed(), Map.of()), changed));
            }
        }
        logIgnored(change);
        // the row's local id is the create's key: a retry after a lost answer adopts the page instead of making another
        JsonNode page = creator.create(createKey(table, change), change.pageId(), table.dataSourceId(), titlePropertyId(table), properties);
        boolean rekey = !page.path("id").asText().equals(change.pageId());
        writer.writePushed(table, mapper.apply(table).apply(page), rekey ? change.pageId() : null);
        LOG.info("push {}: row {} created page {}", change.source(), change.pageId(), page.path("id").asText());
        metrics.pushed(change.source(), "created");
    }

    /**
     * UPDATE of a row: PATCHes only the changed, writable properties. When the page changed in Notion since the
     * row's last sync, each property changed on both sides follows the source's conflict policy and is recorded.
     */
    public void update(Exchange exchange) throws Exception {
        PageChange change = exchange.getProperty(CHANGE, PageChange.class);
        SourceConfig source = source(change.source());
        MirrorTable table = table(change);
        Map<String, JsonNode> row = writer.readRow(table, change.pageId());
        Map<MirrorTable.PropertyColumns, JsonNode> wanted = new LinkedHashMap<>();
        for (MirrorTable.PropertyColumns property : table.properties()) {
            Set<String> changed = changedSuffixes(property, change.changed());
            if (!changed.isEmpty()) {
                wanted.put(property, PropertyWriters.toNotion(property.type(), property.propertyName(),
                        values(property, change.changed(), row), changed));
            }
        }
        logIgnored(change);
        if (wanted.isEmpty()) {
            exchange.setProperty("pushOutcome", "ignored");
            return;
        }
        JsonNode page = notion.call(NotionRequest.get("/v1/pages/" + change.pageId()));
        if (page.path("in_trash").asBoolean(false)) {
            throw new PushRejectedException("page " + change.pageId() + " is in Notion's trash: restore it in Notion, or delete the row");
        }
        ObjectNode properties = JSON.createObjectNode();
        Instant notionEdited = Instant.parse(page.path("last_edited_time").asText());
        // a property Notion shows differently from the version the user edited changed in Notion meanwhile; values,
        // not edit times, decide: Notion's times are rounded to the minute
        boolean notionChanged = change.baseProperties() != null;
        for (Map.Entry<MirrorTable.PropertyColumns, JsonNode> entry : wanted.entrySet()) {
            MirrorTable.PropertyColumns property = entry.getKey();
            JsonNode notionValue = propertyById(page.path("properties"), property.propertyId());
            JsonNode baseValue = propertyById(change.baseProperties(), property.propertyId());
            if (notionChanged && !sameValue(notionValue, baseValue)) {
                boolean postgresWins = switch (source.conflict()) {
                    case NOTION_WINS -> false;
                    case POSTGRES_WINS -> true;
                    // Notion reports edit times to the minute: Postgres wins only when its change came later than that
                    case NEWEST_WINS -> change.changedAt().isAfter(notionEdited);
                };
                conflicts.record(new dev.notionsync.store.Conflicts.Conflict(source.name(), change.pageId(), property.propertyId(),
                        property.propertyName(), entry.getValue(), notionValue, source.conflict().setting(),
                        postgresWins ? "postgres" : "notion", change.changedAt(), notionEdited));
                LOG.warn("push {}: conflict on page {} property '{}': changed in PostgreSQL and in Notion; {} wins ({})",
                        source.name(), change.pageId(), property.propertyName(), postgresWins ? "PostgreSQL" : "Notion", source.conflict().setting());
                metrics.pushed(source.name(), "conflicts");
                if (!postgresWins) {
                    continue;
                }
            }
            properties.set(property.propertyId(), entry.getValue());
        }
        if (!properties.isEmpty()) {
            ObjectNode request = JSON.createObjectNode();
            request.set("properties", properties);
            page = notion.call(NotionRequest.patch("/v1/pages/" + change.pageId(), request.toString()));
            metrics.pushed(source.name(), "updated");
        }
        // the row now shows what Notion holds: the values sent, and Notion's where Notion won
        writer.writePushed(table, mapper.apply(table).apply(page), null);
    }

    /** DELETE of a row: moves the page to Notion's trash, or leaves it (notion.source.X.on-delete=ignore). */
    public void trash(Exchange exchange) throws Exception {
        PageChange change = exchange.getProperty(CHANGE, PageChange.class);
        SourceConfig source = source(change.source());
        if (!source.trashOnDelete()) {
            LOG.info("push {}: row {} deleted; its page stays in Notion (on-delete=ignore)", source.name(), change.pageId());
            exchange.setProperty("pushOutcome", "ignored");
            return;
        }
        notion.call(NotionRequest.patch("/v1/pages/" + change.pageId(), "{\"in_trash\":true}"));
        LOG.info("push {}: row {} deleted; page moved to Notion's trash", source.name(), change.pageId());
        metrics.pushed(source.name(), "trashed");
    }

    /** The change went through (or amounted to nothing): its outbox entries are done. */
    public void complete(Exchange exchange) throws Exception {
        PageChange change = exchange.getProperty(CHANGE, PageChange.class);
        if ("nothing".equals(change.operation())) {
            MirrorTable table = table(change);
            // inserted, then deleted: a page a lost answer made goes to the trash, and a copy the pull made of it goes too
            String made = creator.withdraw(createKey(table, change), table.dataSourceId(), titlePropertyId(table));
            if (made != null) {
                writer.deleteRow(table, made);
            }
        }
        String outcome = "nothing".equals(change.operation()) ? "ignored" : exchange.getProperty("pushOutcome", "pushed", String.class);
        outbox.finish(change.outboxIds(), outcome, null);
    }

    /**
     * The change failed. Rejections (4xx but 429, values Notion cannot take) are dead-lettered at once; transient
     * failures go back to the outbox with exponential backoff until notion.push.max-attempts, then dead-lettered.
     * A replay that fails again keeps its dead letter open.
     */
    public void failed(Exchange exchange) throws Exception {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        PageChange change = exchange.getProperty(CHANGE, PageChange.class);
        if (exchange.getMessage().getHeader("NotionSyncReplayOf") != null) {
            throw failure;
        }
        if (change == null) {
            throw failure;   // the outbox itself is unreadable: the dead letter channel keeps the message
        }
        boolean permanent = failure instanceof PushRejectedException || failure instanceof PropertyWriters.UnwritableValueException
                || failure instanceof NotionApiException notion && !notion.isTransient();
        int attempts = change.attempts() + 1;
        if (permanent || attempts >= settings.maxAttempts()) {
            String reason = (permanent ? "rejected: " : "failed " + attempts + " times: ") + failure.getMessage();
            // the dead letter first: if storing it fails, the claim runs out and the change is tried again
            deadLetters.record(exchange.getFromRouteId(), REPLAY_URI, failure, change.body());
            outbox.finish(change.outboxIds(), "dead_letter", reason);
            metrics.pushed(change.source(), "dead_lettered");
            return;
        }
        Duration delay = settings.backoffBase().multipliedBy(1L << Math.min(attempts - 1, 10));
        outbox.retryLater(change.outboxIds(), delay, failure.getMessage());
        LOG.warn("push {}: page {} failed ({}), retry {} in {}s", change.source(), change.pageId(), failure.getMessage(), attempts, delay.toSeconds());
    }

    /** A change Notion will never accept as it is. */
    public static final class PushRejectedException extends RuntimeException {
        public PushRejectedException(String message) {
            super(message);
        }
    }

    private SourceConfig source(String name) {
        SourceConfig source = sources.get(name);
        if (source == null) {
            throw new IllegalArgumentException("no source named '" + name + "' in notion.sources");
        }
        return source;
    }

    private MirrorTable table(PageChange change) {
        return tables.apply(change.source()).stream().filter(t -> t.table().equals(change.table())).findFirst()
                .orElseThrow(() -> new IllegalStateException("source " + change.source() + " has no table " + change.table()));
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
        for (String suffix : PropertyWriters.writableSuffixes(property.type())) {
            if (changed.containsKey(column(property, suffix))) {
                suffixes.add(suffix);
            }
        }
        return suffixes;
    }

    /** The property's writable column values: the changed ones from the outbox, the others as the row holds them. */
    private static Map<String, JsonNode> values(MirrorTable.PropertyColumns property, Map<String, JsonNode> changed, Map<String, JsonNode> row) {
        Map<String, JsonNode> values = new LinkedHashMap<>();
        for (String suffix : PropertyWriters.writableSuffixes(property.type())) {
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

    /** Notion's value now against the value at the last sync, ignoring how the JSON was laid out. */
    private static boolean sameValue(JsonNode a, JsonNode b) {
        return a == null ? b == null : a.equals(b);
    }
}
