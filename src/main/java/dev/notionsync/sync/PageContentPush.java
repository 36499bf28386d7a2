package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.NulText;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageContentPushes;
import dev.notionsync.store.PageContents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.language.simple.Simple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes edits of page content made in PostgreSQL (routes/notion-content-push.camel.yaml): a person's UPDATE of
 * markdown in a content table of a source that pushes marks the row pending (trigger, V25); each pending page is
 * claimed (a lease: one engine at a time), Notion's content is read whole (GET /v1/pages/{id}/markdown, completed), a
 * change made in Notion since the row's last read is a conflict the source's policy decides, and the row's CURRENT
 * markdown replaces the page's content (PATCH /v1/pages/{id}/markdown, replace_content: sending it twice is harmless,
 * so a lost answer is resent). The row then takes Notion's answer, unless it was edited again meanwhile (that edit
 * stays pending and is pushed next). Refusals become dead letters saying what to do; the edit stays in the row.
 *
 * Through the door's foreground lane: a person waits for the edit, as for a row's push.
 */
public final class PageContentPush {

    /** Notion refused the edit, or it failed too often; the message says what to do. */
    public static final class ContentRefusedException extends RuntimeException {
        ContentRefusedException(String message) {
            super(message);
        }
    }

    public static final String REPLAY_URI = "direct:content-push";
    /** Notion's request limit: "1000 block elements and 500KB overall". */
    static final int MAX_REQUEST_BYTES = 500_000;
    static final int MAX_BLOCKS_PER_REQUEST = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(PageContentPush.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a claimed page is left to its engine: a push takes seconds; a crashed engine's pages come back after it. */
    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final int CLAIM = 20;

    private final NotionApi notion;
    private final MirrorTables mirrors;
    private final PageContents contents;
    private final PageContentPushes pushes;
    private final Map<String, SourceSettings> sources = new HashMap<>();
    private final ConflictJudge judge;
    private final DeadLetterChannel deadLetters;
    private final NotionMetrics metrics;
    private final boolean allowDeletingPages;
    private final int maxAttempts;
    private final Duration backoffBase;
    private final BotIdentity bot;

    /** @param sources the content sources (markdown mode) whose direction pushes */
    public PageContentPush(NotionApi notion, MirrorTables mirrors, PageContents contents, PageContentPushes pushes, List<SourceSettings> sources,
                           ConflictJudge judge, DeadLetterChannel deadLetters, NotionMetrics metrics, boolean allowDeletingPages, int maxAttempts,
                           Duration backoffBase) {
        this.notion = notion;
        this.mirrors = mirrors;
        this.contents = contents;
        this.pushes = pushes;
        sources.forEach(s -> this.sources.put(s.name(), s));
        this.judge = judge;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.allowDeletingPages = allowDeletingPages;
        this.maxAttempts = maxAttempts;
        this.backoffBase = backoffBase;
        this.bot = new BotIdentity(notion);
    }

    /** Claims the pages whose edits are due; one work item ({"source","schema","table","page_id"}) each. */
    public List<String> due() throws Exception {
        List<String> items = new ArrayList<>();
        for (SourceSettings source : sources.values()) {
            for (MirrorTable mirror : mirrors.of(source.name())) {
                PageContents.Table table = contents.ensure(mirror.schema(), mirror.table(), false);
                for (String pageId : pushes.claim(table, LEASE, CLAIM)) {
                    items.add(JSON.createObjectNode().put("source", source.name()).put("schema", mirror.schema()).put("table", mirror.table())
                            .put("page_id", pageId).toString());
                }
            }
        }
        return items;
    }

    /**
     * Pushes one page's pending edit (a work item of {@link #due}, or a dead letter's replay).
     *
     * @return how it ended, for the log: pushed, converged (Notion held it already), conflict, retry, refused, nothing
     */
    public String push(@Body String item, @Header(DeadLetterChannel.REPLAY_OF) Object replayOf,
                       @Header(DeadLetterChannel.REPLAY_FORCE) Boolean forced, @Simple("${fromRouteId}") String route) throws Exception {
        JsonNode work = JSON.readTree(item);
        SourceSettings source = sources.get(work.path("source").asText());
        if (source == null) {
            return refuseGone(work, replayOf, "source " + work.path("source").asText() + " no longer pushes page content (direction, content setting)");
        }
        NotionApi notion = this.notion.on(source.connection());   // every call of this push goes with the source's connection
        PageContents.Table table = contents.ensure(work.path("schema").asText(), work.path("table").asText(), false);
        String pageId = work.path("page_id").asText();
        boolean replay = replayOf != null;
        if (replay) {
            pushes.retryRefused(table, pageId);
        }
        PageContentPushes.Pending pending = pushes.pending(table, pageId);
        if (pending == null) {
            return "nothing";   // pushed by another engine, dropped (markdown set to NULL), or the row is gone
        }
        try {
            if (pushes.pageTrashed(table, pageId)) {
                return refuse(table, pending, source, "page " + pageId + " is in Notion's trash (or deleted): restore it in Notion, then replay"
                        + " this dead letter; or drop the edit with UPDATE … SET markdown = NULL", item, replay, route);
            }
            MarkdownContent.Result now = new MarkdownContent(notion).read(pageId);
            if (now.truncated()) {
                return refuse(table, pending, source, "Notion would not give all of page " + pageId + "'s content (blocks " + String.join(", ",
                        now.missing().subList(0, Math.min(5, now.missing().size()))) + " are not shared with the integration): replacing it would"
                        + " delete them; share them, then replay this dead letter", item, replay, route);
            }
            String notionMarkdown = clean(now.markdown());
            String notionHash = PageContents.sha256(notionMarkdown);
            if (notionMarkdown.equals(pending.markdown())) {
                landed(source, table, pending, notionMarkdown);   // Notion holds the edit already (an earlier send landed)
                return "converged";
            }
            boolean changedInNotion = !notionHash.equals(pending.baseHash());
            JsonNode page = null;
            if (changedInNotion && pending.sentBefore()) {
                // after a lost answer Notion may hold our own earlier send (rendered its way), which is no edit made in Notion;
                // it is ours only while this integration edited the page last: a person's edit since is a conflict
                page = notion.call(NotionRequest.get("/v1/pages/" + pageId));
                String us = bot.id(source.connection());
                changedInNotion = us == null || !us.equals(page.path("last_edited_by").path("id").asText());
            }
            if (changedInNotion && !(replay && Boolean.TRUE.equals(forced))) {
                Instant notionEdited = lastEdited(page != null ? page : notion.call(NotionRequest.get("/v1/pages/" + pageId)));
                ObjectNode ours = JSON.createObjectNode().put("markdown", pending.markdown());
                ObjectNode theirs = JSON.createObjectNode().put("markdown", notionMarkdown);
                if (!judge.postgresWins(source, pageId, pending.editedAt(), "page_content", "page content", ours, theirs, notionEdited, replay)) {
                    pushes.keptNotions(table, pending, notionMarkdown, notionHash);   // the row shows Notion's; the conflict keeps the edit
                    return "conflict: Notion's content kept";
                }
            }
            String request = request(pending.markdown());
            int bytes = request.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_REQUEST_BYTES) {
                return refuse(table, pending, source, "the markdown makes a request of " + bytes + " bytes; Notion takes at most 500 KB per request:"
                        + " split the page's content over several pages (or shorten it), then set markdown again", item, replay, route);
            }
            pushes.sending(table, pageId);
            JsonNode answer = notion.call(NotionRequest.patch("/v1/pages/" + pageId + "/markdown", request));
            String landed = clean(answer.path("markdown").asText(""));
            if (answer.path("truncated").asBoolean(false)) {
                landed = clean(new MarkdownContent(notion).read(pageId).markdown());   // a long page: its answer is cut like a read
            }
            landed(source, table, pending, landed);
            metrics.pushed(source.name(), "content");
            return "pushed";
        } catch (NotionApiException e) {
            if (e.isTransient() || e.status() == 401) {
                return retry(table, pending, source, e.getMessage(), replay);
            }
            return refuse(table, pending, source, whatToDo(pageId, e), item, replay, route);
        }
    }

