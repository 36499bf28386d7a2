package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionConnections;
import dev.notionsync.notion.NotionHttp;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundComparison;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.ChangeHistory;
import dev.notionsync.sync.Binding;
import dev.notionsync.store.Deletions;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.PullLeases;
import dev.notionsync.store.TableShapes;
import dev.notionsync.store.SchemaManager;
import dev.notionsync.store.SourceTables;
import dev.notionsync.store.SyncRuns;
import dev.notionsync.store.Watermarks;
import dev.notionsync.sync.DataSources;
import dev.notionsync.sync.DeletionSweep;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.PageReader;
import dev.notionsync.sync.PullRunner;
import dev.notionsync.sync.PullSettings;
import dev.notionsync.sync.QueryPlanner;
import dev.notionsync.sync.ResultPageWriter;
import dev.notionsync.sync.SourceDoors;
import dev.notionsync.sync.SourceSchedules;
import dev.notionsync.sync.ConsistencyCheck;
import dev.notionsync.store.RowComparison;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.sync.bound.JoinTables;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pull (routes/notion-pull.camel.yaml): the mirror schema, the mirror tables, the page reader, the pull runner and the deletion sweep, and for each
 * pulled source its routes from the templates notion-pull, notion-poll and notion-sweep (the last two on the clustered
 * Quartz scheduler, ClusterConfiguration).
 */
public final class SyncConfiguration implements AreaConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SyncConfiguration.class);

    private final SyncSettings settings;
    private final String schema;
    private final DataSource dataSource;
    private final NotionMetrics metrics;
    private final String instanceId;
    private PullLeases leases;

    public SyncConfiguration(SyncSettings settings, String schema, DataSource dataSource, NotionMetrics metrics, String instanceId) {
        this.settings = settings;
        this.schema = schema;
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.instanceId = instanceId;
    }

    @Override
    public void configure(CamelContext context) {
        SchemaManager schemas = new SchemaManager(dataSource, schema);
        try {
            schemas.createSchema();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create schema '" + schema + "': " + e.getMessage(), e);
        }
        NotionApi notion = AreaConfiguration.bean(context, "notionApi", NotionApi.class);
        SourceDoors doors = AreaConfiguration.bean(context, "sourceDoors", SourceDoors.class);
        NotionConnections connections = AreaConfiguration.bean(context, "notionConnections", NotionConnections.class);
        ChangeHistory history = new ChangeHistory(dataSource, settings.captures(),
                settings.sources().stream().filter(SourceSettings::bound).map(SourceSettings::name).collect(java.util.stream.Collectors.toSet()));
        PageWriter writer = new PageWriter(dataSource, history);
        context.getRegistry().bind("changeHistory", history);
        installBound(history);
        Watermarks watermarks = new Watermarks(dataSource);
        PullSettings pull = settings.pull();
        MirrorTables mirrorTables = new MirrorTables(settings.sources(), new DataSources(notion), schemas, new SourceTables(dataSource, schema),
                watermarks, new BoundSources(dataSource), pull.schemaRefresh(),
                source -> NotionHttp.returnsOnlyTitleUnlessFiltered(connections.get(source.connection()).version()), history, Clock.systemUTC());
        context.getRegistry().bind("mirrorTables", mirrorTables);
        PageReader pageReader = new PageReader(doors, metrics, Clock.systemUTC());
        context.getRegistry().bind("pageReader", pageReader);
        leases = new PullLeases(dataSource, pull.lease());
        context.getRegistry().bind("pullRunner", new PullRunner(mirrorTables, new QueryPlanner(pull.overlap(), pull.lag(), pull.pageSize()),
                pageReader, new ResultPageWriter(writer, AreaConfiguration.bean(context, "deadLetterChannel", DeadLetterChannel.class)),
                watermarks, new SyncRuns(dataSource, instanceId), Clock.systemUTC(), metrics, connection -> connections.get(connection).budget().rateLimitedCount(),
                leases));
        DeletionSweep sweep = new DeletionSweep(mirrorTables, pageReader, doors, new Deletions(dataSource), writer,
                new SyncRuns(dataSource, instanceId), metrics, leases, settings.sweep());
        context.getRegistry().bind("deletionSweep", sweep);
        context.getRegistry().bind("consistencyCheck", new ConsistencyCheck(mirrorTables, pageReader, doors, new RowComparison(dataSource), writer,
                new Deletions(dataSource), sweep, new BoundComparison(dataSource), new TableShapes(dataSource), new BoundColumns(dataSource),
                new BoundSources(dataSource), Clock.systemUTC()));
        TemplatedRoutes routes = new TemplatedRoutes();
        JoinTables joins = BindConfiguration.joinTables(context, settings.sources(), dataSource);
        List<String> pulled = new ArrayList<>();
        for (SourceSettings source : settings.sources()) {
            if (source.readsNotion() && !joins.relation(source.name())) {   // a join table kept as a relation has no database to read
                String schedule = SourceSchedules.group(source.name());
                routes.add("pull-" + source.name(), "notion-pull", Map.of("source", source.name()))
                        .add("poll-" + source.name(), "notion-poll",
                                Map.of("source", source.name(), "schedule", schedule, "poll", source.poll().toMillis() + ""))
                        .add("sweep-" + source.name(), "notion-sweep",
                                Map.of("source", source.name(), "schedule", schedule, "every", settings.sweep().toMillis() + ""));
                pulled.add(source.name());
            }
        }
        context.getRegistry().bind("pullRoutes", routes);
        try {
            // before the scheduler starts: no instance goes on firing the schedules of a source taken out of the settings
            AreaConfiguration.bean(context, "sourceSchedules", SourceSchedules.class).removeAllBut(pulled);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot read the sources' schedules (Quartz, in notion_sync.qrtz_*): " + e.getMessage(), e);
        }
        for (SourceSettings source : settings.sources()) {
            metrics.gauge("notion_sync_watermark_lag_seconds", "seconds between now and the source's oldest watermark", source.name(),
                    AreaConfiguration.reading(() -> watermarks.lagSeconds(source.name())));
        }
    }

    /**
     * The history and change events trigger of each bound source's own table, installed (or removed) for what the
     * settings say now. A table that is not there yet is left to the bind's own checks, which say what is wrong; the
     * source's schema reads install it once the table is there (MirrorTables). Any other failure stops the start: the
     * trigger of before would go on recording what the settings say no longer to (a column excluded since).
     */
    private void installBound(ChangeHistory history) {
        for (SourceSettings source : settings.sources()) {
            if (!source.bound()) {
                continue;
            }
            Binding binding = source.binding();
            try {
                history.installBound(source.name(), binding.schema(), binding.table(), binding.excludedByUser());
            } catch (ChangeHistory.CollisionException e) {
                throw new IllegalStateException(e.getMessage(), e);
            } catch (SQLException e) {
                throw new IllegalStateException("source " + source.name() + ": the history and change events trigger of table "
                        + binding.qualifiedName() + " could not be installed: " + e.getMessage() + "; check the database, then start again", e);
            } catch (TableShapes.UnboundableTableException e) {
                LOG.warn("source {}: its history and change events are not recorded yet ({}); they are once its table can be read (checked at each read of its schema)",
                        source.name(), e.getMessage());
            }
        }
    }

    /** The engine stopped: the leases of its pulls are given back at once (else they run out after notion.sync.pull-lease). */
    @Override
    public void stopped() {
        if (leases != null) {
            leases.close();
        }
    }
}
