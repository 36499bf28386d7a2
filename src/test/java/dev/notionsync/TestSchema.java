package dev.notionsync;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh schema on the tests' PostgreSQL ({@link TestPostgres}) for tests that use JDBC without an engine; the
 * connection's search_path points at it, and closing drops it, so it never touches anyone else's tables.
 */
public final class TestSchema implements AutoCloseable {

    private final Connection connection;
    private final String name;

    private TestSchema(Connection connection) throws SQLException {
        this.connection = connection;
        this.name = "test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + name);
            statement.execute("SET search_path TO " + name);
        }
    }

    public static TestSchema create() throws SQLException {
        return new TestSchema(TestPostgres.shared().connect());
    }

    public Connection connection() {
        return connection;
    }

    public String name() {
        return name;
    }

    @Override
    public void close() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA " + name + " CASCADE");
        } finally {
            connection.close();
        }
    }
}
