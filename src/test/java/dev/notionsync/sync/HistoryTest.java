package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * notion.source.&lt;name&gt;.history: every version of a mirror row in &lt;table&gt;_history, with the side and who made
 * each change, written in the row's own transaction, and the change events beside it (notion_sync.change_events).
 */
@ExtendWith(IntegrationExtension.class)
class HistoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One version of a row, oldest first. */
    record Version(String operation, String side, String changedBy, List<String> changed, JsonNode row, String validFrom, String validTo) {
    }

    @Test
    void everyVersionOfAMirrorRowWithWhoMadeItAcrossNotionPostgresAndAConflict(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        String source = TestEngine.sourceName(settings, "projects");
        settings.put("notion.source." + source + ".direction", "both");
        settings.put("notion.source." + source + ".history", "true");
        settings.put("notion.push.poll", "300ms");
        NotionSync sync = it.start(settings);
        String table = "\"" + settings.get("notion.db.schema") + "\".projects";
        String history = "\"" + settings.get("notion.db.schema") + "\".projects_history";
        TestEngine.await("the pages in the table", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 3);
        String page = TestEngine.seededPageId(simulator, "projects", 0);
        String creator = simulator.model().page(page).orElseThrow().path("last_edited_by").path("id").asText();

        List<Version> versions = versions(sync, history, page);
        assertEquals(1, versions.size(), versions.toString());
        Version first = versions.get(0);
        assertEquals("insert", first.operation());
        assertEquals("notion", first.side());
        assertEquals(creator, first.changedBy(), "who last edited the page in Notion");
        assertNull(first.validTo(), "the current version");
        assertTrue(first.changed().contains("client") && !first.changed().contains("synced_at") && !first.changed().contains("properties"),
                first.changed().toString());
        assertEquals(TestEngine.queryString(sync, "SELECT client FROM " + table + " WHERE page_id = '" + page + "'"), first.row().path("client").asText());

        // an edit in Notion, by a person
        simulator.model().editPage(page, (ObjectNode) JSON.readTree("{\"Client\":{\"rich_text\":[{\"text\":{\"content\":\"Edited in Notion\"}}]}}"));
        String editor = simulator.model().page(page).orElseThrow().path("last_edited_by").path("id").asText();
        TestEngine.await("the Notion edit in the row", Duration.ofSeconds(30), () -> "Edited in Notion".equals(
                TestEngine.queryString(sync, "SELECT client FROM " + table + " WHERE page_id = '" + page + "'")));
        versions = versions(sync, history, page);
        assertEquals(2, versions.size(), versions.toString());
        Version notionEdit = versions.get(1);
        assertEquals(List.of("update", "notion", editor), List.of(notionEdit.operation(), notionEdit.side(), notionEdit.changedBy()));
        assertTrue(notionEdit.changed().contains("client") && !notionEdit.changed().contains("budget"), notionEdit.changed().toString());
        assertEquals(notionEdit.validFrom(), versions.get(0).validTo(), "the version before ends where the new one begins");
        assertEquals("Edited in Notion", notionEdit.row().path("client").asText());

        // an edit in PostgreSQL, by the database role, then its push's write-back
        String role = TestEngine.queryString(sync, "SELECT current_user");
        TestEngine.execute(sync, "UPDATE " + table + " SET client = 'Edited in Postgres' WHERE page_id = '" + page + "'");
        TestEngine.await("the push done", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.outbox WHERE page_id = '" + page + "' AND status = 'pushed'") == 1);
        versions = versions(sync, history, page);
        Version postgresEdit = versions.get(2);
        assertEquals(List.of("update", "postgres", role, List.of("client")),
                List.of(postgresEdit.operation(), postgresEdit.side(), postgresEdit.changedBy(), postgresEdit.changed()));
        assertEquals("Edited in Notion", versions.get(1).row().path("client").asText(), "the row as it was stays in its version");
        for (Version after : versions.subList(3, versions.size())) {
            assertEquals("engine", after.side(), "the push's write-back: " + versions);
            assertEquals("Edited in Postgres", after.row().path("client").asText());
        }

        // a conflict: both sides change the client while the pull waits; Notion wins (the default policy)
        sync.context().getRouteController().suspendRoute("poll-" + source);
        try {
            simulator.model().editPage(page, (ObjectNode) JSON.readTree("{\"Client\":{\"rich_text\":[{\"text\":{\"content\":\"Notion side\"}}]}}"));
            TestEngine.execute(sync, "UPDATE " + table + " SET client = 'Postgres side' WHERE page_id = '" + page + "'");
            TestEngine.await("the conflict decided", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM notion_sync.conflicts WHERE page_id = '" + page + "'") == 1
                    && "Notion side".equals(TestEngine.queryString(sync, "SELECT client FROM " + table + " WHERE page_id = '" + page + "'")));
        } finally {
            sync.context().getRouteController().resumeRoute("poll-" + source);
        }
        int before = versions.size();
        versions = versions(sync, history, page);
        List<String> clients = versions.subList(before, versions.size()).stream().map(v -> v.side() + ":" + v.row().path("client").asText()).toList();
        assertEquals("postgres:Postgres side", clients.get(0), versions.toString());
        assertEquals("Notion side", versions.get(versions.size() - 1).row().path("client").asText(), "the winner is the current version");
        assertTrue(clients.stream().skip(1).allMatch(c -> c.endsWith(":Notion side")), clients.toString());
        assertEquals(1, versions.stream().filter(v -> v.validTo() == null).count(), "one current version");
        for (int i = 1; i < versions.size(); i++) {
            assertEquals(versions.get(i).validFrom(), versions.get(i - 1).validTo(), "versions follow each other without gap: " + versions);
        }

        // the point-in-time query of the README: the row as it was just after the Notion edit
        assertEquals("Edited in Notion", TestEngine.queryString(sync, "SELECT row_values ->> 'client' FROM " + history
                + " WHERE page_id = '" + page + "' AND valid_from <= '" + notionEdit.validFrom() + "'::timestamptz"
                + " AND (valid_to IS NULL OR valid_to > '" + notionEdit.validFrom() + "'::timestamptz)"));

        // the same changes, as change events in order
        List<String> events = new ArrayList<>();
        try (Connection c = sync.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT operation, side, after ->> 'client' FROM notion_sync.change_events"
                     + " WHERE page_id = ?::uuid ORDER BY event_id")) {
            ps.setString(1, page);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3));
                }
            }
        }
        assertEquals(versions.stream().map(v -> v.operation() + "/" + v.side() + "/" + v.row().path("client").asText()).toList(), events);
    }

    @Test
    void aTrashedPageIsADeleteAndRowsOfSourcesWithoutHistoryHaveNone(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = it.settings(simulator, "1s", "projects", "revenue");
        String projects = TestEngine.sourceName(settings, "projects");
        settings.put("notion.source." + projects + ".history", "true");
        settings.put("notion.sync.sweep", "1s");
        NotionSync sync = it.start(settings);
        String schema = "\"" + settings.get("notion.db.schema") + "\"";
        TestEngine.await("the pages in the tables", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".projects")
                + TestEngine.count(sync, "SELECT count(*) FROM " + schema + ".revenue") == 4);
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM pg_tables WHERE tablename = 'revenue_history'"), "history is per source");
        assertEquals(2, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.change_events WHERE table_name = 'revenue'"),
                "change events are on for every source (notion.change-events)");
        String page = TestEngine.seededPageId(simulator, "projects", 1);
        simulator.model().trashPage(page, true);
        TestEngine.await("the trashed page's row marked deleted", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM " + schema + ".projects WHERE page_id = '" + page + "' AND deleted_at IS NOT NULL") == 1);
        List<Version> versions = versions(sync, schema + ".projects_history", page);
        Version last = versions.get(versions.size() - 1);
        assertEquals(List.of("delete", "notion"), List.of(last.operation(), last.side()), versions.toString());
        assertTrue(last.changed().contains("deleted_at"), last.changed().toString());
    }

    @Test
    void withChangeEventsOffAndNoHistoryATableGetsNoTriggerAndNoEvent(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.change-events", "false");
        NotionSync sync = it.start(settings);
        String table = "\"" + settings.get("notion.db.schema") + "\".projects";
        TestEngine.await("the pages in the table", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 2);
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM pg_trigger WHERE tgrelid = '" + table + "'::regclass AND tgname LIKE 'notion_sync_history%'"));
        TestEngine.execute(sync, "UPDATE " + table + " SET client = 'no event'");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.change_events"));
    }

    static List<Version> versions(NotionSync sync, String history, String page) throws Exception {
        List<Version> versions = new ArrayList<>();
        try (Connection c = sync.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT operation, side, changed_by, changed_columns, row_values::text, valid_from::text, valid_to::text"
                     + " FROM " + history + " WHERE page_id = ?::uuid ORDER BY history_id")) {
            ps.setString(1, page);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.add(new Version(rs.getString(1), rs.getString(2), rs.getString(3), List.of((String[]) rs.getArray(4).getArray()),
                            JSON.readTree(rs.getString(5)), rs.getString(6), rs.getString(7)));
                }
            }
        }
        return versions;
    }
}
