package dev.notionsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `demo` twice, as a user would run it: pages made and edited in the first demo's simulator are gone from the
 * second's (the simulator lives in memory), and so they must be gone from its PostgreSQL too. Runs the real command
 * in its own JVM, stopped with SIGTERM like Ctrl-C.
 */
class DemoRestartTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tempDir;

    @Test
    void afterARestartPostgresAndTheSimulatorAgree() throws Exception {
        Map<String, String> env = Map.of(
                "CAMEL_SERVER_PORT", String.valueOf(TestEngine.freePort()),
                "CAMEL_MANAGEMENT_PORT", String.valueOf(TestEngine.freePort()),
                "NOTION_DEMO_SIMULATOR_PORT", String.valueOf(TestEngine.freePort()),
                "NOTION_DEMO_EMBEDDED_DIR", tempDir.resolve("demo-postgres").toString(),
                "NOTION_DB_EMBEDDED_DIR", tempDir.resolve("run-postgres").toString(),
                "NOTION_REPORTS_FOLDER", tempDir.resolve("reports").toString(),
                "NOTION_DEMO_PAGES", "5",
                "NOTION_DEMO_POLL", "1s",
                "NOTION_DEMO_REPORT_CRON", "0 0 0 1 1 ? 2099");

        Demo first = Demo.start(env);
        try {
            first.awaitRows(5);
            JsonNode made = first.notion("POST", "/v1/pages", "{\"parent\":{\"data_source_id\":\"" + first.projects
                    + "\"},\"properties\":{\"" + first.titleName() + "\":{\"title\":[{\"text\":{\"content\":\"Made in the first demo\"}}]}}}");
            String renamed = first.pageIds().first();
            first.notion("PATCH", "/v1/pages/" + renamed, "{\"properties\":{\"" + first.titleName()
                    + "\":{\"title\":[{\"text\":{\"content\":\"Renamed in the first demo\"}}]}}}");
            TestEngine.await("the first demo's new and renamed pages in PostgreSQL", Duration.ofSeconds(60),
                    () -> first.rowsMentioning("first demo") == 2);
            assertTrue(first.rowIds().contains(made.path("id").asText()));
            // the Postgres-first half: the application adds an organization, which gets its page
            first.strings("INSERT INTO public.organizations (name) VALUES ('Made in the first demo') RETURNING id");
            TestEngine.await("the first demo's new organization in Notion", Duration.ofSeconds(60), () -> first.organizationPages() == 4);
        } finally {
            first.stop();
        }

        Demo second = Demo.start(env);
        try {
            assertTrue(second.output().contains("started fresh"), "the banner says the demo starts fresh:\n" + second.output());
            TreeSet<String> pages = second.pageIds();
            assertEquals(5, pages.size(), "the second simulator holds the sample workspace only");
            TestEngine.await("the second demo's first pull", Duration.ofSeconds(60), () -> second.pullsDone() >= 1);
            assertEquals(pages, second.rowIds(), "PostgreSQL holds the pages of the simulator, no more");
            assertEquals(0, second.rowsMentioning("first demo"), "nothing of the first demo is left in PostgreSQL");
            assertEquals(List.of("3"), second.strings("SELECT count(*) FROM public.organizations"), "the application's tables start anew too");
            assertEquals(3, second.organizationPages(), "and their databases: one page per row");
        } finally {
            second.stop();
        }
    }

    /** One `java ... App demo` process, its banner, and what it reports. */
    private static final class Demo {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        String jdbcUrl;
        String simulator;
        String projects;

        private Demo(Process process) {
            this.process = process;
        }

        static Demo start(Map<String, String> env) throws Exception {
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), "dev.notionsync.App", "demo");
            builder.environment().keySet().removeIf(key -> key.startsWith("NOTION_") || key.startsWith("CAMEL_"));
            builder.environment().putAll(env);
            builder.environment().put("NOTION_HOME", Path.of("").toAbsolutePath().toString());
            builder.redirectErrorStream(true);
            Demo demo = new Demo(builder.start());
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(demo.process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        demo.lines.add(line);
                    }
                } catch (java.io.IOException ignored) {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            try {
                TestEngine.await("the demo's banner", Duration.ofSeconds(120), () -> {
                    if (!demo.process.isAlive()) {
                        throw new AssertionError("the demo stopped:\n" + demo.output());
                    }
                    return demo.output().contains("Stop   ");   // the banner's last line: the whole banner is there
                });
                demo.jdbcUrl = find(demo.output(), "PostgreSQL\\s+: (jdbc:\\S+)");
                demo.simulator = find(demo.output(), "Notion simulator\\s+: (http://\\S+)");
                for (JsonNode source : JSON.readTree(TestEngine.httpGet(demo.simulator + "/__sim/workspace")).path("sources")) {
                    if (source.path("name").asText().equals("projects")) {
                        demo.projects = source.path("data_source_id").asText();
                    }
                }
            } catch (RuntimeException | Error e) {
                demo.stop();
                throw e;
            }
            return demo;
        }

        String output() {
            return String.join("\n", lines);
        }

        void stop() throws InterruptedException {
            process.destroy();   // SIGTERM, as Ctrl-C: routes stop, then the embedded PostgreSQL
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }

        JsonNode notion(String method, String path, String body) throws Exception {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(simulator + path))
                            .header("Authorization", "Bearer " + App.DEMO_TOKEN).header("Notion-Version", "2026-03-11")
                            .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), method + " " + path + ": " + response.body());
            return JSON.readTree(response.body());
        }

        TreeSet<String> pageIds() throws Exception {
            TreeSet<String> ids = new TreeSet<>();
            for (JsonNode page : notion("POST", "/v1/data_sources/" + projects + "/query", "{\"page_size\":100}").path("results")) {
                ids.add(page.path("id").asText());
            }
            return ids;
        }

        String titleName() throws Exception {
            JsonNode page = notion("POST", "/v1/data_sources/" + projects + "/query", "{\"page_size\":1}").path("results").get(0);
            return TestEngine.titleName(page);
        }

        void awaitRows(int count) throws InterruptedException {
            TestEngine.await(count + " project rows", Duration.ofSeconds(60), () -> rowIdsOrEmpty().size() == count);
        }

        TreeSet<String> rowIds() throws Exception {
            return new TreeSet<>(strings("SELECT page_id FROM notion.projects"));
        }

        private TreeSet<String> rowIdsOrEmpty() {
            try {
                return rowIds();
            } catch (Exception notYet) {
                return new TreeSet<>();
            }
        }

        long rowsMentioning(String text) {
            try {
                return Long.parseLong(strings("SELECT count(*) FROM notion.projects WHERE strpos(properties::text, ?) > 0", text).get(0));
            } catch (Exception notYet) {
                return -1;
            }
        }

        /** The pages of the bound table organizations' database in this demo's simulator; -1 before it is known. */
        long organizationPages() {
            try {
                String dataSource = strings("SELECT data_source_id FROM notion_sync.bound_sources WHERE source = 'app_organizations'").get(0);
                return notion("POST", "/v1/data_sources/" + dataSource + "/query", "{\"page_size\":100}").path("results").size();
            } catch (Exception notYet) {
                return -1;
            }
        }

        long pullsDone() {
            try {
                return Long.parseLong(strings("SELECT count(*) FROM notion_sync.sync_runs WHERE source = 'projects' AND outcome = 'ok'").get(0));
            } catch (Exception notYet) {
                return -1;
            }
        }

        List<String> strings(String sql, String... parameters) throws Exception {
            List<String> values = new ArrayList<>();
            try (Connection c = DriverManager.getConnection(jdbcUrl); PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    ps.setString(i + 1, parameters[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        values.add(rs.getString(1));
                    }
                }
            }
            return values;
        }

        private static String find(String text, String regex) {
            Matcher m = Pattern.compile(regex).matcher(text);
            assertTrue(m.find(), "no " + regex + " in the demo's output:\n" + text);
            return m.group(1);
        }
    }
}
