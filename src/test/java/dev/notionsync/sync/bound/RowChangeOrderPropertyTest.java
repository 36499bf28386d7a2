package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.TestPostgres;
import dev.notionsync.store.Database;
import dev.notionsync.store.RowChanges;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever an application does to its rows (inserts, updates, deletes, key changes, a key used again), the row changes
 * claimed and coalesced per row, pushed in claim order, leave Notion as the table is: one page per row, under its
 * current key, with its current values; every change claimed exactly once. Here "Notion" is a map of pages the
 * coalesced operations act on exactly as the bound push does (create, update moving the link, trash, nothing).
 */
class RowChangeOrderPropertyTest {

    static Database database;
    static RowChanges changes;

    @BeforeContainer
    static void open() throws Exception {
        database = Database.open(TestPostgres.shared().newEngineDatabase(UUID.randomUUID().toString().substring(0, 8)), "", "", 4, null, false);
        changes = new RowChanges(database.dataSource(), Duration.ofMinutes(5));
        sql("CREATE TABLE public.items (id int PRIMARY KEY, v int)");
        changes.installByName("public", "items", "items", List.of("id"), List.of("v"));
    }

    @AfterContainer
    static void close() {
        database.close();
    }

    static void sql(String statement) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    /** An application's write: 0 insert, 1 update, 2 delete, 3 key change; on key a, value or target key b. */
    record Write(int kind, int a, int b) {
    }

    @Provide
    Arbitrary<List<Write>> writes() {
        Arbitrary<Write> write = net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(1, 4),
                Arbitraries.integers().between(1, 4)).as(Write::new);
        return write.list().ofMinSize(1).ofMaxSize(25);
    }

    /** Whether each push attempt, in turn, fails transiently (its changes wait their backoff while later ones go). */
    @Provide
    Arbitrary<List<Boolean>> failures() {
        return Arbitraries.of(true, false, false).list().ofMinSize(1).ofMaxSize(30);
    }

    @Property(tries = 80)
    void claimedInOrderTheChangesLeaveNotionAsTheTableIs(@ForAll("writes") List<Write> writes, @ForAll boolean pushBetween,
                                                         @ForAll("failures") List<Boolean> failures) throws Exception {
        sql("DELETE FROM public.items");
        sql("DELETE FROM notion_sync.row_changes");
        Map<Integer, Integer> notionPageOfKey = new HashMap<>();
        Map<Integer, Integer> pageValue = new HashMap<>();
        Set<Long> seen = new HashSet<>();
        int[] nextPage = {1};
        int half = writes.size() / 2;
        for (int i = 0; i < writes.size(); i++) {
            Write w = writes.get(i);
            // a statement the table refuses (a duplicate key, a row that is not there) changes nothing and records nothing
            try {
                switch (w.kind()) {
                    case 0 -> sql("INSERT INTO public.items VALUES (" + w.a() + ", " + w.b() + ")");
                    case 1 -> sql("UPDATE public.items SET v = " + (w.b() * 10 + i) + " WHERE id = " + w.a());
                    case 2 -> sql("DELETE FROM public.items WHERE id = " + w.a());
                    default -> sql("UPDATE public.items SET id = " + w.b() + " WHERE id = " + w.a());
                }
            } catch (SQLException refused) {
                // 23505: the key is taken
            }
            if (pushBetween && i == half) {
                drain(notionPageOfKey, pageValue, seen, nextPage, failures);
            }
        }
        drain(notionPageOfKey, pageValue, seen, nextPage, failures);
        Map<Integer, Integer> table = new TreeMap<>();
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, v FROM public.items")) {
            while (rs.next()) {
                table.put(rs.getInt(1), (Integer) rs.getObject(2));
            }
        }
        Map<Integer, Integer> notion = new TreeMap<>();
        notionPageOfKey.forEach((key, page) -> notion.put(key, pageValue.get(page)));
        assertEquals(table, notion, "Notion's pages, by key, hold the table's rows");
        long recorded;
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM notion_sync.row_changes")) {
            rs.next();
            recorded = rs.getLong(1);
        }
        assertEquals(recorded, seen.size(), "every change claimed once");
    }

    /** Claims and pushes until nothing is pending, each batch as the bound push would, in claim order. */
    private static void drain(Map<Integer, Integer> pageOfKey, Map<Integer, Integer> pageValue, Set<Long> seen, int[] nextPage,
                              List<Boolean> failures) throws Exception {
        int attempt = 0;
        for (int round = 0; round < 300; round++) {
            List<List<RowChanges.Entry>> batch = changes.claim("items", "me", 2);
            if (batch.isEmpty()) {
                if (changes.backlog() == 0) {
                    return;
                }
                sql("UPDATE notion_sync.row_changes SET next_attempt_at = now() WHERE status = 'pending'");   // their backoff is over
                continue;
            }
            for (List<RowChanges.Entry> entries : batch) {
                if (attempt < failures.size() && failures.get(attempt++)) {
                    changes.retryLater(entries.stream().map(RowChanges.Entry::id).toList(), Duration.ofHours(1), "503");
                    continue;
                }
                entries.forEach(e -> assertTrue(seen.add(e.id()), "claimed once: " + e.id()));
                BoundChange change = BoundChange.of(entries, null);
                int key = change.rowKey().path("id").asInt();
                Integer page = pageOfKey.get(change.linkKey().path("id").asInt());
                switch (change.operation()) {
                    case "create" -> {
                        assertTrue(!pageOfKey.containsKey(key), "a created row's key has no page: " + change);
                        int made = nextPage[0]++;
                        pageOfKey.put(key, made);
                        pageValue.put(made, value(change.changed().get("v")));
                    }
                    case "update" -> {
                        assertTrue(page != null, "an updated row has its page: " + change);
                        if (change.fromKey() != null) {
                            pageOfKey.remove(change.fromKey().path("id").asInt());
                            assertTrue(!pageOfKey.containsKey(key), "a key moved to is free: " + change);
                            pageOfKey.put(key, page);
                        }
                        if (change.changed().containsKey("v")) {
                            pageValue.put(page, value(change.changed().get("v")));
                        }
                    }
                    case "trash" -> {
                        assertTrue(page != null, "a deleted row had its page: " + change);
                        pageOfKey.remove(change.linkKey().path("id").asInt());
                    }
                    default -> {
                    }
                }
                changes.finish(change.ids(), "pushed", null);
            }
        }
        throw new AssertionError("the changes never drained");
    }

    private static Integer value(JsonNode v) {
        return v == null || v.isNull() ? null : v.asInt();
    }
}
