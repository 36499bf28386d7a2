package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.Conflicts;
import dev.notionsync.store.CreateIntents;
import dev.notionsync.store.Outbox;
import dev.notionsync.store.PageWriter;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.PageCreator;
import dev.notionsync.sync.PageReader;
import dev.notionsync.sync.PushRunner;
import dev.notionsync.sync.SourceDoors;
import dev.notionsync.sync.SourceSettings;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/** The push (routes/notion-push.camel.yaml): the outbox, the push runner, and a route per pushing source. */
public final class PushConfiguration implements AreaConfiguration {

    private final PushSettings settings;
    private final List<SourceSettings> sources;
    private final DataSource dataSource;
    private final NotionMetrics metrics;
    private final String instanceId;

    public PushConfiguration(PushSettings settings, List<SourceSettings> sources, DataSource dataSource, NotionMetrics metrics,
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
        Outbox outbox = new Outbox(dataSource, settings.reclaimAfter());
        context.getRegistry().bind("pushRunner", new PushRunner(sources, AreaConfiguration.bean(context, "mirrorTables", MirrorTables.class),
                AreaConfiguration.bean(context, "pageReader", PageReader.class),
                AreaConfiguration.bean(context, "sourceDoors", SourceDoors.class), outbox,
                new PageWriter(dataSource), new Conflicts(dataSource),
                AreaConfiguration.bean(context, "deadLetterChannel", DeadLetterChannel.class), metrics,
                new PushRunner.Limits(instanceId, settings.batchSize(), settings.maxAttempts(), settings.backoffBase()),
                new PageCreator(notion, new CreateIntents(dataSource))));
        TemplatedRoutes routes = new TemplatedRoutes();
        for (SourceSettings source : sources) {
            if (source.pushesMirror()) {
                routes.add("push-" + source.name(), "notion-push", Map.of("source", source.name(), "poll", settings.poll().toMillis() + ""));
            }
        }
        context.getRegistry().bind("pushRoutes", routes);
        metrics.gauge("notion_sync_outbox_backlog", "changes made in PostgreSQL waiting to be pushed to Notion", null,
                AreaConfiguration.reading(outbox::backlog));
    }
}
