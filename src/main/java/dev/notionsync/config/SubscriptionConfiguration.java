package dev.notionsync.config;

import dev.notionsync.store.ChangeEvents;
import dev.notionsync.store.DeadLetters;
import dev.notionsync.store.Subscriptions;
import dev.notionsync.store.Subscriptions.Definition;
import dev.notionsync.webhook.EventDelivery;
import dev.notionsync.webhook.EventSubscriptions;
import dev.notionsync.webhook.SubscriberEndpoints;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * The beans of routes/event-subscriptions.camel.yaml: change events out to subscribers. The settings' subscriptions
 * are checked (each URI must name an endpoint Camel can send to) before the routes load, and written to
 * notion_sync.subscriptions, with a route each, once the engine runs.
 */
public final class SubscriptionConfiguration implements AreaConfiguration {

    private final SubscriptionSettings settings;
    private final DataSource dataSource;
    private EventSubscriptions subscriptions;

    public SubscriptionConfiguration(SubscriptionSettings settings, DataSource dataSource) {
        this.settings = settings;
        this.dataSource = dataSource;
    }

    @Override
    public void configure(CamelContext context) {
        SubscriberEndpoints endpoints = new SubscriberEndpoints(context);
        context.addLifecycleStrategy(endpoints);
        for (Definition d : settings.declared()) {
            try {
                endpoints.resolve(d.uri(), "notion.subscription." + d.name() + ".uri");
            } catch (IllegalArgumentException e) {
                throw new SettingsException(e.getMessage());
            }
        }
        Subscriptions store = new Subscriptions(dataSource);
        EventDelivery delivery = new EventDelivery(store, new ChangeEvents(dataSource), new DeadLetters(dataSource), settings.batchSize());
        subscriptions = new EventSubscriptions(context, endpoints, store, delivery, settings.poll(), settings.maxAttempts(), settings.backoff(),
                settings.backoffMax(), settings.runtimeSchemes());
        context.getRegistry().bind("eventDelivery", delivery);
        context.getRegistry().bind("eventSubscriptions", subscriptions);
        try {
            subscriptions.declare(settings.declared());
        } catch (Exception e) {
            throw new IllegalStateException("cannot record the subscriptions of notion.subscriptions: " + e.getMessage(), e);
        }
    }

    @Override
    public void started(CamelContext context) throws Exception {
        subscriptions.start();
    }
}
