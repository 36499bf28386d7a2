package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The created_time walk against an in-memory data source that caps each query as Notion does: it always ends, and
 * every page is read except pages of a crowded minute it reports as unread; with no crowded minute, all are read.
 */
class CreatedTimeWalkTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");

    record FakePage(String id, Instant created, String title) {
    }

    @Property(tries = 300)
    void everyPageIsReadOrItsMinuteIsReportedUnread(@ForAll("pages") List<FakePage> pages, @ForAll @IntRange(min = 1, max = 30) int cap) {
        Set<String> read = new HashSet<>();
        CreatedTimeWalk walk = new CreatedTimeWalk(null);
        int queries = 0;
        boolean done = false;
        while (!done) {
            assertTrue(++queries <= 10_000, "the walk ends");
            Predicate<FakePage> filter = compile(walk.conditions());
            List<FakePage> matches = pages.stream().filter(filter)
                    .sorted(Comparator.comparing(FakePage::created).thenComparing(FakePage::id)).toList();
            for (FakePage page : matches.subList(0, Math.min(cap, matches.size()))) {
                read.add(page.id());
                walk.read(render(page));
            }
            done = walk.queryEnded(matches.size() > cap);
        }
        for (FakePage page : pages) {
            boolean inUnreadPart = walk.unreadMinutes().stream().anyMatch(slice -> slice.minute().equals(page.created())
                    && slice.conditions().stream().allMatch(c -> c.contains() == page.title().toLowerCase(Locale.ROOT).contains(c.character())));
            assertTrue(read.contains(page.id()) || inUnreadPart, "page " + page + " was read or reported unread");
        }
        long crowdedMinutes = pages.stream().collect(java.util.stream.Collectors.groupingBy(FakePage::created, java.util.stream.Collectors.counting()))
                .values().stream().filter(n -> n > cap).count();
        if (crowdedMinutes == 0) {
            assertEquals(pages.size(), read.size(), "no crowded minute: every page read");
            assertTrue(walk.unreadMinutes().isEmpty());
        }
    }

    @Example
    void aTitleWhoseCharactersAreAllInAnotherIsStillReached() {
        // one page a query: the pages read ("Row 0") share every character with "Row 10" but "1", which no page
        // read so far has: the walk still splits them
        aCrowdedMinuteOfDistinctTitlesIsReadWhole(11, 1);
    }

    @Property(tries = 100)
    void aCrowdedMinuteOfDistinctTitlesIsReadWhole(@ForAll @IntRange(min = 1, max = 400) int count, @ForAll @IntRange(min = 1, max = 40) int cap) {
        List<FakePage> pages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            pages.add(new FakePage(String.format("p%05d", i), START, "Row " + i));   // a CSV import: one minute
        }
        Set<String> read = new HashSet<>();
        CreatedTimeWalk walk = new CreatedTimeWalk(null);
        while (true) {
            List<FakePage> matches = pages.stream().filter(compile(walk.conditions())).toList();
            matches.subList(0, Math.min(cap, matches.size())).forEach(p -> {
                read.add(p.id());
                walk.read(render(p));
            });
            if (walk.queryEnded(matches.size() > cap)) {
                break;
            }
        }
        // "Row 12" and "Row 21" have the same characters: a minute is read whole only up to such twins
        Set<String> charSets = new HashSet<>();
        boolean twins = pages.stream().anyMatch(p -> !charSets.add(p.title().chars().sorted().distinct()
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString()));
        if (!twins) {
            assertEquals(count, read.size());
        }
        assertTrue(read.size() == count || !walk.unreadMinutes().isEmpty(), "a minute not read whole is reported");
    }

    @Provide
    Arbitrary<List<FakePage>> pages() {
        Arbitrary<Integer> minute = Arbitraries.integers().between(0, 6);
        Arbitrary<String> title = Arbitraries.strings().withChars("abcAB 1").ofMinLength(0).ofMaxLength(6);
        return Combinators.combine(minute, title).as((m, t) -> new Object[]{m, t}).list().ofMaxSize(120).map(items -> {
            List<FakePage> pages = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                pages.add(new FakePage(String.format("p%05d", i), START.plusSeconds(60L * (Integer) items.get(i)[0]), (String) items.get(i)[1]));
            }
            return pages;
        });
    }

    private static JsonNode render(FakePage page) {
        ObjectNode node = JSON.createObjectNode().put("id", page.id()).put("created_time", page.created().toString());
        ObjectNode title = node.putObject("properties").putObject("Name").put("id", "title").put("type", "title");
        title.putArray("title").addObject().put("plain_text", page.title());
        return node;
    }

    /** The walk's conditions as the data source evaluates them: an "and" of leaves, text matched case-insensitively. */
    private static Predicate<FakePage> compile(List<ObjectNode> conditions) {
        Predicate<FakePage> all = p -> true;
        for (ObjectNode condition : conditions) {
            Predicate<FakePage> leaf;
            if (condition.has("timestamp")) {
                JsonNode c = condition.path("created_time");
                if (c.has("on_or_after")) {
                    Instant at = Instant.parse(c.path("on_or_after").asText());
                    leaf = p -> !p.created().isBefore(at);
                } else {
                    Instant at = Instant.parse(c.path("before").asText());
                    leaf = p -> p.created().isBefore(at);
                }
            } else {
                JsonNode c = condition.path("title");
                boolean contains = c.has("contains");
                String needle = (contains ? c.path("contains") : c.path("does_not_contain")).asText().toLowerCase(Locale.ROOT);
                leaf = p -> p.title().toLowerCase(Locale.ROOT).contains(needle) == contains;
            }
            all = all.and(leaf);
        }
        return all;
    }
}