    /** Notion holds the edit: the row takes Notion's rendering of it; a bound source's link records both sides' content. */
    private void landed(SourceSettings source, PageContents.Table table, PageContentPushes.Pending pending, String notionMarkdown) throws Exception {
        String hash = PageContents.sha256(notionMarkdown);
        if (source.bound()) {
            pushes.landedBound(table, pending, notionMarkdown, hash, source.name(), PageContents.sha256(pending.markdown()));
        } else {
            pushes.landed(table, pending, notionMarkdown, hash);
        }
    }

    /** The PATCH body: the whole content, replace_content first (NotionRequest.resendable reads the type from the start). */
    private String request(String markdown) {
        ObjectNode body = JSON.createObjectNode().put("type", "replace_content");
        body.putObject("replace_content").put("new_str", markdown).put("allow_deleting_content", allowDeletingPages);
        return body.toString();
    }

    private static Instant lastEdited(JsonNode page) {
        String edited = page.path("last_edited_time").asText(null);
        return edited == null ? Instant.now() : OffsetDateTime.parse(edited).toInstant();
    }

    private String retry(PageContents.Table table, PageContentPushes.Pending pending, SourceSettings source, String error, boolean replay)
            throws Exception {
        int attempts = pending.attempts() + 1;
        if (attempts >= maxAttempts || replay) {
            return refuse(table, pending, source, "not pushed after " + attempts + " attempts (" + error + "); the edit stays in the row:"
                    + " when Notion is reachable again, replay this dead letter", null, replay, null);
        }
        Duration delay = backoffBase.multipliedBy(1L << Math.min(attempts - 1, 10));
        pushes.retryLater(table, pending.pageId(), delay, error);
        LOG.warn("content push {}: page {} not pushed yet ({}); tried again in {} s, the edit stays in the row", source.name(), pending.pageId(),
                error, delay.toSeconds());
        return "retry";
    }

