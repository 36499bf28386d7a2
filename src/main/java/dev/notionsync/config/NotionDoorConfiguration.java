package dev.notionsync.config;

import dev.notionsync.notion.DoorLanes;
import dev.notionsync.notion.NotionAccess;
import dev.notionsync.notion.NotionDoorClient;
import dev.notionsync.notion.NotionHttp;
import dev.notionsync.notion.NotionRateBudget;
import dev.notionsync.notion.NotionRetryPolicy;
import dev.notionsync.notion.NotionUnavailableException;
import dev.notionsync.notion.SharedBudget;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.NotionBudgets;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.spi.Registry;

/**
 * The beans of routes/notion-api.camel.yaml: budget (shared with every instance on the engine's database), lanes, retry policy, circuit breaker, the HTTP ends, and the two
 * NotionApi clients: notionApi (foreground) and notionBackgroundApi (content, comments, users).
 */
public final class NotionDoorConfiguration implements AreaConfiguration {

    /** The connection whose budget this door spends: the single NOTION_TOKEN (named connections come with issue 19, item 3). */
    static final String CONNECTION = "default";

    private final NotionApiSettings settings;
    private final DataSource dataSource;
    private final NotionMetrics metrics;
    private final NotionAccess access;

    public NotionDoorConfiguration(NotionApiSettings settings, DataSource dataSource, NotionMetrics metrics, NotionAccess access) {
        this.settings = settings;
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.access = access;
    }

    @Override
    public void configure(CamelContext context) {
        NotionRateBudget budget = new NotionRateBudget(settings.rate(), settings.rateRecoveryStep(), Clock.systemUTC(),
                sharedBudget(dataSource, CONNECTION, settings.rate()));
        NotionRetryPolicy retries = new NotionRetryPolicy(settings.maxRetries(), settings.retryAfterCap(), settings.backoffBase(),
                settings.backoffMax(), budget);
        NotionApiSettings.Breaker breakerSettings = settings.breaker();
        CircuitBreaker breaker = CircuitBreaker.of("notion", CircuitBreakerConfig.custom()
                .failureRateThreshold(breakerSettings.failureRate())
                .minimumNumberOfCalls(breakerSettings.minimumCalls())
                .slidingWindowSize(breakerSettings.window())
                .waitDurationInOpenState(breakerSettings.openWait())
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .recordExceptions(NotionUnavailableException.class, IOException.class)
                .build());
        metrics.breaker(breaker);
        Registry registry = context.getRegistry();
        registry.bind("notionRateBudget", budget);
        registry.bind("notionRetryPolicy", retries);
        registry.bind("notionRetryBeforeRetry", (Processor) retries::beforeRetry);
        registry.bind("notionCircuitBreaker", breaker);
        DoorLanes lanes = new DoorLanes(budget, settings.backgroundShare(), settings.backgroundMaxWait());
        registry.bind("notionDoorLanes", lanes);
        registry.bind("notionHttp", new NotionHttp(settings.token(), settings.version(), access, metrics, budget, lanes,
                settings.filterPropertiesMax()));
        registry.bind("notionApi", new NotionDoorClient(context.createProducerTemplate()));
        registry.bind("notionBackgroundApi", new NotionDoorClient(context.createProducerTemplate(), NotionDoorClient.BACKGROUND_DOOR));
    }

    /** The budget of {@code connection} every instance on this database shares: its bucket and its stored 429s. */
    public static SharedBudget sharedBudget(DataSource dataSource, String connection, int rate) {
        NotionBudgets stored = new NotionBudgets(dataSource);
        return new SharedBudget(stored.bucket(connection, () -> SharedBudget.configuration(rate)), new SharedBudget.Rows() {
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
