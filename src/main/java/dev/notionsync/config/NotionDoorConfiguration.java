package dev.notionsync.config;

import dev.notionsync.notion.DoorLanes;
import dev.notionsync.notion.NotionAccess;
import dev.notionsync.notion.NotionConnection;
import dev.notionsync.notion.NotionConnections;
import dev.notionsync.notion.NotionDoorClient;
import dev.notionsync.notion.NotionHttp;
import dev.notionsync.notion.NotionRateBudget;
import dev.notionsync.notion.NotionRetryPolicy;
import dev.notionsync.notion.NotionUnavailableException;
import dev.notionsync.notion.SharedBudget;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.NotionBudgets;
import dev.notionsync.sync.SourceDoors;
import dev.notionsync.sync.SourceSettings;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.spi.Registry;

/**
 * The beans of routes/notion-api.camel.yaml: the connections (notionConnections) and, for each, the door's parts the
 * templates refer to by name: notionRateBudget-&lt;name&gt; (its budget, shared with every instance on the engine's
 * database), notionDoorLanes-&lt;name&gt;, notionCircuitBreaker-&lt;name&gt;, notionHttp-&lt;name&gt; (its token and
 * version); one retry policy for all; and the two NotionApi clients: notionApi (foreground) and notionBackgroundApi
 * (content, comments, users), and for each the doors of the sources (sourceDoors, sourceBackgroundDoors: a source's
 * calls go with its connection). A connection registered while areas are configured gets its routes as Camel starts;
 * one registered once the engine has started (OAuth), at once.
 */
public final class NotionDoorConfiguration implements AreaConfiguration {

    /** The route templates of one connection's door, by the route id prefix each is made under. */
    private static final Map<String, String> DOOR_TEMPLATES = Map.of("notion-door-", "notion-door", "notion-retried-call-", "notion-retried-call",
            "notion-call-", "notion-call", "notion-background-", "notion-background");

    private final NotionApiSettings settings;
    private final List<SourceSettings> sources;
    private final DataSource dataSource;
    private final NotionMetrics metrics;
    private final TemplatedRoutes routes = new TemplatedRoutes();
    private volatile CamelContext started;

    public NotionDoorConfiguration(NotionApiSettings settings, List<SourceSettings> sources, DataSource dataSource, NotionMetrics metrics) {
        this.settings = settings;
        this.sources = sources;
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    @Override
    public void configure(CamelContext context) {
        NotionConnections connections = new NotionConnections((name, token, rate, version, tokenSetting) ->
                open(context, name, token, rate, version, tokenSetting));
        Registry registry = context.getRegistry();
        registry.bind("notionConnections", connections);
        NotionRetryPolicy retries = new NotionRetryPolicy(settings.maxRetries(), settings.retryAfterCap(), settings.backoffBase(),
                settings.backoffMax(), connections);
        registry.bind("notionRetryPolicy", retries);
        registry.bind("notionRetryBeforeRetry", (Processor) retries::beforeRetry);
        registry.bind("notionDoorRoutes", routes);
        // connections authorized through OAuth are registered by the OAuth area, with their stored tokens
        for (NotionApiSettings.Connection connection : settings.connections().stream().filter(c -> !c.oauth()).toList()) {
            String token = connection.token();
            connections.register(connection.name(), () -> token, connection.rate(), connection.version(), connection.tokenSetting());
        }
        NotionDoorClient foreground = new NotionDoorClient(context.createProducerTemplate());
        NotionDoorClient background = new NotionDoorClient(context.createProducerTemplate(), NotionDoorClient.BACKGROUND_DOOR);
        registry.bind("notionApi", foreground);
        registry.bind("notionBackgroundApi", background);
        registry.bind("sourceDoors", new SourceDoors(foreground, sources));
        registry.bind("sourceBackgroundDoors", new SourceDoors(background, sources));
    }

    /** From now on a connection registered gets its routes at once (Camel made those of the earlier ones as it started). */
    @Override
    public void started(CamelContext context) {
        started = context;
    }

    /** One connection's door: its parts, bound under its name, and its routes. */
    private NotionConnection open(CamelContext context, String name, Supplier<String> token, int rate, String version, String tokenSetting) {
        NotionRateBudget budget = new NotionRateBudget(rate, settings.rateRecoveryStep(), Clock.systemUTC(), sharedBudget(dataSource, name, rate));
        NotionApiSettings.Breaker breakerSettings = settings.breaker();
        CircuitBreaker breaker = CircuitBreaker.of("notion-" + name, CircuitBreakerConfig.custom()
                .failureRateThreshold(breakerSettings.failureRate())
                .minimumNumberOfCalls(breakerSettings.minimumCalls())
                .slidingWindowSize(breakerSettings.window())
                .waitDurationInOpenState(breakerSettings.openWait())
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .recordExceptions(NotionUnavailableException.class, IOException.class)
                .build());
        metrics.breaker(name, breaker);
        NotionAccess access = new NotionAccess();
        DoorLanes lanes = new DoorLanes(budget, settings.backgroundShare(), settings.backgroundMaxWait());
        NotionHttp http = new NotionHttp(name, token, tokenSetting, version, access, metrics, budget, lanes, settings.filterPropertiesMax());
        Registry registry = context.getRegistry();
        registry.bind("notionRateBudget-" + name, budget);
        registry.bind("notionCircuitBreaker-" + name, breaker);
        registry.bind("notionDoorLanes-" + name, lanes);
        registry.bind("notionHttp-" + name, http);
        for (Map.Entry<String, String> template : DOOR_TEMPLATES.entrySet()) {
            addRoute(template.getKey() + name, template.getValue(), name);
        }
        return new NotionConnection(name, version, tokenSetting, budget, breaker, access, lanes, http);
    }

    private void addRoute(String routeId, String templateId, String connection) {
        CamelContext running = started;
        if (running == null) {
            routes.add(routeId, templateId, Map.of("connection", connection));
            return;
        }
        try {
            running.addRouteFromTemplate(routeId, templateId, Map.of("connection", connection));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the door of Notion connection " + connection + ": " + e.getMessage(), e);
        }
    }

    /** The budget of {@code connection} every instance on this database shares: its bucket and its stored 429s. */
    public static SharedBudget sharedBudget(DataSource dataSource, String connection, int rate) {
        NotionBudgets stored = new NotionBudgets(dataSource);
        return new SharedBudget(connection, stored.bucket(connection, () -> SharedBudget.configuration(rate)), new SharedBudget.Rows() {
            @Override
            public SharedBudget.Lowering read() throws Exception {
                NotionBudgets.Stored row = stored.read(connection);
                return new SharedBudget.Lowering(row.reducedTo(), row.reducedAgo(), row.pauseLeft());
            }

            @Override
            public void lower(int reducedTo) throws Exception {
                stored.lower(connection, reducedTo);
            }

            @Override
            public void pause(Duration wait) throws Exception {
                stored.pause(connection, wait);
            }
        });
    }
}
