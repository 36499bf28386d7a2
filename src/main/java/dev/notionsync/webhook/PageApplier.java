package dev.notionsync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.Deletions;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import dev.notionsync.store.WebhookInbox;
import dev.notionsync.sync.CommentsReader;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.PageContentSync;
import dev.notionsync.sync.PageReader;
import dev.notionsync.sync.PageWork;
import dev.notionsync.sync.RequestedPulls;
import dev.notionsync.sync.SourceDoors;
import dev.notionsync.sync.SourceSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the current state of one page in Notion to its mirror row (direct:page-apply in
 * routes/notion-webhooks.camel.yaml): for webhook events ({@link EventCoalescer}) and for pages the pull could not
 * write (their work carries no events). The page is fetched through the Notion door and written with the pull's
 * reader and upsert; a trashed page is soft-deleted, a vanished one marked gone. Schema events refresh the schema.
 * Comment events go to the comments reader. Events about sources we do not sync, and echoes of our own writes (our
 * own comments included: the poster writes them back), are marked ignored. An event never chooses the
 * table: the page's own parent, as Notion answers it, does (the event's data.parent is only what the sender says); a
 * page that vanished is marked gone in whichever table holds it.
 */
public final class PageApplier {

    private static final Logger LOG = LoggerFactory.getLogger(PageApplier.class);

    private final WebhookInbox inbox;
    private final SourceDoors doors;
    private final MirrorTables tables;
    private final PageReader reader;
    private final List<SourceSettings> sources;
    private final PageWriter writer;
    private final Deletions deletions;
    private final NotionMetrics metrics;
    private final CommentsReader comments;
    private final PageContentSync content;
    private final RequestedPulls pulls;
    private final RareWarnings warnings = new RareWarnings();

    /**
     * @param comments applies comment events (comment.created/updated/deleted)
     * @param pulls    where an edit of a page of a synced source asks for the source's pull
     */
    public PageApplier(WebhookInbox inbox, SourceDoors doors, MirrorTables tables, PageReader reader, List<SourceSettings> sources,
                       PageWriter writer, Deletions deletions, NotionMetrics metrics, CommentsReader comments, PageContentSync content,
                       RequestedPulls pulls) {
        this.pulls = pulls;
        this.metrics = metrics;
        this.comments = comments;
        this.content = content;
        this.inbox = inbox;
        this.doors = doors;
        this.tables = tables;
        this.reader = reader;
        this.sources = sources;
        this.writer = writer;
        this.deletions = deletions;
    }

    /** Applies one work item ({@link PageWork} as JSON); an exception leaves it to the dead letter channel's redelivery. */
    public void apply(@Body String workItem) throws Exception {
        PageWork item = PageWork.parse(workItem);
        List<String> eventIds = item.eventIds();
        List<String> types = item.types();
        if (item.onlyOwnWrites()) {
            metrics.webhookIgnored("own_write", eventIds.size());
            inbox.mark(eventIds, "ignored", "caused by this integration's own write");
            return;
        }
        if (types.stream().anyMatch(t -> t.endsWith("schema_updated"))) {
            tables.refresh();
            inbox.mark(eventIds, "applied", "schema refreshed");
            return;
        }
        if ("comment".equals(item.entityType())) {
            applyComment(item);
            return;
        }
        if (!"page".equals(item.entityType())) {
            metrics.webhookIgnored("not_a_page", eventIds.size());
            inbox.mark(eventIds, "ignored", "not a page event");
            return;
        }
        String pageId = item.entityId();
        // a body edit makes the page's content due, without reading the page: its properties did not change
        boolean contentHeld = item.mentionsContent() && content.enabled()
                && content.request(pageId, item.contentEventTime() == null ? null : Instant.parse(item.contentEventTime()));
        if (item.contentOnly()) {
            if (!contentHeld) {
                metrics.webhookIgnored("no_content_sync", eventIds.size());
            }
            inbox.mark(eventIds, contentHeld ? "applied" : "ignored", contentHeld ? "content due" : "page content is not synced for this page");
            return;
        }
        if (item.pullable() && (pulls == null || !pulls.readOneByOne(eventIds))) {
            // a new or edited page of a synced source: its source's incremental pull reads it, with every other page edited
            // meanwhile, in a few queries rather than one read per page (the event's parent names the source; the pull reads
            // only what the source's own query answers, so a wrong parent costs a query, never a wrong row)
            Held held = holderOf(item.dataSourceId());
            // a source that does not read Notion (direction = push) has no pull: its pages are read one by one, as before
            if (held != null && pulls != null && readsNotion(held.source())) {
                pulls.request(held.source(), eventIds);   // the events stay claimed until that pull has read them
                return;
            }
        }
        JsonNode page;
        java.time.Instant askedAt = reader.now();
        // read with the connection of the source the event names; when it names none we sync, with the default one
        Held named = holderOf(item.dataSourceId() == null ? "" : item.dataSourceId());
        try {
            page = doors.of(named == null ? null : named.source()).call(NotionRequest.get("/v1/pages/" + pageId));
        } catch (NotionApiException e) {
            if (e.status() == 404) {
                boolean marked = false;
                for (MirrorTable held : allTables()) {
                    marked |= deletions.markDeleted(held, pageId, "gone or no longer shared", false);
                }
                inbox.mark(eventIds, marked ? "applied" : "ignored", marked ? "page gone" : "page gone, and in no synced table");
                return;
            }
            throw e;
        }
        Held held = holderOf(page.path("parent").path("data_source_id").asText(""));
        if (held == null) {
            metrics.webhookIgnored("not_synced", eventIds.size());
            inbox.mark(eventIds, "ignored", "not a synced data source");
            return;
        }
        MirrorTable table = held.table();
        boolean trashed = page.path("in_trash").asBoolean(page.path("archived").asBoolean(false));
        String source = held.source();
        writer.write(table, List.of(reader.read(source, table, page, askedAt)), source, null);
        if (trashed) {
            deletions.markDeleted(table, pageId, "trashed", true);
        }
        inbox.mark(eventIds, "applied", String.join(",", types));
    }

