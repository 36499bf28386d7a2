package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.Deletions;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.WebhookInbox;
import dev.notionsync.sync.PullRunner;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.webhook.WebhookApplier;
import dev.notionsync.webhook.WebhookGate;
import dev.notionsync.webhook.WebhookReceiver;
import java.util.List;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * Webhooks (routes/notion-webhooks.camel.yaml): the gate on the business server, the receiver that stores events in
 * the inbox, and the applier that works the inbox off (also for pages the pull could not write).
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
        context.getRegistry().bind("webhookApplier", new WebhookApplier(inbox, AreaConfiguration.bean(context, "notionApi", NotionApi.class),
                AreaConfiguration.bean(context, "pullRunner", PullRunner.class), sources, new PageWriter(dataSource),
                new Deletions(dataSource), settings.batchSize(), metrics));
        WebhookGate gate = new WebhookGate(settings.maxBodyBytes(), settings.maxConcurrent(), metrics);
        // on the business server's router once it exists, before requests come in
        context.addStartupListener((started, alreadyStarted) -> WebhookGate.install(started, gate));
        metrics.gauge("notion_sync_inbox_backlog", "webhook events waiting to be applied", null, AreaConfiguration.reading(inbox::backlog));
    }
}
