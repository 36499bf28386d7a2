package dev.notionsync;

import dev.notionsync.config.Settings;
import dev.notionsync.config.SettingsException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.impl.TCPServerBase;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;

/**
 * The ports the engine listens on: webhooks (camel.server.port) and management (camel.management.port). Camel only
 * logs a port it cannot bind and runs on deaf, so each port is tried before the start, and checked again once Camel
 * has started (another process may have taken it meanwhile). Either way the start fails with one line.
 */
final class RequiredPorts {

    private record Port(String setting, String hostSetting, String host, int port) {
    }

    private RequiredPorts() {
    }

    private static List<Port> of(Settings settings) {
        List<Port> ports = new ArrayList<>();
        if (!settings.declared("camel.server.enabled").equals("false")) {
            ports.add(new Port("camel.server.port", "camel.server.host", settings.declared("camel.server.host"),
                    settings.getInt("camel.server.port")));
        }
        if (!settings.declared("camel.management.enabled").equals("false")) {
            ports.add(new Port("camel.management.port", "camel.management.host", settings.declared("camel.management.host"),
                    settings.getInt("camel.management.port")));
        }
        return ports;
    }

    /** Fails when a port cannot be bound now. */
    static void checkFree(Settings settings) {
        for (Port port : of(settings)) {
            if (port.port() == 0) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(port.host().isBlank() ? "0.0.0.0" : port.host(), port.port()));
            } catch (IOException | RuntimeException e) {
                throw new SettingsException(problem(port, String.valueOf(e.getMessage())));
            }
        }
    }

    /** Why a port is not listening now that Camel has started, or null when every one is. */
    static String notListening(CamelContext context, Settings settings) {
        List<Port> ports = of(settings);
        for (VertxPlatformHttpServer server : context.hasServices(VertxPlatformHttpServer.class)) {
            if (!listening(server.getServer())) {
                Port port = ports.stream().filter(p -> p.port() == server.getConfigurationPort()).findFirst()
                        .orElse(new Port("camel.server.port", "camel.server.host", server.getHost(), server.getConfigurationPort()));
                return problem(port, "nothing listens there after the start; see the log above");
            }
        }
        return null;
    }

    /**
     * Vert.x's HttpServer interface cannot tell (actualPort() is the requested port even after a failed bind); its
     * implementation class can, and clears the flag when the bind fails.
     */
    private static boolean listening(HttpServer server) {
        return server != null && (!(server instanceof TCPServerBase tcp) || tcp.isListening());
    }

    private static String problem(Port port, String reason) {
        String fix = "set " + Settings.environmentName(port.setting()) + " to a free port";
        if (reason.contains("in use") || reason.startsWith("nothing listens")) {
            return "port " + port.port() + " (" + port.setting() + ") is in use: " + reason + "; " + fix;
        }
        return "cannot listen on " + port.host() + ":" + port.port() + " (" + port.hostSetting() + ", " + port.setting() + "): "
                + reason + "; " + fix + ", or " + Settings.environmentName(port.hostSetting()) + " to an address of this machine";
    }
}
