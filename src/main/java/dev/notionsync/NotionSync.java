package dev.notionsync;

import dev.notionsync.config.Settings;
import dev.notionsync.manage.PostgresHealthCheck;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionHttp;
import dev.notionsync.store.Database;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.SchemaManager;
import dev.notionsync.store.SyncRuns;
import dev.notionsync.store.Watermarks;
import dev.notionsync.sync.PullRunner;
import dev.notionsync.sync.SourceConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * One running engine: the database, Camel with the YAML routes, and the beans the routes refer to by name.
 * Used by the command line (blocking) and by tests (start / close).
 */
public final class NotionSync implements AutoCloseable {

    private final Settings settings;
    private final Database database;
    private final List<SourceConfig> sources;
    private final Main main;

    private NotionSync(Settings settings, Database database, List<SourceConfig> sources) {
        this.settings = settings;
        this.database = database;
        this.sources = sources;
        this.main = new Main(NotionSync.class);
        main.setOverrideProperties(settings.resolvedProperties());
        main.bind("notionHttp", new NotionHttp(settings.get("notion.api.token"), settings.get("notion.api.version")));
        main.bind("dataSource", database.dataSource());
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport ignored) {
                wire(main.getCamelContext());
            }

            @Override
            public void afterStop(BaseMainSupport ignored) {
                database.close();
            }
        });
    }

    /** Opens the database (embedded or configured) and prepares Camel; nothing runs until start or run. */
    public static NotionSync create(Settings settings) {
        List<SourceConfig> sources = SourceConfig.fromSettings(settings);
        Database database = Database.open(settings.get("notion.db.url"), settings.get("notion.db.user"),
                settings.get("notion.db.password"), settings.getInt("notion.db.pool-size", 10),
                Path.of(settings.get("notion.home", ".")).resolve(settings.get("notion.db.embedded-dir", "data/postgres")));
        return new NotionSync(settings, database, sources);
    }

    private void wire(CamelContext context) {
        String schema = settings.get("notion.db.schema", "notion");
        PullRunner.PullSettings pull = new PullRunner.PullSettings(
                settings.getDuration("notion.sync.overlap", Duration.ofMinutes(2)),
                settings.getDuration("notion.sync.lag", Duration.ofSeconds(5)),
                settings.getInt("notion.sync.page-size", 100),
                settings.getDuration("notion.sync.schema-refresh", Duration.ofMinutes(10)));
        NotionApi notion = new NotionApi(context.createProducerTemplate());
        context.getRegistry().bind("notionApi", notion);
        context.getRegistry().bind("pullRunner", new PullRunner(sources, notion,
                new SchemaManager(database.dataSource(), schema), new Watermarks(database.dataSource()),
                new PageWriter(database.dataSource()), new SyncRuns(database.dataSource()), pull, Clock.systemUTC()));
        HealthCheckRegistry.get(context).register(new PostgresHealthCheck(database));
        for (SourceConfig source : sources) {
            if (source.direction() == SourceConfig.Direction.PUSH) {
                continue;
            }
            try {
                context.addRouteFromTemplate("pull-" + source.name(), "notion-pull",
                        Map.of("source", source.name(), "poll", source.poll().toMillis() + ""));
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the pull route of source '" + source.name() + "': " + e.getMessage(), e);
            }
        }
    }

    public void start() throws Exception {
        main.start();
    }

    /** Runs until Ctrl-C or SIGTERM, then stops the routes gracefully and closes the database. */
    public void run() throws Exception {
        main.run();
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public Database database() {
        return database;
    }

    public List<SourceConfig> sources() {
        return sources;
    }

    @Override
    public void close() {
        try {
            main.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping notion-sync failed: " + e.getMessage(), e);
        } finally {
            database.close();
        }
    }
}
