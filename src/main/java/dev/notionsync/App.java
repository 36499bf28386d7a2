package dev.notionsync;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.cli.BootstrapCommand;
import dev.notionsync.cli.DeadLetterCommand;
import dev.notionsync.cli.ManagementAddress;
import dev.notionsync.manage.ManagementEndpoints;
import dev.notionsync.cli.HawtioConsole;
import dev.notionsync.cli.ReportCommand;
import dev.notionsync.cli.StatusCommand;
import dev.notionsync.cli.WebhookTokenCommand;
import dev.notionsync.cli.VerifyCommand;
import dev.notionsync.config.ManagementSettings;
import dev.notionsync.config.NotionApiSettings;
import dev.notionsync.config.Settings;
import dev.notionsync.config.SharedSourcesConfiguration;
import dev.notionsync.config.SettingsException;
import dev.notionsync.manage.ManagementCredentials;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import dev.notionsync.sim.SimulatorMain;
import dev.notionsync.store.Database;
import dev.notionsync.store.DatabaseUnavailableException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** The command line: run (default) | demo | simulate | console | status | dead-letters | webhook-token | verify | report | bootstrap | help. */
public final class App {

    static final String DEMO_TOKEN = "secret_demo_token";
    static final String DEMO_WEBHOOK_TOKEN = "secret_demo_webhook_token";
    /** The demo's own Jolokia password; printed, because it protects nothing but a local demo. */
    static final String DEMO_MANAGEMENT_PASSWORD = "demo";

