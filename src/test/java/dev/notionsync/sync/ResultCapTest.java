package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SeededSource;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notion's per-query result cap, lowered in the simulator to 20 so a few hundred pages reach it: the created_time
 * walk ends and reads every page of a minute holding more pages than the cap, and an edit made during a long walk
 * to a page already read is pulled by the next run.
 */
class ResultCapTest {

    private static final int CAP = 20;
    private static final Instant IMPORTED = Instant.parse("2026-11-15T10:00:00Z");

    @TempDir
    Path tempDir;

    @Test
    void moreThanTheCapCreatedInOneMinuteAreAllReadAndTheRunEnds() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1))) {
            simulator.model().resultCap(CAP);
            SeededSource agents = simulator.workspace().source("agents");
            // a CSV import: 70 rows created and edited in the same minute
            importPages(simulator, agents, 70, i -> IMPORTED);
            long expected = simulator.model().pages(agents.dataSourceId()).size();
            Map<String, String> values = settings(simulator);
            String table = "\"" + values.get("notion.db.schema") + "\".agents";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                TestEngine.await(expected + " rows", Duration.ofSeconds(60), () -> TestEngine.count(sync, "SELECT count(*) FROM " + table) == expected);
                TestEngine.await("two finished runs", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'ok'") >= 2);
                assertEquals(expected, TestEngine.count(sync, "SELECT coalesce(sum(pages_inserted), 0) FROM notion_sync.sync_runs"),
                        "each page inserted once");
            }
        }
    }

    @Test
    void anEditMadeDuringAWalkToAPageAlreadyReadIsPulledNext() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(1))) {
            simulator.model().resultCap(CAP);
            SeededSource agents = simulator.workspace().source("agents");
            // all edited in one minute (more than the cap in one overlap window), created one a minute
            List<String> ids = importPages(simulator, agents, 200, i -> IMPORTED.minus(300 - i, ChronoUnit.MINUTES));
            Map<String, String> values = settings(simulator);
            values.put("notion.api.rate", "5");   // a walk of a few seconds, to edit pages while it runs
            values.put("notion.sync.overlap", "1s");
            String table = "\"" + values.get("notion.db.schema") + "\".agents";
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                String first = ids.get(0);
                // the walk is past its first windows (the first-created page is read) and far from the last ones
                TestEngine.await("the walk under way", Duration.ofSeconds(60), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE page_id = '" + first + "'") == 1
                        && TestEngine.count(sync, "SELECT count(*) FROM " + table) >= 60);
                String late = ids.subList(190, 200).stream().filter(id -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE page_id = '" + id + "'") == 0).findFirst().orElseThrow();
                JsonNode firstPage = simulator.model().page(first).orElseThrow();
                simulator.model().editPage(first, TestEngine.titleEdit(firstPage, "edited during the walk"));
                // someone edits a page of a later window minutes later (Notion's clock; the walk is still running)
                ObjectNode latePage = simulator.model().page(late).orElseThrow().deepCopy();
                latePage.put("last_edited_time", Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(5, ChronoUnit.MINUTES).toString());
                simulator.model().importPage(latePage);

                String title = "properties -> '" + TestEngine.titleName(firstPage) + "' -> 'title' -> 0 ->> 'plain_text'";
                TestEngine.await("the edit of the first page", Duration.ofSeconds(40), () -> TestEngine.count(sync,
                        "SELECT count(*) FROM " + table + " WHERE page_id = '" + first + "' AND " + title + " = 'edited during the walk'") == 1);
            }
        }
    }

    private Map<String, String> settings(NotionSimulator simulator) {
        Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1s", "agents");
        values.put("notion.api.rate", "200");
        values.put("notion.sync.page-size", "10");
        return values;
    }

    /** Pages like the source's first, with distinct titles, created at the given times, edited at IMPORTED. */
    private static List<String> importPages(NotionSimulator simulator, SeededSource source, int count,
                                            java.util.function.IntFunction<Instant> created) {
        ObjectNode template = simulator.model().pages(source.dataSourceId()).get(0);
        String titleName = TestEngine.titleName(template);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ObjectNode page = template.deepCopy();
            String id = UUID.nameUUIDFromBytes(("import-" + i).getBytes(StandardCharsets.UTF_8)).toString();
            page.put("id", id);
            page.put("created_time", created.apply(i).toString());
            page.put("last_edited_time", IMPORTED.toString());
            ObjectNode text = page.with("properties").with(titleName).putArray("title").addObject();
            text.put("type", "text").put("plain_text", "Row " + i).putObject("text").put("content", "Row " + i);
            simulator.model().importPage(page);
            ids.add(id);
        }
        return ids;
    }
}
