package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.store.CommentRows;
import dev.notionsync.store.CommentTables;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.language.simple.Simple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts the rows inserted in a comments table (routes/notion-comments.camel.yaml), each exactly once. POST
 * /v1/comments is not idempotent, and the door never sends it again after a 5xx or a timeout: the row is marked
 * 'sending' (committed) before the POST leaves; after a lost answer or a crash the next attempt first looks for the
 * comment on its page (this integration's, with that text, made since the first send, held by no row) and keeps it,
 * and only sends again when it is not there. Refused comments become dead letters saying what to do.
 *
 * Posting goes through the door's foreground lane: a comment inserted by a person is waited for, like a row's push,
 * and one call per comment is little; on the background lane it could wait behind a long comments or content read.
 */
public final class CommentPoster {

    /** Notion refused the comment, or it failed too often; the message says what to do. */
    public static final class CommentRefusedException extends RuntimeException {
        CommentRefusedException(String message) {
            super(message);
        }
    }

    public static final String REPLAY_URI = "direct:comment-post";
    private static final Logger LOG = LoggerFactory.getLogger(CommentPoster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a claimed row is left alone: the posting of one row takes far less, a crashed instance's rows come back after it. */
    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final int CLAIM = 20;
    /** How long a row being sent is left alone: the POST and its write-back, however long the door makes it wait. */
    private static final Duration SEND_LEASE = Duration.ofMinutes(10);
    /** Notion's limit on one text object's content. */
    private static final int TEXT_CHUNK = 2000;
    /** How many parents up a comment's block is followed to find its page (Notion nests far less deep). */
    private static final int MAX_BLOCK_DEPTH = 50;

    private final SourceDoors doors;
    private final CommentRows rows;
    private final Map<String, CommentTables.Table> tables;
    private final DeadLetterChannel deadLetters;
    private final BotIdentity bot;
    private final int maxAttempts;
    private final Duration backoffBase;

    public CommentPoster(SourceDoors doors, CommentRows rows, Map<String, CommentTables.Table> tables, DeadLetterChannel deadLetters,
                         BotIdentity bot, int maxAttempts, Duration backoffBase) {
        this.doors = doors;
        this.rows = rows;
        this.tables = tables;
        this.deadLetters = deadLetters;
        this.bot = bot;
        this.maxAttempts = maxAttempts;
        this.backoffBase = backoffBase;
    }

    /** Claims the rows due to be posted; one work item ({"source","local_id"}) each, oldest first. */
    public List<String> due() throws Exception {
        List<String> items = new ArrayList<>();
        for (Map.Entry<String, CommentTables.Table> entry : tables.entrySet()) {
            for (CommentRows.Claim claim : rows.claimDue(entry.getValue(), LEASE, CLAIM)) {
                items.add(JSON.createObjectNode().put("source", entry.getKey()).put("local_id", claim.localId()).put("claim", claim.until()).toString());
            }
        }
        return items;
    }

    /**
     * Posts one row (a work item of {@link #due}, or a dead letter's replay).
     *
     * @return how it ended, for the log: posted, found (an earlier send had made it), retry, refused, gone
     */
    public String post(@Body String item, @Header(DeadLetterChannel.REPLAY_OF) Object replayOf, @Simple("${fromRouteId}") String route) throws Exception {
        JsonNode work = parse(item);
        CommentTables.Table table = tables.get(work.path("source").asText());
        if (table == null) {
            return "gone: source " + work.path("source").asText() + " no longer has comments on";
        }
        long localId = work.path("local_id").asLong();
        if (replayOf != null) {
            rows.retryRefused(table, localId);
        }
        CommentRows.Post post = rows.post(table, localId);
        if (post == null || post.status().equals("refused")) {
            return "gone";   // deleted in PostgreSQL meanwhile, or posted already
        }
        try {
            String outside = outside(table, post);
            if (outside != null) {
                return refuse(table, post, outside, item, replayOf, route);
            }
            if (post.sentBefore()) {
                String botId = bot.id(doors.connection(table.source()));
                if (botId == null) {
                    return retry(table, post, "this integration's bot id could not be read to look for the comment sent before");
                }
                CommentRows.Comment found;
                try {
                    found = lookFor(table, post, botId);
                } catch (NotionApiException e) {
                    if (e.isTransient()) {
                        throw e;
                    }
                    return refuse(table, post, "an earlier send may have posted this comment, and Notion will not list the page's comments to"
                            + " tell (" + e.status() + " " + e.code() + "): enable the capability \"Read comments\" and replay this dead letter, or"
                            + " look at the page in Notion and delete the row if the comment is there", item, replayOf, route);
                }
                if (found != null) {
                    rows.posted(table, localId, found);
                    LOG.info("comments {}: row {} was posted by an earlier attempt (its answer was lost): comment {} kept, not sent again",
                            table.source(), localId, found.commentId());
                    return "found";
                }
            }
            // a replay is the operator's: the claim its dead letter recorded is long gone
            String claim = replayOf != null ? null : work.path("claim").asText(null);
            if (!rows.sending(table, localId, claim, SEND_LEASE)) {
                return "gone";   // deleted meanwhile, or its claim ran out and another poller has it now
            }
            JsonNode answer = doors.of(table.source()).call(NotionRequest.post("/v1/comments", body(post).toString()));
            rows.posted(table, localId, CommentRows.Comment.of(answer, post.pageId()));
            return "posted";
        } catch (NotionApiException e) {
            if (e.isTransient()) {
                return retry(table, post, e.getMessage());
            }
            return refuse(table, post, whatToDo(post, e), item, replayOf, route);
        }
    }

    /** The POST's outcome is unknown (or Notion is away): looked for and sent again later, until too many attempts. */
    private String retry(CommentTables.Table table, CommentRows.Post post, String error) throws Exception {
        int attempts = post.attempts() + 1;
        if (attempts >= maxAttempts) {
            return refuse(table, post, "not posted after " + attempts + " attempts (" + error + "); when Notion is reachable again, replay"
                    + " this dead letter: it looks for the comment before sending it again", null, null, null);
        }
        Duration delay = backoffBase.multipliedBy(1L << Math.min(attempts - 1, 8));
        rows.retryLater(table, post.localId(), delay, error);
        LOG.warn("comments {}: row {} not posted yet ({}); looked for, then sent again, in {} s", table.source(), post.localId(), error, delay.toSeconds());
        return "retry";
    }

    private String refuse(CommentTables.Table table, CommentRows.Post post, String message, String item, Object replayOf, String route) throws Exception {
        rows.refusedPost(table, post.localId(), message);
        CommentRefusedException refused = new CommentRefusedException("comments " + table.source() + ": row " + post.localId() + " of "
                + table.schema() + "." + table.name() + ": " + message);
        if (replayOf != null) {
            throw refused;   // the replay failed: its dead letter stays open with this error
        }
        deadLetters.record(route == null ? "notion-comment-post" : route, REPLAY_URI, refused,
                item == null ? JSON.createObjectNode().put("source", table.source()).put("local_id", post.localId()).toString() : item);
        return "refused";
    }

    /**
     * Why the row may not be posted from this table, or null: a comments table posts on its source's pages only (the
     * page in the source's mirror; a reply in a discussion this table holds on that page). Else whoever may insert into
     * one comments table could comment on every page shared with the integration.
     */
    private String outside(CommentTables.Table table, CommentRows.Post post) throws Exception {
        String what = "delete the row, and insert it into the comments table of the page's source (notion.source.<name>.comments)";
        if (!rows.holdsPage(table.schema(), rows.mirrorTables(table.source(), table.schema()), post.pageId())) {
            return "page " + post.pageId() + " is not a page of source " + table.source() + " (its mirror table has no such page_id): " + what;
        }
        if (post.discussionId() == null && post.parentBlockId() != null) {
            String page = pageOfBlock(doors.of(table.source()), post.parentBlockId());
            if (!post.pageId().equals(page)) {
                return "block " + post.parentBlockId() + " is not a block of page " + post.pageId() + (page == null ? "" : " (it is on page " + page + ")")
                        + ": comment on a block of the row's page, or " + what;
            }
        }
        if (post.discussionId() != null && !rows.holdsDiscussion(table, post.discussionId(), post.pageId())) {
            return "discussion " + post.discussionId() + " is not one this table holds on page " + post.pageId() + ", so its page is not a page of source "
                    + table.source() + " as far as the engine knows: reply to a discussion once its comments are in this table (replay this dead letter then), or "
                    + what;
        }
        return null;
    }

    /** The page a block is on, found by its parents (one GET per level); null when it is on none (a database's). */
    private String pageOfBlock(NotionApi notion, String blockId) {
        String id = blockId;
        for (int level = 0; level < MAX_BLOCK_DEPTH; level++) {
            JsonNode parent = notion.call(NotionRequest.get("/v1/blocks/" + id)).path("parent");
            switch (parent.path("type").asText()) {
                case "page_id" -> {
                    return normalized(parent.path("page_id").asText());
                }
                case "block_id" -> id = parent.path("block_id").asText();
                default -> {
                    return null;
                }
            }
        }
        return null;
    }

    private static String normalized(String id) {
        String hex = id.replace("-", "").toLowerCase(java.util.Locale.ROOT);
        return hex.length() != 32 ? id : hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }

    private static String whatToDo(CommentRows.Post post, NotionApiException e) {
        String notion = "Notion refused the comment (" + e.status() + " " + e.code() + ")";
        return switch (e.status()) {
            case 403 -> notion + ": enable the capability \"Insert comments\" in the integration's Capabilities at"
                    + " notion.so/profile/integrations, then replay this dead letter";
            case 404 -> notion + ": page " + post.pageId() + (post.discussionId() == null ? "" : " or discussion " + post.discussionId())
                    + " is gone or not shared with the integration; share it and replay this dead letter, or delete the row";
            default -> notion + ": " + e.getMessage() + "; delete the row and insert a corrected one (replaying sends the same text)";
        };
    }

    /** The request: a new discussion on the page or block, or a reply; the text in chunks Notion accepts. */
    private static ObjectNode body(CommentRows.Post post) {
        ObjectNode body = JSON.createObjectNode();
        if (post.discussionId() != null) {
            body.put("discussion_id", post.discussionId());
        } else if (post.parentBlockId() != null) {
            body.putObject("parent").put("block_id", post.parentBlockId());
        } else {
            body.putObject("parent").put("page_id", post.pageId());
        }
        ArrayNode text = body.putArray("rich_text");
        String rest = post.text();
        while (!rest.isEmpty()) {
            int end = Math.min(TEXT_CHUNK, rest.length());
            if (end < rest.length() && Character.isHighSurrogate(rest.charAt(end - 1))) {
                end--;   // never split a character in two
            }
            text.addObject().put("type", "text").putObject("text").put("content", rest.substring(0, end));
            rest = rest.substring(end);
        }
        return body;
    }

    /**
     * The comment an earlier send made, if Notion lists it: by this integration, with this text (and discussion),
     * created since the minute of the first send (Notion rounds created_time to the minute), held by no row; the oldest.
     */
    private CommentRows.Comment lookFor(CommentTables.Table table, CommentRows.Post post, String botId) throws Exception {
        String parent = post.parentBlockId();
        if (parent == null && post.discussionId() != null) {
            parent = rows.discussionBlock(table, post.discussionId());
        }
        if (parent == null) {
            parent = post.pageId();
        }
        Instant since = post.sentAt().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(1));
        List<CommentRows.Comment> candidates = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode answer = doors.of(table.source()).call(NotionRequest.get("/v1/comments", "block_id=" + parent + "&page_size=100"
                    + (cursor == null ? "" : "&start_cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8))));
            for (JsonNode c : answer.path("results")) {
                CommentRows.Comment comment = CommentRows.Comment.of(c, post.pageId());
                if (botId.equals(comment.authorId()) && post.text().equals(comment.plainText()) && comment.createdTime() != null
                        && !comment.createdTime().isBefore(since)
                        && (post.discussionId() == null || post.discussionId().equals(comment.discussionId()))) {
                    candidates.add(comment);
                }
            }
            cursor = answer.path("has_more").asBoolean() ? answer.path("next_cursor").asText(null) : null;
        } while (cursor != null);
        if (candidates.isEmpty()) {
            return null;
        }
        Set<String> held = new HashSet<>(rows.held(table, candidates.stream().map(CommentRows.Comment::commentId).toList()));
        return candidates.stream().filter(c -> !held.contains(c.commentId())).findFirst().orElse(null);
    }

    private static JsonNode parse(String item) {
        try {
            return JSON.readTree(item);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a comment work item: " + e.getMessage(), e);
        }
    }
}
