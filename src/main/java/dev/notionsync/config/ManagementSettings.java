package dev.notionsync.config;

import dev.notionsync.manage.ManagementCredentials;
import java.time.Duration;
import java.util.Optional;

/** notion.management.* and notion.health.*: who may use Jolokia and the operator endpoints; when readiness fails. */
public record ManagementSettings(Optional<ManagementCredentials> credentials, Duration maxLag) {

    public static ManagementSettings of(Settings settings) {
        return new ManagementSettings(credentials(settings), settings.getDuration("notion.health.max-lag"));
    }

    /** The configured credentials; empty when no management password is set. */
    public static Optional<ManagementCredentials> credentials(Settings settings) {
        String password = settings.get("notion.management.password");
        return password.isBlank() ? Optional.empty()
                : Optional.of(new ManagementCredentials(settings.declared("notion.management.user"), password));
    }
}
