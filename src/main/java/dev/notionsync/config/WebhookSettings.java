package dev.notionsync.config;

import java.time.Duration;

/** notion.webhook.*: the webhook endpoint's limits and signing token, and how the inbox is worked off. */
public record WebhookSettings(String verificationToken, int maxBodyBytes, int maxConcurrent, int handshakesPerMinute,
                              int batchSize, Duration reclaimAfter, Duration pullDelay, boolean pullOnEvents) {

    public static WebhookSettings of(Settings settings) {
        return new WebhookSettings(settings.get("notion.webhook.verification-token"), settings.getInt("notion.webhook.max-body-bytes"),
                settings.getInt("notion.webhook.max-concurrent"), settings.getInt("notion.webhook.handshakes-per-minute"),
                settings.getInt("notion.webhook.batch-size"), settings.getDuration("notion.webhook.reclaim-after"),
                settings.getDuration("notion.webhook.pull-delay"), pageEvents(settings));
    }

    /** notion.webhook.page-events: pull (an edit asks for its source's pull) or read (each event reads its page). */
    private static boolean pageEvents(Settings settings) {
        String value = settings.get("notion.webhook.page-events", "pull").trim().toLowerCase(java.util.Locale.ROOT);
        if (!value.equals("pull") && !value.equals("read")) {
            throw new SettingsException("setting notion.webhook.page-events (environment " + Settings.environmentName("notion.webhook.page-events")
                    + ") must be pull or read, was '" + value + "'");
        }
        return value.equals("pull");
    }

    @Override
    public String toString() {
        return "WebhookSettings[maxBodyBytes=" + maxBodyBytes + ", maxConcurrent=" + maxConcurrent + ", verificationToken=***]";
    }
}
