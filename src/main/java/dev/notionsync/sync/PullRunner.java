package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.NulText;
import dev.notionsync.mapping.PropertyItems;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.SchemaManager;
import dev.notionsync.store.SourceTables;
import dev.notionsync.store.SyncRuns;
import dev.notionsync.store.Watermarks;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The steps of the pull route (routes/notion-pull.camel.yaml): begin a run, build the next query, apply a result
 * page, finish. Query results arrive through the Notion door; schema and property-item calls go through it too.
 */
public final class PullRunner {

    public static final String RUN = "pullRun";

    private static final Logger LOG = LoggerFactory.getLogger(PullRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, SourceSettings> sources;
    private final NotionApi notion;
    private final SchemaManager schemas;
    private final SourceTables sourceTables;
    private final Watermarks watermarks;
    private final PageWriter writer;
    private final SyncRuns runs;
    private final PullSettings settings;
    private final Clock clock;
    private final DeadLetterChannel deadLetters;
    private final NotionMetrics metrics;
    private final LongSupplier rateLimited;
    private final Map<String, CachedTables> tables = new ConcurrentHashMap<>();
    /** Per source and data source: the watermark when its schema was last read (empty: there was none). */
    private final Map<String, Optional<Instant>> watermarkAtSchemaRead = new ConcurrentHashMap<>();
    /** Rewinds done outside a pull run (a webhook's schema read), applied again when the source's next run begins. */
    private final Map<String, Optional<Instant>> pendingRewinds = new ConcurrentHashMap<>();

    /**
     * Tuning of the incremental read. {@code queryNamesProperties}: the Notion version returns only the properties a
     * query names (2026-12-01 on), so pages hold no value of a property the schema lacked when they were read.
     */
    public record PullSettings(Duration overlap, Duration lag, int pageSize, Duration schemaRefresh, boolean queryNamesProperties) {
    }

    private record CachedTables(List<MirrorTable> tables, Instant refreshedAt) {
    }

    public PullRunner(List<SourceSettings> sources, NotionApi notion, SchemaManager schemas, SourceTables sourceTables, Watermarks watermarks,
                      PageWriter writer, SyncRuns runs, PullSettings settings, Clock clock, DeadLetterChannel deadLetters, NotionMetrics metrics, LongSupplier rateLimited) {
        this.rateLimited = rateLimited;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.sources = new ConcurrentHashMap<>();
        sources.forEach(s -> this.sources.put(s.name(), s));
        this.notion = notion;
        this.schemas = schemas;
        this.sourceTables = sourceTables;
        this.watermarks = watermarks;
        this.writer = writer;
        this.runs = runs;
        this.settings = settings;
        this.clock = clock;
    }

    /** Starts a run: refreshes the schema when due, reads the watermarks, records the run. */
    public void begin(Exchange exchange, String sourceName) throws Exception {
        SourceSettings source = sources.get(sourceName);
        if (source == null) {
            throw new IllegalArgumentException("no source named '" + sourceName + "' in notion.sources");
        }
        // the run is recorded first, so a run that fails on the schema or the breaker is visible too
        PullRun run = new PullRun(source, runs.start(source.name(), null), new ArrayList<>());
        run.rateLimitedBefore = rateLimited.getAsLong();
        exchange.setProperty(RUN, run);
        for (MirrorTable table : tablesOf(source)) {
            // a run that was reading when the schema changed may have moved the watermark past the rewind since
            Optional<Instant> rewind = pendingRewinds.remove(source.name() + "/" + table.dataSourceId());
            if (rewind != null) {
                watermarks.rewind(source.name(), table.dataSourceId(), rewind.orElse(null));
            }
            run.targets.add(new PullRun.Target(table, watermarks.read(source.name(), table.dataSourceId()).orElse(null)));
        }
        runs.recordWatermarkBefore(run.runId, run.targets.isEmpty() ? null : run.targets.get(0).watermark);
    }

    /** Sets the next data source query on the exchange, for the door route. */
    public void nextQuery(Exchange exchange) {
        PullRun run = exchange.getProperty(RUN, PullRun.class);
        PullRun.Target target = run.target();
        ObjectNode body = JSON.createObjectNode();
        List<ObjectNode> conditions = new ArrayList<>();
        if (target.watermark != null) {
            conditions.add(timestampCondition("last_edited_time", target.watermark.minus(settings.overlap())));
        }
        if (target.windowed) {
            conditions.addAll(target.walk.conditions());
        }
        ObjectNode filter = CreatedTimeWalk.allOf(conditions);
        if (filter != null) {
            body.set("filter", filter);
        }
        ArrayNode sorts = body.putArray("sorts");
        if (target.windowed) {
            sorts.add(CreatedTimeWalk.sort());
        } else {
            sorts.addObject().put("timestamp", "last_edited_time").put("direction", "ascending");
        }
        body.put("page_size", settings.pageSize());
        if (run.cursor != null) {
            body.put("start_cursor", run.cursor);
        }
        exchange.setProperty(NotionRequest.PROPERTY, NotionRequest.post("/v1/data_sources/" + target.table.dataSourceId() + "/query",
                body.toString()).withProperties(target.table.schemaPropertyIds()));
    }

    private static ObjectNode timestampCondition(String timestamp, Instant onOrAfter) {
        ObjectNode condition = JSON.createObjectNode();
        condition.put("timestamp", timestamp);
        condition.putObject(timestamp).put("on_or_after", onOrAfter.toString());
        return condition;
    }

    /**
     * A query failed. An invalid or expired cursor (400 validation_error while paging) restarts the data source's
     * query from its committed watermark, which loses nothing; any other failure fails the run.
     */
    public void recoverQuery(Exchange exchange) throws Exception {
        PullRun run = exchange.getProperty(RUN, PullRun.class);
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        boolean cursorRejected = failure instanceof NotionApiException notion && notion.status() == 400
                && "validation_error".equals(notion.code()) && run.cursor != null;
        if (!cursorRejected || run.cursorRestarts >= 10) {
            throw failure;
        }
        run.cursorRestarts++;
        metrics.cursorRestart(run.source.name());
        LOG.warn("pull {}: Notion rejected the query cursor ({}); restarting {} from its watermark",
                run.source.name(), failure.getMessage(), run.target().table.table());
        restartTarget(run);
    }

    private void restartTarget(PullRun run) throws Exception {
        PullRun.Target target = run.target();
        run.cursor = null;
        if (!target.windowed) {
            target.watermark = watermarks.read(run.source.name(), target.table.dataSourceId()).orElse(target.watermark);
        }
    }

    /** Maps and writes one result page and advances the watermark, in one transaction. */
    public void applyResults(Exchange exchange) throws Exception {
        PullRun run = exchange.getProperty(RUN, PullRun.class);
        JsonNode response = exchange.getMessage().getBody(JsonNode.class);
        PullRun.Target target = run.target();
        Instant now = clock.instant();
        int[] extraCalls = {0};
        List<PageWriter.Row> rows = new ArrayList<>();
        Instant newest = null;
        for (JsonNode page : response.path("results")) {
            if (!"page".equals(page.path("object").asText())) {
                continue;
            }
            if (target.windowed) {
                target.walk.read(page);
            }
            PageWriter.Row row;
            try {
                JsonNode whole = withOmittedProperties(run, target.table, page, extraCalls);
                row = toRow(target.table, whole, (pageId, value) -> completeProperty(pageId, value, extraCalls), now);
                metrics.unsupportedValues(run.source.name(), row.unsupportedValues());
            } catch (NotionApiException e) {
                throw e;
            } catch (RuntimeException e) {
                // one bad page must not block the source: it goes to the dead letters, the rest is written
                deadLetter(run, target.table, page.path("id").asText(), e);
                continue;
            }
            rows.add(row);
            newest = newest == null || row.lastEditedTime().isAfter(newest) ? row.lastEditedTime() : newest;
        }
        boolean incomplete = "incomplete".equals(response.path("request_status").path("type").asText());
        boolean queryEnded = incomplete || !(response.path("has_more").asBoolean(false) && response.path("next_cursor").isTextual());
        boolean done = queryEnded && !incomplete;
        Instant watermark = newest == null ? null : min(newest, now.minus(settings.lag()));
        if (target.windowed) {
            done = queryEnded && target.walk.queryEnded(incomplete);
            watermark = done ? walkWatermark(run, target) : null;
        }
        PageWriter.Outcome outcome = write(run, target.table, rows, watermark);
        run.counts = run.counts.plus(outcome, rows.size(), extraCalls[0]);
        metrics.pages(run.source.name(), "read", rows.size());
        metrics.pages(run.source.name(), "inserted", outcome.inserted());
        metrics.pages(run.source.name(), "updated", outcome.updated());
        metrics.pages(run.source.name(), "unchanged", outcome.unchanged());
        run.resultPages++;
        if (watermark != null && (run.watermarkAfter == null || watermark.isAfter(run.watermarkAfter))) {
            run.watermarkAfter = watermark;
        }
        double seconds = Math.max(0.001, (System.nanoTime() - run.startedNanos) / 1e9);
        // an idle poll re-reads the overlap window and changes nothing: keep that out of the INFO log
        boolean changed = outcome.inserted() + outcome.updated() > 0;
        LOG.atLevel(changed ? Level.INFO : Level.DEBUG).log(
                "pull {}: result page {} of {}: {} pages ({} new, {} changed, {} unchanged); run total {} pages, {} pages/s",
                run.source.name(), run.resultPages, target.table.table(), rows.size(), outcome.inserted(), outcome.updated(),
                outcome.unchanged(), run.counts.read(), String.format("%.1f", run.counts.read() / seconds));
        if (target.windowed && queryEnded && !done) {
            run.cursor = null;   // the walk's next created_time window
        } else if (incomplete) {
            continueAfterResultCap(run, target);
        } else if (!done) {
            run.cursor = response.path("next_cursor").asText();
        } else {
            run.cursor = null;
            run.targetIndex++;
        }
    }

    /**
     * Notion stops a query after 10,000 results. Restart from the committed watermark; if that cannot move
     * (10,000+ pages edited within one overlap window, as after a bulk import), walk created_time windows instead.
     */
    private void continueAfterResultCap(PullRun run, PullRun.Target target) throws Exception {
        Instant before = target.watermark;
        restartTarget(run);
        if (before != null && !target.watermark.isAfter(before) || before == null && target.watermark == null) {
            // read the stuck window again from its oldest page, now in created_time order
            target.windowed = true;
            target.watermark = before;
            target.walk = new CreatedTimeWalk(null);
            target.walkStartedAt = clock.instant();
        }
        LOG.info("pull {}: {} hit Notion's 10,000-result cap; continuing {}", run.source.name(), target.table.table(),
                target.windowed ? "in created_time windows" : "from watermark " + target.watermark);
    }

    /**
     * The watermark once a created_time walk is done. Windows are read in created_time order, so an edit made during
     * the walk to a page of a window already read shows up in no later window: only the time the walk began is safe
     * (its minute, as Notion rounds edit times down to it). Where the walk could not read a crowded minute whole,
     * the watermark stays, so no later run skips what it could not read.
     */
    private Instant walkWatermark(PullRun run, PullRun.Target target) {
        List<CreatedTimeWalk.Slice> unread = target.walk.unreadMinutes();
        if (!unread.isEmpty()) {
            LOG.warn("pull {}: {} holds more pages created in one minute ({}) than one Notion query returns (10,000), alike in"
                            + " every text property, so some may be unread; the watermark stays. Give those pages distinct titles, or"
                            + " let webhooks deliver them", run.source.name(), target.table.table(),
                    unread.stream().map(s -> s.minute().toString()).distinct().toList());
            return null;
        }
        return target.walkStartedAt.minus(settings.lag()).truncatedTo(ChronoUnit.MINUTES);
    }

    /** Writes a result page; if PostgreSQL rejects a value, writes row by row and dead-letters the rejected rows. */
    private PageWriter.Outcome write(PullRun run, MirrorTable table, List<PageWriter.Row> rows, Instant watermark) throws Exception {
        try {
            return writer.write(table, rows, run.source.name(), watermark);
        } catch (SQLException e) {
            if (!isDataError(e)) {
                throw e;
            }
        }
        int inserted = 0;
        int updated = 0;
        int unchanged = 0;
        for (PageWriter.Row row : rows) {
            try {
                PageWriter.Outcome one = writer.write(table, List.of(row), run.source.name(), null);
                inserted += one.inserted();
                updated += one.updated();
                unchanged += one.unchanged();
            } catch (SQLException e) {
                if (!isDataError(e)) {
                    throw e;
                }
                deadLetter(run, table, row.pageId(), e);
            }
        }
        writer.write(table, List.of(), run.source.name(), watermark);
        return new PageWriter.Outcome(inserted, updated, unchanged);
    }

    /** PostgreSQL refused the data itself (SQLSTATE class 22 or 23), as opposed to being unreachable. */
    private static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private void deadLetter(PullRun run, MirrorTable table, String pageId, Exception failure) throws Exception {
        ObjectNode item = JSON.createObjectNode().put("entity_id", pageId).put("entity_type", "page")
                .put("data_source_id", table.dataSourceId()).put("only_own_writes", false);
        item.putArray("event_ids");
        item.putArray("types").add("pull");
        deadLetters.record("pull-" + run.source.name(), "direct:page-apply", failure, item.toString());
    }

    public void finish(Exchange exchange) throws Exception {
        PullRun run = exchange.getProperty(RUN, PullRun.class);
        run.counts = run.counts.withRateLimited((int) (rateLimited.getAsLong() - run.rateLimitedBefore));
        runs.finish(run.runId, run.counts, run.watermarkAfter, "ok", null);
        if (run.counts.inserted() + run.counts.updated() > 0) {
            LOG.info("pull {}: done, {} pages read, {} inserted, {} updated, {} unchanged", run.source.name(),
                    run.counts.read(), run.counts.inserted(), run.counts.updated(), run.counts.unchanged());
        }
    }

    /** Records a failed run; the route logs it, and the next poll starts again from the committed watermark. */
    public void fail(Exchange exchange) throws Exception {
        PullRun run = exchange.getProperty(RUN, PullRun.class);
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String message = cause == null ? "unknown error" : cause.getMessage();
        if (run != null) {
            run.counts = run.counts.withRateLimited((int) (rateLimited.getAsLong() - run.rateLimitedBefore));
            runs.finish(run.runId, run.counts, run.watermarkAfter, "failed", message,
                    cause instanceof NotionApiException notion && !notion.isTransient() ? notion.status() : null);
        }
        if (cause instanceof NotionApiException notion && notion.isAuthorizationFailure()) {
            tables.clear();
        }
        exchange.getMessage().setBody(message);
    }

    /** Forgets the cached schemas, so the next run of each source re-reads them from Notion. */
    public void refreshSchemas() {
        tables.clear();
    }

    /** Maps a page fetched outside a query (sweep, webhook), completing truncated values through the door. */
    public PageWriter.Row mapPage(MirrorTable table, JsonNode page) {
        return toRow(table, page, (pageId, value) -> completeProperty(pageId, value, new int[1]), clock.instant());
    }

    /**
     * Maps a page after replacing the NUL characters PostgreSQL cannot store (in the page and in completed values),
     * so the page is kept; each such page is counted (notion_sync_pages, outcome nul_replaced) and logged.
     */
    private PageWriter.Row toRow(MirrorTable table, JsonNode page, BiFunction<String, JsonNode, JsonNode> completeProperty, Instant now) {
        NulText.Cleaned cleaned = NulText.clean(page);
        int[] replaced = {cleaned.replaced()};
        PageWriter.Row row = PageMapper.toRow(table, cleaned.node(), (pageId, value) -> {
            NulText.Cleaned complete = NulText.clean(completeProperty.apply(pageId, value));
            replaced[0] += complete.replaced();
            return complete.node();
        }, now);
        if (replaced[0] > 0) {
            String source = sourceOf(table);
            metrics.pages(source, "nul_replaced", 1);
            LOG.warn("pull {}: page {} of {} holds {} NUL character(s), which PostgreSQL cannot store; stored as U+FFFD",
                    source, row.pageId(), table.table(), replaced[0]);
        }
        return row;
    }

    /** The configured source a mirror table belongs to (its table name when no cached source holds it). */
    private String sourceOf(MirrorTable table) {
        return tables.entrySet().stream().filter(e -> e.getValue().tables().stream().anyMatch(t -> t.table().equals(table.table())))
                .map(Map.Entry::getKey).findFirst().orElse(table.table());
    }

    /** The mirror tables of a source, from the schema cache (refreshed when due). */
    public List<MirrorTable> tablesOf(String sourceName) throws Exception {
        SourceSettings source = sources.get(sourceName);
        if (source == null) {
            throw new IllegalArgumentException("no source named '" + sourceName + "' in notion.sources");
        }
        return tablesOf(source);
    }

    private List<MirrorTable> tablesOf(SourceSettings source) throws Exception {
        CachedTables cached = tables.get(source.name());
        Instant now = clock.instant();
        if (cached != null && cached.refreshedAt().plus(settings.schemaRefresh()).isAfter(now)) {
            return cached.tables();
        }
        // property names are stored in the column catalog (text): a NUL there would stop the source
        List<JsonNode> dataSources = resolveDataSources(source).stream().map(d -> NulText.clean(d).node()).toList();
        // by data source id, never by position: a database's data sources can be reordered in Notion
        Map<String, String> tableOf = sourceTables.assign(source.name(), source.table(),
                dataSources.stream().map(d -> d.path("id").asText()).toList());
        List<MirrorTable> result = new ArrayList<>();
        for (JsonNode dataSource : dataSources) {
            String table = tableOf.get(dataSource.path("id").asText());
            readAgainIfPropertiesWereOmitted(source, table, dataSource);
            result.add(schemas.ensure(table, dataSource, source.direction() != SourceSettings.Direction.PULL));
            String key = source.name() + "/" + dataSource.path("id").asText();
            watermarkAtSchemaRead.put(key, watermarks.read(source.name(), dataSource.path("id").asText()));
        }
        tables.put(source.name(), new CachedTables(List.copyOf(result), now));
        return result;
    }

    /**
     * When queries return only the properties they name, the pages read since the previous schema read lack any
     * property added or retyped in Notion since: neither their columns nor their raw JSON hold its value, so the local
     * re-map cannot fill it. Those pages are read again: the watermark moves back to where it stood at that schema
     * read (to the start when this process has not read the schema before). Older versions return every property, and
     * the re-map from the raw JSON suffices.
     */
    private void readAgainIfPropertiesWereOmitted(SourceSettings source, String table, JsonNode dataSource) throws Exception {
        if (!settings.queryNamesProperties() || !schemas.mapsNewProperties(table, dataSource)) {
            return;
        }
        String dataSourceId = dataSource.path("id").asText();
        Instant from = watermarkAtSchemaRead.getOrDefault(source.name() + "/" + dataSourceId, Optional.empty()).orElse(null);
        watermarks.rewind(source.name(), dataSourceId, from);
        pendingRewinds.put(source.name() + "/" + dataSourceId, Optional.ofNullable(from));
        LOG.info("pull {}: a property of {} was added or retyped in Notion; pages read before without it (this Notion version"
                + " returns only the properties a query names) are read again, from {}", source.name(), table, from == null ? "the start" : from);
    }

    /** A configured id may be a data source id (used as it is) or a database id (resolved to its data sources). */
    private List<JsonNode> resolveDataSources(SourceSettings source) {
        try {
            return List.of(notion.call(NotionRequest.get("/v1/data_sources/" + source.notionId())));
        } catch (NotionApiException e) {
            if (e.status() != 404 && e.status() != 400) {
                throw e;
            }
        }
        JsonNode database = notion.call(NotionRequest.get("/v1/databases/" + source.notionId()));
        List<JsonNode> result = new ArrayList<>();
        for (JsonNode ref : database.path("data_sources")) {
            result.add(notion.call(NotionRequest.get("/v1/data_sources/" + ref.path("id").asText())));
        }
        if (result.isEmpty()) {
            throw new IllegalStateException("Notion database " + source.notionId() + " of source '" + source.name() + "' has no data sources");
        }
        return result;
    }

    /**
     * A query result may lack mapped properties: from Notion-Version 2026-12-01 a query returns only those named in
     * filter_properties, and one request names at most notion.api.filter-properties-max. The missing ones are read
     * from the page (GET /v1/pages/{id}, naming them), in as many rounds as that limit needs. What Notion still does
     * not give (a property deleted since the schema was read) stays absent: unknown, so the stored value is kept, and
     * the source's schema is read again at its next run.
     */
    private JsonNode withOmittedProperties(PullRun run, MirrorTable table, JsonNode page, int[] calls) {
        List<String> missing = missingProperties(table, page);
        ObjectNode whole = null;
        while (!missing.isEmpty()) {
            JsonNode fetched = notion.call(NotionRequest.get("/v1/pages/" + page.path("id").asText()).withProperties(missing));
            calls[0]++;
            whole = whole == null ? page.deepCopy() : whole;
            ObjectNode properties = whole.path("properties").isObject() ? (ObjectNode) whole.get("properties") : whole.putObject("properties");
            List<String> wanted = missing;
            fetched.path("properties").fields().forEachRemaining(e -> {
                if (wanted.contains(e.getValue().path("id").asText())) {
                    properties.set(e.getKey(), e.getValue());
                }
            });
            List<String> still = missingProperties(table, whole);
            if (still.size() >= missing.size()) {
                if (tables.remove(run.source.name()) != null) {
                    LOG.info("pull {}: Notion no longer gives properties {} of {}; the schema is read again at the next run",
                            run.source.name(), still, table.table());
                }
                break;
            }
            missing = still;
        }
        return whole == null ? page : whole;
    }

    /** The table's mapped property ids the page object does not carry. */
    static List<String> missingProperties(MirrorTable table, JsonNode page) {
        Set<String> present = new HashSet<>();
        page.path("properties").forEach(value -> present.add(value.path("id").asText()));
        List<String> missing = new ArrayList<>();
        table.properties().forEach(p -> {
            if (!present.contains(p.propertyId())) {
                missing.add(p.propertyId());
            }
        });
        return missing;
    }

    private JsonNode completeProperty(String pageId, JsonNode truncated, int[] calls) {
        String propertyId = truncated.path("id").asText();
        String type = truncated.path("type").asText();
        List<JsonNode> responses = new ArrayList<>();
        String cursor = null;
        do {
            String query = "page_size=100" + (cursor == null ? "" : "&start_cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            JsonNode response = notion.call(NotionRequest.get("/v1/pages/" + pageId + "/properties/" + propertyId, query));
            calls[0]++;
            responses.add(response);
            cursor = response.path("has_more").asBoolean(false) ? response.path("next_cursor").asText(null) : null;
        } while (cursor != null);
        return PropertyItems.mergeToPropertyValue(propertyId, type, responses);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
