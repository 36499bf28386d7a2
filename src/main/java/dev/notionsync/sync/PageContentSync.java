package dev.notionsync.sync;

import dev.notionsync.mapping.NulText;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageContents;



import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Page content of the sources with notion.source.&lt;name&gt;.content on (routes/notion-content.camel.yaml): each pass
 * finds the pages whose content is due ({@link PageContents#due}) and reads each through the door's background lane,
 * so content never holds up property sync. A page Notion will not give (404, 403, 400) is recorded as unreadable with
 * Notion's reason; a failure that may pass leaves the page due for the next pass. Webhooks make a page due at once
 * ({@link #request}).
 */
public final class PageContentSync {

    private static final Logger LOG = LoggerFactory.getLogger(PageContentSync.class);
    /** Pages read per table per pass: a pass ends now and then, so a new webhook request waits at most one batch. */
    static final int BATCH = 25;

    private final SourceDoors doors;
    private final MirrorTables mirrors;
    private final PageContents contents;
    private final Map<String, ContentMode> modes;
    private final int blocksDepth;
    private final Duration retryUnreadable;
    private final Clock clock;
    /** A page Notion answered with a 5xx is passed over this long at first, twice as long each time it fails again. */
    static final Duration DEFER_FIRST = Duration.ofSeconds(30);
    /**
     * Pages Notion answered with a 5xx (a body its renderer fails on), and until when they wait: the page stays due,
     * but the passes go on with the other pages meanwhile instead of failing on it, oldest first, for ever.
     */
    private final Map<String, Deferral> deferred = new ConcurrentHashMap<>();

    private record Deferral(Instant until, int failures) {
    }

    /** Sources whose missing read content capability was logged (again after a read succeeds). */
    private final Set<String> capabilityWarned = ConcurrentHashMap.newKeySet();

    public PageContentSync(SourceDoors doors, MirrorTables mirrors, PageContents contents, Map<String, ContentMode> modes, int blocksDepth,
                           Duration retryUnreadable, Clock clock) {
        this.doors = doors;
        this.mirrors = mirrors;
        this.contents = contents;
        this.modes = Map.copyOf(modes);
        this.blocksDepth = blocksDepth;
        this.retryUnreadable = retryUnreadable;
        this.clock = clock;
    }

    /** One pass over every content table; @return what it did, empty when nothing was due. */
    public String run() throws Exception {
        int read = 0;
        int unreadable = 0;
        int incomplete = 0;
        for (Map.Entry<String, ContentMode> source : modes.entrySet()) {
            ContentMode mode = source.getValue();
            for (MirrorTable mirror : mirrors.of(source.getKey())) {
                PageContents.Table table = contents.ensure(mirror.schema(), mirror.table(), mode == ContentMode.BLOCKS);
                Instant now = clock.instant();
                List<PageContents.Due> found = contents.due(table, mode.setting(), now, retryUnreadable, BATCH + deferred.size());
                for (PageContents.Due due : found.stream().filter(d -> !isDeferred(d.pageId(), now)).limit(BATCH).toList()) {
                    switch (readOne(source.getKey(), mode, table, due)) {
                        case READ -> read++;
                        case INCOMPLETE -> {
                            read++;
                            incomplete++;
                        }
                        case UNREADABLE -> unreadable++;
                        default -> {
                        }
                    }
                }
            }
        }
        if (read == 0 && unreadable == 0) {
            return "";
        }
        return read + " pages read" + (incomplete > 0 ? " (" + incomplete + " incomplete, see missing_block_ids)" : "")
                + (unreadable > 0 ? ", " + unreadable + " unreadable (see unreadable_reason)" : "");
    }

    private enum Outcome { READ, INCOMPLETE, UNREADABLE, GONE }

    private Outcome readOne(String source, ContentMode mode, PageContents.Table table, PageContents.Due due) throws SQLException {
        PageContents.Content content;
        List<PageContents.BlockRow> blocks = null;
        try {
            if (mode == ContentMode.BLOCKS) {
                BlockContent.Result result = new BlockContent(doors.of(source), blocksDepth).read(due.pageId());
                blocks = result.blocks();
                StringBuilder all = new StringBuilder();
                blocks.forEach(b -> all.append(b.raw()).append('\n'));
                content = new PageContents.Content(mode.setting(), null, PageContents.sha256(all.toString()), result.truncated(), result.missing());
            } else {
                MarkdownContent.Result result = new MarkdownContent(doors.of(source)).read(due.pageId());
                // PostgreSQL text cannot hold U+0000: it becomes U+FFFD, as in the mirror tables
                String markdown = result.markdown().replace(NulText.NUL, NulText.REPLACEMENT);
                content = new PageContents.Content(mode.setting(), markdown, PageContents.sha256(markdown), result.truncated(), result.missing());
            }
        } catch (NotionApiException e) {
            if (e.isTransient() || e.status() == 401 || e.status() == 429) {
                if (e.status() >= 500) {
                    defer(due.pageId());   // Notion's answer for this page: the next passes read the others first
                }
                throw e;   // may pass, or concerns every page (the token): the page stays due
            }
            deferred.remove(due.pageId());
            warnIfCapabilityMissing(source, e);
            contents.unreadable(table, due, mode.setting(), reason(e));
            return Outcome.UNREADABLE;
        }
        deferred.remove(due.pageId());
        if (!contents.store(table, due, content, blocks)) {
            return Outcome.GONE;
        }
        capabilityWarned.remove(source);
        if (content.truncated()) {
            LOG.warn("content of page {} ({}) is incomplete: Notion would not give {} of its blocks ({}); truncated = true", due.pageId(),
                    table.content(), content.missing().size(), String.join(", ", content.missing().subList(0, Math.min(5, content.missing().size()))));
            return Outcome.INCOMPLETE;
        }
        return Outcome.READ;
    }

    private boolean isDeferred(String pageId, Instant now) {
        Deferral deferral = deferred.get(pageId);
        return deferral != null && now.isBefore(deferral.until());
    }

    private void defer(String pageId) {
        deferred.compute(pageId, (id, before) -> {
            int failures = before == null ? 1 : Math.min(before.failures() + 1, 12);
            Duration wait = DEFER_FIRST.multipliedBy(1L << (failures - 1));
            return new Deferral(clock.instant().plus(wait.compareTo(retryUnreadable) > 0 ? retryUnreadable : wait), failures);
        });
    }

    private void warnIfCapabilityMissing(String source, NotionApiException e) {
        if (e.status() == 403 && capabilityWarned.add(source)) {
            LOG.warn("source {}: Notion refused to give page content (403 {}): enable the capability \"Read content\" in the integration's"
                    + " Capabilities at notion.so/profile/integrations; the pages are marked unreadable and read again when edited, when a"
                    + " webhook names them, or after notion.content.retry-unreadable", source, e.code());
        }
    }

    /** Notion's status, code, message and request id, as the door words them. */
    private static String reason(NotionApiException e) {
        return e.getMessage();
    }

    /**
     * A webhook said a page's content changed: makes it due now in the content table holding it (no page GET).
     *
     * @param eventTime the event's timestamp; its minute becomes the edit the content reflects
     * @return whether a content-enabled source holds the page
     */
    public boolean request(String pageId, Instant eventTime) throws Exception {
        // never a minute after now: a signed event stamped in the future (forged, or Notion's clock ahead) would mark
        // every later edit as read already, and the page would never be read again
        Instant minute = eventTime == null ? null : (eventTime.isAfter(clock.instant()) ? clock.instant() : eventTime).truncatedTo(ChronoUnit.MINUTES);
        boolean held = false;
        for (Map.Entry<String, ContentMode> source : modes.entrySet()) {
            for (MirrorTable mirror : mirrors.of(source.getKey())) {
                PageContents.Table table = contents.ensure(mirror.schema(), mirror.table(), source.getValue() == ContentMode.BLOCKS);
                held |= contents.request(table, pageId, minute);
            }
        }
        return held;
    }

    /** Whether any source syncs content. */
    public boolean enabled() {
        return !modes.isEmpty();
    }
}
