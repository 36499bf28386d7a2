package dev.notionsync.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
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

    /** The demo starts from scratch: what an earlier embedded PostgreSQL held is gone. */
    @Test
    void emptyingAnEmbeddedDataDirectoryStartsItFresh() throws Exception {
        try (Database earlier = Database.open("", "", "", 2, dir, false);
             Connection c = earlier.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE public.from_the_earlier_demo (id int)");
        }
        Database.emptyEmbedded(dir);
        try (Database fresh = Database.open("", "", "", 2, dir, false);
             Connection c = fresh.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 'from_the_earlier_demo'")) {
            rs.next();
            assertEquals(0, rs.getInt(1));
        }
    }

    @Test
    void emptyingRefusesTheDirectoryOfARunningInstance() throws Exception {
        try (Database running = Database.open("", "", "", 2, dir, false)) {
            DatabaseUnavailableException e = assertThrows(DatabaseUnavailableException.class, () -> Database.emptyEmbedded(dir));
            assertTrue(e.getMessage().contains("running now"), e.getMessage());
            try (Connection c = running.dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
        }
    }

    /** A mistyped setting must not delete someone's folder, nor a PostgreSQL server's own data directory. */
    @Test
    void emptyingRefusesAFolderThatIsNotAnEmbeddedPostgres() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "mine");
        Files.writeString(dir.resolve("PG_VERSION"), "17");   // a server's data directory: no embedded lock file
        DatabaseUnavailableException e = assertThrows(DatabaseUnavailableException.class, () -> Database.emptyEmbedded(dir));
        assertTrue(e.getMessage().contains("not the data directory of an embedded PostgreSQL"), e.getMessage());
        assertEquals("mine", Files.readString(dir.resolve("notes.txt")));
    }
}
