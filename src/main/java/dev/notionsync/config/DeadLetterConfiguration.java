package dev.notionsync.config;

import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.DeadLetters;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;

/** The beans of routes/dead-letters.camel.yaml: the dead letter channel's sink and its attempt counter. */
public final class DeadLetterConfiguration implements AreaConfiguration {

    private final DataSource dataSource;
    private final NotionMetrics metrics;

    public DeadLetterConfiguration(DataSource dataSource, NotionMetrics metrics) {
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    @Override
    public void configure(CamelContext context) {
        DeadLetterChannel deadLetters = new DeadLetterChannel(new DeadLetters(dataSource), context.createProducerTemplate());
        context.getRegistry().bind("deadLetterChannel", deadLetters);
        context.getRegistry().bind("deadLetterAttempts", (Processor) deadLetters::countRedelivery);
        metrics.gauge("notion_sync_dead_letters_open", "dead letters waiting for replay", null,
                AreaConfiguration.reading(deadLetters.store()::countOpen));
    }
}
