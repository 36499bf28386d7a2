package dev.notionsync.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans the incremental read of one data source ({@link PullRun.Target}): the next query (pages edited since the
 * watermark minus {@code overlap}, oldest first), what a result page means for the read (the next cursor, the next
 * created_time window, the result cap, done) and the watermark it lets the pull commit (never later than now minus
 * {@code lag}, as Notion may still be settling edits). No I/O: the pull route sends and writes.
 */
public final class QueryPlanner {

    private static final Logger LOG = LoggerFactory.getLogger(QueryPlanner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Duration overlap;
    private final Duration lag;
    private final int pageSize;

    /** What comes after a result page. */
    public enum Next {
        /** the same query's next result page (its cursor) */
        NEXT_PAGE,
        /** the created_time walk's next window */
        NEXT_WINDOW,
        /** Notion stopped the query at its 10,000-result cap: see {@link #continueAfterResultCap} */
        RESULT_CAP,
        /** the data source is read */
        DONE
    }

    /** The plan after a result page: what comes next, and the watermark to commit with the page (null: none). */
    public record Step(Next next, Instant watermark) {
    }

    public QueryPlanner(Duration overlap, Duration lag, int pageSize) {
        this.overlap = overlap;
        this.lag = lag;
        this.pageSize = pageSize;
    }

    /** The data source query for the target's next result page; {@code cursor} null starts the query. */
    public NotionRequest query(PullRun.Target target, String cursor) {
        ObjectNode body = JSON.createObjectNode();
        List<ObjectNode> conditions = new ArrayList<>();
        if (target.watermark != null) {
            conditions.add(timestampCondition("last_edited_time", target.watermark.minus(overlap)));
        }
        if (target.windowed) {
            conditions.addAll(target.walk.conditions());
        }
        ObjectNode filter = CreatedTimeWalk.allOf(conditions);
        if (filter != null) {
            body.set("filter", filter);
        }
        ArrayNode sorts = body.putArray("sorts");
        if (target.windowed) {
            sorts.add(CreatedTimeWalk.sort());
        } else {
            sorts.addObject().put("timestamp", "last_edited_time").put("direction", "ascending");
        }
        body.put("page_size", pageSize);
        if (cursor != null) {
            body.put("start_cursor", cursor);
        }
        return NotionRequest.post("/v1/data_sources/" + target.table.dataSourceId() + "/query", body.toString())
                .withProperties(target.table.schemaPropertyIds());
    }

    /**
     * Notes a result page of the target's query (its pages have been read into {@code target.walk} when windowed).
     *
     * @param capped        Notion stopped the query at its result cap (request_status incomplete)
     * @param hasMore       Notion offers a next cursor
     * @param newestEdited  the latest last_edited_time among the page's rows, or null when it had none
     * @param now           when the result page was read
     * @param source        the source's name, for the log
     */
    public Step afterResults(PullRun.Target target, boolean capped, boolean hasMore, Instant newestEdited, Instant now, String source) {
        boolean queryEnded = capped || !hasMore;
        if (target.windowed) {
            boolean done = queryEnded && target.walk.queryEnded(capped);
            Instant watermark = done ? walkWatermark(target, source) : null;
            // a capped window that ends the walk (it reached no page) starts the walk over, as any capped query does
            return new Step(!queryEnded ? Next.NEXT_PAGE : !done ? Next.NEXT_WINDOW : capped ? Next.RESULT_CAP : Next.DONE, watermark);
        }
        Instant watermark = newestEdited == null ? null : min(newestEdited, now.minus(lag));
        return new Step(capped ? Next.RESULT_CAP : queryEnded ? Next.DONE : Next.NEXT_PAGE, watermark);
    }

    /**
     * Notion stopped a query after 10,000 results. The read restarts from the committed watermark; if that has not
     * moved (10,000+ pages edited within one overlap window, as after a bulk import), it walks created_time windows
     * instead, from the stuck window's start.
     *
     * @param committed the watermark as committed now (null: none)
     * @param now       when the walk would begin
     */
    public void continueAfterResultCap(PullRun.Target target, Instant committed, Instant now, String source) {
        Instant before = target.watermark;
        restart(target, committed);
        if (before != null && !target.watermark.isAfter(before) || before == null && target.watermark == null) {
            // read the stuck window again from its oldest page, now in created_time order
            target.windowed = true;
            target.watermark = before;
            target.walk = new CreatedTimeWalk(null);
            target.walkStartedAt = now;
        }
        LOG.info("pull {}: {} hit Notion's 10,000-result cap; continuing {}", source, target.table.table(),
                target.windowed ? "in created_time windows" : "from watermark " + target.watermark);
    }

    /**
     * The target's query starts over (from its first result page): from the committed watermark, or where a
     * created_time walk stands.
     *
     * @param committed the watermark as committed now (null: none)
     */
    public void restart(PullRun.Target target, Instant committed) {
        if (!target.windowed && committed != null) {
            target.watermark = committed;
        }
    }

    /**
     * The watermark once a created_time walk is done. Windows are read in created_time order, so an edit made during
     * the walk to a page of a window already read shows up in no later window: only the time the walk began is safe
     * (its minute, as Notion rounds edit times down to it). Where the walk could not read a crowded minute whole,
     * the watermark stays, so no later run skips what it could not read.
     */
    private Instant walkWatermark(PullRun.Target target, String source) {
        List<CreatedTimeWalk.Slice> unread = target.walk.unreadMinutes();
        if (!unread.isEmpty()) {
            LOG.warn("pull {}: {} holds more pages created in one minute ({}) than one Notion query returns (10,000), alike in"
                            + " every text property, so some may be unread; the watermark stays. Give those pages distinct titles, or"
                            + " let webhooks deliver them", source, target.table.table(),
                    unread.stream().map(s -> s.minute().toString()).distinct().toList());
            target.leftUnread = true;
            return null;
        }
        return target.walkStartedAt.minus(lag).truncatedTo(ChronoUnit.MINUTES);
    }

    private static ObjectNode timestampCondition(String timestamp, Instant onOrAfter) {
        ObjectNode condition = JSON.createObjectNode();
        condition.put("timestamp", timestamp);
        condition.putObject(timestamp).put("on_or_after", onOrAfter.toString());
        return condition;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
