package dev.notionsync.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.App;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.cli.ReportCommand;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.sim.NotionSimulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.management.ObjectName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Reports end to end: real PostgreSQL, the simulator over HTTP, Quartz on the clustered JDBC store. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(IntegrationExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReportTest {

    /** More deals than one Notion append takes, so the table's rows arrive in several appends. */
    static final int DEALS = 130;
    static final String NEVER = "0 0 0 1 1 ? 2099";

    @TempDir
    static Path tempDir;

    NotionSimulator simulator;
    NotionSync sync;
    Map<String, String> settings;
    String reportsPage;

    @BeforeAll
    void start(Integration integration) throws Exception {
        simulator = integration.simulator(DEALS);
        settings = integration.settings(simulator, "1h", "revenue", "projects");
        reportsPage = createReportsPage();
        settings.put("notion.reports", "deals,sync-health,business-summary");
        settings.put("notion.reports.folder", tempDir.resolve("out").toString());
        settings.put("notion.reports.notion-parent-page", reportsPage);
        settings.put("notion.report.deals.cron", NEVER);
        settings.put("notion.report.deals.time-zone", "Europe/Berlin");
        settings.put("notion.report.deals.title", "Deals & revenue");
        settings.put("notion.report.deals.sql", "-- section: Deals\nSELECT deal_id, service_type, amount FROM revenue ORDER BY deal_id_number;\n"
                + "-- section: Revenue by service type\nSELECT coalesce(service_type, '(none)') AS service_type, count(*) AS deals,"
                + " coalesce(sum(amount), 0) AS revenue FROM revenue GROUP BY 1 ORDER BY 1");
        settings.put("notion.report.deals.outputs", "html,csv,notion");
        settings.put("notion.report.deals.chart", "service_type,revenue");
        settings.put("notion.report.sync-health.cron", NEVER);
        settings.put("notion.report.business-summary.cron", NEVER);
        sync = integration.start(settings);
        String table = "\"" + settings.get("notion.db.schema") + "\".revenue";
        TestEngine.await("revenue rows", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == DEALS);
        TestEngine.await("projects rows", Duration.ofSeconds(60),
                () -> TestEngine.count(sync, "SELECT count(*) FROM \"" + settings.get("notion.db.schema") + "\".projects") == DEALS);
    }

    /** A page shared with the integration, to put reports under, made as a user would in Notion. */
    private String createReportsPage() {
        String home = TestEngine.notion(simulator, "GET", "/v1/databases/" + simulator.workspace().source("revenue").databaseId(), "")
                .path("parent").path("page_id").asText();
        return TestEngine.notion(simulator, "POST", "/v1/pages", "{\"parent\":{\"page_id\":\"" + home
                + "\"},\"properties\":{\"title\":{\"title\":[{\"text\":{\"content\":\"Reports\"}}]}}}").path("id").asText();
    }

    /** First: engines started by later tests in this JVM take the MBean's name with them when they stop. */
    @Test
    @Order(1)
    void reportRendersHtmlCsvAndNotionPageWithTheRowsOfTheDatabase() throws Exception {
        // what the simulator holds, independently of the engine: deal titles, and count and sum per service type
        List<String> titles = new ArrayList<>();
        Map<String, long[]> countByType = new TreeMap<>();
        Map<String, BigDecimal> sumByType = new HashMap<>();
        for (JsonNode page : simulator.model().pages(simulator.workspace().source("revenue").dataSourceId())) {
            JsonNode properties = page.path("properties");
            titles.add(properties.path("Deal ID").path("unique_id").path("prefix").asText() + "-"
                    + properties.path("Deal ID").path("unique_id").path("number").asText());
            String type = properties.path("Service type").path("select").path("name").asText("(none)");
            countByType.computeIfAbsent(type, k -> new long[1])[0]++;
            JsonNode amount = properties.path("Amount").path("number");
            sumByType.merge(type, amount.isNumber() ? amount.decimalValue() : BigDecimal.ZERO, BigDecimal::add);
        }

        String outcome = (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(NotionSyncManagement.OBJECT_NAME),
                "runReport", new Object[]{"deals"}, new String[]{String.class.getName()});
        assertTrue(outcome.contains("report deals") && outcome.contains(".html"), outcome);
        long run = TestEngine.count(sync, "SELECT max(id) FROM notion_sync.report_runs WHERE report = 'deals'");
        assertEquals("ok", TestEngine.queryString(sync, "SELECT outcome FROM notion_sync.report_runs WHERE id = " + run));
        assertEquals("manual", TestEngine.queryString(sync, "SELECT trigger FROM notion_sync.report_runs WHERE id = " + run));

        // HTML: title, run time, summary, an inline SVG bar per service type, every deal in the table
        Path html = Path.of(TestEngine.queryString(sync, "SELECT html_file FROM notion_sync.report_runs WHERE id = " + run));
        assertTrue(html.getFileName().toString().matches("deals-\\d{4}-\\d{2}-\\d{2}_\\d{6}\\.html"), html.toString());
        String page = Files.readString(html);
        assertTrue(page.contains("<h1>Deals &amp; revenue</h1>"), "title, escaped");
        assertTrue(page.contains("Europe/Berlin"), "the run time in the report's zone");
        assertTrue(page.contains("<svg") && page.contains("</svg>"), "an inline SVG chart");
        assertEquals(countByType.size(), count(page, "<rect "), "one bar per service type");
        for (String type : countByType.keySet()) {
            assertTrue(page.contains(">" + HtmlReport.escape(type) + "</text>"), "bar label " + type);
        }
        for (String title : titles) {
            assertTrue(page.contains("<td>" + HtmlReport.escape(title) + "</td>"), "deal " + title);
        }
        assertTrue(page.contains("Deals: " + DEALS + " rows"), "summary");

        // CSV: one file per section, header and every row; per service type exactly the simulator's figures
        List<String> csvFiles = csvFiles(run);
        assertEquals(2, csvFiles.size(), csvFiles.toString());
        List<List<String>> deals = parseCsv(Files.readString(Path.of(csvFiles.get(0))));
        assertEquals(List.of("deal_id", "service_type", "amount"), deals.get(0));
        assertEquals(titles.stream().sorted().toList(), deals.subList(1, deals.size()).stream().map(r -> r.get(0)).sorted().toList());
        List<List<String>> byType = parseCsv(Files.readString(Path.of(csvFiles.get(1))));
        assertEquals(List.of("service_type", "deals", "revenue"), byType.get(0));
        assertEquals(countByType.size(), byType.size() - 1);
        for (List<String> row : byType.subList(1, byType.size())) {
            assertEquals(countByType.get(row.get(0))[0], Long.parseLong(row.get(1)), "deals of " + row.get(0));
            assertEquals(0, sumByType.get(row.get(0)).compareTo(new BigDecimal(row.get(2))), "revenue of " + row.get(0));
        }

        // Notion: a child page of the reports page with a heading, summary paragraphs and the two tables
        String pageId = TestEngine.queryString(sync, "SELECT notion_page_id FROM notion_sync.report_runs WHERE id = " + run);
        assertNotNull(pageId);
        assertEquals(reportsPage, TestEngine.notion(simulator, "GET", "/v1/pages/" + pageId, "").path("parent").path("page_id").asText());
        List<JsonNode> blocks = children(pageId);
        assertEquals("heading_1", blocks.get(0).path("type").asText());
        assertTrue(blocks.stream().anyMatch(b -> b.path("type").asText().equals("paragraph")
                && b.path("paragraph").path("rich_text").path(0).path("plain_text").asText().startsWith("Deals: " + DEALS + " rows")));
        List<JsonNode> tables = blocks.stream().filter(b -> b.path("type").asText().equals("table")).toList();
        assertEquals(2, tables.size());
        List<List<String>> dealRows = rows(tables.get(0).path("id").asText());
        assertEquals(DEALS + 1, dealRows.size(), "header and every deal, across several appends");
        assertEquals(deals, dealRows, "the Notion table holds what the CSV holds, in order");
        assertEquals(byType, rows(tables.get(1).path("id").asText()));
    }

    /**
     * A generated report as a browser shows it: headless Chromium takes a screenshot, kept in target/report-screenshot
     * to look at (bench/report-screenshot.sh runs just this). The PNG must be a real picture, not a blank page.
     */
    @Test
    @Order(2)
    void htmlReportScreenshotIsReadable() throws Exception {
        Path chromium = Path.of(System.getProperty("chromium", "/usr/bin/chromium"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(chromium),
                chromium + " is absent: install it (apt-get install -y chromium) or point -Dchromium at a Chromium binary");
        sync.reports().run("deals");
        long run = TestEngine.count(sync, "SELECT max(id) FROM notion_sync.report_runs WHERE report = 'deals'");
        Path folder = Path.of("target", "report-screenshot").toAbsolutePath();
        Files.createDirectories(folder);
        Path html = Files.copy(Path.of(TestEngine.queryString(sync, "SELECT html_file FROM notion_sync.report_runs WHERE id = " + run)),
                folder.resolve("report.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path png = folder.resolve("report.png");
        Files.deleteIfExists(png);
        Process process = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory(tempDir, "chromium"), "--screenshot=" + png, "--window-size=1280,1000",
                html.toUri().toString()).redirectErrorStream(true).redirectOutput(folder.resolve("chromium.log").toFile()).start();
        if (!process.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("chromium took longer than 90 s; see " + folder.resolve("chromium.log"));
        }
        assertTrue(Files.isRegularFile(png), "no screenshot; see " + folder.resolve("chromium.log"));
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(1280, image.getWidth());
        // text, bars and table lines: many pixels differ from the white background
        long inked = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                inked += (image.getRGB(x, y) & 0xFFFFFF) == 0xFFFFFF ? 0 : 1;
            }
        }
        assertTrue(inked > 5_000, "the screenshot is nearly blank: " + inked + " inked sample pixels in " + png);
        System.out.println("report screenshot: " + png);
    }

    @Test
    void builtInReportsRunAgainstTheMirroredTables() throws Exception {
        String health = sync.reports().run("sync-health");
        assertTrue(health.contains("report sync-health"), health);
        long run = TestEngine.count(sync, "SELECT max(id) FROM notion_sync.report_runs WHERE report = 'sync-health'");
        String csv = Files.readString(Path.of(csvFiles(run).get(0)));
        List<List<String>> rows = parseCsv(csv);
        assertEquals("source", rows.get(0).get(0));
        for (String seeded : List.of("revenue", "projects")) {
            String source = TestEngine.sourceName(settings, seeded);
            List<String> row = rows.stream().filter(r -> r.get(0).equals(source)).findFirst().orElseThrow(() -> new AssertionError(csv));
            assertEquals(TestEngine.count(sync, "SELECT sum(pages_read) FROM notion_sync.sync_runs WHERE source = '" + source + "'"),
                    Long.parseLong(row.get(1)), "pages read by " + source);
        }

        sync.reports().run("business-summary");
        run = TestEngine.count(sync, "SELECT max(id) FROM notion_sync.report_runs WHERE report = 'business-summary'");
        assertEquals("ok", TestEngine.queryString(sync, "SELECT outcome FROM notion_sync.report_runs WHERE id = " + run));
        List<String> files = csvFiles(run);
        assertEquals(2, files.size(), files.toString());
        List<List<String>> stages = parseCsv(Files.readString(Path.of(files.get(1))));
        assertEquals(DEALS, stages.subList(1, stages.size()).stream().mapToLong(r -> Long.parseLong(r.get(1))).sum(), "every project in a stage");
    }

    @Test
    void failingSqlGoesToDeadLettersAndTheScheduleKeepsFiring() throws Exception {
        // its own database: its schedule must not stay behind in the shared job store of the other tests
        Map<String, String> values = TestEngine.settingsFor(simulator, tempDir.resolve("failing"), "1h", "none");
        values.put("notion.reports", "broken");
        values.put("notion.reports.folder", tempDir.resolve("failing-out").toString());
        values.put("notion.report.broken.cron", "* * * * * ?");
        values.put("notion.report.broken.sql", "SELECT * FROM no_such_table");
        values.put("notion.dead-letter.max-redeliveries", "1");
        values.put("notion.dead-letter.redelivery-delay-ms", "100");
        try (NotionSync failing = NotionSync.create(TestEngine.settings(values))) {
            failing.start();
            TestEngine.await("two scheduled runs of the broken report as dead letters", Duration.ofSeconds(30),
                    () -> TestEngine.count(failing, "SELECT count(*) FROM notion_sync.dead_letters WHERE endpoint_uri = 'direct:report-broken'") >= 2);
            String error = TestEngine.queryString(failing, "SELECT exception_message FROM notion_sync.dead_letters WHERE endpoint_uri = 'direct:report-broken' ORDER BY id LIMIT 1");
            assertTrue(error.contains("no_such_table"), error);
            assertEquals(2, TestEngine.count(failing, "SELECT attempts FROM notion_sync.dead_letters WHERE endpoint_uri = 'direct:report-broken' ORDER BY id LIMIT 1"),
                    "first attempt and one redelivery");
            assertTrue(TestEngine.count(failing, "SELECT count(DISTINCT scheduled_at) FROM notion_sync.report_runs WHERE report = 'broken'"
                    + " AND trigger = 'schedule' AND outcome = 'failed' AND error LIKE '%no_such_table%'") >= 2, "failed runs of separate fires");
        }
    }

    @Test
    void commandLineRunsAReportAndExplainsFailures() throws Exception {
        Map<String, String> values = new HashMap<>(settings);
        values.put("notion.db.url", sync.database().displayUrl());
        values.put("notion.reports", "deals,broken");
        values.put("notion.report.broken.cron", NEVER);
        values.put("notion.report.broken.sql", "SELECT 1/0 AS boom");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ReportCommand.run(new String[]{"run", "deals"}, TestEngine.settings(values), App::startForReports, print(out), print(err));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains(".html") && printed.contains(".csv") && printed.contains("notion page"), printed);
        assertTrue(Files.isRegularFile(Path.of(printed.replaceAll("(?s).*html (\\S+?\\.html).*", "$1"))), printed);

        err.reset();
        assertEquals(1, ReportCommand.run(new String[]{"run", "broken"}, TestEngine.settings(values), App::startForReports, print(out), print(err)));
        assertEquals(1, err.toString(StandardCharsets.UTF_8).lines().count(), err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("division by zero"), err.toString(StandardCharsets.UTF_8));
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.dead_letters WHERE endpoint_uri = 'direct:report-broken'"),
                "a command's run fails once, to the person who typed it: no redeliveries, no dead letter");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.report_runs WHERE report = 'broken' AND outcome = 'failed'"));

        err.reset();
        assertEquals(2, ReportCommand.run(new String[]{"run", "nope"}, TestEngine.settings(values), App::startForReports, print(out), print(err)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no report named 'nope'"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void twoInstancesOnOneDatabaseFireEachScheduledTimeOnce() throws Exception {
        Map<String, String> first = TestEngine.settingsFor(simulator, tempDir.resolve("cluster"), "1h", "none");
        first.put("notion.reports", "tick");
        first.put("notion.report.tick.cron", "0/2 * * * * ?");
        first.put("notion.report.tick.sql", "SELECT 1 AS one");
        first.put("notion.report.tick.outputs", "csv");
        first.put("notion.reports.folder", tempDir.resolve("cluster-out").toString());
        try (NotionSync one = NotionSync.create(TestEngine.settings(first))) {
            one.start();
            Map<String, String> second = new HashMap<>(first);
            second.put("notion.db.url", one.database().displayUrl());
            second.put("camel.server.port", String.valueOf(TestEngine.freePort()));
            second.put("camel.management.port", String.valueOf(TestEngine.freePort()));
            try (NotionSync two = NotionSync.create(TestEngine.settings(second))) {
                two.start();
                long since = TestEngine.count(one, "SELECT count(*) FROM notion_sync.report_runs");
                TestEngine.await("six scheduled times with both instances up", Duration.ofSeconds(40),
                        () -> TestEngine.count(one, "SELECT count(DISTINCT scheduled_at) FROM notion_sync.report_runs WHERE id > " + since) >= 6);
            }
            Map<String, Long> firesPerTime = new TreeMap<>();
            try (Connection c = one.database().dataSource().getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT scheduled_at::text, count(*) FROM notion_sync.report_runs WHERE report = 'tick' GROUP BY 1")) {
                while (rs.next()) {
                    firesPerTime.put(rs.getString(1), rs.getLong(2));
                }
            }
            assertTrue(firesPerTime.size() >= 6, firesPerTime.toString());
            assertTrue(firesPerTime.values().stream().allMatch(n -> n == 1), "each scheduled time fired once: " + firesPerTime);
            assertEquals(0, TestEngine.count(one, "SELECT count(*) FROM notion_sync.report_runs WHERE report = 'tick' AND outcome <> 'ok' AND finished_at IS NOT NULL"));
        }
    }

    private static PrintStream print(ByteArrayOutputStream out) {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }

    private List<String> csvFiles(long run) throws Exception {
        try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT csv_files FROM notion_sync.report_runs WHERE id = " + run)) {
            rs.next();
            return List.of((String[]) rs.getArray(1).getArray());
        }
    }

    private List<JsonNode> children(String blockId) {
        List<JsonNode> all = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode answer = TestEngine.notion(simulator, "GET", "/v1/blocks/" + blockId + "/children?page_size=100"
                    + (cursor == null ? "" : "&start_cursor=" + cursor), "");
            answer.path("results").forEach(all::add);
            cursor = answer.path("has_more").asBoolean() ? answer.path("next_cursor").asText() : null;
        } while (cursor != null);
        return all;
    }

    private List<List<String>> rows(String tableId) {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode row : children(tableId)) {
            List<String> cells = new ArrayList<>();
            for (JsonNode cell : row.path("table_row").path("cells")) {
                StringBuilder text = new StringBuilder();
                cell.forEach(t -> text.append(t.path("plain_text").asText()));
                cells.add(text.toString());
            }
            rows.add(cells);
        }
        return rows;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** A small RFC 4180 reader, to check the writer from the outside. */
    static List<List<String>> parseCsv(String csv) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < csv.length(); i++) {
            char c = csv.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < csv.length() && csv.charAt(i + 1) == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        return rows;
    }
}