    private String refuse(PageContents.Table table, PageContentPushes.Pending pending, SourceSettings source, String message, String item,
                          boolean replay, String route) throws Exception {
        message = forSource(source, message);
        pushes.refused(table, pending.pageId(), message);
        metrics.pushed(source.name(), "dead_lettered");
        ContentRefusedException refused = new ContentRefusedException("content push " + source.name() + ": page " + pending.pageId() + " ("
                + table.schema() + "." + table.content() + "): " + message);
        if (replay) {
            throw refused;   // the replay failed: its dead letter stays open with this error
        }
        String body = item != null ? item : JSON.createObjectNode().put("source", source.name()).put("schema", table.schema())
                .put("table", table.mirror()).put("page_id", pending.pageId()).toString();
        deadLetters.record(route == null ? "notion-content-push-page" : route, REPLAY_URI, refused, body);
        return "refused";
    }

    /** A bound source's edits are made in its content column, not in the content table: the advice says so. */
    private static String forSource(SourceSettings source, String message) {
        if (!source.bound()) {
            return message;
        }
        String column = "column " + source.binding().qualifiedName() + "." + source.binding().contentColumn();
        return message.replace("drop the edit with UPDATE … SET markdown = NULL", "write " + column + " again (with the page's content,"
                        + " to give the edit up)")
                .replace("correct the markdown (UPDATE … SET markdown = …: a new edit is pushed again), or drop the edit with UPDATE … SET markdown"
                        + " = NULL", "correct " + column + " (a new edit is pushed again)")
                .replace("set markdown again", "write " + column + " again")
                .replace("Put the tags back in markdown", "Put the tags back in " + column);
    }

    private String refuseGone(JsonNode work, Object replayOf, String message) {
        if (replayOf != null) {
            throw new ContentRefusedException(message);
        }
        return "nothing: " + message;
    }

    /** What the operator does about Notion's refusal; Notion's own words are kept short (they may quote the content). */
    private String whatToDo(String pageId, NotionApiException e) {
        String said = "Notion refused the edit (" + e.status() + " " + e.code() + ": " + abbreviate(e.getMessage()) + ")";
        String lower = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (e.status() == 403 && e.blockLimit() != null) {
            return said + ": the workspace has used all of the blocks its Free plan allows (additional_data.block_limit = " + e.blockLimit()
                    + "); edits that create blocks are refused until a workspace owner upgrades its plan in Notion. The edit stays in the row;"
                    + " replay this dead letter after the upgrade";
        }
        return switch (e.status()) {
            case 403 -> said + ": enable the capability \"Update content\" (and \"Read content\") in the integration's Capabilities at"
                    + " notion.so/profile/integrations, then replay this dead letter";
            case 404 -> said + ": page " + pageId + " is gone or not shared with the integration; share it and replay this dead letter, or drop"
                    + " the edit with UPDATE … SET markdown = NULL";
            case 400 -> lower.contains("allow_deleting_content") || lower.contains("child page")
                    ? said + ": the new markdown leaves out child pages or databases of the page (their <page> / <database> tags), and"
                    + " notion-sync never deletes them unless notion.content.allow-deleting-pages = true. Put the tags back in markdown, or set"
                    + " the setting (they go to Notion's trash) and replay this dead letter"
                    : lower.contains("block") && (lower.contains("maximum") || lower.contains("limit") || lower.contains("1000"))
                    ? said + ": one request may create at most " + MAX_BLOCKS_PER_REQUEST + " blocks; split the page's content over several"
                    + " pages (or edit the long parts in Notion), then set markdown again"
                    : lower.contains("archived") || lower.contains("trash")
                    ? said + ": the page is in Notion's trash; restore it in Notion, then replay this dead letter"
                    : said + ": correct the markdown (UPDATE … SET markdown = …: a new edit is pushed again), or drop the edit with"
                    + " UPDATE … SET markdown = NULL";
            default -> said + "; replay this dead letter once its cause is fixed";
        };
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= 300 ? text : text.substring(0, 300) + "…";
    }

    /** PostgreSQL text cannot hold U+0000: it becomes U+FFFD, as in the content read. */
    private static String clean(String markdown) {
        return markdown.replace(NulText.NUL, NulText.REPLACEMENT);
    }

    /** Whether any source pushes content. */
    public boolean enabled() {
        return !sources.isEmpty();
    }

}
