package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.MirrorTable;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The incremental read of one data source, planned without Notion or PostgreSQL. */
class QueryPlannerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    static final MirrorTable TABLE = PageReaderTest.TABLE;

    final QueryPlanner planner = new QueryPlanner(Duration.ofMinutes(2), Duration.ofSeconds(5), 100);

    @Test
    void theFirstReadAsksForEverythingOldestEditFirst() throws Exception {
        NotionRequest query = planner.query(new PullRun.Target(TABLE, null), null);

        assertEquals("POST", query.method());
        assertEquals("/v1/data_sources/" + TABLE.dataSourceId() + "/query", query.path());
        JsonNode body = JSON.readTree(query.body());
        assertFalse(body.has("filter"));
        assertEquals("last_edited_time", body.path("sorts").path(0).path("timestamp").asText());
        assertEquals("ascending", body.path("sorts").path(0).path("direction").asText());
        assertEquals(100, body.path("page_size").asInt());
        assertFalse(body.has("start_cursor"));
        assertEquals(TABLE.schemaPropertyIds(), query.properties(), "the query names every property of the schema");
    }

    /** Pages edited since the watermark less the overlap: an edit Notion stamped late is not missed. */
    @Property(tries = 200)
    void theQueryReadsFromTheWatermarkLessTheOverlap(@ForAll @LongRange(min = 0, max = 4_000_000_000L) long watermarkSeconds,
                                                     @ForAll @IntRange(min = 0, max = 3600) int overlapSeconds,
                                                     @ForAll @IntRange(min = 1, max = 100) int pageSize) throws Exception {
        Instant watermark = Instant.ofEpochSecond(watermarkSeconds);
        QueryPlanner planner = new QueryPlanner(Duration.ofSeconds(overlapSeconds), Duration.ofSeconds(5), pageSize);

        JsonNode body = JSON.readTree(planner.query(new PullRun.Target(TABLE, watermark), "cursor-1").body());

        JsonNode condition = body.path("filter").has("and") ? body.path("filter").path("and").path(0) : body.path("filter");
        assertEquals("last_edited_time", condition.path("timestamp").asText());
        assertEquals(watermark.minusSeconds(overlapSeconds), Instant.parse(condition.path("last_edited_time").path("on_or_after").asText()));
        assertEquals(pageSize, body.path("page_size").asInt());
        assertEquals("cursor-1", body.path("start_cursor").asText());
    }

    /** The watermark a result page commits is its newest edit, but never later than now less the lag. */
    @Property(tries = 300)
    void theWatermarkNeverPassesNowLessTheLag(@ForAll @LongRange(min = -86_400, max = 86_400) long newestOffsetSeconds,
                                             @ForAll @IntRange(min = 0, max = 600) int lagSeconds,
                                             @ForAll boolean hasMore) {
        QueryPlanner planner = new QueryPlanner(Duration.ofMinutes(2), Duration.ofSeconds(lagSeconds), 100);
        Instant newest = NOW.plusSeconds(newestOffsetSeconds);

        QueryPlanner.Step step = planner.afterResults(new PullRun.Target(TABLE, null), false, hasMore, newest, NOW, "projects");

        Instant settled = NOW.minusSeconds(lagSeconds);
        assertEquals(newest.isBefore(settled) ? newest : settled, step.watermark());
        assertFalse(step.watermark().isAfter(settled));
        assertEquals(hasMore ? QueryPlanner.Next.NEXT_PAGE : QueryPlanner.Next.DONE, step.next());
    }

    @Test
    void aResultPageWithoutPagesCommitsNoWatermark() {
        QueryPlanner.Step step = planner.afterResults(new PullRun.Target(TABLE, NOW.minusSeconds(600)), false, false, null, NOW, "projects");

        assertEquals(QueryPlanner.Next.DONE, step.next());
        assertNull(step.watermark());
    }

    /** At Notion's result cap a query that moved its watermark restarts from there, edit-time ordered as before. */
    @Test
    void aCappedQueryRestartsFromTheCommittedWatermark() {
        Instant before = NOW.minus(1, ChronoUnit.DAYS);
        PullRun.Target target = new PullRun.Target(TABLE, before);
        Instant committed = before.plus(3, ChronoUnit.HOURS);

        assertEquals(QueryPlanner.Next.RESULT_CAP, planner.afterResults(target, true, true, committed, NOW, "projects").next());
        planner.continueAfterResultCap(target, committed, NOW, "projects");

        assertFalse(target.windowed);
        assertEquals(committed, target.watermark);
    }

    /**
     * 10,000+ pages edited within one overlap window (a bulk import) keep the watermark where it was: the read walks
     * created_time windows instead, from that watermark, and the walk's watermark is where it began, less the lag.
     */
    @Test
    void aStuckWatermarkTurnsTheReadIntoACreatedTimeWalk() throws Exception {
        Instant before = NOW.minus(1, ChronoUnit.DAYS);
        PullRun.Target target = new PullRun.Target(TABLE, before);
        Instant walkStart = NOW.plusSeconds(42);

        planner.continueAfterResultCap(target, before, walkStart, "projects");

        assertTrue(target.windowed);
        assertEquals(before, target.watermark);
        JsonNode body = JSON.readTree(planner.query(target, null).body());
        assertEquals("created_time", body.path("sorts").path(0).path("timestamp").asText());
        assertTrue(body.path("filter").toString().contains(before.minus(Duration.ofMinutes(2)).toString()), "still from the watermark less the overlap");

        target.walk.read(page("2026-11-30T10:00:00.000Z"));
        QueryPlanner.Step step = planner.afterResults(target, false, false, null, walkStart, "projects");

        assertEquals(QueryPlanner.Next.DONE, step.next());
        assertEquals(walkStart.minusSeconds(5).truncatedTo(ChronoUnit.MINUTES), step.watermark());
    }

    @Test
    void aWalkPagesThroughAWindowAndCommitsNothingBeforeItEnds() {
        PullRun.Target target = new PullRun.Target(TABLE, null);
        planner.continueAfterResultCap(target, null, NOW, "projects");
        target.walk.read(page("2026-11-30T10:00:00.000Z"));

        QueryPlanner.Step step = planner.afterResults(target, false, true, null, NOW, "projects");

        assertEquals(QueryPlanner.Next.NEXT_PAGE, step.next());
        assertNull(step.watermark());
    }

    /** A capped window of the walk is split and read again: the walk goes on, the watermark waits. */
    @Test
    void aCappedWindowOfTheWalkIsReadInSmallerWindows() {
        PullRun.Target target = new PullRun.Target(TABLE, null);
        planner.continueAfterResultCap(target, null, NOW, "projects");
        target.walk.read(page("2026-11-30T10:00:00.000Z"));
        target.walk.read(page("2026-11-30T11:00:00.000Z"));

        QueryPlanner.Step step = planner.afterResults(target, true, false, null, NOW, "projects");

        assertEquals(QueryPlanner.Next.NEXT_WINDOW, step.next());
        assertNull(step.watermark());
        assertFalse(target.walk.conditions().isEmpty(), "the next window starts where the capped one stopped");
    }

    /** A rejected cursor restarts the query: from the committed watermark, or where the walk stands. */
    @Test
    void aRestartGoesBackToTheCommittedWatermark() {
        Instant before = NOW.minus(1, ChronoUnit.DAYS);
        PullRun.Target target = new PullRun.Target(TABLE, before);
        planner.restart(target, before.plusSeconds(60));
        assertEquals(before.plusSeconds(60), target.watermark);

        planner.restart(target, null);
        assertEquals(before.plusSeconds(60), target.watermark, "no committed watermark: the query keeps its own");

        PullRun.Target walking = new PullRun.Target(TABLE, before);
        planner.continueAfterResultCap(walking, before, NOW, "projects");
        planner.restart(walking, before.plusSeconds(600));
        assertEquals(before, walking.watermark, "a walk does not go by the committed watermark");
    }

    static ObjectNode page(String createdTime) {
        ObjectNode page = JSON.createObjectNode().put("object", "page").put("id", "p").put("created_time", createdTime);
        page.putObject("properties");
        return page;
    }
}
