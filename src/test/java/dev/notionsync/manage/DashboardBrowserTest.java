package dev.notionsync.manage;

import static dev.notionsync.manage.DashboardFixture.PASSWORD;
import static dev.notionsync.manage.DashboardFixture.USER;
import static dev.notionsync.manage.DashboardTest.card;
import static dev.notionsync.manage.DashboardTest.figure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dashboard in a real browser (headless Chromium), against a running engine: the page loads with the management
 * credentials, its script runs under its own Content-Security-Policy and refreshes the figures, the figures are the
 * database's, and a screenshot is saved (target/dashboard-screenshot/dashboard.png) for a person to look at.
 */
@ExtendWith(IntegrationExtension.class)
class DashboardBrowserTest {

    private static final Path FOLDER = Path.of("target", "dashboard-screenshot").toAbsolutePath();

    @Test
    void theDashboardRendersRefreshesAndShowsTheDatabasesFigures(Integration it) throws Exception {
        Path chromium = Path.of(System.getProperty("chromium", "/usr/bin/chromium"));
        Assumptions.assumeTrue(Files.isExecutable(chromium),
                chromium + " is absent: install it (apt-get install -y chromium) or point -Dchromium at a Chromium binary");
        DashboardFixture f = DashboardFixture.start(it);
        Files.createDirectories(FOLDER);
        String url = "http://" + USER + ":" + PASSWORD + "@127.0.0.1:" + f.settings.get("camel.management.port") + ManagementEndpoints.DASHBOARD_PATH;

        // 25 s of the page's time: two of its refreshes
        String dom = chromium(chromium, it, "dom", "--virtual-time-budget=25000", "--dump-dom", url);
        assertTrue(dom.contains("id=\"dashboard\""), "the page did not load: " + dom);
        Matcher refreshes = Pattern.compile("data-refreshes=\"(\\d+)\"").matcher(dom);
        assertTrue(refreshes.find() && Integer.parseInt(refreshes.group(1)) >= 1, "the page's script did not refresh it: " + dom);
        assertTrue(dom.contains("live: refreshes every 10 s"), "the refresh failed: " + dom);
        assertEquals(String.valueOf(f.count("SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'")), figure(dom, "open_dead_letters"));
        assertEquals(String.valueOf(f.count("SELECT count(*) FROM notion_sync.outbox WHERE status = 'pending'")), figure(dom, "push_backlog"));
        assertEquals(String.valueOf(f.count("SELECT count(*) FROM notion_sync.webhook_inbox WHERE status IN ('pending', 'processing')")),
                figure(dom, "inbox_backlog"));
        assertEquals(String.valueOf(f.count("SELECT count(*) FROM notion_sync.conflicts")), figure(dom, "conflicts_24h"));
        for (String source : List.of(f.projects, f.revenue)) {
            assertEquals(String.valueOf(f.count("SELECT sum(pages_inserted + pages_updated) FROM notion_sync.sync_runs WHERE source = "
                    + DashboardFixture.literal(source))), figure(card(dom, source), "pages_written_24h"), source);
        }
        // the hostile texts stayed text: the browser ran no script of theirs and made no element of them
        assertFalse(dom.contains("<img src=\"x\"") || dom.contains("<img src=x"), "a hostile text became an element");
        assertTrue(dom.contains("&lt;script&gt;alert(\"pwn'd\")&lt;/script&gt;"), "the hostile error, shown as text");

        Path png = FOLDER.resolve("dashboard.png");
        Files.deleteIfExists(png);
        chromium(chromium, it, "screenshot", "--virtual-time-budget=3000", "--hide-scrollbars", "--screenshot=" + png, "--window-size=1280,1600", url);
        assertTrue(Files.isRegularFile(png), "no screenshot; see " + FOLDER.resolve("chromium-screenshot.log"));
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(1280, image.getWidth());
        long inked = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                inked += rgb == 0xFFFFFF || rgb == 0xF6F8FA ? 0 : 1;
            }
        }
        assertTrue(inked > 20_000, "the screenshot is nearly blank: " + inked + " inked sample pixels in " + png);
        System.out.println("dashboard screenshot: " + png);
    }

    /** Runs headless Chromium on the page; its standard output (the DOM for --dump-dom). */
    private static String chromium(Path chromium, Integration it, String name, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory(it.folder(), "chromium")));
        command.addAll(List.of(arguments));
        Path out = FOLDER.resolve("chromium-" + name + ".out");
        Path log = FOLDER.resolve("chromium-" + name + ".log");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("chromium took longer than 90 s; see " + log);
        }
        return Files.readString(out);
    }
}
