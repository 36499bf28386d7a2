package dev.notionsync.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** One-line queries of the bench's database; -1 while a table does not exist yet or the server is down. */
final class Sql {
    private Sql() {
    }

    static long count(String dbUrl, String sql) {
        try (Connection c = DriverManager.getConnection(dbUrl); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (SQLException e) {
            return -1;
        }
    }

    static double number(String dbUrl, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(dbUrl); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    static void execute(String dbUrl, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(dbUrl); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static void await(String what, long timeoutMillis, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("timed out after " + timeoutMillis / 1000 + " s waiting for " + what);
    }
}
