package dev.notionsync;

import dev.notionsync.config.Settings;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Builds the settings a test engine runs with: the project's application.properties, pointed at a simulator, with
 * free ports, its own mirror schema, and either an embedded PostgreSQL in a temp folder or, when
 * NOTION_SYNC_TEST_DB_URL is set, that server.
 */
public final class TestEngine {

    public static final String TOKEN = "secret_test_token";

    private TestEngine() {
    }

    public static Map<String, String> settingsFor(NotionSimulator simulator, Path tempDir, String poll) {
        Map<String, String> values = new LinkedHashMap<>();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        values.put("notion.home", Path.of("").toAbsolutePath().toString());
        values.put("notion.api.base-url", simulator.baseUrl());
        values.put("notion.api.token", TOKEN);
        values.put("notion.api.rate", "50");
        values.put("notion.sync.lag", "0s");
        values.put("camel.server.port", String.valueOf(freePort()));
        values.put("camel.management.port", String.valueOf(freePort()));
        values.put("camel.main.jmx-enabled", "false");
        values.put("notion.db.schema", "notion_test_" + suffix);
        values.put("notion.db.embedded-dir", tempDir.resolve("postgres").toString());
        values.put("notion.db.url", System.getenv().getOrDefault("NOTION_SYNC_TEST_DB_URL", ""));
        values.put("notion.sources", simulator.workspace().sources().stream()
                .map(s -> s.name() + suffix).collect(Collectors.joining(",")));
        for (SeededSource source : simulator.workspace().sources()) {
            values.put("notion.source." + source.name() + suffix + ".id", source.dataSourceId());
            values.put("notion.source." + source.name() + suffix + ".table", source.name());
            values.put("notion.source." + source.name() + suffix + ".poll", poll);
        }
        return values;
    }

    public static Settings settings(Map<String, String> values) {
        return Settings.load(Path.of("application.properties")).with(values);
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
    }

    public static long count(NotionSync sync, String sql) {
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;   // the table may not exist yet
        }
    }
}
