package dev.notionsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A port the engine needs and cannot have stops the start with one line and exit 2, for run and demo alike. */
class PortsTest {

    /** Runs the command line with these settings as -D properties; returns exit code and stderr. */
    private static Map.Entry<Integer, String> runWith(Map<String, String> properties, String... args) {
        properties.forEach(System::setProperty);
        try {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = App.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return Map.entry(exit, err.toString(StandardCharsets.UTF_8));
        } finally {
            properties.keySet().forEach(System::clearProperty);
        }
    }

    private static Map<String, String> settings(int serverPort, int managementPort) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("camel.server.port", String.valueOf(serverPort));
        properties.put("camel.management.port", String.valueOf(managementPort));
        properties.put("notion.api.token", "secret_ports_test");
        properties.put("notion.sources", "ports");
        properties.put("notion.source.ports.id", "0c6d0c7e-7a8e-4b43-9d63-5b7d3a1e2f01");
        properties.put("notion.demo.simulator-port", "0");
        // nothing listens there: should the port check not come first, the start fails on the database instead
        properties.put("notion.db.url", "jdbc:postgresql://127.0.0.1:1/none?user=none&connectTimeout=2");
        return properties;
    }

    @Test
    void aBusyWebhookPortStopsRunAndDemo() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            int port = busy.getLocalPort();
            for (String command : new String[] {"run", "demo"}) {
                Map.Entry<Integer, String> result = runWith(settings(port, TestEngine.freePort()), command);
                assertEquals(2, result.getKey(), command + ": " + result.getValue());
                assertTrue(result.getValue().contains("port " + port + " (camel.server.port) is in use"), command + ": " + result.getValue());
                assertEquals(1, result.getValue().strip().lines().count(), "one line: " + result.getValue());
            }
        }
    }

    @Test
    void aBusyManagementPortStopsRun() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = busy.getLocalPort();
            Map.Entry<Integer, String> result = runWith(settings(TestEngine.freePort(), port), "run");
            assertEquals(2, result.getKey(), result.getValue());
            assertTrue(result.getValue().contains("port " + port + " (camel.management.port) is in use"), result.getValue());
            assertTrue(result.getValue().contains("CAMEL_MANAGEMENT_PORT"), "says what to do: " + result.getValue());
        }
    }

    /** Taken between the check and Camel's bind (the database starts in between): the start fails all the same. */
    @Test
    void aPortTakenWhileTheEngineStartsStopsTheStart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tempDir) throws Exception {
        try (dev.notionsync.sim.NotionSimulator simulator = dev.notionsync.sim.NotionSimulator.start(
                dev.notionsync.sim.SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "projects");
            int port = Integer.parseInt(values.get("camel.server.port"));
            NotionSync sync = NotionSync.create(TestEngine.settings(values));
            try (ServerSocket busy = new ServerSocket()) {
                busy.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port));
                dev.notionsync.config.SettingsException refused = org.junit.jupiter.api.Assertions.assertThrows(
                        dev.notionsync.config.SettingsException.class, sync::start);
                assertTrue(refused.getMessage().startsWith("port " + port + " (camel.server.port) is in use"), refused.getMessage());
            } finally {
                sync.close();
            }
        }
    }
}
