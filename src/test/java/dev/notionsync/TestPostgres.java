package dev.notionsync;

import dev.notionsync.store.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The PostgreSQL server of a test JVM: the one at NOTION_SYNC_TEST_DB_URL when it is set, else one embedded server
 * started on first use and shared by every test class of the JVM (starting one per engine cost seconds each).
 * Tests never share a database: each engine gets a fresh one ({@link #newEngineDatabase}), each plain JDBC test a fresh
 * schema ({@link TestSchema}).
 */
public final class TestPostgres {

    /** The environment variable naming an external server for the tests. */
    public static final String EXTERNAL_URL = "NOTION_SYNC_TEST_DB_URL";

    private static TestPostgres shared;

    /** A JDBC URL of the server's maintenance database ("postgres"), with the user in it. */
    private final String url;

    private String migratedTemplate;

    private TestPostgres(String url) {
        this.url = url;
    }

    /** The server of this JVM, started on the first call when it is the embedded one. */
    public static synchronized TestPostgres shared() {
        if (shared == null) {
            String external = System.getenv(EXTERNAL_URL);
            shared = new TestPostgres(external == null || external.isBlank() ? startEmbedded() : external);
        }
        return shared;
    }

    public static boolean isExternal() {
        String external = System.getenv(EXTERNAL_URL);
        return external != null && !external.isBlank();
    }

    private static String startEmbedded() {
        try {
            // the library's test defaults (fsync off, its own temp folder, stopped by its shutdown hook)
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            return postgres.getJdbcUrl("postgres", "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the tests' embedded PostgreSQL", e);
        }
    }

    /** A new, empty database on this server, named after {@code suffix}; returns its JDBC URL. */
    public String newDatabase(String suffix) {
        return create("notion_sync_test_" + suffix, "template1");
    }

    /** A new database with a random name. */
    public String newDatabase() {
        return newDatabase(UUID.randomUUID().toString().substring(0, 8));
    }

    /**
     * A new database for an engine, named after {@code suffix}, with the engine's migrations already applied: a copy
     * of a template this JVM migrated once, through the engine's own {@link Database#open}. The engine's open still
     * runs Flyway, which finds nothing to do; migrating every engine's database from scratch cost about a second each.
     */
    public synchronized String newEngineDatabase(String suffix) {
        if (migratedTemplate == null) {
            String name = "notion_sync_template_" + UUID.randomUUID().toString().substring(0, 8);
            Database.open(create(name, "template1"), "", "", 2, null, false).close();
            migratedTemplate = name;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> drop(name), "drop-test-template"));
        }
        return create("notion_sync_test_" + suffix, migratedTemplate);
    }

    private String create(String name, String template) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name + " TEMPLATE " + template);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test database on " + where() + ": " + e.getMessage(), e);
        }
        return url.replaceFirst("^(jdbc:postgresql://[^/]+/)[^?]*", "$1" + name);
    }

    /** Best effort at exit: on an external server the template would stay behind (the embedded one goes anyway). */
    private void drop(String name) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name);
        } catch (SQLException e) {
            // the server is gone already (embedded) or busy: nothing to clean up, or nothing we can do
        }
    }

    /** A connection to the server's maintenance database. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url);
    }

    private static String where() {
        return isExternal() ? EXTERNAL_URL : "the embedded PostgreSQL";
    }
}
