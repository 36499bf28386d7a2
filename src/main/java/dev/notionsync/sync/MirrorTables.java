package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.ChangeHistory;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.SchemaManager;
import dev.notionsync.store.SourceTables;
import dev.notionsync.store.TableShapes;
import dev.notionsync.store.Watermarks;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror tables of each configured source: its data sources as Notion describes them now, each assigned its
 * table (by data source id), the table created or altered to the schema read. Cached per source for
 * notion.sync.schema-refresh ({@link SchemaCache}). Every flow that needs a source's tables (pull, sweep, push,
 * webhooks) asks here.
 */
public final class MirrorTables {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorTables.class);

    private final Map<String, SourceSettings> sources = new ConcurrentHashMap<>();
    private final DataSources dataSources;
    private final SchemaManager schemas;
    private final SourceTables sourceTables;
    private final Watermarks watermarks;
    private final BoundSources boundSources;
    private final Predicate<SourceSettings> queryNamesProperties;
    private final SchemaCache cache;
    private final ChangeHistory history;
    /** Per source and data source: the watermark when its schema was last read (empty: there was none). */
    private final Map<String, Optional<Instant>> watermarkAtSchemaRead = new ConcurrentHashMap<>();
    /** Rewinds done outside a pull run (a webhook's schema read), applied again when the source's next run begins. */
    private final Map<String, Optional<Instant>> pendingRewinds = new ConcurrentHashMap<>();

    /**
     * @param queryNamesProperties whether the Notion version of a source's connection returns only the properties a
     *                             query names (2026-12-01 on), so pages hold no value of a property the schema lacked
     *                             when they were read
     */
    public MirrorTables(List<SourceSettings> sources, DataSources dataSources, SchemaManager schemas, SourceTables sourceTables,
                        Watermarks watermarks, BoundSources boundSources, Duration schemaRefresh,
                        Predicate<SourceSettings> queryNamesProperties, ChangeHistory history, Clock clock) {
        sources.forEach(s -> this.sources.put(s.name(), s));
        this.dataSources = dataSources;
        this.schemas = schemas;
        this.sourceTables = sourceTables;
        this.watermarks = watermarks;
        this.boundSources = boundSources;
        this.queryNamesProperties = queryNamesProperties;
        this.cache = new SchemaCache(schemaRefresh, clock);
        this.history = history;
    }

    /** The configured source of this name. */
    public SourceSettings source(String name) {
        SourceSettings source = sources.get(name);
        if (source == null) {
            throw new IllegalArgumentException("no source named '" + name + "' in notion.sources");
        }
        return source;
    }

    /** The mirror tables of a source, from the cache (read again when due). */
    public List<MirrorTable> of(String sourceName) throws Exception {
        SourceSettings source = source(sourceName);
        return cache.get(source.name(), () -> read(source));
    }

    /** Forgets every source's schema, so the next use of each reads it from Notion again. */
    public void refresh() {
        cache.forgetAll();
    }

    /** Forgets one source's schema; true when it was cached. */
    public boolean forget(String sourceName) {
        return cache.forget(sourceName);
    }

    /**
     * Applies again a rewind done outside a pull run (a schema read for a webhook or a push): a run that was reading
     * when the schema changed may have moved the watermark past it since. Called as a run begins.
     */
    public void applyPendingRewind(String sourceName, String dataSourceId) throws SQLException {
        Optional<Instant> rewind = pendingRewinds.remove(sourceName + "/" + dataSourceId);
        if (rewind != null) {
            watermarks.rewind(sourceName, dataSourceId, rewind.orElse(null));
        }
    }

    private List<MirrorTable> read(SourceSettings source) throws Exception {
        List<JsonNode> objects = dataSources.on(source.connection()).resolve(source.name(), notionId(source));
        // by data source id, never by position: a database's data sources can be reordered in Notion
        Map<String, String> tableOf = sourceTables.assign(source.name(), source.table(),
                objects.stream().map(d -> d.path("id").asText()).toList());
        List<MirrorTable> result = new ArrayList<>();
        for (JsonNode dataSource : objects) {
            String dataSourceId = dataSource.path("id").asText();
            String table = tableOf.get(dataSourceId);
            readAgainIfPropertiesWereOmitted(source, table, dataSource);
            // a bound source's shadow mirror is written by the engine only: it never gets the mirror push's trigger
            MirrorTable mirror = schemas.ensure(table, dataSource, source.pushesMirror());
            if (source.bound()) {
                // a bound source's history is its own table's: installed at start, or here once the application made it
                try {
                    history.installBound(source.name(), source.binding().schema(), source.binding().table(), source.binding().excludedByUser());
                } catch (TableShapes.UnboundableTableException e) {
                    // no such table (yet): the shadow mirror is read all the same; the bind's Apply and push say what is wrong
                }
            } else {
                history.installMirror(source.name(), mirror);
            }
            result.add(mirror);
            watermarkAtSchemaRead.put(source.name() + "/" + dataSourceId, watermarks.read(source.name(), dataSourceId));
        }
        return result;
    }

    /**
     * The Notion id a source reads: its setting, or for a bound source without one the data source its bootstrap
     * made (notion_sync.bound_sources).
     *
     * @throws NotBootstrappedException a bound source with neither
     */
    private String notionId(SourceSettings source) throws SQLException {
        if (source.notionId() != null || !source.bound()) {
            return source.notionId();
        }
        BoundSources.BoundSource bound = boundSources.find(source.name());
        if (bound == null || bound.dataSourceId() == null) {
            throw new NotBootstrappedException(source);
        }
        return bound.dataSourceId();
    }

    /** A bound source without notion.source.&lt;name&gt;.id whose database bootstrap has not made yet. */
    public static final class NotBootstrappedException extends IllegalStateException {
        public NotBootstrappedException(SourceSettings source) {
            super("source " + source.name() + " is bound to " + source.binding().qualifiedName() + " but has no Notion database yet: run"
                    + " notion-sync bootstrap " + source.name() + " --parent <page id or URL>");
        }
    }

    /**
     * When queries return only the properties they name, the pages read since the previous schema read lack any
     * property added or retyped in Notion since: neither their columns nor their raw JSON hold its value, so the local
     * re-map cannot fill it. Those pages are read again: the watermark moves back to where it stood at that schema
     * read (to the start when this process has not read the schema before). Older versions return every property, and
     * the re-map from the raw JSON suffices.
     */
    private void readAgainIfPropertiesWereOmitted(SourceSettings source, String table, JsonNode dataSource) throws Exception {
        if (!queryNamesProperties.test(source) || !schemas.mapsNewProperties(table, dataSource)) {
            return;
        }
        String dataSourceId = dataSource.path("id").asText();
        Instant from = watermarkAtSchemaRead.getOrDefault(source.name() + "/" + dataSourceId, Optional.empty()).orElse(null);
        watermarks.rewind(source.name(), dataSourceId, from);
        pendingRewinds.put(source.name() + "/" + dataSourceId, Optional.ofNullable(from));
        LOG.info("pull {}: a property of {} was added or retyped in Notion; pages read before without it (this Notion version"
                + " returns only the properties a query names) are read again, from {}", source.name(), table, from == null ? "the start" : from);
    }
}
