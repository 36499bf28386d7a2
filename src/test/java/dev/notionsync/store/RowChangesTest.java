package dev.notionsync.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The capture trigger of bound tables and the claims of notion_sync.row_changes on a real PostgreSQL: what an
 * application's writes record (and what the engine's own do not), and that rows are claimed once, in order, a key
 * change after the changes of the key it came from.
 */
class RowChangesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    Database database;
    RowChanges changes;

    @BeforeEach
    void open() throws Exception {
        database = Database.open(TestPostgres.shared().newEngineDatabase(UUID.randomUUID().toString().substring(0, 8)), "", "", 8, null, false);
        changes = new RowChanges(database.dataSource(), Duration.ofMinutes(5));
        sql("CREATE TYPE public.\"agent status\" AS ENUM ('active', 'paused')");
        sql("CREATE TABLE public.\"Agents\" (\"org id\" bigint, id text, name text NOT NULL, status public.\"agent status\","
                + " budget numeric(12,2), secret text, tags text[], PRIMARY KEY (\"org id\", id))");
        changes.installByName("public", "Agents", "agents", List.of("org id", "id"), List.of("name", "status", "budget", "tags"));
    }

    @AfterEach
    void close() {
        database.close();
    }

    void sql(String statement) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void anApplicationsWritesAreRecordedWithTheirKeyAndOnlyTheMappedColumns() throws Exception {
        sql("INSERT INTO public.\"Agents\" VALUES (1, 'a', 'Ada', 'active', 12.50, 'hunter2', ARRAY['x','y'])");
        sql("UPDATE public.\"Agents\" SET budget = 13.00, secret = 'changed' WHERE id = 'a'");
        sql("UPDATE public.\"Agents\" SET secret = 'only the excluded column' WHERE id = 'a'");
        sql("DELETE FROM public.\"Agents\" WHERE id = 'a'");
        List<List<RowChanges.Entry>> claimed = changes.claim("agents", "me", 10);
        assertEquals(1, claimed.size(), "one row");
        List<RowChanges.Entry> row = claimed.get(0);
        assertEquals(List.of("INSERT", "UPDATE", "DELETE"), row.stream().map(RowChanges.Entry::operation).toList(),
                "a change of an excluded column only is not recorded");
        assertEquals(json("{\"org id\": 1, \"id\": \"a\"}"), row.get(0).rowKey());
        assertEquals(Set.of("name", "status", "budget", "tags"), row.get(0).changed().keySet(), "an INSERT has every mapped column");
        assertEquals("12.50", row.get(0).changed().get("budget").decimalValue().toPlainString(), "exact decimals");
        assertEquals(Set.of("budget"), row.get(1).changed().keySet());
        assertEquals("12.50", row.get(1).previous().get("budget").decimalValue().toPlainString());
        assertEquals(Set.of("name", "status", "budget", "tags"), row.get(2).previous().keySet(), "a DELETE keeps the row's values");
        assertFalse(row.get(0).changed().containsKey("secret"));
    }

    @Test
    void theEnginesOwnWritesAreNotRecorded() throws Exception {
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute(PageWriter.ENGINE_TAG_SQL);
            // as Apply writes a row: through BoundRows, which names the row the engine's own (V19)
            BoundRows.insert(c, new BoundRows.Table("public", "Agents", List.of("org id", "id")),
                    new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("org id", 1).put("id", "e").put("name", "Engine"));
            BoundRows.update(c, new BoundRows.Table("public", "Agents", List.of("org id", "id")),
                    new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("org id", 1).put("id", "e"),
                    new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("name", "Engine, again"));
            c.commit();
        }
        sql("UPDATE public.\"Agents\" SET name = 'By the app' WHERE id = 'e'");
        List<List<RowChanges.Entry>> claimed = changes.claim("agents", "me", 10);
        assertEquals(1, claimed.size());
        assertEquals(List.of("UPDATE"), claimed.get(0).stream().map(RowChanges.Entry::operation).toList());
    }

    @Test
    void aKeyChangeIsClaimedAfterTheChangesOfTheKeyItCameFromAndANewRowUnderAnOldKeyAfterTheMove() throws Exception {
        sql("INSERT INTO public.\"Agents\" (\"org id\", id, name) VALUES (1, 'a', 'Ada')");
        sql("UPDATE public.\"Agents\" SET id = 'b' WHERE id = 'a'");
        sql("INSERT INTO public.\"Agents\" (\"org id\", id, name) VALUES (1, 'a', 'Another Ada')");
        List<List<RowChanges.Entry>> first = changes.claim("agents", "me", 10);
        assertEquals(1, first.size(), "only the INSERT of a: the move waits for it, the new a waits for the move");
        assertEquals("INSERT", first.get(0).get(0).operation());
        assertEquals(json("{\"org id\": 1, \"id\": \"a\"}"), first.get(0).get(0).rowKey());
        changes.finish(List.of(first.get(0).get(0).id()), "pushed", null);

        List<List<RowChanges.Entry>> second = changes.claim("agents", "me", 10);
        assertEquals(1, second.size());
        RowChanges.Entry move = second.get(0).get(0);
        assertTrue(move.movesKey());
        assertEquals(json("{\"org id\": 1, \"id\": \"b\"}"), move.rowKey());
        assertEquals(json("{\"org id\": 1, \"id\": \"a\"}"), move.oldRowKey());
        assertTrue(move.changed().isEmpty(), "only the key changed");
        changes.finish(List.of(move.id()), "pushed", null);

        List<List<RowChanges.Entry>> third = changes.claim("agents", "me", 10);
        assertEquals(1, third.size());
        assertEquals("Another Ada", third.get(0).get(0).changed().get("name").asText());
    }

    @Test
    void aRowDeletedAndInsertedAgainIsTwoClaims() throws Exception {
        sql("INSERT INTO public.\"Agents\" (\"org id\", id, name) VALUES (1, 'a', 'Ada')");
        sql("DELETE FROM public.\"Agents\" WHERE id = 'a'");
        sql("INSERT INTO public.\"Agents\" (\"org id\", id, name) VALUES (1, 'a', 'Ada again')");
        sql("UPDATE public.\"Agents\" SET status = 'paused' WHERE id = 'a'");
        List<List<RowChanges.Entry>> first = changes.claim("agents", "me", 10);
        assertEquals(List.of("INSERT", "DELETE"), first.get(0).stream().map(RowChanges.Entry::operation).toList());
        assertTrue(changes.claim("agents", "other", 10).isEmpty(), "the rest of the row waits: the row is held");
        changes.finish(first.get(0).stream().map(RowChanges.Entry::id).toList(), "ignored", null);
        List<List<RowChanges.Entry>> second = changes.claim("agents", "me", 10);
        assertEquals(List.of("INSERT", "UPDATE"), second.get(0).stream().map(RowChanges.Entry::operation).toList());
    }

    @Test
    void aRetryWaitsItsBackoffAndAWaitIsNoAttempt() throws Exception {
        sql("INSERT INTO public.\"Agents\" (\"org id\", id, name) VALUES (1, 'a', 'Ada')");
        List<Long> ids = changes.claim("agents", "me", 10).get(0).stream().map(RowChanges.Entry::id).toList();
        changes.retryLater(ids, Duration.ofMillis(700), "a related row has no page yet", false);
        assertTrue(changes.claim("agents", "me", 10).isEmpty());
        assertEquals(1, changes.backlog());
        Thread.sleep(900);
        List<List<RowChanges.Entry>> again = changes.claim("agents", "me", 10);
        assertEquals(0, again.get(0).get(0).attempts(), "waiting for a related page is not a failure");
        changes.retryLater(ids, Duration.ZERO, "503", true);
        assertEquals(1, changes.claim("agents", "me", 10).get(0).get(0).attempts());
    }

    @Test
    void pendingChangesOfARowAreSeenUnderItsKeyAndTheKeyItLeft() throws Exception {
        sql("INSERT INTO public.\"Agents\" (\"org id\", id, name) VALUES (1, 'a', 'Ada')");
        try (Connection c = database.dataSource().getConnection()) {
            assertTrue(RowChanges.pending(c, "agents", json("{\"org id\": 1, \"id\": \"a\"}")));
            assertFalse(RowChanges.pending(c, "agents", json("{\"org id\": 1, \"id\": \"b\"}")));
            sql("UPDATE public.\"Agents\" SET id = 'b' WHERE id = 'a'");
            assertTrue(RowChanges.pending(c, "agents", json("{\"org id\": 1, \"id\": \"b\"}")));
        }
    }

    @Test
    void instancesClaimingAtOnceNeverHoldTheSameRow() throws Exception {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            values.append(i == 0 ? "" : ", ").append("(").append(i % 7).append(", 'r").append(i).append("', 'Row ").append(i).append("')");
        }
        sql("INSERT INTO public.\"Agents\" (\"org id\", id, name) VALUES " + values);
        sql("UPDATE public.\"Agents\" SET budget = 1 WHERE id LIKE 'r1%'");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<List<List<RowChanges.Entry>>>> claims = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String owner = "instance-" + (i % 6);
                Callable<List<List<RowChanges.Entry>>> claim = () -> changes.claim("agents", owner, 13);
                claims.add(pool.submit(claim));
            }
            Set<Long> seen = new HashSet<>();
            Set<JsonNode> rows = new HashSet<>();
            for (Future<List<List<RowChanges.Entry>>> claim : claims) {
                for (List<RowChanges.Entry> row : claim.get()) {
                    assertTrue(rows.add(row.get(0).rowKey()), "a row is claimed once: " + row.get(0).rowKey());
                    for (RowChanges.Entry entry : row) {
                        assertTrue(seen.add(entry.id()));
                        assertEquals(row.get(0).rowKey(), entry.rowKey());
                    }
                }
            }
            assertEquals(300, rows.size());
            assertEquals(300 + 111, seen.size(), "every change claimed, all of a row together");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theTriggerIsReinstalledOnlyWhenItsColumnsChangeAndQuotesEveryName() throws Exception {
        assertFalse(changes.installByName("public", "Agents", "agents", List.of("org id", "id"), List.of("name", "status", "budget", "tags")));
        assertTrue(changes.installByName("public", "Agents", "agents", List.of("org id", "id"), List.of("name", "budget", "secret")));
        sql("UPDATE public.\"Agents\" SET secret = 's'");   // no rows yet: nothing recorded, but the statement runs
        sql("INSERT INTO public.\"Agents\" (\"org id\", id, name, secret, status) VALUES (2, 'it''s', 'Quote', 's', 'active')");
        RowChanges.Entry entry = changes.claim("agents", "me", 10).get(0).get(0);
        assertEquals(Set.of("name", "budget", "secret"), entry.changed().keySet());
        assertEquals("it's", entry.rowKey().path("id").asText());
        changes.uninstall("public", "Agents");
        sql("INSERT INTO public.\"Agents\" (\"org id\", id, name) VALUES (3, 'x', 'Not captured')");
        assertNull(changes.claim("agents", "me", 10).stream().filter(r -> r.get(0).rowKey().path("id").asText().equals("x")).findFirst()
                .orElse(null));
    }
}
