package dev.notionsync.config;

import dev.notionsync.store.Retention;

/** notion.retention.*: how long the engine's own tables keep rows, pruned in batches of batchSize. */
public record RetentionSettings(Retention.Periods periods, int batchSize) {

    /** A bad retention setting stops the start here, naming the setting. */
    public static RetentionSettings of(Settings settings) {
        if (settings.getDuration("notion.retention.interval").isZero()) {
            throw new SettingsException("notion.retention.interval must be longer than 0, e.g. 1h"
                    + " (to keep a table's rows for ever, set its notion.retention.<table> to 0)");
        }
        if (settings.getInt("notion.retention.batch-size") < 1) {
            throw new SettingsException("notion.retention.batch-size must be at least 1, e.g. 1000");
        }
        return new RetentionSettings(Retention.Periods.of(table -> settings.getDuration("notion.retention." + table)),
                settings.getInt("notion.retention.batch-size"));
    }
}
