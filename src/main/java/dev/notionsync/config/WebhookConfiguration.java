package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionConnections;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.ChangeHistory;
import dev.notionsync.store.Deletions;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.WebhookInbox;
import dev.notionsync.sync.BotIdentity;
import dev.notionsync.sync.CommentsReader;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.PageContentSync;
import dev.notionsync.sync.PageReader;
import dev.notionsync.sync.RequestedPulls;
import dev.notionsync.sync.SourceDoors;
import dev.notionsync.sync.SourceSchedules;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.webhook.EventCoalescer;
import dev.notionsync.webhook.PageApplier;
import dev.notionsync.webhook.WebhookGate;
import dev.notionsync.webhook.WebhookReceiver;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * Webhooks (routes/notion-webhooks.camel.yaml): the gate on the business server, the receiver that stores events in
 * the inbox, the coalescer that claims them as one work item per page, and the page applier that applies each (also
 * for pages the pull could not write).
 */
public final class WebhookConfiguration implements AreaConfiguration {

    private final WebhookSettings settings;
    private final List<SourceSettings> sources;
    private final DataSource dataSource;
    private final NotionMetrics metrics;

    public WebhookConfiguration(WebhookSettings settings, List<SourceSettings> sources, DataSource dataSource, NotionMetrics metrics) {
        this.settings = settings;
        this.sources = sources;
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        WebhookInbox inbox = new WebhookInbox(dataSource, settings.reclaimAfter(), settings.verificationToken());
        context.getRegistry().bind("webhookInbox", inbox);
        context.getRegistry().bind("webhookReceiver", new WebhookReceiver(inbox, settings.handshakesPerMinute(), metrics));
        NotionApi notion = AreaConfiguration.bean(context, "notionApi", NotionApi.class);
        NotionConnections connections = AreaConfiguration.bean(context, "notionConnections", NotionConnections.class);
        // notion.webhook.page-events = read: every page event reads its page (no pulls asked for)
        SourceSchedules schedules = AreaConfiguration.bean(context, "sourceSchedules", SourceSchedules.class);
        RequestedPulls pulls = settings.pullOnEvents() ? new RequestedPulls(inbox, settings.pullDelay(), Clock.systemUTC(), schedules) : null;
        context.getRegistry().bind("requestedPulls", pulls != null ? pulls : new RequestedPulls(inbox, settings.pullDelay(), Clock.systemUTC(), schedules));
        context.getRegistry().bind("eventCoalescer", new EventCoalescer(inbox, new BotIdentity(notion), connections::names, settings.batchSize()));
        context.getRegistry().bind("pageApplier", new PageApplier(inbox, AreaConfiguration.bean(context, "sourceDoors", SourceDoors.class), AreaConfiguration.bean(context, "mirrorTables", MirrorTables.class),
                AreaConfiguration.bean(context, "pageReader", PageReader.class), sources, new PageWriter(dataSource, AreaConfiguration.bean(context, "changeHistory", ChangeHistory.class)),
                new Deletions(dataSource), metrics, AreaConfiguration.bean(context, "commentsReader", CommentsReader.class),
                AreaConfiguration.bean(context, "pageContentSync", PageContentSync.class), pulls));
        WebhookGate gate = new WebhookGate(settings.maxBodyBytes(), settings.maxConcurrent(), metrics);
        // on the business server's router once it exists, before requests come in
        context.addStartupListener((started, alreadyStarted) -> WebhookGate.install(started, gate));
        metrics.gauge("notion_sync_inbox_backlog", "webhook events waiting to be applied", null, AreaConfiguration.reading(inbox::backlog));
    }
}
