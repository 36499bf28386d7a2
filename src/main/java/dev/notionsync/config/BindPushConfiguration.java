package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.ChangeHistory;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.BoundWriteBack;
import dev.notionsync.store.Conflicts;
import dev.notionsync.store.CreateIntents;
import dev.notionsync.store.Links;
import dev.notionsync.store.RowChanges;
import dev.notionsync.store.TableShapes;
import dev.notionsync.sync.ConflictJudge;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.PageCreator;
import dev.notionsync.sync.PageReader;
import dev.notionsync.sync.PushRunner;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.sync.bound.BoundPush;
import dev.notionsync.sync.bound.JoinTables;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push of bound tables (routes/notion-bind-push.camel.yaml): row changes, the bound push, and a route per bound
 * source that pushes (direction push or both; a pull-only bound source never gets the capture trigger).
 */
public final class BindPushConfiguration implements AreaConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(BindPushConfiguration.class);

    private final PushSettings settings;
    private final List<SourceSettings> sources;
    private final DataSource dataSource;
    private final NotionMetrics metrics;
    private final String instanceId;

    public BindPushConfiguration(PushSettings settings, List<SourceSettings> sources, DataSource dataSource, NotionMetrics metrics,
                                 String instanceId) {
        this.settings = settings;
        this.sources = sources;
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.instanceId = instanceId;
    }

    @Override
    public void configure(CamelContext context) {
        NotionApi notion = AreaConfiguration.bean(context, "notionApi", NotionApi.class);
        RowChanges changes = new RowChanges(dataSource, settings.reclaimAfter(),
                context.getRegistry().lookupByNameAndType("changeHistory", ChangeHistory.class));
        context.getRegistry().bind("boundPush", new BoundPush(sources, AreaConfiguration.bean(context, "mirrorTables", MirrorTables.class),
                AreaConfiguration.bean(context, "pageReader", PageReader.class), notion, changes, new TableShapes(dataSource),
                new BoundColumns(dataSource), new BoundSources(dataSource), new Links(dataSource), new BoundRows(dataSource), new BoundWriteBack(dataSource),
                new ConflictJudge(new Conflicts(dataSource), metrics), AreaConfiguration.bean(context, "deadLetterChannel", DeadLetterChannel.class),
                metrics, new PushRunner.Limits(instanceId, settings.batchSize(), settings.maxAttempts(), settings.backoffBase()),
                new PageCreator(notion, new CreateIntents(dataSource)), BindConfiguration.boundContent(context, sources, dataSource)));
        TemplatedRoutes routes = new TemplatedRoutes();
        JoinTables joins = BindConfiguration.joinTables(context, sources, dataSource);
        for (SourceSettings source : sources) {
            if (source.bound() && source.pushes() && !joins.relation(source.name())) {   // a join table kept as a relation: BindJoinConfiguration
                routes.add("bind-push-" + source.name(), "notion-bind-push", Map.of("source", source.name(), "poll", settings.poll().toMillis() + ""));
            }
        }
        context.getRegistry().bind("bindPushRoutes", routes);
        metrics.gauge("notion_sync_row_changes_backlog", "changes made in bound tables waiting to be pushed to Notion", null,
                AreaConfiguration.reading(changes::backlog));
    }

    /**
     * A bound source that only pulls never has the capture trigger: one left from when it pushed is removed, so its
     * table's writes are not recorded for a push that never comes. One that pushes gets its trigger as the settings say
     * now (a column excluded since stops being recorded at once, not at the push's first poll).
     */
    @Override
    public void started(CamelContext context) throws Exception {
        RowChanges changes = new RowChanges(dataSource, settings.reclaimAfter(),
                context.getRegistry().lookupByNameAndType("changeHistory", ChangeHistory.class));
        JoinTables joins = BindConfiguration.joinTables(context, sources, dataSource);
        BoundPush push = AreaConfiguration.bean(context, "boundPush", BoundPush.class);
        for (SourceSettings source : sources) {
            if (source.bound() && source.pushes() && !joins.relation(source.name())) {
                try {
                    push.settleExcluded(source);
                } catch (Exception e) {
                    LOG.warn("source {}: the capture trigger could not be checked at start ({}); the push tries again at its poll",
                            source.name(), e.getMessage());
                }
            } else if (source.bound() && !source.pushes()) {
                changes.uninstall(source.binding().schema(), source.binding().table());
            }
        }
    }
}
