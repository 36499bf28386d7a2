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
 * free ports, its own mirror schema, and its own database on the tests' PostgreSQL server ({@link TestPostgres}).
 */
public final class TestEngine {

    public static final String TOKEN = "secret_test_token";

    private TestEngine() {
    }

    /** Settings syncing the named seeded sources (all when none are named) into tables named like them. */
    public static Map<String, String> settingsFor(NotionSimulator simulator, Path tempDir, String poll, String... only) {
        java.util.List<SeededSource> chosen = simulator.workspace().sources().stream()
                .filter(s -> only.length == 0 || java.util.Arrays.asList(only).contains(s.name())).toList();
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
        values.put("notion.reports.folder", tempDir.resolve("reports").toString());
        values.put("notion.db.embedded-durable", "false");   // fsync off: a test's database need not survive a power loss
        values.put("notion.db.url", TestPostgres.shared().newEngineDatabase(suffix));
        values.put("notion.sources", chosen.stream().map(s -> s.name() + suffix).collect(Collectors.joining(",")));
        for (SeededSource source : chosen) {
            values.put("notion.source." + source.name() + suffix + ".id", source.dataSourceId());
            values.put("notion.source." + source.name() + suffix + ".table", source.name());
            values.put("notion.source." + source.name() + suffix + ".poll", poll);
        }
        return values;
    }

    /** The configured source name of a seeded source ("projects" -> "projects1a2b3c4d"). */
    public static String sourceName(Map<String, String> settings, String seeded) {
        return java.util.Arrays.stream(settings.get("notion.sources").split(",")).filter(s -> s.startsWith(seeded)).findFirst().orElseThrow();
    }

    /** POSTs JSON to the simulator's control API. */
    public static String simControl(NotionSimulator simulator, String path, String json) {
        try {
            java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(simulator.baseUrl() + "/__sim/" + path))
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("simulator control " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String httpGet(String url) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Settings settings(Map<String, String> values) {
        return Settings.load(Path.of("application.properties")).with(values);
    }

    /**
     * A port nobody listens on, chosen below the kernel's ephemeral range (32768 and up on Linux): a port from
     * {@code new ServerSocket(0)} can be taken by any outgoing connection (JDBC, the HTTP client) before the engine
     * binds it, which made the engine's own port check fail tests at random.
     */
    public static int freePort() {
        for (int attempt = 0; attempt < 2000; attempt++) {
            int port = 20000 + Math.floorMod(NEXT_PORT.getAndIncrement(), 12000);
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new java.net.InetSocketAddress("0.0.0.0", port));
                return port;
            } catch (IOException busy) {
                // taken by another process: try the next one
            }
        }
        throw new IllegalStateException("no free port between 20000 and 32000");
    }

    private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT = new java.util.concurrent.atomic.AtomicInteger(firstPort());

    /** Surefire's test JVMs run side by side: each starts in a block of its own, 1,500 ports apart; else by process id. */
    private static int firstPort() {
        String fork = System.getProperty("notion.test.fork", "");
        return fork.matches("\\d+") ? (Integer.parseInt(fork) - 1) * 1500 : (int) (ProcessHandle.current().pid() * 97 % 12000);
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

    /** The name of a page's title property. */
    public static String titleName(com.fasterxml.jackson.databind.JsonNode page) {
        for (var it = page.path("properties").fields(); it.hasNext(); ) {
            var property = it.next();
            if (property.getValue().path("type").asText().equals("title")) {
                return property.getKey();
            }
        }
        throw new AssertionError("page has no title property");
    }

    /** An edit of a page's title, in Notion's request shape. */
    public static com.fasterxml.jackson.databind.node.ObjectNode titleEdit(com.fasterxml.jackson.databind.JsonNode page, String text) {
        var edit = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        edit.putObject(titleName(page)).putArray("title").addObject().putObject("text").put("content", text);
        return edit;
    }

    /** Calls the simulator's Notion API as an integration would; fails the test on a non-200 answer. */
    public static com.fasterxml.jackson.databind.JsonNode notion(NotionSimulator simulator, String method, String path, String body) {
        try {
            java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(simulator.baseUrl() + path))
                            .header("Authorization", "Bearer " + TOKEN).header("Notion-Version", "2026-03-11")
                            .header("Content-Type", "application/json").method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs one SQL statement on the engine's database. */
    public static void execute(NotionSync sync, String sql) throws SQLException {
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The id of a seeded source's page, by its place among the source's page ids in order. */
    public static String seededPageId(NotionSimulator simulator, String source, int index) {
        return simulator.model().pages(simulator.workspace().source(source).dataSourceId()).stream()
                .map(page -> page.path("id").asText()).sorted().toList().get(index);
    }

    public static String queryString(NotionSync sync, String sql) {
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
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

    /** Requests the simulator answered for an endpoint pattern ("GET /v1/pages/{id}/markdown"), all statuses (its /__sim/stats). */
    public static long simRequests(NotionSimulator simulator, String endpoint) {
        try {
            com.fasterxml.jackson.databind.JsonNode stats = new com.fasterxml.jackson.databind.ObjectMapper().readTree(java.net.http.HttpClient
                    .newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(simulator.baseUrl() + "/__sim/stats")).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString()).body());
            long n = 0;
            for (com.fasterxml.jackson.databind.JsonNode count : stats.path("by_endpoint").path(endpoint)) {
                n += count.asLong();
            }
            return n;
        } catch (Exception e) {
            throw new IllegalStateException("the simulator's stats: " + e.getMessage(), e);
        }
    }
}
