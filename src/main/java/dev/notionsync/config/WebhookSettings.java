package dev.notionsync.config;

import java.time.Duration;

/** notion.webhook.*: the webhook endpoint's limits and signing token, and how the inbox is worked off. */
public record WebhookSettings(String verificationToken, int maxBodyBytes, int maxConcurrent, int handshakesPerMinute,
                              int batchSize, Duration reclaimAfter) {

    public static WebhookSettings of(Settings settings) {
        return new WebhookSettings(settings.get("notion.webhook.verification-token"), settings.getInt("notion.webhook.max-body-bytes"),
                settings.getInt("notion.webhook.max-concurrent"), settings.getInt("notion.webhook.handshakes-per-minute"),
                settings.getInt("notion.webhook.batch-size"), settings.getDuration("notion.webhook.reclaim-after"));
    }

    @Override
    public String toString() {
        return "WebhookSettings[maxBodyBytes=" + maxBodyBytes + ", maxConcurrent=" + maxConcurrent + ", verificationToken=***]";
    }
}
