package dev.notionsync.config;

import java.time.Duration;

/** notion.api.*: the door to Notion: credentials and version, its request budget, retries and circuit breaker. */
public record NotionApiSettings(String token, String version, int filterPropertiesMax, int rate, Duration rateRecoveryStep,
                                int maxRetries, Duration retryAfterCap, Duration backoffBase, Duration backoffMax,
                                Breaker breaker, double backgroundShare, Duration backgroundMaxWait) {

    /** notion.api.breaker.*: opens when failureRate % of the last calls failed, stays open openWait. */
    public record Breaker(int failureRate, int minimumCalls, int window, Duration openWait) {
    }

    public static NotionApiSettings of(Settings settings) {
        return new NotionApiSettings(settings.get("notion.api.token"), settings.declared("notion.api.version"),
                settings.getInt("notion.api.filter-properties-max"), settings.getInt("notion.api.rate"),
                settings.getDuration("notion.api.rate-recovery-step"), settings.getInt("notion.api.max-retries"),
                settings.getDuration("notion.api.retry-after-cap"), settings.getDuration("notion.api.backoff-base"),
                settings.getDuration("notion.api.backoff-max"),
                new Breaker(settings.getInt("notion.api.breaker.failure-rate"), settings.getInt("notion.api.breaker.minimum-calls"),
                        settings.getInt("notion.api.breaker.window"), settings.getDuration("notion.api.breaker.open-wait")),
                backgroundShare(settings), settings.getDuration("notion.api.background-max-wait", Duration.ofSeconds(2)));
    }

    /** notion.api.background-share: a fraction (0.3) or a percentage (30%) of the budget; older files lack it (0.5). */
    static double backgroundShare(Settings settings) {
        String value = settings.get("notion.api.background-share", "0.5").trim();
        try {
            double share = value.endsWith("%") ? Double.parseDouble(value.substring(0, value.length() - 1).trim()) / 100
                    : Double.parseDouble(value);
            if (share > 0 && share <= 1) {
                return share;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new SettingsException("notion.api.background-share = " + value
                + ": give the part of the Notion budget content, comments and users may use, above 0 and at most 1 (0.5) or a percentage (50%)");
    }

    @Override
    public String toString() {
        return "NotionApiSettings[version=" + version + ", rate=" + rate + ", token=***]";
    }
}
