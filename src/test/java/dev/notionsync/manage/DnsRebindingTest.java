package dev.notionsync.manage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without a management password the operator endpoints admit this machine only. A DNS-rebinding page at
 * http://127.attacker.example:9876 (a name the attacker owns, re-pointed to 127.0.0.1) is same-origin with itself, so
 * the operator's browser would send its requests and let the page read the answers: its Host must not pass for this
 * machine just because it starts with "127.".
 */
class DnsRebindingTest {

    @TempDir
    Path tempDir;

    @Test
    void aHostNameThatMerelyStartsWith127IsNotThisMachine() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(3))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
            values.put("notion.management.password", "");
            int port = Integer.parseInt(values.get("camel.management.port"));
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                assertEquals(200, status(port, "127.0.0.1:" + port), "this machine by its address gets in");
                assertEquals(403, status(port, "evil.example:" + port), "a foreign host name is refused");
                assertEquals(403, status(port, "127.attacker.example:" + port), "a foreign host name that starts with 127. is refused too");
            }
        }
    }

    /** GET /observe/status over a raw socket (java.net.http will not send another Host), as the rebinding browser does. */
    private static int status(int port, String host) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /observe/status HTTP/1.1\r\nHost: " + host + "\r\nOrigin: http://" + host
                    + "\r\nSec-Fetch-Site: same-origin\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }
}
