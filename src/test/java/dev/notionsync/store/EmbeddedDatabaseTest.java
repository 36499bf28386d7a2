package dev.notionsync.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded PostgreSQL's data directory is one instance's: a second start must not take it away. */
class EmbeddedDatabaseTest {

    @TempDir
    Path dir;

    @Test
    void aSecondStartOnADirectoryInUseFailsClearlyAndLeavesTheRunningOneAlone() throws Exception {
        try (Database running = Database.open("", "", "", 2, dir, false)) {
            DatabaseUnavailableException e = assertThrows(DatabaseUnavailableException.class, () -> Database.open("", "", "", 2, dir, false));
            assertTrue(e.getMessage().contains("belongs to a notion-sync that is running now"), e.getMessage());
            try (Connection c = running.dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "the running instance's PostgreSQL still answers");
            }
        }
    }
}
