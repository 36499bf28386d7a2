package dev.notionsync;

import dev.notionsync.config.AreaConfiguration;
import dev.notionsync.config.EngineSettings;
import dev.notionsync.config.Mode;
import dev.notionsync.config.Settings;
import dev.notionsync.config.SharedSourcesConfiguration;
import dev.notionsync.config.SettingsException;
import dev.notionsync.notion.NotionConnections;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.report.Reports;
import dev.notionsync.store.Database;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.sync.bound.Bootstrap;
import dev.notionsync.sync.bound.JoinTables;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * One running engine: the database, and Camel with the YAML routes and the beans of the mode's areas
 * ({@link Mode}). Used by the command line (blocking) and by tests (start / close).
 */
public final class NotionSync implements AutoCloseable {

    private final Settings settings;
    private final List<SourceSettings> sources;
    private final Mode mode;
    private final Database database;
    private final Main main = new Main();
    private final List<AreaConfiguration> areas;
    private final List<Consumer<NotionSync>> onStarted = new CopyOnWriteArrayList<>();
    /** Set at start when a server port is not listening: the engine then stops instead of running deaf. */
    private volatile String portProblem;

    private NotionSync(EngineSettings engine, Mode mode, Database database) {
        this.settings = engine.settings();
        this.sources = engine.sync().sources();
        this.mode = mode;
        this.database = database;
        Properties properties = settings.resolvedProperties();
        properties.putAll(mode.camelSettings(settings));
        main.setOverrideProperties(properties);
        // one registry for Camel's metrics and ours, exported on /observe/metrics
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        main.bind("metricsRegistry", meters);
        main.bind("dataSource", database.dataSource());
        areas = mode.areas(engine, database, new NotionMetrics(meters), instanceId());
        areas.forEach(main.configure()::addConfiguration);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport configured) {
                try {
                    configured.getCamelContext().addStartupListener(new StartupListener() {
                        @Override
                        public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                        }

                        @Override
                        public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) throws Exception {
                            NotionSync.this.started(started);
                        }
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void afterStop(BaseMainSupport ignored) {
                areas.forEach(AreaConfiguration::stopped);
                database.close();
            }
        });
    }

    /** Opens the database (embedded or configured) and prepares Camel for `run` and `demo`; nothing runs until start or run. */
    public static NotionSync create(Settings settings) {
        return create(settings, Mode.RUN);
    }

    /**
     * An engine that only runs reports on demand (`notion-sync report run`): no pollers, no schedules, no servers,
     * against the configured database.
     */
    public static NotionSync createForReports(Settings settings) {
        return create(settings, Mode.REPORT_RUN);
    }

    /**
     * An engine that only bootstraps bound sources (`notion-sync bootstrap`): the Notion door and the bootstrap, no
     * pollers, no schedules, no servers, against the configured database.
     */
    public static NotionSync createForBootstrap(Settings settings) {
        return create(settings, Mode.BOOTSTRAP);
    }

    private static NotionSync create(Settings settings, Mode mode) {
        if (mode == Mode.RUN && SharedSourcesConfiguration.wanted(settings)) {
            settings = withSharedSources(settings);
        }
        EngineSettings engine = EngineSettings.of(settings);   // a bad setting stops the start here, naming it
        if (mode.listens()) {
            RequiredPorts.checkFree(settings);
        }
        return new NotionSync(engine, mode, engine.database().open());
    }

    /**
     * "Every data source shared with this connection": a short engine with only the Notion door lists them (through
     * the door, with each connection's token and budget); the engine then runs as if they were in the settings.
     */
    private static Settings withSharedSources(Settings settings) {
        NotionSync discovery = create(settings, Mode.DISCOVER);
        try {
            discovery.start();
            Map<String, String> added = discovery.bean("sharedSources", SharedSourcesConfiguration.class).settings(discovery.context());
            return settings.with(added);
        } catch (SettingsException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("listing the data sources shared with the connections failed: " + e.getMessage(), e);
        } finally {
            discovery.close();
        }
    }

    private void started(CamelContext context) throws Exception {
        if (mode.listens()) {
            portProblem = RequiredPorts.notListening(context, settings);
            if (portProblem != null) {
                main.completed();
                return;
            }
        }
        for (AreaConfiguration area : areas) {
            area.started(context);
        }
        onStarted.forEach(callback -> callback.accept(this));
    }

    /**
     * This instance's name in the Quartz cluster, in report runs and in outbox claims: host, process and a random part
     * (two engines in one JVM).
     */
    private static String instanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Runs {@code callback} once every route has started. */
    public void onStarted(Consumer<NotionSync> callback) {
        onStarted.add(callback);
    }

    public Settings settings() {
        return settings;
    }

    public void start() throws Exception {
        try {
            main.start();
        } catch (Exception e) {
            close();
            throw e;
        }
        if (portProblem != null) {
            close();
            throw new SettingsException(portProblem);
        }
    }

    /**
     * Runs until Ctrl-C or SIGTERM, then stops the routes gracefully and closes the database.
     *
     * @throws SettingsException when a port could not be bound: the engine stopped at once
     */
    public void run() throws Exception {
        main.run();
        if (portProblem != null) {
            throw new SettingsException(portProblem);
        }
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    private <T> T bean(String name, Class<T> type) {
        return context().getRegistry().lookupByNameAndType(name, type);
    }

    public DeadLetterChannel deadLetters() {
        return bean("deadLetterChannel", DeadLetterChannel.class);
    }

    /** The circuit breaker of the default connection's door. */
    public CircuitBreaker circuitBreaker() {
        return connections().get(NotionConnections.DEFAULT).breaker();
    }

    /** The connections to Notion; available once the engine is configured. OAuth adds its own here while the engine runs. */
    public NotionConnections connections() {
        return bean("notionConnections", NotionConnections.class);
    }

    public Database database() {
        return database;
    }

    /** Runs reports now (CLI, JMX); available once the engine is configured. */
    public Reports reports() {
        return bean("reports", Reports.class);
    }

    /** Bootstraps bound sources (CLI, JMX); available once the engine is configured. */
    public Bootstrap bootstrap() {
        return bean("bootstrap", Bootstrap.class);
    }

    public List<SourceSettings> sources() {
        return sources;
    }

    /**
     * Whether a bound source is a join table kept as a relation (no database, no pull of its own); available once the
     * engine is configured.
     */
    public boolean relation(String source) {
        JoinTables joins = bean("joinTables", JoinTables.class);
        return joins != null && joins.relation(source);
    }

    @Override
    public void close() {
        try {
            main.stop();
            areas.forEach(AreaConfiguration::stopped);
        } catch (Exception e) {
            throw new IllegalStateException("stopping notion-sync failed: " + e.getMessage(), e);
        } finally {
            database.close();
        }
    }
}
