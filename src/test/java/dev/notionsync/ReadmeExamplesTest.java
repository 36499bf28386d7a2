package dev.notionsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's examples, run as printed against the workspace `demo` seeds. */
class ReadmeExamplesTest {

    @TempDir
    Path tempDir;

    @Test
    void thePushExamplesChangeDemoRowsAndReachNotion() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("## How a push works"), readme.indexOf("## Type mapping"));
        List<String> statements = section.lines().map(String::trim)
                .filter(l -> l.startsWith("UPDATE notion.projects") || l.startsWith("INSERT INTO notion.projects") || l.startsWith("DELETE FROM notion.projects"))
                .map(l -> l.replaceAll("\\s*--.*$", "").replaceAll(";$", "")).toList();
        assertEquals(3, statements.size(), section);

        // the demo's workspace: the default seed and notion.demo.pages
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(50))) {
            Map<String, String> settings = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
            String source = TestEngine.sourceName(settings, "projects");
            settings.put("notion.source." + source + ".direction", "both");
            settings.put("notion.push.poll", "200ms");
            String schema = settings.get("notion.db.schema");
            try (NotionSync sync = NotionSync.create(TestEngine.settings(settings))) {
                sync.start();
                TestEngine.await("the projects rows", Duration.ofSeconds(60),
                        () -> TestEngine.count(sync, "SELECT count(*) FROM \"" + schema + "\".projects") == 50);
                try (Connection c = sync.database().dataSource().getConnection(); Statement st = c.createStatement()) {
                    for (String statement : statements) {
                        assertEquals(1, st.executeUpdate(statement.replace("notion.projects", "\"" + schema + "\".projects")), statement);
                    }
                }
                String updated = statements.get(0).replaceAll(".*WHERE name = '([^']+)'.*", "$1");
                String deleted = statements.get(2).replaceAll(".*WHERE name = '([^']+)'.*", "$1");
                String projects = simulator.workspace().source("projects").dataSourceId();
                TestEngine.await("the update, the new page and the trashed page in Notion", Duration.ofSeconds(30), () -> {
                    List<? extends JsonNode> pages = simulator.model().pages(projects);
                    return pages.stream().anyMatch(p -> title(p).equals(updated) && p.at("/properties/Budget/number").asDouble() == 125000)
                            && pages.stream().anyMatch(p -> title(p).equals("New project"))
                            && pages.stream().anyMatch(p -> title(p).equals(deleted) && p.path("in_trash").asBoolean());
                });
            }
        }
    }

    private static String title(JsonNode page) {
        return page.at("/properties/Name/title/0/plain_text").asText();
    }
}
