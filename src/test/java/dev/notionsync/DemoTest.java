package dev.notionsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * `demo` as a new user meets it: the banner's commands work as printed, the first report has the pulled rows, and the
 * application's tables are Notion databases whose pages follow the table and the table the pages. One demo for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tempDir;

    private final Map<String, String> demo = new LinkedHashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Thread running;
    private String banner;

    @BeforeAll
    void startTheDemo() throws Exception {
        demo.put("notion.demo.simulator-port", String.valueOf(TestEngine.freePort()));
        demo.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        demo.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        demo.put("notion.demo.embedded-dir", tempDir.resolve("demo-postgres").toString());
        demo.put("notion.db.embedded-dir", tempDir.resolve("postgres").toString());
        demo.put("notion.db.url", TestPostgres.shared().newDatabase());
        demo.put("notion.reports.folder", tempDir.resolve("out").toString());
        demo.put("notion.demo.pages", "20");
        // a slow first pull (2 requests/s, some ten seconds) and a report every two seconds: a report before the first pull would show
        demo.put("notion.demo.rate", "2");
        demo.put("notion.demo.report-cron", "0/2 * * * * ?");
        demo.put("camel.main.duration-max-seconds", "120");   // should the test fail to stop it
        demo.forEach(System::setProperty);
        running = new Thread(() -> App.run(new String[]{"demo"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)), "demo-under-test");
        running.start();
        TestEngine.await("the demo banner", Duration.ofSeconds(120), () -> {
            if (!running.isAlive()) {
                throw new AssertionError("the demo ended: " + out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
            }
            return out.toString(StandardCharsets.UTF_8).contains("Stop   ");
        });
        banner = out.toString(StandardCharsets.UTF_8);
    }

    @AfterAll
    void stopTheDemo() throws Exception {
        demo.keySet().forEach(System::clearProperty);
        if (running != null) {
            stop(running);
        }
    }

    @Test
    void theBannersCommandsWorkAndTheFirstReportRunsAfterTheFirstPull() throws Exception {
        assertTrue(banner.contains("java -jar target/notion-sync.jar console"), banner);
        assertTrue(banner.contains("java -jar target/notion-sync.jar status"), banner);
        assertFalse(banner.contains(" notion-sync.jar "), "every command names the jar where it is: " + banner);

        String jdbc = line(banner, "PostgreSQL\\s+: (jdbc:\\S+)");
        try (Connection db = DriverManager.getConnection(jdbc, "postgres", "")) {
            TestEngine.await("the first report of each kind", Duration.ofSeconds(80),
                    () -> count(db, "SELECT count(DISTINCT report) FROM notion_sync.report_runs WHERE outcome = 'ok'") == 2);
            assertEquals(0, count(db, "SELECT count(*) FROM notion_sync.report_runs r WHERE r.started_at < (SELECT max(finished_at)"
                    + " FROM (SELECT min(finished_at) AS finished_at FROM notion_sync.sync_runs WHERE kind = 'pull' AND outcome <> 'running'"
                    + " GROUP BY source) AS first_pulls)"), "no report before every source's first pull");
            assertEquals(4 + count(db, "SELECT count(*) FROM notion_sync.bound_sources WHERE kind = 'database'"), count(db, "SELECT count(DISTINCT source)"
                    + " FROM notion_sync.sync_runs WHERE kind = 'pull' AND outcome = 'ok'"),
                    "the sample workspace's sources, the knowledge base and the bound tables' shadow mirrors (the join table, a relation, has none)");
            assertTrue(count(db, "SELECT min(row_count) FROM (SELECT DISTINCT ON (report) row_count FROM notion_sync.report_runs"
                    + " WHERE outcome = 'ok' ORDER BY report, id) AS first_runs") > 0, "the first reports have the pulled rows");
        }

        // the report pages, with the command as printed
        String curl = line(banner, "as pages: (curl .*)");
        HttpResponse<String> pages = curl(curl);
        assertEquals(200, pages.statusCode(), curl + " -> " + pages.body());
        JsonNode children = new ObjectMapper().readTree(pages.body()).path("results");
        assertTrue(children.size() >= 2, pages.body());
        assertEquals("child_page", children.get(0).path("type").asText(), pages.body());
    }

    /** Issue 20's demo: projects keeps its history, its changes land as files, and the dashboard opens with the printed credentials. */
    @Test
    void projectsHistoryItsChangeEventFilesAndTheDashboardAsTheBannerSays() throws Exception {
        String jdbc = line(banner, "PostgreSQL\\s+: (jdbc:\\S+)");
        String history = line(banner, "psql .* -c \"(SELECT valid_from, side, changed_by, changed_columns FROM [^\"]+)\"");
        java.nio.file.Path events = java.nio.file.Path.of(line(banner, "change event subscription demo-files\\): ls (\\S+)"));
        try (Connection db = DriverManager.getConnection(jdbc, "postgres", "")) {
            TestEngine.await("the projects' first versions", Duration.ofSeconds(60), () -> count(db, "SELECT count(*) FROM pg_tables"
                    + " WHERE schemaname = 'notion' AND tablename = 'projects_history'") == 1 && count(db, "SELECT count(*) FROM (" + history + ") v") > 0);
            long rows = count(db, "SELECT count(*) FROM notion.projects");
            try {
                TestEngine.await("a change event file per project row", Duration.ofSeconds(60), () -> {
                    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(events)) {
                        return files.filter(f -> f.toString().endsWith(".json")).count() >= rows;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
            } catch (AssertionError e) {
                try (java.sql.Statement st = db.createStatement();
                     java.sql.ResultSet rs = st.executeQuery("SELECT (SELECT string_agg(to_jsonb(s)::text, ' | ') FROM notion_sync.subscriptions s),"
                             + " (SELECT count(*) FROM notion_sync.change_events WHERE source = 'projects'), (SELECT min(event_id) FROM notion_sync.change_events)")) {
                    rs.next();
                    throw new AssertionError(e.getMessage() + " in " + events + "; " + rows + " rows; subscriptions: " + rs.getString(1)
                            + "; projects events: " + rs.getString(2) + ", first " + rs.getString(3), e);
                }
            }
        }
        java.nio.file.Path first;
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(events)) {
            first = files.filter(f -> f.toString().endsWith(".json")).sorted().findFirst().orElseThrow();
        }
        JsonNode event = JSON.readTree(java.nio.file.Files.readString(first));
        assertEquals("insert", event.path("operation").asText(), event.toString());
        assertEquals("notion", event.path("side").asText(), event.toString());

        Matcher dashboard = Pattern.compile("Dashboard\\s+: (http://\\S+)\\s+\\(in a browser; user (\\S+), password (\\S+)\\)").matcher(banner);
        assertTrue(dashboard.find(), banner);
        String basic = java.util.Base64.getEncoder().encodeToString((dashboard.group(2) + ":" + dashboard.group(3)).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(dashboard.group(1)))
                .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.body().contains("projects"), "the dashboard lists the demo's sources");
        assertEquals(401, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(dashboard.group(1))).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode(), "not without the credentials");
    }

    @Test
    void theKnowledgeBasesMarkdownAndCommentsAreInPostgresAndTheBannersLineReadsAPage() throws Exception {
        String jdbc = line(banner, "PostgreSQL\\s+: (jdbc:\\S+)");
        String select = line(banner, "psql .* -c \"(SELECT k.title, c.markdown FROM [^\"]+)\"");
        try (Connection db = DriverManager.getConnection(jdbc, "postgres", "")) {
            // the content table is made by the first content pass, after the mirror table
            TestEngine.await("the knowledge base's content", Duration.ofSeconds(120), () -> count(db, "SELECT count(*) FROM pg_class"
                    + " WHERE oid = to_regclass('notion.knowledge_content')") == 1
                    && count(db, "SELECT count(*) FROM notion.knowledge_content WHERE markdown IS NOT NULL") == 5);
            String markdown = string(db, select, 2);
            for (String expected : List.of("# Incident playbook", "<callout icon=\"🚨\">", "```bash", "<table header-row=\"true\"", "<td>SEV1</td>")) {
                assertTrue(markdown.contains(expected), expected + " in " + markdown);
            }
            assertTrue(string(db, "SELECT c.markdown FROM notion.knowledge k JOIN notion.knowledge_content c USING (page_id)"
                    + " WHERE k.title = 'Weekly sync 2026-11-30'").contains("\t\t\tPin the client version"), "three levels of toggles");
            // the banner's content edit, as printed: the page's body in Notion follows
            String push = line(banner, "psql .* -c \"(UPDATE notion.knowledge_content [^\"]+)\"");
            try (java.sql.Statement st = db.createStatement()) {
                st.execute(push);
            }
            String curl = line(banner, "knowledge_content SET markdown.*; sleep 3; (curl .*/markdown)");
            TestEngine.await("the edit in Notion", Duration.ofSeconds(30), () -> curl(curl).body().contains("**Sweep**: the search for deleted pages"));
            TestEngine.await("the playbook's comment", Duration.ofSeconds(60), () -> count(db, "SELECT count(*) FROM pg_class"
                    + " WHERE oid = to_regclass('notion.knowledge_comments')") == 1 && count(db, "SELECT count(*) FROM notion.knowledge_comments"
                    + " WHERE plain_text = 'Should SEV2 page the on-call engineer at night?'") == 1);
        }
    }

    @Test
    void theBoundTablesRowsArePagesAndTheBannersTryLinesLandOnTheOtherSide() throws Exception {
        String jdbc = line(banner, "PostgreSQL\\s+: (jdbc:\\S+)");
        String simulator = line(banner, "Notion simulator\\s+: (http://\\S+)");
        try (Connection db = DriverManager.getConnection(jdbc, "postgres", "")) {
            // every row of each bound table has its page, which names the row by its key (bootstrapped before the routes ran)
            Map<String, List<String>> keys = Map.of("organizations", List.of("id"), "capabilities", List.of("slug"), "agents", List.of("id"),
                    "agents_capabilities", List.of("agent_id", "capability_slug"), "workflows", List.of("id"));
            assertEquals("relation", string(db, "SELECT kind FROM notion_sync.bound_sources WHERE source = ?", BoundDemo.source("agents_capabilities")),
                    "the join table is a two-way relation between agents and capabilities");
            for (String table : BoundDemo.TABLES) {
                if (table.equals("agents_capabilities")) {
                    continue;   // no database: the relation, below
                }
                String dataSource = string(db, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = ?", BoundDemo.source(table));
                List<String> pageKeys = new ArrayList<>();
                for (JsonNode page : notion(simulator, "POST", "/v1/data_sources/" + dataSource + "/query", "{\"page_size\":100}").path("results")) {
                    JsonNode key = page.path("properties").path("Row key");   // rich_text, or the title of a table with no text column of its own
                    pageKeys.add(plainText(key.path(key.path("type").asText())));
                }
                assertEquals(count(db, "SELECT count(*) FROM public." + table), pageKeys.size(), table + ": one page per row: " + pageKeys);
                assertEquals(pageKeys.size(), new HashSet<>(pageKeys).size(), table + ": no two pages for one row: " + pageKeys);
                for (String key : pageKeys) {
                    List<String> values = keys.get(table).size() == 1 ? List.of(key)
                            : JSON.readValue(key, JSON.getTypeFactory().constructCollectionType(List.class, String.class));
                    String where = keys.get(table).stream().map(column -> column + "::text = ?").collect(Collectors.joining(" AND "));
                    assertEquals(1, count(db, "SELECT count(*) FROM public." + table + " WHERE " + where, values.toArray(String[]::new)),
                            table + ": the page with key " + key + " is a row's");
                }
            }
            // each agent's page relates to the pages of its capabilities, as the join table's rows say
            String agents = string(db, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = ?", BoundDemo.source("agents"));
            for (JsonNode page : notion(simulator, "POST", "/v1/data_sources/" + agents + "/query", "{\"page_size\":100}").path("results")) {
                List<String> related = new ArrayList<>();
                page.path("properties").path("capabilities").path("relation").forEach(r -> related.add(r.path("id").asText()));
                String agent = plainText(page.path("properties").path("Row key").path("rich_text"));
                assertEquals(count(db, "SELECT count(*) FROM public.agents_capabilities WHERE agent_id::text = ?", agent), related.size(), agent);
                for (String capability : related) {
                    assertEquals(1, count(db, "SELECT count(*) FROM public.agents_capabilities j JOIN notion_sync.links l ON l.source = ?"
                            + " AND l.row_key = jsonb_build_object('slug', j.capability_slug) WHERE j.agent_id::text = ? AND l.page_id::text = ?",
                            BoundDemo.source("capabilities"), agent, capability), agent + " relates to " + capability);
                }
            }
            assertEquals(0, count(db, "SELECT count(*) FROM notion_sync.sync_runs WHERE source LIKE 'app\\_%' AND outcome NOT IN ('ok', 'running')"),
                    "no run of a bound source failed (they were bootstrapped before the routes started)");

            // PostgreSQL -> Notion: the banner's UPDATE, then its page as the banner's curl shows it
            String push = line(banner, "try PostgreSQL -> Notion.*\\R\\s+(.*)");
            String update = line(push, "-c \"(UPDATE public\\.agents [^\"]+)\"");
            String pushed = line(update, "SET status = '(\\w+)'");
            try (Statement st = db.createStatement()) {
                assertEquals(1, st.executeUpdate(update), update);
            }
            String pageCurl = line(push, "(curl -H .*/v1/pages/\\S+)");
            TestEngine.await("the agent's status in its page", Duration.ofSeconds(30), () -> pushed.equals(status(curl(pageCurl))));

            // Notion -> PostgreSQL: the banner's edit as a Notion user would make it, then the row as the banner's SELECT shows it
            String apply = line(banner, "try Notion -> PostgreSQL.*\\R\\s+(.*)");
            String editUrl = line(apply, "curl -X POST (\\S+)");
            String edit = line(apply, " -d '([^']+)'");
            String applied = JSON.readTree(edit).path("properties").path("status").path("select").path("name").asText();
            HttpResponse<String> edited = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(editUrl))
                    .POST(HttpRequest.BodyPublishers.ofString(edit)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, edited.statusCode(), apply + " -> " + edited.body());
            String select = line(apply, "-c \"(SELECT name, status FROM public\\.agents [^\"]+)\"");
            String firstAgent = line(update, "(WHERE id = '[^']+')");
            assertFalse(select.contains(firstAgent), "the two lines change two agents: " + push + "\n" + apply);
            TestEngine.await("the agent's status in its row", Duration.ofSeconds(30), () -> applied.equals(string(db, select, 2)));
            assertEquals(pushed, string(db, "SELECT status::text FROM public.agents " + firstAgent), "the first agent keeps the status the application gave it");
            assertEquals(applied, status(curl(pageCurl.replaceAll("/v1/pages/\\S+", "/v1/pages/" + line(editUrl, "/__sim/pages/(\\S+)")))),
                    "the edited page keeps its edit");

            // the join table: the banner's INSERT, then the agent's page as the banner's curl shows it
            String join = line(banner, "try the join table.*\\R\\s+(.*)");
            String insert = line(join, "-c \"(INSERT INTO public\\.agents_capabilities [^\"]+)\"");
            String slug = line(insert, "VALUES \\('[^']+', '([^']+)'\\)");
            String capabilityPage = string(db, "SELECT page_id::text FROM notion_sync.links WHERE source = ? AND row_key = jsonb_build_object('slug', ?::text)",
                    BoundDemo.source("capabilities"), slug);
            try (Statement st = db.createStatement()) {
                assertEquals(1, st.executeUpdate(insert), insert);
            }
            String agentCurl = line(join, "(curl -H .*/v1/pages/\\S+)");
            TestEngine.await("the capability in the agent's relation", Duration.ofSeconds(30), () -> relatedTo(curl(agentCurl)).contains(capabilityPage));
        }
    }

    /** The pages a page's capabilities relation (of agents) holds, as Notion answered; empty when it did not answer. */
    private static List<String> relatedTo(HttpResponse<String> page) {
        List<String> related = new ArrayList<>();
        try {
            JSON.readTree(page.body()).path("properties").path("capabilities").path("relation").forEach(r -> related.add(r.path("id").asText()));
        } catch (java.io.IOException e) {
            return related;
        }
        return related;
    }

    /** A page's status (the select property of agents), as Notion answered; empty when it did not answer. */
    private static String status(HttpResponse<String> page) {
        try {
            return JSON.readTree(page.body()).path("properties").path("status").path("select").path("name").asText();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** The response to a `curl -H ... URL` of the banner, sent as printed. */
    private static HttpResponse<String> curl(String curl) {
        Matcher header = Pattern.compile("-H '([^:]+): ([^']+)'").matcher(curl);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(curl.replaceAll(".* (http://\\S+).*", "$1")));
        while (header.find()) {
            request.header(header.group(1), header.group(2));
        }
        try {
            return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode notion(String simulator, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(simulator + path))
                        .header("Authorization", "Bearer " + App.DEMO_TOKEN).header("Notion-Version", "2026-03-11")
                        .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), method + " " + path + ": " + response.body());
        return JSON.readTree(response.body());
    }

    private static String plainText(JsonNode richText) {
        StringBuilder text = new StringBuilder();
        richText.forEach(item -> text.append(item.path("plain_text").asText()));
        return text.toString();
    }

    /** Stops the demo as an operator can, with JMX's stop of the Camel context (JConsole, Hawtio's JMX tab). */
    private static void stop(Thread running) throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName context = new ObjectName("org.apache.camel:context=notion-sync,type=context,name=\"notion-sync\"");
        TestEngine.await("the demo's Camel context in JMX", Duration.ofSeconds(30), () -> jmx.isRegistered(context) || !running.isAlive());
        if (jmx.isRegistered(context)) {
            jmx.invoke(context, "stop", new Object[0], new String[0]);
        }
        running.join(Duration.ofSeconds(60).toMillis());
        assertFalse(running.isAlive(), "the demo ends once its Camel context is stopped");
    }

    private static String line(String banner, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(banner);
        assertTrue(m.find(), "no " + pattern + " in " + banner);
        return m.group(1).trim();
    }

    private static long count(Connection db, String sql, String... parameters) {
        return Long.parseLong(string(db, sql, 1, parameters));
    }

    private static String string(Connection db, String sql, String... parameters) {
        return string(db, sql, 1, parameters);
    }

    /** The first row's value in the column. */
    private static String string(Connection db, String sql, int column, String... parameters) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "no row: " + sql);
                return rs.getString(column);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
