package dev.notionsync.cli;

import dev.notionsync.config.ManagementSettings;
import dev.notionsync.config.Settings;
import dev.notionsync.manage.CrossOrigin;
import dev.notionsync.manage.ManagementCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.Callback;

/**
 * {@code notion-sync console}: Hawtio 4 (the hawtio-default WAR shipped inside the jar) in an embedded Jetty, opened on
 * one running instance. The page's own Jolokia path is answered by {@link JolokiaForwardServlet}, which adds the
 * management credentials; the console itself asks the browser for the same user and password, so it never hands out
 * more than the instance's Jolokia would.
 */
public final class HawtioConsole implements AutoCloseable {

    static final String WAR_RESOURCE = "/hawtio/hawtio-default.war";

    private final Server server;
    private final Path workDir;
    private final JolokiaForwardServlet forward;

    private HawtioConsole(Server server, Path workDir, JolokiaForwardServlet forward) {
        this.server = server;
        this.workDir = workDir;
        this.forward = forward;
    }

    /** Parses the options, starts the console and blocks until the process is stopped. */
    public static int run(String[] args, Settings settings, PrintStream out, PrintStream err) {
        String host = settings.declared("notion.console.host");
        String portText = settings.declared("notion.console.port");
        String jolokia = settings.get("notion.console.jolokia");
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length || !(option.equals("--port") || option.equals("--host") || option.equals("--jolokia"))) {
                err.println("notion-sync: unknown option '" + option + "'; usage: console [--jolokia URL] [--port P] [--host H]");
                return 2;
            }
            String value = args[++i];
            switch (option) {
                case "--port" -> portText = value;
                case "--host" -> host = value;
                default -> jolokia = value;
            }
        }
        int port;
        try {
            port = Integer.parseInt(portText.trim());
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            err.println("notion-sync: the console port must be a number from 0 to 65535, was '" + portText + "' (--port or NOTION_CONSOLE_PORT)");
            return 2;
        }
        if (jolokia.isBlank()) {
            jolokia = defaultJolokiaUrl(settings);
        }
        if (!jolokia.startsWith("http://") && !jolokia.startsWith("https://")) {
            err.println("notion-sync: --jolokia takes the instance's Jolokia URL, e.g. http://127.0.0.1:9876/observe/jolokia; was '" + jolokia + "'");
            return 2;
        }
        Optional<ManagementCredentials> credentials = ManagementSettings.credentials(settings);
        if (credentials.isEmpty()) {
            err.println("notion-sync: set NOTION_MANAGEMENT_PASSWORD to the instance's management password: the console reaches"
                    + " its Jolokia with it, and asks the browser for it (user " + settings.declared("notion.management.user") + ")");
            return 2;
        }
        String user = credentials.get().user();
        HawtioConsole console;
        try {
            console = start(host, port, jolokia, user, credentials.get().password());
        } catch (BindException e) {
            err.println("notion-sync: cannot listen on " + host + ":" + port + " (" + e.getMessage() + "); choose another with --port or NOTION_CONSOLE_PORT");
            return 2;
        } catch (Exception e) {
            err.println("notion-sync: cannot start the console: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(console::close, "console-stop"));
        String shownHost = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
        out.println();
        out.println("notion-sync console (Hawtio) is running");
        out.println("  Open     : http://" + shownHost + ":" + console.port() + "/hawtio/camel/contexts   (user " + user
                + ", the password of NOTION_MANAGEMENT_PASSWORD)");
        String problem = console.forward.problem();
        out.println("  Instance : " + jolokia + "   " + (problem == null ? "(reachable)" : "(not now: " + problem
                + "; the console shows it once it answers)"));
        out.println("  Stop     : Ctrl-C");
        out.println();
        try {
            console.server.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The Jolokia of the instance this machine's settings describe: the management host and port. */
    static String defaultJolokiaUrl(Settings settings) {
        return ManagementAddress.of(settings).url("/observe/jolokia");
    }

    public static HawtioConsole start(String host, int port, String jolokia, String user, String password) throws Exception {
        // Hawtio's own login would need a JAAS realm: the credentials are checked in front of it instead. Its proxy
        // would let the page reach other hosts, which this console has no business doing.
        System.setProperty("hawtio.authenticationEnabled", System.getProperty("hawtio.authenticationEnabled", "false"));
        System.setProperty("hawtio.disableProxy", System.getProperty("hawtio.disableProxy", "true"));
        Path workDir = Files.createTempDirectory("notion-sync-console");
        Path war = workDir.resolve("hawtio.war");
        try (InputStream in = HawtioConsole.class.getResourceAsStream(WAR_RESOURCE)) {
            if (in == null) {
                throw new IOException("the Hawtio WAR (" + WAR_RESOURCE + ") is missing from the jar; rebuild with mvn package");
            }
            Files.copy(in, war, StandardCopyOption.REPLACE_EXISTING);
        }

        WebAppContext hawtio = new WebAppContext();
        hawtio.setContextPath("/hawtio");
        hawtio.setWar(war.toString());
        hawtio.setTempDirectory(workDir.resolve("webapp").toFile());
        // one logging setup (ours, with its secret masking) instead of the WAR's own Log4j
        hawtio.getProtectedClassMatcher().add("org.slf4j.", "org.apache.logging.");

        ManagementCredentials credentials = new ManagementCredentials(user, password);
        JolokiaForwardServlet forward = new JolokiaForwardServlet(jolokia, credentials);
        ServletContextHandler jolokiaPath = new ServletContextHandler("/hawtio/jolokia");
        // Hawtio posts to "jolokia" without a trailing slash: a redirect would turn those POSTs into GETs
        jolokiaPath.setAllowNullPathInContext(true);
        jolokiaPath.addServlet(new ServletHolder(forward), "/*");

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        // the longer context path wins, so /hawtio/jolokia never reaches the WAR's own agent (this JVM's MBeans)
        server.setHandler(new Gate(credentials, forward, new ContextHandlerCollection(jolokiaPath, hawtio)));
        server.setStopAtShutdown(false);
        HawtioConsole console = new HawtioConsole(server, workDir, forward);
        try {
            server.start();
        } catch (Exception e) {
            console.close();
            throw e instanceof IOException && e.getCause() instanceof BindException bind ? bind : e;
        }
        return console;
    }

    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception ignored) {
            // stopping on the way out: nothing left to do with a failure
        }
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    /**
     * In front of everything: no request from another origin's page; HTTP Basic with the management user and password,
     * compared whole and in constant time; and, when the instance does not answer, a page saying why instead of an
     * empty Hawtio.
     */
    private static final class Gate extends Handler.Wrapper {

        private final ManagementCredentials credentials;
        private final JolokiaForwardServlet forward;

        Gate(ManagementCredentials credentials, JolokiaForwardServlet forward, Handler next) {
            super(next);
            this.credentials = credentials;
            this.forward = forward;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            // the browser holds the credentials, so a page of another site could make it send any Jolokia request here
            String crossOrigin = CrossOrigin.refusal(request.getHeaders().get(HttpHeader.HOST), request.getHeaders().get(HttpHeader.ORIGIN),
                    request.getHeaders().get(HttpHeader.REFERER), request.getHeaders().get("Sec-Fetch-Site"));
            if (crossOrigin != null) {
                response.setStatus(403);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                Content.Sink.write(response, true, "cross-origin request refused (" + crossOrigin + "): the notion-sync console"
                        + " answers its own pages only\n", callback);
                return true;
            }
            String given = request.getHeaders().get(HttpHeader.AUTHORIZATION);
            if (!credentials.accepts(given)) {
                response.setStatus(401);
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"notion-sync console\", charset=\"UTF-8\"");
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                Content.Sink.write(response, true, "the notion-sync console needs the management user and password\n", callback);
                return true;
            }
            String path = Request.getPathInContext(request);
            if (path.equals("/")) {
                Response.sendRedirect(request, response, callback, "/hawtio/camel/contexts");
                return true;
            }
            // a page load (not Hawtio's own requests, nor its scripts): Hawtio would show an empty console
            String accept = request.getHeaders().get(HttpHeader.ACCEPT);
            if (request.getMethod().equals("GET") && accept != null && accept.contains("text/html") && !path.startsWith("/hawtio/jolokia")) {
                String problem = forward.problem();
                if (problem != null) {
                    response.setStatus(503);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
                    Content.Sink.write(response, true, "<!doctype html><html><head><title>notion-sync console</title>"
                            + "<meta http-equiv=\"refresh\" content=\"5\"></head><body><h1>notion-sync console</h1><p>"
                            + html(problem) + "</p><p>This page reloads every 5 seconds.</p></body></html>\n", callback);
                    return true;
                }
            }
            return super.handle(request, response, callback);
        }

        private static String html(String text) {
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }
    }
}
