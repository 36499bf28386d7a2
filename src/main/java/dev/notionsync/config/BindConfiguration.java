package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.CreateIntents;
import dev.notionsync.store.Links;
import dev.notionsync.store.RowChanges;
import dev.notionsync.store.TableShapes;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.sync.bound.Bootstrap;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * Bound sources (mode = bind): the bootstrap, which makes a bound table's Notion database and its pages through the
 * door, and installs the capture trigger of a source that pushes before it reads the table's rows.
 */
public final class BindConfiguration implements AreaConfiguration {

    /** How often a bootstrap says how far it is. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(3);

    private final List<SourceSettings> sources;
    private final PushSettings push;
    private final DataSource dataSource;

    public BindConfiguration(List<SourceSettings> sources, PushSettings push, DataSource dataSource) {
        this.sources = sources;
        this.push = push;
        this.dataSource = dataSource;
    }

    @Override
    public void configure(CamelContext context) {
        context.getRegistry().bind("bootstrap", new Bootstrap(sources, AreaConfiguration.bean(context, "notionApi", NotionApi.class),
                new TableShapes(dataSource), new BoundSources(dataSource), new BoundColumns(dataSource), new Links(dataSource),
                new CreateIntents(dataSource), new RowChanges(dataSource, push.reclaimAfter()), Clock.systemUTC(), PROGRESS_EVERY));
    }
}
