package dev.notionsync.config;

import java.time.Duration;

/** notion.push.*: how pushing sources read the outbox, and how often a failed change is tried again. */
public record PushSettings(Duration poll, int batchSize, Duration backoffBase, int maxAttempts, Duration reclaimAfter) {

    public static PushSettings of(Settings settings) {
        return new PushSettings(settings.getDuration("notion.push.poll"), settings.getInt("notion.push.batch-size"),
                settings.getDuration("notion.push.backoff-base"), settings.getInt("notion.push.max-attempts"),
                settings.getDuration("notion.push.reclaim-after"));
    }
}
