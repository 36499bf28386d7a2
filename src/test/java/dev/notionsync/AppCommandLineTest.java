package dev.notionsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a user sees on the command line when something is missing or mistyped. */
class AppCommandLineTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return App.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void runWithoutTokenExitsTwoWithOneLineSayingWhatToSet() {
        assumeTrue(System.getenv("NOTION_TOKEN") == null && System.getenv("NOTION_API_TOKEN") == null,
                "NOTION_TOKEN is set in this environment");
        assertEquals(2, run());
        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().contains("NOTION_TOKEN") && stderr().contains("demo"), stderr());
    }

    @Test
    void unknownCommandExitsTwo() {
        assertEquals(2, run("sink"));
        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().contains("unknown command 'sink'"), stderr());
    }

    @Test
    void helpListsTheCommands() {
        assertEquals(0, run("help"));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("demo") && text.contains("simulate") && text.contains("run"), text);
    }

    @Test
    void reportRunOfAnUnknownReportExitsTwoNamingTheReports() {
        assertEquals(2, run("report", "run", "no-such-report"));
        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().contains("no report named 'no-such-report'") && stderr().contains("sync-health"), stderr());
    }

    @Test
    void reportRunWithACronThatNeverFiresExitsTwoNamingTheSetting() {
        System.setProperty("notion.report.sync-health.cron", "0 0 7 31 2 ?");
        try {
            assertEquals(2, run("report", "run", "sync-health"));
        } finally {
            System.clearProperty("notion.report.sync-health.cron");
        }
        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().contains("notion.report.sync-health.cron never fires"), stderr());
    }

    @Test
    void simulateWithoutTokenExitsTwo() {
        assumeTrue(System.getenv("NOTION_SIM_TOKEN") == null, "NOTION_SIM_TOKEN is set in this environment");
        assertEquals(2, run("simulate", "--port", "0"));
    }

    @Test
    void simulateWithAPortThatIsNoNumberSaysSoInOneLine() {
        assertEquals(2, run("simulate", "--port", "abc", "--token", "t"));
        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().contains("--port") && stderr().contains("'abc'") && !stderr().contains("For input string"), stderr());
    }

    @Test
    void demoWithAnUnknownArgumentExitsTwoWithTheUsage() {
        // were the argument ignored, the demo would start: on a free simulator port, and stop at a database that refuses
        java.util.Map<String, String> harmless = java.util.Map.of("notion.demo.simulator-port", String.valueOf(TestEngine.freePort()),
                "notion.db.url", "jdbc:postgresql://127.0.0.1:1/nothing-listens-here");
        harmless.forEach(System::setProperty);
        try {
            assertEquals(2, run("demo", "extra"));
        } finally {
            harmless.keySet().forEach(System::clearProperty);
        }
        assertTrue(stderr().contains("demo takes no arguments") && stderr().contains("'extra'") && stderr().contains("usage:"), stderr());
    }

    @Test
    void runWithAnUnknownArgumentExitsTwoWithTheUsage() {
        assertEquals(2, run("run", "--verbose"));
        assertTrue(stderr().contains("run takes no arguments") && stderr().contains("'--verbose'") && stderr().contains("usage:"), stderr());
    }

    @Test
    void consoleWithABadPortExitsTwoWithOneLine() {
        assertEquals(2, run("console", "--port", "eighty"));
        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().contains("'eighty'") && stderr().contains("--port"), stderr());
    }

    @Test
    void consoleWithoutTheManagementPasswordExitsTwoSayingWhatToSet() {
        assumeTrue(System.getenv("NOTION_MANAGEMENT_PASSWORD") == null, "NOTION_MANAGEMENT_PASSWORD is set in this environment");
        assertEquals(2, run("console", "--port", "0"));
        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().contains("NOTION_MANAGEMENT_PASSWORD"), stderr());
    }

    @Test
    void statusWithArgumentsExitsTwo() {
        assertEquals(2, run("status", "projects"));
        assertEquals(1, stderr().lines().count(), stderr());
    }

    @Test
    void statusWithoutARunningInstanceExitsOneSayingSo() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        assertEquals(1, dev.notionsync.cli.StatusCommand.run(new String[0], dev.notionsync.cli.ManagementAddress.local(closedPort), java.util.Optional.empty(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().contains("no running notion-sync answers at 127.0.0.1:" + closedPort), stderr());
    }
}
