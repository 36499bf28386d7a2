package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.store.Users;
import dev.notionsync.sync.UsersRefresh;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/** The bean of routes/notion-users.camel.yaml: refreshes notion_sync.users every notion.users.refresh. */
public final class UsersConfiguration implements AreaConfiguration {

    private final DataSource dataSource;

    public UsersConfiguration(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** notion.users.refresh: how often, or empty when `0` or `off` turned the refresh off. */
    public static Optional<Duration> refresh(Settings settings) {
        String value = settings.declared("notion.users.refresh").trim();
        if (value.equalsIgnoreCase("off")) {
            return Optional.empty();
        }
        Duration every = Durations.parse("notion.users.refresh", value);
        return every.isZero() ? Optional.empty() : Optional.of(every);
    }

    /** The route's placeholders: whether it starts and its timer's period (a valid one even when off). */
    static Map<String, String> camelSettings(Settings settings) {
        Optional<Duration> every = refresh(settings);
        return Map.of("notion.users.enabled", String.valueOf(every.isPresent()),
                "notion.users.period", String.valueOf(every.orElse(Duration.ofHours(1)).toMillis()));
    }

    @Override
    public void configure(CamelContext context) {
        NotionApi notion = context.getRegistry().lookupByNameAndType("notionBackgroundApi", NotionApi.class);
        context.getRegistry().bind("usersRefresh", new UsersRefresh(notion, new Users(dataSource), Clock.systemUTC()));
    }
}
