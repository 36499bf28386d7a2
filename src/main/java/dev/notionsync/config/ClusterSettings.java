package dev.notionsync.config;

import java.time.Duration;

/** notion.cluster.*: how the instances on one database share the polls, the sweeps and the reports (clustered Quartz). */
public record ClusterSettings(Duration checkinInterval) {

    public static ClusterSettings of(Settings settings) {
        Duration checkin = settings.getDuration("notion.cluster.checkin-interval");
        if (checkin.toMillis() < 1000) {
            // Quartz looks for due triggers when idle at this interval too, and refuses less than a second
            throw new SettingsException("notion.cluster.checkin-interval must be at least 1s, was " + checkin.toMillis() + "ms (e.g. 7500ms)");
        }
        return new ClusterSettings(checkin);
    }
}
