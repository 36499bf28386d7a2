package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.BoundValues;
import dev.notionsync.store.BoundColumns.BoundColumn;
import dev.notionsync.store.BoundProblems;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.Links;
import dev.notionsync.store.ShadowPages;
import dev.notionsync.store.ShadowPages.Page;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Record matching, the first sync of a source bound to an existing Notion database (notion.source.&lt;n&gt;.id given, no
 * bootstrap): the table's rows and the database's pages (the shadow mirror, after its first full pull) are paired on
 * one value, the match column's (default: the row's key as the key property writes it) against the match property's
 * (default: the key property), compared as text.
 * <ul>
 *   <li>one row and one page with a value: linked (neither side's values are copied; each side's later edits sync);</li>
 *   <li>a value on two or more pages, or two or more rows: reported (notion_sync.bound_problems) and left alone,
 *       never guessed: those pages get no row and those rows no page until an operator settles it;</li>
 *   <li>a row no page matched: a page is made for it (match-create-pages) by the push, which this records as the row's
 *       captured INSERT; else reported as unmatched;</li>
 *   <li>a page no row matched: made a row by the Apply pass that follows (match-create-rows); else reported and
 *       held.</li>
 * </ul>
 * Then matched_at is set, and matching is not done again. Matching a second time finds only what the first left (links
 * are skipped), so a matching interrupted by a crash just runs again.
 */
final class RecordMatching {

    private static final Logger LOG = LoggerFactory.getLogger(RecordMatching.class);

    private final BoundRows rows;
    private final ShadowPages pages;
    private final Links links;
    private final BoundProblems problems;
    private final BoundSources boundSources;

    RecordMatching(BoundRows rows, ShadowPages pages, Links links, BoundProblems problems, BoundSources boundSources) {
        this.rows = rows;
        this.pages = pages;
        this.links = links;
        this.problems = problems;
        this.boundSources = boundSources;
    }

    /** What one matching did, for the log and tests. */
    record Result(int linked, int pagesRequested, int unmatchedRows, int unmatchedPages, int ambiguous) {
    }

    Result match(BoundMapping mapping, String mirrorSchema) throws SQLException {
        String source = mapping.name();
        String matchColumn = mapping.binding().matchColumn();
        String matchProperty = mapping.binding().matchProperty();
        BoundColumn byProperty = matchProperty == null ? mapping.key() : pair(mapping, matchProperty);
        // rows without a link, by match value
        Map<String, List<ObjectNode>> rowsByValue = new LinkedHashMap<>();
        List<ObjectNode> rowsWithout = new ArrayList<>();
        List<ObjectNode> all = new ArrayList<>();
        rows.forEach(mapping.table(), all::add);
        Set<JsonNode> linkedKeys = links.pageIds(source, all.stream().map(r -> (JsonNode) mapping.table().keyOf(r)).toList()).keySet();
        for (ObjectNode row : all) {
            ObjectNode key = mapping.table().keyOf(row);
            if (linkedKeys.contains(key)) {
                continue;
            }
            String value = matchColumn == null ? BoundValues.keyText(mapping.shape().keyColumns(), key) : text(row.get(matchColumn));
            if (value == null || value.isEmpty()) {
                rowsWithout.add(row);
            } else {
                rowsByValue.computeIfAbsent(value, v -> new ArrayList<>()).add(row);
            }
        }
        // pages without a link, by match value
        Map<String, List<Page>> pagesByValue = new LinkedHashMap<>();
        List<Page> pagesWithout = new ArrayList<>();
        List<String> ids = new ArrayList<>(mapping.propertyIds());
        if (byProperty != null && byProperty.propertyId() != null && !ids.contains(byProperty.propertyId())) {
            ids.add(byProperty.propertyId());
        }
        String propertyName = matchProperty != null ? matchProperty : mapping.keyPropertyName();
        pages.forEachUnlinked(mirrorSchema, mapping.source().table(), source, ids, page -> {
            String value = pageText(page, byProperty, propertyName);
            if (value == null || value.isEmpty()) {
                pagesWithout.add(page);
            } else {
                pagesByValue.computeIfAbsent(value, v -> new ArrayList<>()).add(page);
            }
        });
        int linked = 0;
        int requested = 0;
        int unmatchedRows = 0;
        int unmatchedPages = 0;
        int ambiguous = 0;
        List<ObjectNode> lonelyRows = new ArrayList<>(rowsWithout);
        List<Page> lonelyPages = new ArrayList<>(pagesWithout);
        Set<String> values = new TreeSet<>(rowsByValue.keySet());
        values.addAll(pagesByValue.keySet());
        String column = matchColumn == null ? "the key" : "column " + matchColumn;
        for (String value : values) {
            List<ObjectNode> rowsOf = rowsByValue.getOrDefault(value, List.of());
            List<Page> pagesOf = pagesByValue.getOrDefault(value, List.of());
            List<String> pageIds = pagesOf.stream().map(Page::pageId).toList();
            List<JsonNode> keys = rowsOf.stream().map(r -> (JsonNode) mapping.table().keyOf(r)).toList();
            if (rowsOf.size() > 1) {
                ambiguous++;
                report(source, BoundProblems.AMBIGUOUS_ROW_KEY, value, pageIds, keys, rowsOf.size() + " rows of " + mapping.binding().qualifiedName()
                        + " have " + column + " '" + value + "'" + (pagesOf.isEmpty() ? "" : " (pages " + pageIds + " match it)")
                        + ": left alone, no page is linked or made for them");
                continue;
            }
            if (pagesOf.size() > 1) {
                ambiguous++;
                report(source, BoundProblems.AMBIGUOUS_PAGE_KEY, value, pageIds, keys, pagesOf.size() + " pages " + pageIds + " have '" + value
                        + "' in '" + propertyName + "'" + (rowsOf.isEmpty() ? "" : " (row " + keys.get(0) + " matches it)")
                        + ": left alone, no row is linked or made for them");
                continue;
            }
            if (rowsOf.size() == 1 && pagesOf.size() == 1) {
                if (link(mapping, rowsOf.get(0), pagesOf.get(0))) {
                    linked++;
                }
            } else if (rowsOf.size() == 1) {
                lonelyRows.add(rowsOf.get(0));
            } else {
                lonelyPages.add(pagesOf.get(0));
            }
        }
        for (ObjectNode row : lonelyRows) {
            ObjectNode key = mapping.table().keyOf(row);
            // a pull-only source has no push to make the page: a change recorded for it would wait forever, and keep a
            // page naming the row's key from becoming its page
            boolean pushed = mapping.binding().matchCreatePages() && mapping.source().pushes();
            boolean made = pushed
                    && rows.inEngineTransaction(c -> BoundRows.requestPage(c, source, mapping.table(), key, mapping.rowValues(row)));
            if (made) {
                requested++;
            } else {
                unmatchedRows++;
                report(source, BoundProblems.UNMATCHED_ROW, key.toString(), List.of(), List.of(key), "row " + key + " of "
                        + mapping.binding().qualifiedName() + " matched no page" + (pushed ? "; its page is made once the push can take it"
                        : mapping.source().pushes() ? " and gets none (match-create-pages=false)"
                        : " and gets none (direction=pull); a page naming its key becomes its page"));
            }
        }
        for (Page page : lonelyPages) {
            if (!mapping.binding().matchCreateRows() || !mapping.source().pulls()) {
                unmatchedPages++;
                report(source, BoundProblems.UNMATCHED_PAGE, page.pageId(), List.of(page.pageId()), List.of(), "page " + page.pageId()
                        + " matched no row of " + mapping.binding().qualifiedName() + " and gets none ("
                        + (mapping.source().pulls() ? "match-create-rows=false)" : "direction=push)"));
            }
            // else: the Apply pass right after this inserts its row
        }
        boundSources.matched(source);
        Result result = new Result(linked, requested, unmatchedRows, unmatchedPages, ambiguous);
        LOG.info("record matching {}: {} linked, {} rows to get a page, {} rows and {} pages left unmatched, {} ambiguous values left alone;"
                + " pages without a row become rows: {}", source, linked, requested, unmatchedRows, unmatchedPages, ambiguous,
                mapping.binding().matchCreateRows());
        return result;
    }

