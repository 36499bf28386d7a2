package dev.notionsync.mapping;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A real PostgreSQL for a test class: the one at NOTION_SYNC_TEST_DB_URL when set, else an embedded one.
 * Each instance works in its own fresh schema, dropped on close, so it never touches anyone else's tables.
 */
final class TestDatabase implements AutoCloseable {

    private final EmbeddedPostgres embedded;
    private final Connection connection;
    private final String schema;

    private TestDatabase(EmbeddedPostgres embedded, Connection connection) throws SQLException {
        this.embedded = embedded;
        this.connection = connection;
        this.schema = "mapping_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + ColumnNames.quote(schema));
            statement.execute("SET search_path TO " + ColumnNames.quote(schema));
        }
    }

    static TestDatabase start() throws IOException, SQLException {
        String url = System.getenv("NOTION_SYNC_TEST_DB_URL");
        if (url != null && !url.isBlank()) {
            return new TestDatabase(null, DriverManager.getConnection(url));
        }
        EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
        return new TestDatabase(postgres, postgres.getPostgresDatabase().getConnection());
    }

    Connection connection() {
        return connection;
    }

    @Override
    public void close() throws Exception {
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA " + ColumnNames.quote(schema) + " CASCADE");
        } finally {
            connection.close();
            if (embedded != null) {
                embedded.close();
            }
        }
    }
}
