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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads comments from Notion into the comments tables (routes/notion-comments.camel.yaml), through the door's
 * background lane. Notion has no "comments changed since" query, and a new comment is not known to move its page's
 * last_edited_time, so each run lists the comments of the pages that are due ({@link CommentRows#duePages}): never
 * listed, edited since their last listing, or listed longer ago than notion.comments.rescan. Webhooks
 * (comment.created/updated/deleted) bring single comments at once ({@link #applyEvent}).
 */
public final class CommentsReader {

    /** Comments were refused with 403: the integration lacks the "Read comments" capability. */
    public static final class CapabilityMissingException extends RuntimeException {
        CapabilityMissingException(NotionApiException cause, Duration pause) {
            super("Notion refused to list comments (403 " + cause.code() + "): enable the capability \"Read comments\" in the integration's"
                    + " Capabilities at notion.so/profile/integrations; comments are not read meanwhile (tried again every "
                    + pause.toMinutes() + " min), property sync goes on", cause);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(CommentsReader.class);
    /** Pages listed per run at most: a run ends in reasonable time; the next one goes on with the oldest listed. */
    static final int PAGES_PER_RUN = 100;

    private final NotionApi notion;
    private final CommentRows rows;
    private final Map<String, CommentTables.Table> tables;
    private final String schema;
    private final Duration rescan;
    private final Duration pauseAfterRefusal;
    private final BotIdentity bot;
    private final Clock clock;
    private volatile Instant pausedUntil;
    private volatile boolean refusalWarned;

    /**
     * @param tables            the comments table of each source with comments on, by source name
     * @param pauseAfterRefusal how long reading rests after a 403 (missing capability) before asking again
     */
    public CommentsReader(NotionApi notion, CommentRows rows, Map<String, CommentTables.Table> tables, String schema, Duration rescan,
                          Duration pauseAfterRefusal, BotIdentity bot, Clock clock) {
        this.notion = notion;
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
     * @throws CapabilityMissingException the first 403 (later ones while the capability stays missing are quiet)
     */
    public String readDue() throws Exception {
        Instant paused = pausedUntil;
        if (paused != null && clock.instant().isBefore(paused)) {
            return "paused until " + paused + " (the \"Read comments\" capability was missing)";
        }
        int pages = 0;
        int changed = 0;
        for (Map.Entry<String, CommentTables.Table> entry : tables.entrySet()) {
            String source = entry.getKey();
            CommentTables.Table table = entry.getValue();
            for (CommentRows.DuePage page : rows.duePages(source, schema, rows.mirrorTables(source, schema), rescan, PAGES_PER_RUN - pages)) {
                try {
                    changed += readPage(table, page);
                    pages++;
                } catch (NotionApiException e) {
                    if (e.isTransient()) {
                        throw e;   // the run ends; the next one starts again with the pages still due
                    }
                    if (e.status() == 403) {
                        pausedUntil = clock.instant().plus(pauseAfterRefusal);
                        if (refusalWarned) {
                            return pages + " pages listed, then refused again (403): paused";
                        }
                        refusalWarned = true;
                        throw new CapabilityMissingException(e, pauseAfterRefusal);
                    }
                    refused(source, page, e);
                }
            }
        }
        if (pages > 0 && refusalWarned) {
            refusalWarned = false;
            LOG.info("comments: Notion lists comments again");
        }
        return pages + " pages listed, " + changed + " comment rows changed";
    }

    /** Lists one page's comments (and those of its blocks known to carry comments) and stores them as one listing. */
    private int readPage(CommentTables.Table table, CommentRows.DuePage page) throws Exception {
        Instant askedAt = clock.instant();
        List<CommentRows.Comment> comments = new ArrayList<>(list(page.pageId(), page.pageId()));
        List<String> blocks = rows.commentedBlocks(table, page.pageId());
        for (String block : blocks) {
            try {
                comments.addAll(list(block, page.pageId()));
            } catch (NotionApiException e) {
                if (e.status() != 404) {
                    throw e;
                }   // the block is gone, and its comments with it
            }
        }
        return rows.storeListing(table, page.pageId(), page.lastEditedTime(), blocks, comments, bot.id(), askedAt);
    }

    /** Every open comment whose parent is exactly this page or block (GET /v1/comments, 100 a page). */
    private List<CommentRows.Comment> list(String blockId, String pageId) {
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
        CommentTables.Table table = null;
        String pageId = null;
        for (String page : pageIds) {
            if (table == null) {
                table = tableOf(page);
                pageId = page;
            }
        }
        if (table == null) {
            return "ignored: a comment on a page of no source with comments on";
        }
        if (!types.isEmpty() && types.get(types.size() - 1).equals("comment.deleted")) {
            rows.markDeleted(table, commentId, "deleted");
            return "applied: comment deleted";
        }
        JsonNode comment;
        Instant askedAt = clock.instant();
        try {
            comment = notion.call(NotionRequest.get("/v1/comments/" + commentId));
        } catch (NotionApiException e) {
            if (e.status() == 404) {
                rows.markDeleted(table, commentId, "deleted");
                return "applied: comment gone";
            }
            if (e.status() == 403) {
                if (!refusalWarned) {
                    refusalWarned = true;
                    LOG.warn("comments: {}", new CapabilityMissingException(e, pauseAfterRefusal).getMessage());
                }
                return "ignored: the \"Read comments\" capability is missing";
            }
            throw e;
        }
        CommentRows.Comment read = CommentRows.Comment.of(comment, pageId);
        CommentTables.Table owner = read.pageId().equals(pageId) ? table : tableOf(read.pageId());
        if (owner == null) {
            return "ignored: comment " + commentId + " is on page " + read.pageId() + ", of no source with comments on";
        }
        rows.store(owner, read, bot.id(), askedAt);
        return "applied: " + String.join(",", types);
    }

    /** The comments table of the source with comments on whose mirror holds the page; null when none does. */
    private CommentTables.Table tableOf(String pageId) throws SQLException {
        for (Map.Entry<String, CommentTables.Table> entry : tables.entrySet()) {
            if (rows.holdsPage(schema, rows.mirrorTables(entry.getKey(), schema), pageId)) {
                return entry.getValue();
            }
        }
        return null;
    }
}
