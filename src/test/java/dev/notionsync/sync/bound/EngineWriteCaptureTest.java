package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.TestPostgres;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.Database;
import dev.notionsync.store.RowChanges;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the capture trigger records of an engine write (V19), on a real PostgreSQL: never the row the engine's statement
 * writes (what came from Notion does not echo back), but every row PostgreSQL changes because of it, in bound tables:
 * a foreign key's ON DELETE CASCADE (to another table, or within the table), ON DELETE SET NULL, ON UPDATE CASCADE,
 * and what an application's trigger writes. Those are the application's changes, which the push sends to Notion.
 */
class EngineWriteCaptureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static Database database;
    static BoundRows rows;
    static final BoundRows.Table TEAMS = new BoundRows.Table("public", "teams", List.of("id"));

    @BeforeAll
    static void open() throws Exception {
        database = Database.open(TestPostgres.shared().newEngineDatabase(UUID.randomUUID().toString().substring(0, 8)), "", "", 4, null, false);
        rows = new BoundRows(database.dataSource());
        RowChanges changes = new RowChanges(database.dataSource(), Duration.ofMinutes(5));
        sql("CREATE TABLE public.teams (id int PRIMARY KEY, code text UNIQUE, name text)");
        sql("CREATE TABLE public.members (id int PRIMARY KEY, name text,"
                + " team_id int REFERENCES public.teams ON DELETE CASCADE,"
                + " backup_team_id int REFERENCES public.teams ON DELETE SET NULL,"
                + " team_code text REFERENCES public.teams (code) ON UPDATE CASCADE,"
                + " mentor_id int REFERENCES public.members ON DELETE CASCADE)");
        sql("CREATE TABLE public.events (id serial PRIMARY KEY, what text)");
        // the application's own trigger: a renamed team is an event
        sql("CREATE FUNCTION public.team_renamed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " INSERT INTO public.events (what) VALUES ('renamed ' || NEW.name); RETURN NULL; END $$");
        sql("CREATE TRIGGER team_renamed AFTER UPDATE OF name ON public.teams FOR EACH ROW EXECUTE FUNCTION public.team_renamed()");
        changes.installByName("public", "teams", "teams", List.of("id"), List.of("code", "name"));
        changes.installByName("public", "members", "members", List.of("id"), List.of("name", "team_id", "backup_team_id", "team_code", "mentor_id"));
        changes.installByName("public", "events", "events", List.of("id"), List.of("what"));
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @Test
    void anEngineDeleteIsNotRecordedButWhatItsForeignKeysDoIs() throws Exception {
        sql("INSERT INTO public.teams VALUES (1, 'a', 'A'), (2, 'b', 'B')");
        sql("INSERT INTO public.members VALUES (10, 'Ada', 1, NULL, NULL, NULL), (11, 'Bob', 2, 1, NULL, NULL), (12, 'Cy', 2, NULL, NULL, 10)");
        long after = lastChange();
        rows.inEngineTransaction(c -> BoundRows.delete(c, TEAMS, key(1)));   // a page trashed, on-trash = delete
        assertEquals(List.of(
                "members {\"id\": 10} DELETE {}",                                // ON DELETE CASCADE
                "members {\"id\": 11} UPDATE {\"backup_team_id\": null}",        // ON DELETE SET NULL
                "members {\"id\": 12} DELETE {}"), changesSince(after));         // ON DELETE CASCADE within the table
    }

    @Test
    void anEngineUpdateIsNotRecordedButWhatItsForeignKeysAndTriggersDoAre() throws Exception {
        sql("INSERT INTO public.teams VALUES (3, 'c', 'C')");
        sql("INSERT INTO public.members VALUES (13, 'Dee', NULL, NULL, 'c', NULL)");
        long after = lastChange();
        ObjectNode set = JSON.createObjectNode().put("code", "c2").put("name", "C2");
        rows.inEngineTransaction(c -> BoundRows.update(c, TEAMS, key(3), set));   // an edit in Notion
        assertEquals(List.of(
                "events {\"id\": 1} INSERT {\"what\": \"renamed C2\"}",          // the application's trigger
                "members {\"id\": 13} UPDATE {\"team_code\": \"c2\"}"), changesSince(after));   // ON UPDATE CASCADE
    }

    @Test
    void anEngineInsertIsNotRecorded() throws Exception {
        long after = lastChange();
        ObjectNode values = JSON.createObjectNode().put("id", 4).put("code", "d").put("name", "D");
        rows.inEngineTransaction(c -> BoundRows.insert(c, TEAMS, values));   // a new page
        assertEquals(List.of(), changesSince(after));
        sql("UPDATE public.teams SET code = 'd2' WHERE id = 4");   // the application's own write, as ever
        assertEquals(List.of("teams {\"id\": 4} UPDATE {\"code\": \"d2\"}"), changesSince(after));
    }

    private static ObjectNode key(int id) {
        return JSON.createObjectNode().put("id", id);
    }

    private static long lastChange() throws SQLException {
        List<String> last = query("SELECT coalesce(max(id), 0)::text FROM notion_sync.row_changes");
        return Long.parseLong(last.get(0));
    }

    /** "source key operation changed" of each change recorded since {@code after}, in order. */
    private static List<String> changesSince(long after) throws SQLException {
        return query("SELECT source || ' ' || row_key::text || ' ' || operation || ' ' || changed::text FROM notion_sync.row_changes"
                + " WHERE id > " + after + " ORDER BY source, row_key::text, id");
    }

    private static List<String> query(String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }
}
