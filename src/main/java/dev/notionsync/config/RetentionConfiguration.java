package dev.notionsync.config;

import dev.notionsync.store.Retention;
import java.time.Clock;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/** The bean of routes/retention.camel.yaml: prunes the engine's own tables. */
public final class RetentionConfiguration implements AreaConfiguration {

    private final RetentionSettings settings;
    private final DataSource dataSource;

    public RetentionConfiguration(RetentionSettings settings, DataSource dataSource) {
        this.settings = settings;
        this.dataSource = dataSource;
    }

    @Override
    public void configure(CamelContext context) {
        context.getRegistry().bind("retention", new Retention(dataSource, settings.periods(), settings.batchSize(), Clock.systemUTC()));
    }
}
