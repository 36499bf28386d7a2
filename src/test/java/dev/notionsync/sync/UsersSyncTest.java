package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.config.UsersConfiguration;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionUnavailableException;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.store.Users;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.ServiceStatus;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** People: the workspace's users in notion_sync.users, read through the door from the simulator over HTTP. */
@ExtendWith(IntegrationExtension.class)
class UsersSyncTest {

    private static final int ADDED = 130;   // with the seeded people, more than one page of 100

    @Test
    void theWorkspacesUsersAreKeptWithRemovalsEmailsByCapabilityAndTheReadmeJoin(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(20);
        for (int i = 0; i < ADDED; i++) {
            TestEngine.simControl(simulator, "users", "{\"name\":\"Member " + i + "\",\"email\":\"member" + i + "@northwind.example\"}");
        }
        String guest = id(TestEngine.simControl(simulator, "users", "{\"name\":\"A Guest\",\"email\":\"g@other.example\",\"guest\":true}"));
        String zapier = id(TestEngine.simControl(simulator, "users", "{\"name\":\"Zapier\",\"type\":\"bot\"}"));
        List<JsonNode> listed = listAll(simulator);
        assertTrue(listed.size() > 100, "more than one page of users");

        Map<String, String> settings = it.settings(simulator, "1h", "projects");
        settings.put("notion.users.refresh", "1s");
        String schema = settings.get("notion.db.schema");
        NotionSync sync = it.start(settings);

        TestEngine.await("every listed user stored", Duration.ofSeconds(60),
                () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users WHERE removed_at IS NULL") == listed.size());
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users WHERE id = '" + guest + "'"), "guests are not listed");
        assertEquals("ada@northwind.example", TestEngine.queryString(sync, "SELECT email FROM notion_sync.users WHERE name = 'Ada Brooks'"));
        assertEquals("person", TestEngine.queryString(sync, "SELECT type FROM notion_sync.users WHERE name = 'Member 129'"));
        assertEquals("bot", TestEngine.queryString(sync, "SELECT type FROM notion_sync.users WHERE id = '" + zapier + "'"));

        // the README's joins give the names of the people columns' ids and of created_by / last_edited_by
        TestEngine.await("the projects rows", Duration.ofSeconds(60),
                () -> TestEngine.count(sync, "SELECT count(*) FROM \"" + schema + "\".projects") == 20);
        List<String> joins = readmeQueries();
        assertEquals(2, joins.size());
        List<List<String>> owners = rows(sync, joins.get(0).replace("notion.projects", "\"" + schema + "\".projects"));
        assertTrue(owners.stream().anyMatch(r -> r.get(1) != null && r.get(2) != null && r.get(2).endsWith("@northwind.example")), owners.toString());
        List<List<String>> creators = rows(sync, joins.get(1).replace("notion.projects", "\"" + schema + "\".projects"));
        assertEquals(20, creators.size());
        assertTrue(creators.stream().allMatch(r -> r.get(1) != null && r.get(3) != null), creators.toString());

        // a member removed from the workspace is marked removed, not deleted; nobody else is
        String member = listed.stream().filter(u -> u.path("name").asText().equals("Member 7")).findFirst().orElseThrow().get("id").asText();
        removeUser(simulator, member);
        TestEngine.await("the removed member marked", Duration.ofSeconds(30),
                () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users WHERE removed_at IS NOT NULL AND id = '" + member + "'") == 1);
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users WHERE removed_at IS NOT NULL"));
        assertEquals("Member 7", TestEngine.queryString(sync, "SELECT name FROM notion_sync.users WHERE id = '" + member + "'"));

        // a listing that fails on its second page marks nobody removed; the next complete one does
        sync.context().getRouteController().stopRoute("notion-users");
        String another = listed.stream().filter(u -> u.path("name").asText().equals("Member 8")).findFirst().orElseThrow().get("id").asText();
        removeUser(simulator, another);
        NotionApi door = sync.context().getRegistry().lookupByNameAndType("notionApi", NotionApi.class);
        AtomicInteger calls = new AtomicInteger();
        NotionApi failingSecondPage = request -> {
            if (calls.incrementAndGet() == 2) {
                throw new NotionUnavailableException("GET /v1/users", 503, "service_unavailable", "test: the second page never came", null);
            }
            return door.call(request);
        };
        Users users = new Users(sync.database().dataSource());
        assertThrows(NotionUnavailableException.class, () -> new UsersRefresh(failingSecondPage, users, Clock.systemUTC()).refresh("default"));
        assertEquals(2, calls.get());
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users WHERE removed_at IS NOT NULL AND id = '" + another + "'"));
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users WHERE removed_at IS NOT NULL"));
        new UsersRefresh(door, users, Clock.systemUTC()).refresh("default");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users WHERE removed_at IS NOT NULL AND id = '" + another + "'"));

        // without the email capability, emails are gone at the next refresh; the people stay
        TestEngine.simControl(simulator, "capabilities", "{\"user_information\":\"without_email\"}");
        sync.context().getRouteController().startRoute("notion-users");
        TestEngine.await("emails gone", Duration.ofSeconds(30),
                () -> TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users WHERE email IS NOT NULL AND removed_at IS NULL") == 0);
        assertNull(TestEngine.queryString(sync, "SELECT email FROM notion_sync.users WHERE name = 'Ada Brooks'"));
        assertEquals(listed.size() - 2, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users WHERE removed_at IS NULL"));

        // no user information at all: 403, the table keeps what it had, the route keeps running
        TestEngine.simControl(simulator, "capabilities", "{\"user_information\":\"none\"}");
        removeUser(simulator, listed.stream().filter(u -> u.path("name").asText().equals("Member 9")).findFirst().orElseThrow().get("id").asText());
        StringWriter log = new StringWriter();
        WriterAppender appender = WriterAppender.newBuilder().setName("users-403").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %m%n").build()).build();
        appender.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(appender, null, null);
        try {
            TestEngine.await("two refreshes refused with a warning naming the capability", Duration.ofSeconds(30),
                    () -> log.toString().split("Read user information including email addresses", -1).length > 2);
        } finally {
            logging.getConfiguration().getRootLogger().removeAppender("users-403");
            appender.stop();
        }
        assertTrue(log.toString().contains("WARN users: Notion refused to list the workspace's users (403 restricted_resource)"), log.toString());
        assertEquals(listed.size() - 2, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.users WHERE removed_at IS NULL"));
        assertEquals(ServiceStatus.Started, sync.context().getRouteController().getRouteStatus("notion-users"));
        assertFalse(TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters") > 0, "a 403 is no dead letter");
    }

    @Test
    void zeroOrOffTurnsTheRefreshOff() {
        assertTrue(UsersConfiguration.refresh(TestEngine.settings(Map.of("notion.users.refresh", "off"))).isEmpty());
        assertTrue(UsersConfiguration.refresh(TestEngine.settings(Map.of("notion.users.refresh", "0"))).isEmpty());
        assertEquals(Duration.ofMinutes(30), UsersConfiguration.refresh(TestEngine.settings(Map.of("notion.users.refresh", "30m"))).orElseThrow());
        assertEquals(Duration.ofHours(1), UsersConfiguration.refresh(TestEngine.settings(Map.of())).orElseThrow(), "on by default, the demo too");
    }

    private static String id(String json) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("id").asText();
    }

    private static List<JsonNode> listAll(NotionSimulator simulator) {
        List<JsonNode> users = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = TestEngine.notion(simulator, "GET", "/v1/users?page_size=100" + (cursor == null ? "" : "&start_cursor=" + cursor), "");
            page.get("results").forEach(users::add);
            cursor = page.get("has_more").asBoolean() ? page.get("next_cursor").asText() : null;
        } while (cursor != null);
        return users;
    }

    private static void removeUser(NotionSimulator simulator, String id) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/__sim/users/" + id))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    /** The SQL blocks of the README's People section, as printed. */
    private static List<String> readmeQueries() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("## People"), readme.indexOf("## Comments"));
        List<String> queries = new ArrayList<>();
        for (String[] parts = section.split("```sql\n"); queries.size() < parts.length - 1; ) {
            queries.add(parts[queries.size() + 1].substring(0, parts[queries.size() + 1].indexOf("```")).trim().replaceAll(";$", ""));
        }
        return queries;
    }

    private static List<List<String>> rows(NotionSync sync, String sql) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
