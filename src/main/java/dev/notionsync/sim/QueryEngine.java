package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableSet;
import java.util.function.Predicate;

/**
 * Runs data source queries: filter, sort, cursor pagination and the 10,000-result cap.
 * Timestamp-sorted and unsorted queries walk the source's sorted indexes, so incremental syncs over
 * large sources stay cheap; property sorts fall back to sorting the matches.
 */
final class QueryEngine {
    /** Notion's cap on the results of one query (a query being its filter and sorts, across all its cursors). */
    static final int RESULT_CAP = 10_000;

    record Result(List<Page> pages, String nextCursor, boolean hasMore, boolean capReached) {
    }

    private final Cursors cursors;
    private final Clock clock;
    // tests lower it to reach the cap with a few hundred pages; Notion's own is the default
    private volatile int resultCap = RESULT_CAP;

    QueryEngine(Cursors cursors, Clock clock) {
        this.cursors = cursors;
        this.clock = clock;
    }

    void resultCap(int cap) {
        if (cap < 1) throw new IllegalArgumentException("the result cap must be at least 1, was " + cap);
        resultCap = cap;
    }

    Result query(SimDataSource source, Renderer renderer, JsonNode body, int pageSize) {
        String scope = "query:" + source.id;
        Cursors.State state = body.hasNonNull("start_cursor") ? cursors.resolve(body.get("start_cursor").asText(), scope) : null;
        Predicate<Page> filter = new Filters(source, renderer, clock).compile(body.get("filter"));
        boolean trashed = body.path("in_trash").asBoolean(false);
        Predicate<Page> matches = p -> p.inTrash() == trashed && filter.test(p);
        int served = state == null ? 0 : state.offset();
        int cap = resultCap;
        int want = Math.min(pageSize, cap - served);

        JsonNode sorts = body.get("sorts");
        Iterable<Page> ordered = indexedOrder(source, sorts, body.get("filter"), state);
        List<Page> collected = new ArrayList<>(want + 1);
        if (ordered != null) {
            for (Page p : ordered) {
                if (matches.test(p)) {
                    collected.add(p);
                    if (collected.size() > want) break;
                }
            }
        } else {
            // sort keys are computed once per page, not once per comparison
            List<SortKey[]> keyed = new ArrayList<>();
            Comparator<SortKey[]> order = propertyOrder(source, sorts);
            SortKey[] from = state == null ? null : keys(source, renderer, sorts, state.next());
            Map<SortKey[], Page> pagesByKey = new IdentityHashMap<>();
            for (Page p : source.pages.values()) {
                if (!matches.test(p)) continue;
                SortKey[] k = keys(source, renderer, sorts, p);
                if (from != null && order.compare(k, from) < 0) continue;
                keyed.add(k);
                pagesByKey.put(k, p);
            }
            keyed.sort(order);
            for (SortKey[] k : keyed.subList(0, Math.min(keyed.size(), want + 1))) collected.add(pagesByKey.get(k));
        }
        boolean more = collected.size() > want;
        boolean capReached = more && served + want >= cap;
        List<Page> page = more ? collected.subList(0, want) : collected;
        if (capReached) {
            return new Result(List.copyOf(page), null, false, true);
        }
        String next = null;
        if (more) {
            Page first = collected.get(want);
            next = cursors.issue(scope, first, first.id(), served + want);
        }
        return new Result(List.copyOf(page), next, more, false);
    }

    /** The sorted index to walk when the order is a single timestamp sort or unspecified; null otherwise. */
    private static Iterable<Page> indexedOrder(SimDataSource source, JsonNode sorts, JsonNode filter, Cursors.State state) {
        NavigableSet<Page> set;
        String timestamp;
        boolean ascending;
        if (sorts == null || sorts.isNull() || sorts.isEmpty()) {
            // Notion does not promise an order without sorts; newest first matches the recordings.
            set = source.byCreated.descendingSet();
            timestamp = "created_time";
            ascending = false;
        } else if (sorts.size() == 1 && sorts.get(0).has("timestamp")) {
            timestamp = sorts.get(0).get("timestamp").asText();
            ascending = !"descending".equals(sorts.get(0).path("direction").asText());
            NavigableSet<Page> base = timestamp.equals("created_time") ? source.byCreated : source.byEdited;
            set = ascending ? base : base.descendingSet();
        } else {
            return null;
        }
        Page from = state == null ? null : state.next();
        if (ascending) {
            Instant bound = Filters.lowerBound(filter, timestamp);
            if (bound != null) {
                Page probe = probe(timestamp, bound);
                if (from == null || set.comparator().compare(probe, from) > 0) from = probe;
            }
        }
        return from == null ? set : set.tailSet(from, true);
    }

