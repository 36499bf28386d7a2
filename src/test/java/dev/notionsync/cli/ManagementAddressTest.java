package dev.notionsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.notionsync.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The operator commands reach the instance where camel.management.host says it listens, not only the loopback. */
class ManagementAddressTest {

    @Test
    void statusReachesTheInstanceAtItsManagementHost() throws Exception {
        // 127.0.0.2 is this machine too, but nothing of the instance answers on 127.0.0.1: only the declared host works.
        HttpServer instance = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0);
        instance.createContext("/", exchange -> {
            byte[] body = (exchange.getRequestURI().getPath().endsWith("webhook-token") ? "{}" : "[]").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        instance.start();
        try {
            int port = instance.getAddress().getPort();
            Settings settings = Settings.load(Path.of("application.properties"), name -> null)
                    .with(Map.of("camel.management.host", "127.0.0.2", "camel.management.port", String.valueOf(port)));
            ManagementAddress address = ManagementAddress.of(settings);
            assertEquals("127.0.0.2:" + port, address.toString());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(0, StatusCommand.run(new String[0], address, Optional.empty(), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8)), err.toString(StandardCharsets.UTF_8));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("no pulled sources configured"), out.toString(StandardCharsets.UTF_8));
        } finally {
            instance.stop(0);
        }
    }

    @Test
    void aWildcardHostIsReachedOnThisMachine() {
        Settings settings = Settings.load(Path.of("application.properties"), name -> null);
        for (String wildcard : new String[] {"0.0.0.0", "::", ""}) {
            assertEquals("127.0.0.1", ManagementAddress.of(settings.with(Map.of("camel.management.host", wildcard))).host(), wildcard);
        }
        assertEquals("http://[::1]:9876/observe/jolokia", new ManagementAddress("::1", 9876).url("/observe/jolokia"));
    }
}
