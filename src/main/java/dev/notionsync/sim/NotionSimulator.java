package dev.notionsync.sim;

import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process Notion API: the seeded sample workspace served over HTTP at {@link #baseUrl()} + "/v1/…",
 * with a control API under "/__sim/" for tests (edits as a user, faults, webhooks, statistics).
 */
public final class NotionSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotionSimulator.class);
    /** The connection of {@link SimulatorConfig#token()}. */
    public static final String DEFAULT_CONNECTION = "default";

    private final SimulatorConfig config;
    private final HttpServer server;
    private final ExecutorService executor;
    private final SimModel model;
    private final SeededWorkspace workspace;
    private final RateLimiter limiter;
    private final SimConnections connections;
    private final Faults faults = new Faults();
    private final Stats stats = new Stats();
    private final Webhooks webhooks;
    private final OAuthServer oauth;
    private final String host;

    private NotionSimulator(SimulatorConfig config, String host) throws IOException {
        this.config = config;
        this.host = host;
        this.model = new SimModel(config.clock(), config.seed(), WorkspaceSeeder.WORKSPACE_NAME, "notion-sync");
        this.workspace = new WorkspaceSeeder(model).seed(config.pagesPerSource());
        this.faults.reseed(config.seed());
        this.limiter = new RateLimiter(config.rate());
        this.connections = new SimConnections(new SimConnections.Connection(DEFAULT_CONNECTION, config.token(), limiter, model.botUser(), null));
        this.webhooks = new Webhooks(model);
        model.addListener(webhooks::onEvent);
        this.server = HttpServer.create(new InetSocketAddress(host, config.port()), 256);
        this.executor = new ThreadPoolExecutor(16, 64, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemonThreads());
        server.setExecutor(executor);
        this.oauth = new OAuthServer(model, connections, config.rate());
        server.createContext("/v1/oauth/", oauth);
        server.createContext("/v1/", new ApiHandler(model, connections, faults, stats));
        server.createContext("/__sim/", new ControlHandler(this));
        server.start();
        LOG.info("Notion simulator listening on {}", baseUrl());
    }

    /** Starts a simulator on 127.0.0.1. */
    public static NotionSimulator start(SimulatorConfig config) throws IOException {
        return new NotionSimulator(config, "127.0.0.1");
    }

    /** Starts a simulator on the given interface, e.g. "0.0.0.0" inside a container. */
    public static NotionSimulator start(SimulatorConfig config, String host) throws IOException {
        return new NotionSimulator(config, host);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        String shown = host.equals("0.0.0.0") ? "127.0.0.1" : host;
        return "http://" + shown + ":" + port();
    }

    public SeededWorkspace workspace() {
        return workspace;
    }

    /** Adds the knowledge base (pages with content) the demo syncs with content on; call once. */
    public SeededSource seedKnowledgeBase() {
        return new WorkspaceSeeder(model).seedKnowledgeBase();
    }

    public SimModel model() {
        return model;
    }

    /** Notion's OAuth for public connections: the grant it handed out, its lifetime, a person declining. */
    public OAuthServer oauth() {
        return oauth;
    }

    public SimulatorConfig config() {
        return config;
    }

    /** Changes the request budget of the default connection while running (requests per second, 0 or less = unlimited). */
    public void setRate(double rate) {
        limiter.setRate(rate);
    }

    /**
     * Adds a connection (another integration) to the workspace: its token, its own request budget (requests per
     * second, 0 or less = unlimited) and its own bot user; every data source is shared with it. A name added again is
     * replaced.
     *
     * @return the id of its bot user
     */
    public String addConnection(String name, String token, double rate) {
        return addConnection(name, token, rate, null);
    }

    /** As {@link #addConnection(String, String, double)}, sharing only these data sources with it (null: all). */
    public String addConnection(String name, String token, double rate, List<String> sharedDataSources) {
        return connections.add(name, token, rate, model.addBot(name), sharedDataSources).bot.id();
    }

    /** The workspace removed the connection: its token answers 401 from now on. */
    public void revokeConnection(String name) {
        connections.get(name).revoked = true;
    }

    /** Notion's per-workspace limit, shared by every connection (requests per second, 0 or less = none, the default). */
    public void setWorkspaceRate(double rate) {
        connections.workspaceLimiter().setRate(rate);
    }

    /** How long query cursors stay valid. */
    public void setCursorTtl(Duration ttl) {
        model.cursors.setTtl(ttl);
    }

    /** Makes every cursor handed out so far invalid; returns how many there were. */
    public int invalidateCursors() {
        return model.cursors.invalidateAll();
    }

    Faults faults() {
        return faults;
    }

    Stats stats() {
        return stats;
    }

    RateLimiter limiter() {
        return limiter;
    }

    SimConnections connections() {
        return connections;
    }

    Webhooks webhooks() {
        return webhooks;
    }

    @Override
    public void close() {
        server.stop(0);
        webhooks.close();
        executor.shutdownNow();
        LOG.info("Notion simulator on port {} stopped", port());
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "notion-sim-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
