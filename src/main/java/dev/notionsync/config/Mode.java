package dev.notionsync.config;

import dev.notionsync.report.VerifyReports;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.Database;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** What an engine runs: the route files Camel loads, Camel settings of its own, and the areas it configures. */
public enum Mode {

    /** run and demo: every flow, the servers, the schedules. */
    RUN {
        @Override
        public Map<String, String> camelSettings(Settings settings) {
            // Jolokia (and so Hawtio) only with a management password. Camel's own authentication is off: its user file
            // cuts a password at the first comma; ManagementEndpoints.guard checks the whole password instead.
            Map<String, String> camel = new java.util.HashMap<>(UsersConfiguration.camelSettings(settings));
            camel.putAll(CommentsConfiguration.camelSettings(settings));
            camel.putAll(ContentSettings.camelSettings(settings));
            camel.putAll(ContentPushConfiguration.camelSettings(settings));
            camel.put("camel.management.jolokia-enabled", String.valueOf(ManagementSettings.credentials(settings).isPresent()));
            camel.put("camel.management.authentication-enabled", "false");
            return camel;
        }

        @Override
        public List<AreaConfiguration> areas(EngineSettings engine, Database database, NotionMetrics metrics, String instanceId) {
            DataSource dataSource = database.dataSource();
            String schema = engine.database().schema();
            return List.of(
                    new NotionDoorConfiguration(engine.notion(), engine.sync().sources(), dataSource, metrics),
                    new OAuthConfiguration(engine.settings(), engine.notion(), dataSource, true),
                    new DeadLetterConfiguration(dataSource, metrics),
                    new ClusterConfiguration(engine.cluster(), dataSource, instanceId,
                            engine.reports().threads() + 2 * engine.sync().pulled().size(), engine.jmx()),
                    new SyncConfiguration(engine.sync(), schema, dataSource, metrics, instanceId),
                    new ContentConfiguration(engine.content(), dataSource),
                    new ContentPushConfiguration(engine.settings(), engine.content(), engine.push(), engine.sync().sources(), dataSource, metrics),
                    new PushConfiguration(engine.push(), engine.sync().sources(), dataSource, metrics, instanceId),
                    new BindPushConfiguration(engine.push(), engine.sync().sources(), dataSource, metrics, instanceId),
                    new BindApplyConfiguration(engine.settings(), engine.push(), engine.sync().sources(), schema, dataSource),
                    new BindJoinConfiguration(engine.push(), engine.sync().sources(), schema, dataSource, instanceId),
                    new CommentsConfiguration(engine.comments(), engine.push(), schema, dataSource),
                    new WebhookConfiguration(engine.webhooks(), engine.sync().sources(), dataSource, metrics),
                    new ReportConfiguration(engine.reports(), schema, dataSource, instanceId, "dead-letter-channel"),
                    new ReportScheduleConfiguration(engine.reports(), engine.sync().pulled(), dataSource),
                    new RetentionConfiguration(engine.retention(), dataSource),
                    new SubscriptionConfiguration(engine.subscriptions(), dataSource),
                    new UsersConfiguration(dataSource),
                    new BindConfiguration(engine.sync().sources(), engine.push(), dataSource, schema),
                    new ManagementConfiguration(engine.management(), engine.sync(), database, instanceId,
                            new VerifyReports(engine.reports().folder(), engine.reports().keep())));
        }

        @Override
        public boolean listens() {
            return true;
        }
    },

    /**
     * report run: a one-shot run beside a running instance, against the configured database: the Notion door, the
     * dead letter channel and the reports' direct routes; no pollers, no schedules, no webhook inbox, no ports.
     */
    REPORT_RUN {
        @Override
        public Map<String, String> camelSettings(Settings settings) {
            String routes = "file:" + settings.home() + "/routes/";
            return Map.of("camel.main.routes-include-pattern",
                    routes + "notion-api.camel.yaml," + routes + "dead-letters.camel.yaml," + routes + "reports.camel.yaml",
                    "camel.server.enabled", "false",
                    "camel.management.enabled", "false",
                    "camel.main.jmx-enabled", "false");
        }

        @Override
        public List<AreaConfiguration> areas(EngineSettings engine, Database database, NotionMetrics metrics, String instanceId) {
            DataSource dataSource = database.dataSource();
            return List.of(
                    new NotionDoorConfiguration(engine.notion(), engine.sync().sources(), dataSource, metrics),
                    new OAuthConfiguration(engine.settings(), engine.notion(), dataSource, false),
                    new DeadLetterConfiguration(dataSource, metrics),
                    new ReportConfiguration(engine.reports(), engine.database().schema(), dataSource, instanceId, "report-command"));
        }

        @Override
        public boolean listens() {
            return false;
        }
    },

    /**
     * bootstrap: a one-shot command against the configured database: the Notion door, the dead letter channel and
     * the bootstrap; no pollers, no schedules, no webhook inbox, no ports.
     */
    BOOTSTRAP {
        @Override
        public Map<String, String> camelSettings(Settings settings) {
            String routes = "file:" + settings.home() + "/routes/";
            return Map.of("camel.main.routes-include-pattern", routes + "notion-api.camel.yaml," + routes + "dead-letters.camel.yaml",
                    "camel.server.enabled", "false",
                    "camel.management.enabled", "false",
                    "camel.main.jmx-enabled", "false");
        }

        @Override
        public List<AreaConfiguration> areas(EngineSettings engine, Database database, NotionMetrics metrics, String instanceId) {
            DataSource dataSource = database.dataSource();
            return List.of(
                    new NotionDoorConfiguration(engine.notion(), engine.sync().sources(), dataSource, metrics),
                    new OAuthConfiguration(engine.settings(), engine.notion(), dataSource, false),
                    new DeadLetterConfiguration(dataSource, metrics),
                    new BindConfiguration(engine.sync().sources(), engine.push(), dataSource, engine.database().schema()));
        }

        @Override
        public boolean listens() {
            return false;
        }
    },

    /**
     * Before run and demo, when a connection asks for every data source shared with it (notion.connection.&lt;name&gt;.sources
     * = shared, notion.oauth.sources = shared): the Notion door and the discovery, no pollers, no ports.
     */
    DISCOVER {
        @Override
        public Map<String, String> camelSettings(Settings settings) {
            return BOOTSTRAP.camelSettings(settings);
        }

        @Override
        public List<AreaConfiguration> areas(EngineSettings engine, Database database, NotionMetrics metrics, String instanceId) {
            DataSource dataSource = database.dataSource();
            return List.of(
                    new NotionDoorConfiguration(engine.notion(), engine.sync().sources(), dataSource, metrics),
                    new OAuthConfiguration(engine.settings(), engine.notion(), dataSource, false),
                    new DeadLetterConfiguration(dataSource, metrics),
                    new SharedSourcesConfiguration(engine, dataSource));
        }

        @Override
        public boolean listens() {
            return false;
        }
    };

    /** Camel settings this mode sets over application.properties. */
    public abstract Map<String, String> camelSettings(Settings settings);

    /** The areas configured, in order: an area may use the beans of those before it. */
    public abstract List<AreaConfiguration> areas(EngineSettings engine, Database database, NotionMetrics metrics, String instanceId);

    /** Whether the engine opens the business and management ports (checked before and after the start). */
    public abstract boolean listens();
}
