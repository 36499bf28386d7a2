package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.MirrorTable;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What Notion holds for the pages of one push batch, read with a data source query per table instead of a GET per
 * page. The query asks for every page edited since the batch's pages were last read (the rows' synced_at), ascending:
 * a batch page it returns shows Notion's state now; a batch page it does not return was not edited since, so Notion
 * holds what its row holds. Notion rounds last_edited_time down to the minute, so every bound is a whole minute,
 * taken {@link #CLOCK_MARGIN} early.
 *
 * <p>Consecutive complete queries of a table form a chain: the next one starts where the previous one was sent, and
 * the pages seen edited along the chain are remembered with their edit minute, so a batch costs one query page for
 * the edits of the last few seconds rather than every edit since the rows were read. A query that would need more
 * than {@code maxRequests} result pages is cut short and breaks the chain; the pages it did not see are then read one
 * by one ({@link Known#unknown()}), as is a page the query returned without all of the table's mapped properties.
 */
final class NotionView {

    /** Clock difference between this machine and Notion, and time between Notion's answer and the row's synced_at. */
    static final Duration CLOCK_MARGIN = Duration.ofSeconds(10);
    private static final int MAX_REMEMBERED = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Chain> chains = new ConcurrentHashMap<>();

    /** Complete queries of one table back to {@code since}: the pages seen edited since, with their edit minute. */
    private static final class Chain {
        final Instant since;
        Instant next;
        final Map<String, Instant> edited = new HashMap<>();

        Chain(Instant since) {
            this.since = since;
            this.next = since;
        }
    }

    /**
     * What is known of one page. {@code page}: Notion's page as the query returned it at {@code readAt}; else, when
     * {@code rowReadSince} is set, Notion holds what the row holds if the row was read at or after that time; else
     * unknown.
     */
    record Known(JsonNode page, Instant readAt, Instant rowReadSince) {
        static final Known UNKNOWN = new Known(null, null, null);

        boolean unknown() {
            return page == null && rowReadSince == null;
        }
    }

    /** The batch's reading: page id → what is known. */
    record Batch(Map<String, Known> pages) {
        Known of(String pageId) {
            return pages.getOrDefault(pageId, Known.UNKNOWN);
        }
    }

    /**
     * Reads Notion's state for these pages of the table, through its source's door; {@code oldestRead} is the earliest
     * synced_at among their rows.
     */
    Map<String, Known> read(NotionApi notion, MirrorTable table, Collection<String> pageIds, Instant oldestRead, int maxRequests) throws Exception {
        String key = table.schema() + "." + table.table();
        Instant needed = minute(oldestRead.minus(CLOCK_MARGIN));
        Chain chain = chains.remove(key);
        if (chain == null || chain.since.isAfter(needed) || chain.edited.size() > MAX_REMEMBERED) {
            chain = new Chain(needed);
        }
        Instant sent = Instant.now();
        Map<String, JsonNode> seen = new HashMap<>();
        String cursor = null;
        int requests = 0;
        do {
            ObjectNode body = JSON.createObjectNode();
            ObjectNode filter = body.putObject("filter");
            filter.put("timestamp", "last_edited_time");
            filter.putObject("last_edited_time").put("on_or_after", chain.next.toString());
            body.putArray("sorts").addObject().put("timestamp", "last_edited_time").put("direction", "ascending");
            body.put("page_size", 100);
            if (cursor != null) {
                body.put("start_cursor", cursor);
            }
            // from Notion-Version 2026-12-01 a query returns only the title unless filter_properties names the others
            JsonNode result = notion.call(NotionRequest.post("/v1/data_sources/" + table.dataSourceId() + "/query", body.toString())
                    .withProperties(table.schemaPropertyIds()));
            requests++;
            for (JsonNode page : result.path("results")) {
                String id = page.path("id").asText();
                chain.edited.put(id, Instant.parse(page.path("last_edited_time").asText()));
                seen.put(id, page);
            }
            cursor = result.path("has_more").asBoolean(false) ? result.path("next_cursor").asText(null) : null;
        } while (cursor != null && requests < maxRequests);
        boolean complete = cursor == null;
        Map<String, Known> known = new HashMap<>();
        for (String id : pageIds) {
            JsonNode page = seen.get(id);
            Instant edited = chain.edited.get(id);
            if (page != null) {
                // a page without every mapped property (more than notion.api.filter-properties-max) is read on its own:
                // an absent value is unknown, and compared with the base it would look like an edit in Notion
                known.put(id, PageReader.missingProperties(table, page).isEmpty() ? new Known(page, sent, null) : Known.UNKNOWN);
            } else if (!complete) {
                known.put(id, Known.UNKNOWN);
            } else if (edited == null) {
                // not edited since the chain began, which is before the row was read
                known.put(id, new Known(null, null, chain.since.plus(CLOCK_MARGIN)));
            } else {
                // its last edit was seen earlier in the chain: the row holds it if it was read after that minute ended
                known.put(id, new Known(null, null, edited.plus(Duration.ofMinutes(1)).plus(CLOCK_MARGIN)));
            }
        }
        if (complete) {
            chain.next = minute(sent.minus(CLOCK_MARGIN));
            chains.put(key, chain);
        }
        return known;
    }

    private static Instant minute(Instant time) {
        return time.truncatedTo(ChronoUnit.MINUTES);
    }
}
