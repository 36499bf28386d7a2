package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.cli.ManagementAddress;
import dev.notionsync.cli.VerifyCommand;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.sim.NotionSimulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * notion-sync verify against the simulator over HTTP and real PostgreSQL: it finds a value changed behind the
 * engine's back in PostgreSQL (triggers off), a Notion edit whose event and poll were lost, a row gone from
 * PostgreSQL and a page trashed in Notion; --repair mends all four, and a second verify finds nothing.
 */
@ExtendWith(IntegrationExtension.class)
class ConsistencyCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void verifyFindsEachKindOfDriftAndRepairMendsIt(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(6);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        String source = settings.get("notion.sources");
        String table = "\"" + settings.get("notion.db.schema") + "\".projects";
        NotionSync sync = it.start(settings);
        TestEngine.await("the pages in the table", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 6);
        NotionSyncManagement operator = sync.context().getRegistry().lookupByNameAndType("notionSyncManagement", NotionSyncManagement.class);
        JsonNode clean = JSON.readTree(operator.verify("", false));   // every source
        assertTrue(clean.path("consistent").asBoolean(), clean.toPrettyString());

        operator.pauseSource(source);   // no poll sees what follows in Notion (and no webhooks are set up): as if lost
        List<String> pages = TestEngine.queryString(sync, "SELECT string_agg(page_id::text, ',' ORDER BY page_id) FROM " + table).lines()
                .flatMap(l -> List.of(l.split(",")).stream()).toList();
        String tampered = pages.get(0);
        String editedInNotion = pages.get(1);
        String deletedHere = pages.get(2);
        String trashedInNotion = pages.get(3);
        String client = column(sync, settings, "Client");
        String budget = column(sync, settings, "Budget");
        try (Connection c = sync.database().dataSource().getConnection(); Statement sql = c.createStatement()) {
            // behind the engine's back: no trigger fires. SET LOCAL: a session setting would stay on the pooled connection
            c.setAutoCommit(false);
            sql.execute("SET LOCAL session_replication_role = replica");
            sql.execute("UPDATE " + table + " SET " + client + " = 'changed behind its back' WHERE page_id = '" + tampered + "'");
            sql.execute("DELETE FROM " + table + " WHERE page_id = '" + deletedHere + "'");
            c.commit();
            c.setAutoCommit(true);
        }
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + editedInNotion, "{\"properties\":{\"Budget\":{\"number\":4242}}}");
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + trashedInNotion, "{\"in_trash\":true}");

        JsonNode found = JSON.readTree(operator.verify(source, false));
        JsonNode projects = found.path("sources").get(0).path("tables").get(0);
        assertFalse(found.path("consistent").asBoolean(), found.toPrettyString());
        Map<String, List<String>> differing = differing(projects);
        assertEquals(java.util.Set.of(tampered, editedInNotion), differing.keySet(), projects.toPrettyString());
        assertEquals(List.of(unquoted(client)), differing.get(tampered), "only the column changed behind its back");
        // the edit moved the budget and what follows from it (formulas, last edited by and time)
        assertTrue(differing.get(editedInNotion).contains(unquoted(budget)) && !differing.get(editedInNotion).contains(unquoted(client)),
                projects.toPrettyString());
        assertEquals(List.of(deletedHere), texts(projects.path("missing_in_postgres")));
        assertEquals(List.of(trashedInNotion), texts(projects.path("extra_in_postgres")));
        assertEquals(5, projects.path("pages_in_notion").asInt());
        assertEquals(2, projects.path("consistent").asInt());
        assertEquals("changed behind its back", TestEngine.queryString(sync, "SELECT " + client + " FROM " + table + " WHERE page_id = '" + tampered + "'"),
                "a verify without repair changes nothing");

        // the command line, as an operator runs it against this instance
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int exit = VerifyCommand.run(new String[] {source, "--repair"}, ManagementAddress.local(Integer.parseInt(settings.get("camel.management.port"))),
                Optional.empty(), new PrintStream(printed, true, StandardCharsets.UTF_8), System.err);
        String output = printed.toString(StandardCharsets.UTF_8);
        assertEquals(3, exit, output);
        assertTrue(output.contains("2 differing, 1 missing in PostgreSQL, 1 extra in PostgreSQL"), output);
        assertTrue(output.contains("repaired: 3 rows written from Notion, 1 marked deleted, 0 left to the push"), output);
        // the HTML page of the check, in the reports folder
        java.nio.file.Path html = java.nio.file.Path.of(output.substring(output.indexOf("HTML report: ") + 13).trim());
        String page = java.nio.file.Files.readString(html);
        assertTrue(html.startsWith(java.nio.file.Path.of(settings.get("notion.reports.folder")).toAbsolutePath()), html.toString());
        assertTrue(page.contains("NOT consistent") && page.contains(tampered) && page.contains("missing in PostgreSQL") && page.contains(trashedInNotion), page);

        JsonNode after = JSON.readTree(operator.verify(source, false));
        assertTrue(after.path("consistent").asBoolean(), after.toPrettyString());
        assertEquals("4242", TestEngine.queryString(sync, "SELECT " + budget + "::int FROM " + table + " WHERE page_id = '" + editedInNotion + "'"));
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + deletedHere + "' AND deleted_at IS NULL"));
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM " + table + " WHERE page_id = '" + trashedInNotion + "' AND deleted_at IS NOT NULL"));
        assertFalse("changed behind its back".equals(TestEngine.queryString(sync, "SELECT " + client + " FROM " + table + " WHERE page_id = '" + tampered + "'")));
    }

    @Test
    void aScheduledVerifyChecksEverySourceAndSaysSoInTheAuditLogAndTheReportsFolder(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(3);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.verify.schedule", "0/2 * * * * ?");
        String table = "\"" + settings.get("notion.db.schema") + "\".projects";
        NotionSync sync = it.start(settings);
        TestEngine.await("the pages in the table", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == 3);
        TestEngine.await("a scheduled verify in the audit log", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM notion_sync.operator_audit WHERE actor = 'schedule' AND action = 'verify' AND outcome = 'ok'"
                        + " AND detail = 'consistent'") > 0);
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(java.nio.file.Path.of(settings.get("notion.reports.folder")))) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().matches("verify-.*\\.html")), "the check's HTML page");
        }
    }

    @Test
    void aVerifyScheduleThatIsNoCronIsRefusedAtStartSayingWhatToWrite(Integration it) {
        Map<String, String> settings = it.settings(it.simulator(1), "1s", "projects");
        settings.put("notion.verify.schedule", "every night");
        RuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> it.start(settings));
        assertTrue(String.valueOf(refused.getMessage()).contains("notion.verify.schedule must be a Quartz cron with seconds"), refused.getMessage());
    }

    private static String column(NotionSync sync, Map<String, String> settings, String property) {
        return "\"" + TestEngine.queryString(sync, "SELECT column_base FROM notion_sync.column_catalog WHERE table_schema = '" + settings.get("notion.db.schema")
                + "' AND table_name = 'projects' AND property_name = '" + property + "' AND removed_at IS NULL") + "\"";
    }

    private static String unquoted(String column) {
        return column.substring(1, column.length() - 1);
    }

    private static Map<String, List<String>> differing(JsonNode table) {
        Map<String, List<String>> rows = new java.util.HashMap<>();
        table.path("differing").forEach(row -> rows.put(row.path("page_id").asText(), texts(row.path("columns"))));
        return rows;
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
