package dev.notionsync.config;

import dev.notionsync.sync.SourceSettings;
import dev.notionsync.sync.bound.JoinTables;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * Join tables kept as relations (routes/notion-bind-join.camel.yaml): the joinSettle bean, and per such source the
 * route that settles its pages' relations with its rows, both ways, every notion.push.poll. Such a source has no pull,
 * Apply or row push route of its own (it has no database).
 */
public final class BindJoinConfiguration implements AreaConfiguration {

    private final PushSettings push;
    private final List<SourceSettings> sources;
    private final String schema;
    private final DataSource dataSource;
    private final String instanceId;

    public BindJoinConfiguration(PushSettings push, List<SourceSettings> sources, String schema, DataSource dataSource, String instanceId) {
        this.push = push;
        this.sources = sources;
        this.schema = schema;
        this.dataSource = dataSource;
        this.instanceId = instanceId;
    }

    @Override
    public void configure(CamelContext context) {
        JoinTables joins = BindConfiguration.joinTables(context, sources, dataSource);
        context.getRegistry().bind("joinSettle", BindConfiguration.joinSettle(context, joins, push, schema, dataSource, instanceId));
        TemplatedRoutes routes = new TemplatedRoutes();
        for (SourceSettings source : sources) {
            if (source.bound() && joins.relation(source.name())) {
                routes.add("bind-join-" + source.name(), "notion-bind-join", Map.of("source", source.name(), "poll", push.poll().toMillis() + ""));
            }
        }
        context.getRegistry().bind("bindJoinRoutes", routes);
    }
}