    /**
     * A comment's events: ignored at once (no Notion call, no SQL) when no source has comments on; else the comments
     * reader fetches the comment only when its page is in a source with comments on.
     */
    private void applyComment(PageWork item) throws Exception {
        if (!comments.enabled()) {
            metrics.webhookIgnored("comments_off", item.eventIds().size());
            inbox.mark(item.eventIds(), "ignored", "no source has comments on");
            return;
        }
        String note = comments.applyEvent(item.entityId(), item.types(), inbox.commentPages(item.eventIds()));
        if (note.startsWith("ignored")) {
            metrics.webhookIgnored("not_synced", item.eventIds().size());
        }
        inbox.mark(item.eventIds(), note.startsWith("ignored") ? "ignored" : "applied", note.substring(note.indexOf(": ") + 2));
    }

    /** Called by the dead letter sink for work items that exhausted their retries. */
    public void markDeadLettered(@Body String workItem) throws Exception {
        inbox.mark(PageWork.parse(workItem).eventIds(), "dead_letter", "see notion_sync.dead_letters");
    }

    private record Held(String source, MirrorTable table) {
    }

    private boolean readsNotion(String source) {
        return sources.stream().anyMatch(s -> s.name().equals(source) && s.readsNotion());
    }

    /**
     * The source and table that hold a data source, or null. A source Notion cannot resolve for good (unshared,
     * deleted, wrong id) is skipped, else it would stop the events of every other source; a transient failure is
     * rethrown (the event retries) only when no other source holds the data source, as it may be the failing one's.
     */
    private Held holderOf(String dataSourceId) throws Exception {
        if (dataSourceId.isBlank()) {
            return null;
        }
        Exception transientFailure = null;
        for (SourceSettings source : sources) {
            try {
                for (MirrorTable table : tables.of(source.name())) {
                    if (table.dataSourceId().equals(dataSourceId)) {
                        return new Held(source.name(), table);
                    }
                }
            } catch (NotionApiException e) {
                if (e.isTransient()) {
                    transientFailure = e;
                } else {
                    warnUnresolvable(source, e);
                }
            } catch (MirrorTables.NotBootstrappedException e) {
                // a bound source not bootstrapped yet holds no data source
            }
        }
        if (transientFailure != null) {
            throw transientFailure;
        }
        return null;
    }

    /** The tables of every source Notion resolves; a source it cannot resolve for good is skipped. */
    private List<MirrorTable> allTables() throws Exception {
        List<MirrorTable> all = new ArrayList<>();
        for (SourceSettings source : sources) {
            try {
                all.addAll(tables.of(source.name()));
            } catch (NotionApiException e) {
                if (e.isTransient()) {
                    throw e;
                }
                warnUnresolvable(source, e);
            } catch (MirrorTables.NotBootstrappedException e) {
                // a bound source not bootstrapped yet has no tables
            }
        }
        return all;
    }

    private void warnUnresolvable(SourceSettings source, NotionApiException e) {
        if (warnings.shouldWarn("unresolvable source " + source.name())) {
            LOG.warn("source {}: skipped for webhook events, Notion cannot resolve it ({})", source.name(), e.getMessage());
        }
    }
}
