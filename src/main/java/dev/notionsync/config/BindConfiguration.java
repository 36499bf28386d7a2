package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.store.ChangeHistory;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundContents;
import dev.notionsync.store.BoundProblems;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.Conflicts;
import dev.notionsync.store.CreateIntents;
import dev.notionsync.store.JoinBases;
import dev.notionsync.store.Links;
import dev.notionsync.store.PageContents;
import dev.notionsync.store.RowChanges;
import dev.notionsync.store.ShadowPages;
import dev.notionsync.store.TableShapes;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.PushRunner;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.sync.bound.Bootstrap;
import dev.notionsync.sync.bound.BoundContent;
import dev.notionsync.sync.bound.JoinSettle;
import dev.notionsync.sync.bound.JoinTables;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * Bound sources (mode = bind): the bootstrap, which makes a bound table's Notion database and its pages through the
 * door (or, for a join table kept as a relation, the relation property and each page's relation), and installs the
 * capture trigger of a source that pushes before it reads the table's rows.
 */
public final class BindConfiguration implements AreaConfiguration {

    /** How often a bootstrap says how far it is. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(3);

    private final List<SourceSettings> sources;
    private final PushSettings push;
    private final DataSource dataSource;
    private final String schema;

    public BindConfiguration(List<SourceSettings> sources, PushSettings push, DataSource dataSource, String schema) {
        this.sources = sources;
        this.push = push;
        this.dataSource = dataSource;
        this.schema = schema;
    }

    @Override
    public void configure(CamelContext context) {
        NotionApi notion = AreaConfiguration.bean(context, "notionApi", NotionApi.class);
        RowChanges changes = new RowChanges(dataSource, push.reclaimAfter(),
                context.getRegistry().lookupByNameAndType("changeHistory", ChangeHistory.class));
        JoinTables joins = joinTables(context, sources, dataSource);
        JoinSettle settle = joinSettle(context, joins, push, schema, dataSource, "bootstrap");
        context.getRegistry().bind("bootstrap", new Bootstrap(sources, notion, new TableShapes(dataSource), new BoundSources(dataSource),
                new BoundColumns(dataSource), new Links(dataSource), new CreateIntents(dataSource), changes, Clock.systemUTC(), PROGRESS_EVERY,
                joins, new JoinBases(dataSource), settle));
    }

    /**
     * Which bound sources are join tables kept as relations: decided once per engine, by the first area that asks (so
     * the pull, the Apply bridge, the push and the bootstrap agree), and kept in the registry as joinTables.
     */
    static JoinTables joinTables(CamelContext context, List<SourceSettings> sources, DataSource dataSource) {
        JoinTables joins = context.getRegistry().lookupByNameAndType("joinTables", JoinTables.class);
        if (joins == null) {
            joins = new JoinTables(sources, new TableShapes(dataSource), new BoundSources(dataSource), new BoundColumns(dataSource));
            context.getRegistry().bind("joinTables", joins);
        }
        return joins;
    }

    /**
     * The content columns of bound sources (notion.source.&lt;name&gt;.content-column): one per engine, shared by the
     * Apply pass and the push, kept in the registry as boundContent.
     */
    static BoundContent boundContent(CamelContext context, List<SourceSettings> sources, DataSource dataSource) {
        BoundContent content = context.getRegistry().lookupByNameAndType("boundContent", BoundContent.class);
        if (content == null) {
            content = new BoundContent(sources, AreaConfiguration.bean(context, "mirrorTables", MirrorTables.class), new PageContents(dataSource),
                    new BoundContents(dataSource), new BoundRows(dataSource), new TableShapes(dataSource), new Links(dataSource),
                    new Conflicts(dataSource), new BoundProblems(dataSource));
            context.getRegistry().bind("boundContent", content);
        }
        return content;
    }

    /** The settle of join tables' relations (routes/notion-bind-join.camel.yaml, and bootstrap's fill). */
    static JoinSettle joinSettle(CamelContext context, JoinTables joins, PushSettings push, String schema, DataSource dataSource, String instance) {
        return new JoinSettle(joins, AreaConfiguration.bean(context, "notionApi", NotionApi.class), new JoinBases(dataSource), new Links(dataSource),
                new BoundRows(dataSource), new RowChanges(dataSource, push.reclaimAfter()), new BoundSources(dataSource), new ShadowPages(dataSource),
                new BoundProblems(dataSource), AreaConfiguration.bean(context, "deadLetterChannel", DeadLetterChannel.class), schema,
                new PushRunner.Limits(instance, push.batchSize(), push.maxAttempts(), push.backoffBase()), push.reclaimAfter());
    }
}
