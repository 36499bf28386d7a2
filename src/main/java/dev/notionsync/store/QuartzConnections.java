package dev.notionsync.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.quartz.utils.ConnectionProvider;

/** Quartz's clustered job store on the engine's pool; the engine closes the pool, not Quartz. */
public record QuartzConnections(DataSource dataSource) implements ConnectionProvider {

    @Override
    public Connection getConnection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void shutdown() {
    }

    @Override
    public void initialize() {
    }
}
