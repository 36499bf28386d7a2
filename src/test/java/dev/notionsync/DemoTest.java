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
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `demo` as a new user meets it: the banner's commands work as printed, and the first report has the pulled rows. */
class DemoTest {

    @TempDir
    Path tempDir;

    @Test
    void theBannersCommandsWorkAndTheFirstReportRunsAfterTheFirstPull() throws Exception {
        Map<String, String> demo = new LinkedHashMap<>();
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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        demo.forEach(System::setProperty);
        Thread running = new Thread(() -> App.run(new String[]{"demo"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)), "demo-under-test");
        running.start();
        try {
            TestEngine.await("the demo banner", Duration.ofSeconds(90), () -> {
                if (!running.isAlive()) {
                    throw new AssertionError("the demo ended: " + out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
                }
                return out.toString(StandardCharsets.UTF_8).contains("Stop   ");
            });
            String banner = out.toString(StandardCharsets.UTF_8);

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
                assertEquals(3, count(db, "SELECT count(DISTINCT source) FROM notion_sync.sync_runs WHERE kind = 'pull' AND outcome = 'ok'"));
                assertTrue(count(db, "SELECT min(row_count) FROM (SELECT DISTINCT ON (report) row_count FROM notion_sync.report_runs"
                        + " WHERE outcome = 'ok' ORDER BY report, id) AS first_runs") > 0, "the first reports have the pulled rows");
            }

            // the report pages, with the command as printed
            String curl = line(banner, "as pages: (curl .*)");
            Matcher header = Pattern.compile("-H '([^:]+): ([^']+)'").matcher(curl);
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(curl.replaceAll(".* (http://\\S+).*", "$1")));
            while (header.find()) {
                request.header(header.group(1), header.group(2));
            }
            HttpResponse<String> pages = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, pages.statusCode(), curl + " -> " + pages.body());
            JsonNode children = new ObjectMapper().readTree(pages.body()).path("results");
            assertTrue(children.size() >= 2, pages.body());
            assertEquals("child_page", children.get(0).path("type").asText(), pages.body());
        } finally {
            demo.keySet().forEach(System::clearProperty);
            stop(running);
        }
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

    private static long count(Connection db, String sql) {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
