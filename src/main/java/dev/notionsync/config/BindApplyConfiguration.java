package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.store.ChangeHistory;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundProblems;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.Links;
import dev.notionsync.store.RowChanges;
import dev.notionsync.store.ShadowPages;
import dev.notionsync.store.TableShapes;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.sync.bound.BoundApply;
import dev.notionsync.sync.bound.JoinTables;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * The Apply bridge of bound sources (routes/notion-bind.camel.yaml): the boundApply bean, and per bound source its
 * pass (template notion-bind-apply) and the timer that runs it every notion.bind.apply-poll.
 */
public final class BindApplyConfiguration implements AreaConfiguration {

    private final List<SourceSettings> sources;
    private final String schema;
    private final DataSource dataSource;
    private final Duration poll;
    private final PushSettings push;

    public BindApplyConfiguration(Settings settings, PushSettings push, List<SourceSettings> sources, String schema, DataSource dataSource) {
        this.sources = sources;
        this.push = push;
        this.schema = schema;
        this.dataSource = dataSource;
        this.poll = settings.getDuration("notion.bind.apply-poll", Duration.ofSeconds(1));
        if (poll.isZero() || poll.isNegative()) {
            throw new SettingsException("setting notion.bind.apply-poll must be a positive duration, e.g. 1s");
        }
    }

    @Override
    public void configure(CamelContext context) {
        context.getRegistry().bind("boundApply", new BoundApply(sources, schema, new BoundSources(dataSource), new BoundColumns(dataSource),
                new TableShapes(dataSource), new Links(dataSource), new BoundRows(dataSource), new ShadowPages(dataSource),
                new BoundProblems(dataSource), AreaConfiguration.bean(context, "deadLetterChannel", DeadLetterChannel.class),
                AreaConfiguration.bean(context, "notionApi", NotionApi.class), AreaConfiguration.bean(context, "mirrorTables", MirrorTables.class),
                new RowChanges(dataSource, push.reclaimAfter(),
                context.getRegistry().lookupByNameAndType("changeHistory", ChangeHistory.class))));
        BindConfiguration.boundContent(context, sources, dataSource);
        TemplatedRoutes routes = new TemplatedRoutes();
        JoinTables joins = BindConfiguration.joinTables(context, sources, dataSource);
        for (SourceSettings source : sources) {
            if (source.bound() && !joins.relation(source.name())) {   // a join table kept as a relation: BindJoinConfiguration
                routes.add("bind-apply-" + source.name(), "notion-bind-apply", Map.of("source", source.name()))
                        .add("bind-apply-poll-" + source.name(), "notion-bind-apply-poll", Map.of("source", source.name(),
                                "poll", poll.toMillis() + ""));
            }
        }
        context.getRegistry().bind("bindApplyRoutes", routes);
    }
}
