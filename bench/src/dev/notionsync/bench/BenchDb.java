package dev.notionsync.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The PostgreSQL server the engines under test write to. It belongs to the driver, not to an engine, so that an
 * engine killed with -9 leaves it running (as a production database would be) and a drill can restart it under a
 * running engine. Embedded (zonky, real binaries) by default; BENCH_DB_URL points at another server instead
 * (jdbc:postgresql://host:port/db?user=...), on which each scenario gets a fresh database.
 */
final class BenchDb implements AutoCloseable {

    private final Path dataDir;
    private final String externalUrl;
    private EmbeddedPostgres embedded;
    private int port;

    private BenchDb(Path dataDir, String externalUrl) {
        this.dataDir = dataDir;
        this.externalUrl = externalUrl;
    }

    static BenchDb start(Path workDir) throws IOException {
        String url = System.getenv("BENCH_DB_URL");
        if (url != null && !url.isBlank()) {
            return new BenchDb(null, url);
        }
        Path dir = workDir.resolve("postgres");
        deleteTree(dir);
        Files.createDirectories(dir);
        BenchDb db = new BenchDb(dir, null);
        db.port = Ports.free();
        db.startEmbedded();
        return db;
    }

    /** A server of someone else's (the cluster drill's shared PostgreSQL), on which each scenario gets a fresh database. */
    static BenchDb external(String url) {
        return new BenchDb(null, url);
    }

    boolean isEmbedded() {
        return externalUrl == null;
    }

    String describe() {
        return isEmbedded() ? "embedded PostgreSQL (zonky " + serverVersion() + ")" : "external PostgreSQL " + serverVersion() + " (BENCH_DB_URL)";
    }

    private String serverVersion() {
        try (Connection c = DriverManager.getConnection(adminUrl()); Statement st = c.createStatement();
             var rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "?";
        }
    }

    /** A fresh, empty database for one scenario; returns its JDBC URL (user in the URL, no password). */
    String createDatabase(String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl()); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + name);
        }
        return urlFor(name);
    }

    void dropDatabase(String name) {
        try (Connection c = DriverManager.getConnection(adminUrl()); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("[bench] could not drop database " + name + ": " + e.getMessage());
        }
    }

    /** Stops the embedded server (a fast shutdown: clients are cut off) and starts it again on the same port. */
    void restart(long downMillis) throws IOException, InterruptedException {
        if (!isEmbedded()) {
            throw new IllegalStateException("the PostgreSQL restart drill needs the embedded server (unset BENCH_DB_URL)");
        }
        embedded.close();
        Thread.sleep(downMillis);
        startEmbedded();
    }

    private void startEmbedded() throws IOException {
        embedded = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setServerConfig("max_connections", "200")
                .start();
    }

    private String adminUrl() {
        return isEmbedded() ? "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres" : externalUrl;
    }

    private String urlFor(String name) {
        return adminUrl().replaceFirst("^(jdbc:postgresql://[^/]+/)[^?]*", "$1" + name);
    }

    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                System.err.println("[bench] embedded PostgreSQL did not stop cleanly: " + e.getMessage());
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
