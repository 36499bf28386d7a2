package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.CommentRows;
import dev.notionsync.store.CommentTables;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads comments from Notion into the comments tables (routes/notion-comments.camel.yaml), through the door's
 * background lane. Notion has no "comments changed since" query, and a new comment is not known to move its page's
 * last_edited_time, so each run lists the comments of the pages that are due ({@link CommentRows#duePages}): never
 * listed, edited since their last listing, or listed longer ago than notion.comments.rescan. Webhooks
 * (comment.created/updated/deleted) bring single comments at once ({@link #applyEvent}). A source's comments are read
 * with its connection; a connection whose integration lacks the "Read comments" capability rests on its own.
 */
public final class CommentsReader {

    /** Comments were refused with 403: the integration lacks the "Read comments" capability. */
    public static final class CapabilityMissingException extends RuntimeException {
        CapabilityMissingException(String connection, NotionApiException cause, Duration pause) {
            super("Notion refused to list comments (403 " + cause.code() + ") to connection " + connection + ": enable the capability"
                    + " \"Read comments\" in its integration's Capabilities at notion.so/profile/integrations; its comments are not read"
                    + " meanwhile (tried again every " + pause.toMinutes() + " min), property sync goes on", cause);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(CommentsReader.class);
    /** Pages listed per run at most: a run ends in reasonable time; the next one goes on with the oldest listed. */
    static final int PAGES_PER_RUN = 100;

    private final SourceDoors doors;
    private final CommentRows rows;
    private final Map<String, CommentTables.Table> tables;
    private final String schema;
    private final Duration rescan;
    private final Duration pauseAfterRefusal;
    private final BotIdentity bot;
    private final Clock clock;
    /** Per connection: until when reading rests after a 403, and whether that refusal was said. */
    private final Map<String, Instant> pausedUntil = new ConcurrentHashMap<>();
    private final Set<String> refusalWarned = ConcurrentHashMap.newKeySet();

    /**
     * @param tables            the comments table of each source with comments on, by source name
     * @param pauseAfterRefusal how long reading rests after a 403 (missing capability) before asking again
     */
    public CommentsReader(SourceDoors doors, CommentRows rows, Map<String, CommentTables.Table> tables, String schema, Duration rescan,
                          Duration pauseAfterRefusal, BotIdentity bot, Clock clock) {
        this.doors = doors;
        this.rows = rows;
        this.tables = tables;
        this.schema = schema;
        this.rescan = rescan;
        this.pauseAfterRefusal = pauseAfterRefusal;
        this.bot = bot;
        this.clock = clock;
    }

    public boolean enabled() {
        return !tables.isEmpty();
    }

    /**
     * One run: lists the comments of the due pages of every source with comments on.
     *
     * @return what was done, for the log
     * @throws CapabilityMissingException a connection's first 403 (later ones while the capability stays missing are quiet),
     *                                     once the other connections' sources were read
     */
    public String readDue() throws Exception {
        int pages = 0;
        int changed = 0;
        List<String> paused = new ArrayList<>();
        CapabilityMissingException missing = null;
        for (Map.Entry<String, CommentTables.Table> entry : tables.entrySet()) {
            String source = entry.getKey();
            String connection = doors.connection(source);
            CommentTables.Table table = entry.getValue();
            List<CommentRows.DuePage> due = resting(connection) ? List.of()
                    : rows.duePages(source, schema, rows.mirrorTables(source, schema), rescan, PAGES_PER_RUN - pages);
            for (CommentRows.DuePage page : due) {
                try {
                    changed += readPage(source, table, page);
                    pages++;
                    if (refusalWarned.remove(connection)) {
                        LOG.info("comments: Notion lists comments to connection {} again", connection);
                    }
                } catch (NotionApiException e) {
                    if (e.isTransient()) {
                        throw e;   // the run ends; the next one starts again with the pages still due
                    }
                    if (e.status() == 403) {
                        pausedUntil.put(connection, clock.instant().plus(pauseAfterRefusal));
                        if (refusalWarned.add(connection) && missing == null) {
                            missing = new CapabilityMissingException(connection, e, pauseAfterRefusal);
                        }
                        break;
                    }
                    refused(source, page, e);
                }
            }
            if (resting(connection) && !paused.contains(connection)) {
                paused.add(connection);
            }
        }
        if (missing != null) {
            throw missing;
        }
        return pages + " pages listed, " + changed + " comment rows changed"
                + (paused.isEmpty() ? "" : "; connection " + String.join(", ", paused) + " paused (the \"Read comments\" capability was missing)");
    }

    /** Whether a connection's comments rest after a 403 (the capability missing). */
    private boolean resting(String connection) {
        Instant until = pausedUntil.get(connection);
        return until != null && clock.instant().isBefore(until);
    }

    /** Lists one page's comments (and those of its blocks known to carry comments) and stores them as one listing. */
    private int readPage(String source, CommentTables.Table table, CommentRows.DuePage page) throws Exception {
        Instant askedAt = clock.instant();
        NotionApi notion = doors.of(source);
        List<CommentRows.Comment> comments = new ArrayList<>(list(notion, page.pageId(), page.pageId()));
        List<String> blocks = rows.commentedBlocks(table, page.pageId());
        for (String block : blocks) {
            try {
                comments.addAll(list(notion, block, page.pageId()));
            } catch (NotionApiException e) {
                if (e.status() != 404) {
                    throw e;
                }   // the block is gone, and its comments with it
            }
        }
        return rows.storeListing(table, page.pageId(), page.lastEditedTime(), blocks, comments, bot.id(doors.connection(source)), askedAt);
    }

    /** Every open comment whose parent is exactly this page or block (GET /v1/comments, 100 a page). */
    private List<CommentRows.Comment> list(NotionApi notion, String blockId, String pageId) {
        List<CommentRows.Comment> comments = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode answer = notion.call(NotionRequest.get("/v1/comments", "block_id=" + blockId + "&page_size=100"
                    + (cursor == null ? "" : "&start_cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8))));
            answer.path("results").forEach(c -> comments.add(CommentRows.Comment.of(c, pageId)));
            cursor = answer.path("has_more").asBoolean() ? answer.path("next_cursor").asText(null) : null;
        } while (cursor != null);
        return comments;
    }

    /** A page Notion will not give (404: gone or not shared): recorded, logged the first time, asked again at the rescan. */
    private void refused(String source, CommentRows.DuePage page, NotionApiException e) throws SQLException {
        boolean before = rows.wasRefused(source, page.pageId());
        rows.refused(source, page.pageId(), page.lastEditedTime(), e.status(), e.getMessage());
        if (!before) {
            LOG.warn("comments {}: Notion will not list the comments of page {} ({} {}): {}; asked again in {}", source, page.pageId(), e.status(),
                    e.code(), e.status() == 404 ? "it is gone, or not shared with the integration" : e.getMessage(), rescan);
        }
    }

    /**
     * Applies the webhook events of one comment: on a page of a source with comments on, the comment is fetched and
     * stored (or marked deleted); on any other page nothing is asked of Notion. The event only says which page: the
     * comment's own parent, as Notion answers it, decides its table (a comment on a block names no page; the
     * event's stands), so a replayed or forged event never puts another page's comment into a table.
     *
     * @param pageIds the events' data.page_id
     * @return the inbox note: "applied: …" or "ignored: …"
     */
    public String applyEvent(String commentId, List<String> types, List<String> pageIds) throws Exception {
        Holder holder = null;
        String pageId = null;
        for (String page : pageIds) {
            if (holder == null) {
                holder = holderOf(page);
                pageId = page;
            }
        }
        if (holder == null) {
            return "ignored: a comment on a page of no source with comments on";
        }
        if (!types.isEmpty() && types.get(types.size() - 1).equals("comment.deleted")) {
            rows.markDeleted(holder.table(), commentId, "deleted");
            return "applied: comment deleted";
        }
        JsonNode comment;
        Instant askedAt = clock.instant();
        String connection = doors.connection(holder.source());
        try {
            comment = doors.of(holder.source()).call(NotionRequest.get("/v1/comments/" + commentId));
        } catch (NotionApiException e) {
            if (e.status() == 404) {
                rows.markDeleted(holder.table(), commentId, "deleted");
                return "applied: comment gone";
            }
            if (e.status() == 403) {
                if (refusalWarned.add(connection)) {
                    LOG.warn("comments: {}", new CapabilityMissingException(connection, e, pauseAfterRefusal).getMessage());
                }
                return "ignored: the \"Read comments\" capability is missing";
            }
            throw e;
        }
        CommentRows.Comment read = CommentRows.Comment.of(comment, pageId);
        Holder owner = read.pageId().equals(pageId) ? holder : holderOf(read.pageId());
        if (owner == null) {
            return "ignored: comment " + commentId + " is on page " + read.pageId() + ", of no source with comments on";
        }
        rows.store(owner.table(), read, bot.id(doors.connection(owner.source())), askedAt);
        return "applied: " + String.join(",", types);
    }

    /** A source with comments on and its comments table. */
    private record Holder(String source, CommentTables.Table table) {
    }

    /** The source with comments on whose mirror holds the page, and its comments table; null when none does. */
    private Holder holderOf(String pageId) throws SQLException {
        for (Map.Entry<String, CommentTables.Table> entry : tables.entrySet()) {
            if (rows.holdsPage(schema, rows.mirrorTables(entry.getKey(), schema), pageId)) {
                return new Holder(entry.getKey(), entry.getValue());
            }
        }
        return null;
    }
}