    private App() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String command = args.length == 0 ? "run" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (command) {
                case "run" -> rest.length > 0 ? noArguments(command, rest, err) : runEngine(loadSettings(), err);
                case "demo" -> rest.length > 0 ? noArguments(command, rest, err) : demo(out);
                case "simulate" -> SimulatorMain.run(rest, out, err);
                case "console" -> HawtioConsole.run(rest, loadSettings(), out, err);
                case "status" -> operate(rest, out, err, StatusCommand::run);
                case "dead-letters" -> operate(rest, out, err, DeadLetterCommand::run);
                case "webhook-token" -> operate(rest, out, err, WebhookTokenCommand::run);
                case "verify" -> operate(rest, out, err, VerifyCommand::run);
                case "report" -> ReportCommand.run(rest, loadSettings(), App::startForReports, out, err);
                case "bootstrap" -> BootstrapCommand.run(rest, loadSettings(), App::startForBootstrap, out, err);
                case "help", "--help", "-h" -> {
                    out.print(usage());
                    yield 0;
                }
                default -> {
                    err.println("notion-sync: unknown command '" + command + "'; use run, demo, simulate, console, status, dead-letters, webhook-token, verify, report, bootstrap or help");
                    yield 2;
                }
            };
        } catch (SettingsException | DatabaseUnavailableException e) {
            err.println("notion-sync: " + e.getMessage());
            return 2;
        }
    }

    public static ReportCommand.ReportEngine startForReports(Settings settings) throws Exception {
        NotionSync sync = NotionSync.createForReports(settings);
        try {
            sync.start();
        } catch (Exception | Error e) {
            sync.close();
            throw e;
        }
        return new ReportCommand.ReportEngine() {
            @Override
            public String runReport(String id) {
                return sync.reports().run(id);
            }

            @Override
            public void close() {
                sync.close();
            }
        };
    }

    public static BootstrapCommand.BootstrapEngine startForBootstrap(Settings settings) throws Exception {
        NotionSync sync = startBootstrapEngine(settings, opened -> { });
        return new BootstrapCommand.BootstrapEngine() {
            @Override
            public boolean bootstrap(String source, String parent, Consumer<String> progress) throws Exception {
                return sync.bootstrap().bootstrap(source, parent, progress).complete();
            }

            @Override
            public void close() {
                sync.close();
            }
        };
    }

    /**
     * An engine in {@link dev.notionsync.config.Mode#BOOTSTRAP} (the door and the bootstrap; no pollers, schedules or
     * servers), started; {@code beforeStart} runs once its database is open (the demo creates its application's tables).
     */
    static NotionSync startBootstrapEngine(Settings settings, Consumer<NotionSync> beforeStart) throws Exception {
        NotionSync sync = NotionSync.createForBootstrap(settings);
        try {
            beforeStart.accept(sync);
            sync.start();
        } catch (Exception | Error e) {
            sync.close();
            throw e;
        }
        return sync;
    }

    private static int noArguments(String command, String[] rest, PrintStream err) {
        err.println("notion-sync: " + command + " takes no arguments, got '" + String.join(" ", rest) + "' (settings go in application.properties"
                + " or the environment)");
        err.print(usage());
        return 2;
    }

    private interface OperatorCommand {
        int run(String[] args, ManagementAddress instance, Optional<ManagementCredentials> credentials, PrintStream out, PrintStream err);
    }

    /** A command run against the instance on this machine, through its management port. */
    private static int operate(String[] args, PrintStream out, PrintStream err, OperatorCommand command) throws SettingsException {
        Settings settings = loadSettings();
        return command.run(args, ManagementAddress.of(settings), ManagementSettings.credentials(settings), out, err);
    }

    private static int runEngine(Settings settings, PrintStream err) throws SettingsException {
        if (settings.get("notion.api.token").isBlank() && NotionApiSettings.needsDefaultToken(settings)) {
            err.println("notion-sync: set NOTION_TOKEN to your Notion integration's secret (or try 'notion-sync demo', which needs no account)");
            return 2;
        }
        if (settings.getList("notion.sources").isEmpty() && !SharedSourcesConfiguration.wanted(settings)) {
            err.println("notion-sync: set notion.sources (environment NOTION_SOURCES) to the names of the sources to sync, and notion.source.<name>.id for each"
                    + " (or have a connection sync every data source shared with it: notion.connection.<name>.sources = shared)");
            return 2;
        }
        return runUntilStopped(settings);
    }

    /** Embedded PostgreSQL + the simulator in this process + every route, against the seeded sample workspace. */
    private static int demo(PrintStream out) throws SettingsException {
        Settings base = loadSettings();
        Path demoData = freshDemoDatabase(base, out);
        int simulatorPort = base.getInt("notion.demo.simulator-port");
        NotionSimulator simulator;
        try {
            simulator = NotionSimulator.start(SimulatorConfig.defaults(DEMO_TOKEN).withPort(simulatorPort)
                    .withPages(base.getInt("notion.demo.pages")));
        } catch (IOException e) {
            throw new SettingsException("cannot start the Notion simulator on port " + simulatorPort + ": " + e.getMessage()
                    + " (set NOTION_DEMO_SIMULATOR_PORT to a free port)");
        }
        // the knowledge base: page bodies (markdown) and comments, beside the sample workspace's properties
        SeededSource knowledge = simulator.seedKnowledgeBase();
        Map<String, String> demo = new LinkedHashMap<>();
        demo.put("notion.db.url", "");
        demo.put("notion.db.embedded-dir", demoData.toString());
        demo.put("notion.api.base-url", simulator.baseUrl());
        demo.put("notion.api.token", DEMO_TOKEN);
        String sampleSources = simulator.workspace().sources().stream().map(SeededSource::name).collect(Collectors.joining(","));
        demo.put("notion.sources", sampleSources + "," + knowledge.name() + "," + BoundDemo.sources());
        demo.put("notion.source." + knowledge.name() + ".id", knowledge.dataSourceId());
        demo.put("notion.source." + knowledge.name() + ".poll", base.declared("notion.demo.poll"));
        demo.put("notion.source." + knowledge.name() + ".content", base.get("notion.source." + knowledge.name() + ".content", "markdown"));
        demo.put("notion.source." + knowledge.name() + ".comments", base.get("notion.source." + knowledge.name() + ".comments", "true"));
        demo.put("notion.comments.poll", base.declared("notion.demo.poll"));
        // both ways: an UPDATE of a page's markdown in PostgreSQL replaces its body in Notion
        demo.put("notion.source." + knowledge.name() + ".direction", base.get("notion.source." + knowledge.name() + ".direction", "both"));
        for (SeededSource source : simulator.workspace().sources()) {
            // the database id, so the demo also shows how a database resolves to its data sources
            demo.put("notion.source." + source.name() + ".id", source.databaseId());
            demo.put("notion.source." + source.name() + ".poll", base.declared("notion.demo.poll"));
        }
        // projects syncs both ways, so an edit in PostgreSQL shows in Notion too
        demo.put("notion.source.projects.direction", base.get("notion.source.projects.direction", "both"));
        // and keeps every version of its rows, and sends each change as a JSON file to a folder (a change event subscription)
        demo.put("notion.source.projects.history", base.get("notion.source.projects.history", "true"));
        Path events = freshEventsFolder(demoData);
        String subscriptions = base.get("notion.subscriptions");
        demo.put("notion.subscriptions", subscriptions.isBlank() ? "demo-files" : subscriptions + ",demo-files");
        demo.put("notion.subscription.demo-files.uri", "file:" + events);
        demo.put("notion.subscription.demo-files.sources", "projects");
        demo.put("notion.api.rate", base.get("notion.demo.rate", base.get("notion.api.rate")));
        demo.put("notion.webhook.verification-token", DEMO_WEBHOOK_TOKEN);
        demo.put("notion.reports", "sync-health,business-summary");
        // the report schedules wait until every source has been pulled, so the first reports show the sample data
        demo.put("notion.reports.after-first-pull", "true");
        for (String report : List.of("sync-health", "business-summary")) {
            demo.put("notion.report." + report + ".cron", base.declared("notion.demo.report-cron"));
        }
        String reportsPage = base.get("notion.reports.notion-parent-page");
        if (reportsPage.isBlank()) {
            reportsPage = createReportsPage(simulator);
            demo.put("notion.reports.notion-parent-page", reportsPage);
        }
        // the Postgres-first half: the application's own tables, bound both ways, their databases under an "Application" page
        demo.putAll(BoundDemo.settings(base));
        String applicationPage = createPage(simulator, "Application");
        boolean ownPassword = !base.get("notion.management.password").isBlank();
        if (!ownPassword) {
            demo.put("notion.management.password", DEMO_MANAGEMENT_PASSWORD);
        }
        Settings settings = base.with(demo);
        try {
            RequiredPorts.checkFree(settings);   // before the bootstrap's seconds, not after
            BoundDemo bound = BoundDemo.bootstrap(settings, applicationPage, out);
            return runUntilStopped(settings, sync -> sync.onStarted(started -> {
                String webhookUrl = "http://127.0.0.1:" + settings.get("camel.server.port") + "/webhooks/notion";
                subscribeWebhooks(simulator, webhookUrl);
                out.println();
                out.println("notion-sync demo is running (started fresh: the simulator's sample workspace and the demo's PostgreSQL"
                        + " begin anew at each demo start, so they always agree; nothing of an earlier demo is kept)");
                out.println("  Notion simulator : " + simulator.baseUrl() + "   (its ids: " + simulator.baseUrl() + "/__sim/workspace)");
                out.println("  PostgreSQL       : " + started.database().displayUrl() + started.database().psqlHint());
                out.println("  Tables           : schema '" + settings.get("notion.db.schema") + "': " + sampleSources + " (the sample workspace's databases;"
                        + " the bound tables' shadow mirrors " + BoundDemo.sources() + " too), " + knowledge.name() + " with its pages' markdown in "
                        + knowledge.name() + "_content and comments in " + knowledge.name() + "_comments");
                out.println("  Health           : http://localhost:" + settings.get("camel.management.port") + "/observe/health");
                out.println("  Webhooks         : the simulator sends page events to " + webhookUrl);
                out.println("  Jolokia (Hawtio) : http://localhost:" + settings.get("camel.management.port") + "/observe/jolokia   (user "
                        + settings.get("notion.management.user") + ", password " + (ownPassword ? "from NOTION_MANAGEMENT_PASSWORD" : DEMO_MANAGEMENT_PASSWORD) + ")");
                out.println("  Dashboard        : http://localhost:" + settings.get("camel.management.port") + ManagementEndpoints.DASHBOARD_PATH
                        + "   (in a browser; user " + settings.get("notion.management.user") + ", password "
                        + (ownPassword ? "from NOTION_MANAGEMENT_PASSWORD" : DEMO_MANAGEMENT_PASSWORD) + ")");
                out.println("  Reports          : cron '" + settings.get("notion.report.sync-health.cron") + "', after the first pull, to "
                        + Path.of(settings.get("notion.home")).resolve(settings.get("notion.reports.folder")));
                out.println("                     and as pages: " + notionCurl(simulator, "/v1/blocks/" + settings.get("notion.reports.notion-parent-page") + "/children"));
                out.println("                     run one now (JMX runReport): curl -u " + settings.get("notion.management.user") + ":"
                        + (ownPassword ? "$NOTION_MANAGEMENT_PASSWORD" : DEMO_MANAGEMENT_PASSWORD) + " http://localhost:" + settings.get("camel.management.port")
                        + "/observe/jolokia/exec/dev.notionsync:type=NotionSync,name=notion-sync/runReport/sync-health");
                out.println("  Hawtio console   : in another terminal: " + (ownPassword ? "" : "NOTION_MANAGEMENT_PASSWORD=" + DEMO_MANAGEMENT_PASSWORD + " ")
                        + "java -jar " + jar() + " console --jolokia http://127.0.0.1:" + settings.get("camel.management.port") + "/observe/jolokia");
                out.println("  Status           : in another terminal: " + (ownPassword ? "" : "NOTION_MANAGEMENT_PASSWORD=" + DEMO_MANAGEMENT_PASSWORD + " ")
                        + (settings.get("camel.management.port").equals("9876") ? "" : "CAMEL_MANAGEMENT_PORT=" + settings.get("camel.management.port") + " ")
                        + "java -jar " + jar() + " status   (and dead-letters list)");
                out.println("  Try next         : edit a page as a Notion user would and watch its row change within seconds:");
                out.println("                     " + exampleEdit(simulator));
                out.println("                     or change a row (projects syncs both ways) and see the page in the simulator:");
                out.println("                     " + examplePush(simulator, started, settings.get("notion.db.schema")));
                out.println("                     read a knowledge base page's markdown (page content):");
                out.println("                     " + psql(started) + " -c \"SELECT k.title, c.markdown FROM " + settings.get("notion.db.schema") + "."
                        + knowledge.name() + " k JOIN " + settings.get("notion.db.schema") + "." + knowledge.name()
                        + "_content c USING (page_id) WHERE k.title = 'Incident playbook'\"");
                out.println("                     or rewrite a page's body in PostgreSQL and read it back from the simulator:");
                out.println("                     " + exampleContentPush(simulator, knowledge, started, settings.get("notion.db.schema")));
                out.println("                     every version of a project row, with who changed it and from which side (history):");
                out.println("                     " + psql(started) + " -c \"SELECT valid_from, side, changed_by, changed_columns FROM "
                        + settings.get("notion.db.schema") + ".projects_history ORDER BY history_id DESC LIMIT 10\"");
                out.println("                     each change of a project row as a JSON file (change event subscription demo-files): ls " + events);
                bound.banner(simulator, started).forEach(out::println);
                out.println("  Stop             : Ctrl-C");
                out.println();
            }));
        } finally {
            simulator.close();
        }
    }

    /**
     * The simulator keeps its workspace in memory only, so the demo's PostgreSQL starts fresh too: otherwise it would
     * keep rows of pages the new simulator never had, and edits it forgot. The demo has its own embedded data directory
     * (notion.demo.embedded-dir), never run's (notion.db.embedded-dir), and never a configured server (notion.db.url).
     */
    private static Path freshDemoDatabase(Settings base, PrintStream out) throws SettingsException {
        Path home = base.home();
        Path demoData = home.resolve(base.declared("notion.demo.embedded-dir")).toAbsolutePath().normalize();
        if (demoData.equals(home.resolve(base.declared("notion.db.embedded-dir")).toAbsolutePath().normalize())) {
            throw new SettingsException("notion.demo.embedded-dir is the data directory of 'run' (notion.db.embedded-dir), which the demo"
                    + " would empty: set NOTION_DEMO_EMBEDDED_DIR to a folder of its own");
        }
        if (!base.get("notion.db.url").isBlank()) {
            out.println("notion-sync: the demo runs on its own embedded PostgreSQL; notion.db.url (NOTION_DB_URL) is used by 'run' only");
        }
        Database.emptyEmbedded(demoData);
        return demoData;
    }

    /** The folder the demo's change event subscription writes to, beside its database: emptied, as the database is. */
    private static Path freshEventsFolder(Path demoData) {
        Path events = demoData.resolveSibling(demoData.getFileName() + "-events");
        try {
            Files.createDirectories(events);
            try (var files = Files.list(events)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    if (file.getFileName().toString().endsWith(".json")) {
                        Files.delete(file);
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new SettingsException("cannot prepare the demo's events folder " + events + ": " + e.getMessage());
        }
        return events;
    }

    /** A curl command that renames the first sample project, with its real id and title property. */
    private static String exampleEdit(NotionSimulator simulator) {
        var pages = simulator.model().pages(simulator.workspace().source("projects").dataSourceId());
        if (pages.isEmpty()) {
            return "curl -X POST " + simulator.baseUrl() + "/__sim/pages/<page_id> -d '{\"properties\":{...}}'";
        }
        var page = pages.get(0);
        String titleName = "Name";
        for (var it = page.path("properties").fields(); it.hasNext(); ) {
            var property = it.next();
            if (property.getValue().path("type").asText().equals("title")) {
                titleName = property.getKey();
            }
        }
        return "curl -X POST " + simulator.baseUrl() + "/__sim/pages/" + page.path("id").asText()
                + " -d '{\"properties\":{\"" + titleName + "\":{\"title\":[{\"text\":{\"content\":\"Renamed in Notion\"}}]}}}'";
    }

    /** A psql UPDATE of the first sample project's client, and where to see the page afterwards. */
    private static String examplePush(NotionSimulator simulator, NotionSync sync, String schema) {
        var pages = simulator.model().pages(simulator.workspace().source("projects").dataSourceId());
        String id = pages.isEmpty() ? "<page_id>" : pages.get(0).path("id").asText();
        return psql(sync) + " -c \"UPDATE " + schema + ".projects SET client = 'Edited in Postgres' WHERE page_id = '"
                + id + "'\"; " + notionCurl(simulator, "/v1/pages/" + id);
    }

    private static String exampleContentPush(NotionSimulator simulator, SeededSource knowledge, NotionSync sync, String schema) {
        String id = simulator.model().pages(knowledge.dataSourceId()).stream()
                .filter(p -> p.at("/properties/Title/title/0/plain_text").asText().equals("Glossary")).map(p -> p.path("id").asText())
                .findFirst().orElse("<page_id>");
        return psql(sync) + " -c \"UPDATE " + schema + "." + knowledge.name() + "_content SET markdown = markdown || E'\\n- **Sweep**: the search for"
                + " deleted pages' WHERE page_id = '" + id + "'\"; sleep 3; " + notionCurl(simulator, "/v1/pages/" + id + "/markdown");
    }

    /** psql with the options that open the demo's embedded PostgreSQL. */
    static String psql(NotionSync sync) {
        String psql = sync.database().psqlHint().replace("(", "").replace(")", "").trim();
        return psql.isEmpty() ? "psql <your database>" : psql;
    }

    /** A curl of the simulator's Notion API with the headers it needs, as a user would call api.notion.com. */
    static String notionCurl(NotionSimulator simulator, String path) {
        return "curl -H 'Authorization: Bearer " + DEMO_TOKEN + "' -H 'Notion-Version: 2026-03-11' " + simulator.baseUrl() + path;
    }

    /** The jar as the user can run it from the working directory: target/notion-sync.jar after the build. */
    static String jar() {
        try {
            Path jar = Path.of(App.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(jar)) {
                Path cwd = Path.of("").toAbsolutePath();
                return jar.startsWith(cwd) ? cwd.relativize(jar).toString() : jar.toString();
            }
        } catch (URISyntaxException | RuntimeException e) {
            // not run from a jar (tests, an IDE): where the build puts it
        }
        return "target/notion-sync.jar";
    }

    /**
     * A "Reports" page next to the sample databases (under their parent page, "Company HQ"), created through the
     * simulator's Notion API as the integration would; the demo's reports become its child pages.
     */
    private static String createReportsPage(NotionSimulator simulator) {
        return createPage(simulator, "Reports");
    }

    /** A page titled so next to the sample databases (under their parent page, "Company HQ"), made through the simulator's API. */
    private static String createPage(NotionSimulator simulator, String title) {
        try {
            var http = HttpClient.newHttpClient();
            var json = new ObjectMapper();
            String databaseId = simulator.workspace().source("projects").databaseId();
            var database = json.readTree(http.send(notionRequest(simulator, "/v1/databases/" + databaseId).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String home = database.path("parent").path("page_id").asText();
            String body = "{\"parent\":{\"page_id\":\"" + home + "\"},\"properties\":{\"title\":{\"title\":[{\"text\":{\"content\":\"" + title + "\"}}]}}}";
            var page = json.readTree(http.send(notionRequest(simulator, "/v1/pages").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (!page.hasNonNull("id")) {
                throw new SettingsException("the simulator did not create the demo's " + title + " page: " + page);
            }
            return page.get("id").asText();
        } catch (IOException | InterruptedException e) {
            throw new SettingsException("cannot create the demo's " + title + " page in the simulator: " + e.getMessage());
        }
    }

    private static HttpRequest.Builder notionRequest(NotionSimulator simulator, String path) {
        return HttpRequest.newBuilder(URI.create(simulator.baseUrl() + path))
                .header("Authorization", "Bearer " + DEMO_TOKEN).header("Notion-Version", "2026-03-11")
                .header("Content-Type", "application/json");
    }

    /** Subscribes the app's webhook endpoint in the simulator, which answers with Notion's verification handshake. */
    private static void subscribeWebhooks(NotionSimulator simulator, String url) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/__sim/webhooks"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"url\":\"" + url + "\",\"verification_token\":\"" + DEMO_WEBHOOK_TOKEN + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                System.err.println("notion-sync: the simulator did not take the webhook subscription: " + response.body());
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("notion-sync: cannot subscribe webhooks in the simulator: " + e.getMessage());
        }
    }

    private static int runUntilStopped(Settings settings) {
        return runUntilStopped(settings, sync -> { });
    }

    private static int runUntilStopped(Settings settings, Consumer<NotionSync> onOpen) {
        NotionSync sync = NotionSync.create(settings);
        onOpen.accept(sync);
        // On SIGTERM or Ctrl-C the JVM halts as soon as its shutdown hooks end: Camel's hook stops the routes and
        // returns, and the embedded PostgreSQL closed below would be left running. This hook holds the JVM until then.
        CountDownLatch closed = new CountDownLatch(1);
        Thread holdUntilClosed = new Thread(() -> {
            try {
                closed.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "database-close");
        Runtime.getRuntime().addShutdownHook(holdUntilClosed);
        try {
            sync.run();
            return 0;
        } catch (SettingsException e) {
            throw e;
        } catch (Exception e) {
            System.err.println("notion-sync: stopped on error: " + e.getMessage());
            return 1;
        } finally {
            sync.database().close();
            closed.countDown();
        }
    }

    /** application.properties next to the working directory's routes/, or next to the jar. */
    static Settings loadSettings() {
        Path home = home();
        return Settings.load(home.resolve("application.properties")).with(Map.of("notion.home", home.toString()));
    }

    static Path home() {
        String configured = System.getProperty("notion.home", System.getenv("NOTION_HOME"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        Path cwd = Path.of("").toAbsolutePath();
        if (Files.isDirectory(cwd.resolve("routes"))) {
            return cwd;
        }
        try {
            Path jarDir = Path.of(App.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
            for (Path candidate = jarDir; candidate != null; candidate = candidate.getParent()) {
                if (Files.isDirectory(candidate.resolve("routes"))) {
                    return candidate;
                }
            }
        } catch (URISyntaxException | RuntimeException ignored) {
            // fall through to the working directory
        }
        return cwd;
    }

    static String usage() {
        return """
                notion-sync: keeps Notion data sources and PostgreSQL tables in step

                usage: java -jar notion-sync.jar [command]

                  run        (default) sync the sources in application.properties; needs NOTION_TOKEN
                  demo       embedded PostgreSQL + built-in Notion simulator with a sample workspace, and an application's
                             own tables bound to Notion both ways (bootstrapped at start); no account needed
                  simulate   the Notion simulator alone: simulate --port P --token T [--pages N] [--rate R] [--seed S]
                  console    Hawtio on a running instance: console [--jolokia URL] [--port P] [--host H]
                             needs NOTION_MANAGEMENT_PASSWORD (the instance's); default http://127.0.0.1:8090/hawtio/
                  status     each source of the instance running on this machine: polling or paused, last run, watermark, lag
                  dead-letters list|replay [--id N] [--force]
                             list or replay the dead letters of the instance running on this machine
                             (--force: a replayed push overwrites values changed in Notion since)
                  webhook-token [confirm <id>]
                             the webhook signing token in force and the handshakes waiting for confirmation,
                             or put a pending handshake's token in force (README "Webhooks")
                  verify [source] [--repair] [--json]
                             compare every page of the source (or of every source) with its row: consistent, differing,
                             missing or extra in PostgreSQL; --repair writes again from Notion what differs
                  report run <id>
                             run one report now (notion.reports) and print where its outputs went
                  bootstrap <source> [--parent <page id or URL>]
                             a bound source (mode = bind): create its Notion database under the page and a page
                             for every row of its table; run it again to resume after a stop
                  help       this text

                Settings: application.properties next to routes/; every key can be overridden by an environment
                variable (notion.api.rate -> NOTION_API_RATE). See README.md.
                """;
    }
}
