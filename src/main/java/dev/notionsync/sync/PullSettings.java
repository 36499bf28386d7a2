package dev.notionsync.sync;

import java.time.Duration;

/**
 * Tuning of the incremental read. {@code lease}: how long a run holds its source without progress
 * (notion.sync.pull-lease).
 */
public record PullSettings(Duration overlap, Duration lag, int pageSize, Duration schemaRefresh, Duration lease) {
}
