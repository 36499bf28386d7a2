package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.NulText;
import dev.notionsync.mapping.PropertyItems;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Notion page object into a row of its mirror table ({@link PageMapper}), asking Notion for what the page
 * object lacks: properties a query did not return, and values Notion truncated (more than 25 relations, people or
 * mentions), read whole through the property item endpoint. NUL characters, which PostgreSQL cannot store, are
 * replaced (U+FFFD), so the page is kept.
 */
public final class PageReader {

    private static final Logger LOG = LoggerFactory.getLogger(PageReader.class);

    private final SourceDoors doors;
    private final NotionMetrics metrics;
    private final Clock clock;

    /**
     * A page read into a row. {@code extraCalls}: the Notion calls made for it beyond the query;
     * {@code withheld}: mapped property ids Notion did not give even when asked (deleted since the schema was read).
     */
    public record PageRead(PageWriter.Row row, int extraCalls, List<String> withheld) {
    }

    /** @param doors the Notion door of each source: a page's missing values are read with its source's connection */
    public PageReader(SourceDoors doors, NotionMetrics metrics, Clock clock) {
        this.doors = doors;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** A page Notion answered a write with (the push's PATCH or create), read as of now: nothing Notion said before is newer. */
    public PageWriter.Row read(String source, MirrorTable table, JsonNode page) {
        return read(source, table, page, clock.instant());
    }

    /**
     * A page fetched on its own (GET /v1/pages/{id}: sweep, webhook), read as of {@code askedAt}, when it was asked for
     * ({@link #now()} before the call): a row written from an answer Notion gave after that is never replaced by it.
     */
    public PageWriter.Row read(String source, MirrorTable table, JsonNode page, Instant askedAt) {
        int[] calls = {0};
        return toRow(source, table, page, calls, askedAt);
    }

    /** The reader's clock, for {@link #read(String, MirrorTable, JsonNode, Instant)}'s askedAt. */
    public Instant now() {
        return clock.instant();
    }

    /**
     * A page of a query's results. From Notion-Version 2026-12-01 a query returns only the properties named in
     * filter_properties, and one request names at most notion.api.filter-properties-max: the missing ones are read
     * from the page (GET /v1/pages/{id}, naming them), in as many rounds as that limit needs. What Notion still does
     * not give stays absent (unknown, so the stored value is kept) and is reported as withheld.
     *
     * @param now the row's synced_at
     */
    public PageRead readQueryResult(String source, MirrorTable table, JsonNode page, Instant now) {
        int[] calls = {0};
        List<String> withheld = new ArrayList<>();
        JsonNode whole = withOmittedProperties(doors.of(source), table, page, calls, withheld);
        return new PageRead(toRow(source, table, whole, calls, now), calls[0], withheld);
    }

    /** The table's mapped property ids the page object does not carry. */
    public static List<String> missingProperties(MirrorTable table, JsonNode page) {
        Set<String> present = new HashSet<>();
        page.path("properties").forEach(value -> present.add(value.path("id").asText()));
        List<String> missing = new ArrayList<>();
        table.properties().forEach(p -> {
            if (!present.contains(p.propertyId())) {
                missing.add(p.propertyId());
            }
        });
        return missing;
    }

    private JsonNode withOmittedProperties(NotionApi notion, MirrorTable table, JsonNode page, int[] calls, List<String> withheld) {
        List<String> missing = missingProperties(table, page);
        ObjectNode whole = null;
        while (!missing.isEmpty()) {
            JsonNode fetched = notion.call(NotionRequest.get("/v1/pages/" + page.path("id").asText()).withProperties(missing));
            calls[0]++;
            whole = whole == null ? page.deepCopy() : whole;
            ObjectNode properties = whole.path("properties").isObject() ? (ObjectNode) whole.get("properties") : whole.putObject("properties");
            List<String> wanted = missing;
            fetched.path("properties").fields().forEachRemaining(e -> {
                if (wanted.contains(e.getValue().path("id").asText())) {
                    properties.set(e.getKey(), e.getValue());
                }
            });
            List<String> still = missingProperties(table, whole);
            if (still.size() >= missing.size()) {
                withheld.addAll(still);
                break;
            }
            missing = still;
        }
        return whole == null ? page : whole;
    }

    /**
     * Maps a page after replacing the NUL characters PostgreSQL cannot store (in the page and in completed values);
     * each such page is counted (notion_sync_pages, outcome nul_replaced) and logged.
     */
    private PageWriter.Row toRow(String source, MirrorTable table, JsonNode page, int[] calls, Instant now) {
        NulText.Cleaned cleaned = NulText.clean(page);
        int[] replaced = {cleaned.replaced()};
        PageWriter.Row row = PageMapper.toRow(table, cleaned.node(), (pageId, value) -> {
            NulText.Cleaned complete = NulText.clean(completeProperty(doors.of(source), pageId, value, calls));
            replaced[0] += complete.replaced();
            return complete.node();
        }, now);
        if (replaced[0] > 0) {
            metrics.pages(source, "nul_replaced", 1);
            LOG.warn("pull {}: page {} of {} holds {} NUL character(s), which PostgreSQL cannot store; stored as U+FFFD",
                    source, row.pageId(), table.table(), replaced[0]);
        }
        return row;
    }

    /** A truncated property value, read whole: every page of its property items, merged into one value. */
    private JsonNode completeProperty(NotionApi notion, String pageId, JsonNode truncated, int[] calls) {
        String propertyId = truncated.path("id").asText();
        String type = truncated.path("type").asText();
        List<JsonNode> responses = new ArrayList<>();
        String cursor = null;
        do {
            String query = "page_size=100" + (cursor == null ? "" : "&start_cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            JsonNode response = notion.call(NotionRequest.get("/v1/pages/" + pageId + "/properties/" + propertyId, query));
            calls[0]++;
            responses.add(response);
            cursor = response.path("has_more").asBoolean(false) ? response.path("next_cursor").asText(null) : null;
        } while (cursor != null);
        return PropertyItems.mergeToPropertyValue(propertyId, type, responses);
    }
}