    private static Page probe(String timestamp, Instant t) {
        return new Page("", null, null, t, t, null, null, null, null, false, false, false, Map.of());
    }

    /**
     * One key per sort plus the page id as the last key. Timestamps are keys too, so mixed sorts work; empty
     * values sort last in either direction.
     */
    private static SortKey[] keys(SimDataSource source, Renderer renderer, JsonNode sorts, Page page) {
        SortKey[] keys = new SortKey[sorts.size() + 1];
        for (int i = 0; i < sorts.size(); i++) {
            JsonNode sort = sorts.get(i);
            if (sort.has("timestamp")) {
                Instant t = sort.get("timestamp").asText().equals("created_time") ? page.createdTime() : page.lastEditedTime();
                keys[i] = SortKey.of((double) t.toEpochMilli());
            } else {
                String name = sort.path("property").asText();
                PropertySchema schema = source.property(name);
                if (schema == null) throw ApiException.validation("Could not find sort property with name or id: " + name);
                keys[i] = sortKey(renderer.value(page, source, schema, false));
            }
        }
        keys[sorts.size()] = SortKey.of(page.id());
        return keys;
    }

    private static Comparator<SortKey[]> propertyOrder(SimDataSource source, JsonNode sorts) {
        Comparator<SortKey[]> order = (a, b) -> 0;
        for (int i = 0; i < sorts.size(); i++) {
            int index = i;
            boolean descending = "descending".equals(sorts.get(i).path("direction").asText());
            Comparator<SortKey> values = descending ? Comparator.<SortKey>naturalOrder().reversed() : Comparator.naturalOrder();
            order = order.thenComparing(k -> k[index], Comparator.nullsLast(values));
        }
        int last = sorts.size();
        return order.thenComparing(k -> k[last], Comparator.naturalOrder());
    }

    /** Numbers sort before texts so mixed formula results still have a total order. */
    record SortKey(int kind, double number, String text) implements Comparable<SortKey> {
        static SortKey of(double n) {
            return new SortKey(0, n, "");
        }

        static SortKey of(String s) {
            return new SortKey(1, 0, s.toLowerCase(Locale.ROOT));
        }

        @Override
        public int compareTo(SortKey o) {
            if (kind != o.kind) return Integer.compare(kind, o.kind);
            return kind == 0 ? Double.compare(number, o.number) : text.compareTo(o.text);
        }
    }

    private static SortKey sortKey(JsonNode v) {
        if (v == null || v.isNull() || (v.isArray() && v.isEmpty())) return null;
        if (v.isNumber()) return SortKey.of(v.asDouble());
        if (v.isBoolean()) return SortKey.of(v.asBoolean() ? 1 : 0);
        if (v.isTextual()) return SortKey.of(v.asText());
        if (v.isArray()) return SortKey.of(v.get(0).has("name") ? v.get(0).get("name").asText() : RichText.plain(v));
        if (v.has("start")) {
            Instant t = Times.parseInstant(v.get("start").asText());
            return t == null ? SortKey.of(v.get("start").asText()) : SortKey.of((double) t.toEpochMilli());
        }
        if (v.has("name")) return SortKey.of(v.get("name").asText());
        if (v.has("type")) {
            JsonNode inner = v.get(v.get("type").asText());
            if (inner != null && inner.isObject() && inner.has("start")) return sortKey(inner);
            return inner == null || inner.isNull() ? null : sortKey(inner);
        }
        if (v.has("number") && v.get("number").isNumber()) return SortKey.of(v.get("number").asDouble());
        return SortKey.of(v.toString());
    }
}
