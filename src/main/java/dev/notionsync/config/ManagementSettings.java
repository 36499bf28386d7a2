package dev.notionsync.config;

import dev.notionsync.manage.ManagementCredentials;
import java.time.Duration;
import java.util.Optional;

/**
 * notion.management.*, notion.health.* and notion.verify.*: who may use Jolokia and the operator endpoints; when
 * readiness fails; when the consistency check runs by itself (a Quartz cron, empty: never) and whether it repairs.
 */
public record ManagementSettings(Optional<ManagementCredentials> credentials, Duration maxLag, String verifySchedule, boolean verifyRepair) {

    public static ManagementSettings of(Settings settings) {
        String schedule = settings.get("notion.verify.schedule").strip();
        if (!schedule.isEmpty() && !org.quartz.CronExpression.isValidExpression(schedule)) {
            throw new SettingsException("notion.verify.schedule must be a Quartz cron with seconds, e.g. '0 30 3 * * ?' (03:30 UTC every day),"
                    + " was '" + schedule + "'");
        }
        String repair = settings.declared("notion.verify.repair").strip();
        if (!repair.equals("true") && !repair.equals("false")) {
            throw new SettingsException("notion.verify.repair must be true or false, was '" + repair + "'");
        }
        return new ManagementSettings(credentials(settings), settings.getDuration("notion.health.max-lag"), schedule, repair.equals("true"));
    }

    /** The configured credentials; empty when no management password is set. */
    public static Optional<ManagementCredentials> credentials(Settings settings) {
        String password = settings.get("notion.management.password");
        return password.isBlank() ? Optional.empty()
                : Optional.of(new ManagementCredentials(settings.declared("notion.management.user"), password));
    }
}
