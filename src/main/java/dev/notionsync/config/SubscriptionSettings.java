package dev.notionsync.config;

import dev.notionsync.store.Subscriptions.Definition;
import dev.notionsync.webhook.EventFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * notion.subscriptions and notion.subscription.&lt;name&gt;.*: the change event subscriptions of the settings, and the
 * defaults of every subscription (runtime ones too): poll, batch size, attempts and backoff; and the components a
 * subscription added at runtime may send to. A bad setting stops
 * the start naming it.
 */
public record SubscriptionSettings(List<Definition> declared, String poll, String refresh, int batchSize, int maxAttempts,
                                   Duration backoff, Duration backoffMax, List<String> runtimeSchemes) {

    public static SubscriptionSettings of(Settings settings) {
        int maxAttempts = settings.getInt("notion.subscriptions.max-attempts");
        Duration backoff = settings.getDuration("notion.subscriptions.backoff");
        Duration backoffMax = settings.getDuration("notion.subscriptions.backoff-max");
        int batchSize = settings.getInt("notion.subscriptions.batch-size");
        if (batchSize < 1) {
            throw new SettingsException("notion.subscriptions.batch-size must be at least 1, e.g. 100");
        }
        for (String key : List.of("notion.subscriptions.poll", "notion.subscriptions.refresh")) {
            if (settings.getDuration(key).isZero()) {
                throw new SettingsException(key + " must be longer than 0, e.g. 1s");
            }
        }
        List<Definition> declared = new ArrayList<>();
        for (String name : settings.getList("notion.subscriptions")) {
            if (!EventFilter.NAME.matcher(name).matches()) {
                throw new SettingsException("notion.subscriptions names '" + name + "': a subscription's name is 1 to 64 letters, digits,"
                        + " '-' or '_', e.g. agent-webhook");
            }
            String prefix = "notion.subscription." + name + ".";
            String uri = settings.require(prefix + "uri", "where the subscription's events go: a Camel endpoint URI such as"
                    + " https://example.com/hooks/notion or file:/var/notion-sync/events");
            String maxAttemptsText = settings.get(prefix + "max-attempts");
            Definition d;
            try {
                d = new Definition(name, uri, settings.getList(prefix + "sources"), settings.getList(prefix + "operations"),
                        settings.getList(prefix + "properties"), blankToNull(settings.get(prefix + "when")), blankToNull(settings.get(prefix + "secret")),
                        maxAttemptsText.isBlank() ? maxAttempts : Integer.parseInt(maxAttemptsText.trim()),
                        settings.getDuration(prefix + "backoff", backoff), settings.getDuration(prefix + "backoff-max", backoffMax));
            } catch (NumberFormatException e) {
                throw new SettingsException("setting " + prefix + "max-attempts must be a whole number, e.g. 12; was '" + maxAttemptsText + "'");
            }
            try {
                EventFilter.check(d, part -> prefix + part);
            } catch (IllegalArgumentException e) {
                throw new SettingsException(e.getMessage());
            }
            declared.add(d);
        }
        return new SubscriptionSettings(List.copyOf(declared), settings.declared("notion.subscriptions.poll"),
                settings.declared("notion.subscriptions.refresh"), batchSize, maxAttempts, backoff, backoffMax,
                settings.getList("notion.subscriptions.runtime-schemes").stream().map(s -> s.toLowerCase(java.util.Locale.ROOT)).toList());
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