    /**
     * Links a matched row and page. A row deleted (or moved to another key) since it was read is linked all the same
     * when its change was captured (the trigger is on before matching reads the rows): the push then sends that change
     * to this page (trashes it, moves its key), where an unlinked page would have made the row again.
     */
    private boolean link(BoundMapping mapping, ObjectNode row, Page page) throws SQLException {
        ObjectNode key = mapping.table().keyOf(row);
        return rows.inEngineTransaction(c -> {
            Optional<ObjectNode> now = BoundRows.lock(c, mapping.table(), key);
            if (now.isEmpty() && !BoundRows.hasPendingChanges(c, mapping.name(), key)) {
                return false;
            }
            Links.put(c, new Links.Link(mapping.name(), key, page.pageId(), Links.LINKED, page.lastEditedTime(), page.values(),
                    mapping.rowValues(now.orElse(row))));
            return true;
        });
    }

    private void report(String source, String kind, String subject, List<String> pageIds, List<JsonNode> keys, String detail) throws SQLException {
        problems.record(source, kind, subject, pageIds, keys, detail);
        LOG.warn("record matching {}: {}", source, detail);
    }

    /** The recorded pair of the property with this name (value, title or key), or null. */
    private static BoundColumn pair(BoundMapping mapping, String propertyName) {
        if (mapping.key() != null && mapping.key().propertyName().equals(propertyName)) {
            return mapping.key();
        }
        return mapping.values().stream().map(BoundMapping.Mapped::pair).filter(p -> p.propertyName().equals(propertyName)).findFirst().orElse(null);
    }

    /** A page's match value: its match property (by id when known, else by name) as text. */
    private static String pageText(Page page, BoundColumn pair, String propertyName) {
        JsonNode property = pair != null && pair.propertyId() != null ? page.values().get(pair.propertyId()) : null;
        if (property == null) {
            property = page.properties().get(propertyName);
        }
        if (property == null || property.isNull()) {
            return null;
        }
        String type = property.path("type").asText();
        JsonNode value = property.get(type);
        if (value == null || value.isNull()) {
            return null;
        }
        return switch (type) {
            case "title", "rich_text" -> BoundValues.plainText(value).trim();
            case "number" -> value.decimalValue().stripTrailingZeros().toPlainString();
            case "select", "status" -> value.path("name").asText();
            case "checkbox" -> String.valueOf(value.asBoolean());
            case "date" -> value.path("start").asText();
            case "email", "url", "phone_number" -> value.asText();
            case "unique_id" -> (value.path("prefix").isTextual() ? value.path("prefix").asText() + "-" : "") + value.path("number").asText();
            default -> value.toString();
        };
    }

    /** A row's match value (to_jsonb shape) as text: numbers without trailing zeros, text as it is. */
    private static String text(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isNumber()) {
            return value.decimalValue().stripTrailingZeros().toPlainString();
        }
        return value.isTextual() ? value.asText().trim() : value.toString();
    }
}
