package dev.notionsync.sync;

import java.time.Duration;

/**
 * Tuning of the incremental read. {@code queryNamesProperties}: the Notion version returns only the properties a
 * query names (2026-12-01 on), so pages hold no value of a property the schema lacked when they were read.
 * {@code lease}: how long a run holds its source without progress (notion.sync.pull-lease).
 */
public record PullSettings(Duration overlap, Duration lag, int pageSize, Duration schemaRefresh, boolean queryNamesProperties, Duration lease) {
}
