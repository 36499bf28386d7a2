package dev.notionsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** notion-sync bootstrap's command line: its arguments, its exit codes, and its progress on stdout. */
class BootstrapCommandTest {

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final List<String> calls = new ArrayList<>();

    final Settings settings = Settings.load(Path.of("application.properties"), Map.of("NOTION_TOKEN", "T")::get)
            .with(Map.of("notion.sources", "agents,projects", "notion.source.agents.mode", "bind"));

    int run(boolean complete, String... args) {
        return BootstrapCommand.run(args, settings, s -> new BootstrapCommand.BootstrapEngine() {
            @Override
            public boolean bootstrap(String source, String parent, java.util.function.Consumer<String> progress) {
                calls.add(source + " " + parent);
                progress.accept("bootstrap " + source + ": 3/3 rows, 3.0 rows/s, about 0s left");
                return complete;
            }

            @Override
            public void close() {
            }
        }, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void aSourceAndItsParent() {
        assertEquals(0, run(true, "agents", "--parent", "https://www.notion.so/HQ-0123456789abcdef0123456789abcdef"));
        assertEquals(List.of("agents https://www.notion.so/HQ-0123456789abcdef0123456789abcdef"), calls);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("bootstrap agents: 3/3 rows"));
        assertEquals(0, run(true, "--parent", "p", "agents"));
        assertEquals(0, run(true, "agents"), "resuming needs no parent");
        assertEquals("agents null", calls.get(2));
    }

    @Test
    void rowsLeftWithoutAPageExitOne() {
        assertEquals(1, run(false, "agents"));
    }

    @Test
    void wrongArgumentsSaySoWithTheBoundSources() {
        assertEquals(2, run(true));
        assertEquals(2, run(true, "agents", "extra"));
        assertEquals(2, run(true, "agents", "--parent"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("usage: bootstrap <source> [--parent <page id or URL>]; bound sources: agents"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(List.of(), calls);
    }
}
