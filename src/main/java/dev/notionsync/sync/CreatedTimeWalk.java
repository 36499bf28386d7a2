package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads every page of a query beyond Notion's 10,000-result cap (the cap is per query: a new query gets a new
 * budget). Queries walk created_time windows, oldest first; a capped window is followed by one starting at the
 * newest created_time it reached (Notion's own advice). When one minute alone holds more pages than the cap (a
 * bulk import: created_time is kept to the minute), that minute is split in two by a text property: pages whose
 * value contains a character and pages whose value does not, which together are every page of the minute; a part
 * still capped is split again by another character. A part that no character of its pages splits further (pages
 * alike in every text property) is given up, counted in {@link #unreadMinutes()}, and the walk goes on.
 *
 * <p>Use: add {@link #conditions()} to the query's filter and {@link #sort()} as its sorts; pass each result page to
 * {@link #read}; when a query ends (no more results, or capped), call {@link #queryEnded} until it says the walk is
 * done. Pure logic: no I/O.
 */
final class CreatedTimeWalk {

    /** A minute holding more pages than the cap is split at most this deep (each level adds one filter condition). */
    static final int MAX_SPLIT_DEPTH = 24;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One text condition: the property (id and type) contains, or does not contain, the character. */
    record TextCondition(String propertyId, String type, String character, boolean contains) {
    }

    /** A part of one crowded minute: the minute's pages that meet every condition. */
    record Slice(Instant minute, List<TextCondition> conditions) {
    }

    private Instant from;
    private final Deque<Slice> slices = new ArrayDeque<>();
    private final List<Slice> unread = new ArrayList<>();
    private boolean done;
    // what the current query returned
    private Instant oldestCreated;
    private Instant newestCreated;
    private int pagesRead;
    private final Map<TextCondition, Integer> containing = new HashMap<>();
    // every character the walk has seen in a text property, in a fixed order: a capped query reads only part of a
    // slice, so the character that splits the rest may be missing from what it read
    private final Set<TextCondition> seen = new TreeSet<>(Comparator.comparing(TextCondition::propertyId)
            .thenComparing(TextCondition::type).thenComparing(TextCondition::character));

    /** @param from the first created_time to read, or null for all */
    CreatedTimeWalk(Instant from) {
        this.from = from;
    }

    /** Leaf filter conditions the next query adds (with "and") to its own. */
    List<ObjectNode> conditions() {
        List<ObjectNode> conditions = new ArrayList<>();
        Slice slice = slices.peek();
        if (slice != null) {
            conditions.add(created("on_or_after", slice.minute()));
            conditions.add(created("before", slice.minute().plus(1, ChronoUnit.MINUTES)));
            for (TextCondition text : slice.conditions()) {
                ObjectNode condition = JSON.createObjectNode().put("property", text.propertyId());
                condition.putObject(text.type()).put(text.contains() ? "contains" : "does_not_contain", text.character());
                conditions.add(condition);
            }
        } else if (from != null) {
            conditions.add(created("on_or_after", from));
        }
        return conditions;
    }

    /** A query filter requiring every condition: null for none, the condition for one, an "and" for several. */
    static ObjectNode allOf(List<ObjectNode> conditions) {
        if (conditions.isEmpty()) {
            return null;
        }
        if (conditions.size() == 1) {
            return conditions.get(0);
        }
        ObjectNode and = JSON.createObjectNode();
        and.putArray("and").addAll(conditions);
        return and;
    }

    /** The sorts of every query of the walk. */
    static ObjectNode sort() {
        return JSON.createObjectNode().put("timestamp", "created_time").put("direction", "ascending");
    }

    /** Notes one page of the current query's results. */
    void read(JsonNode page) {
        if (!page.path("created_time").isTextual()) {
            return;   // not a page (a wiki's query can list data sources too)
        }
        Instant created = Instant.parse(page.path("created_time").asText());
        oldestCreated = oldestCreated == null || created.isBefore(oldestCreated) ? created : oldestCreated;
        newestCreated = newestCreated == null || created.isAfter(newestCreated) ? created : newestCreated;
        pagesRead++;
        for (Iterator<JsonNode> it = page.path("properties").elements(); it.hasNext(); ) {
            JsonNode property = it.next();
            String type = property.path("type").asText();
            if (!type.equals("title") && !type.equals("rich_text")) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            property.path(type).forEach(part -> text.append(part.path("plain_text").asText()));
            Set<String> characters = new HashSet<>();
            text.toString().toLowerCase(Locale.ROOT).codePoints().forEach(c -> characters.add(Character.toString(c)));
            String id = property.path("id").asText();
            for (String character : characters) {
                TextCondition condition = new TextCondition(id, type, character, true);
                containing.merge(condition, 1, Integer::sum);
                seen.add(condition);
            }
        }
    }

    /**
     * The current query has ended.
     *
     * @param capped it stopped at Notion's result cap (request_status incomplete)
     * @return true when the walk is done
     */
    boolean queryEnded(boolean capped) {
        Slice slice = slices.poll();
        if (slice != null) {
            if (capped) {
                split(slice);
            }
            if (slices.isEmpty()) {
                from = slice.minute().plus(1, ChronoUnit.MINUTES);
            }
        } else if (!capped) {
            done = true;
        } else if (newestCreated != null && (oldestCreated.equals(newestCreated) || newestCreated.equals(from))) {
            // every page the window reached was created in one minute: read that minute alone (split if still capped)
            slices.push(new Slice(newestCreated, List.of()));
        } else if (newestCreated != null) {
            from = newestCreated;   // re-reads that minute: it may hold more pages than the window reached
        } else {
            done = true;   // capped without a page: nothing further to reach
        }
        oldestCreated = null;
        newestCreated = null;
        pagesRead = 0;
        containing.clear();
        return done;
    }

    boolean isDone() {
        return done;
    }

    /** Parts of crowded minutes the walk could not split below the cap: pages there may not have been read. */
    List<Slice> unreadMinutes() {
        return List.copyOf(unread);
    }

    /** Splits a capped slice by the character whose presence divides the pages read most evenly. */
    private void split(Slice slice) {
        TextCondition best = null;
        int bestDistance = Integer.MAX_VALUE;
        if (slice.conditions().size() < MAX_SPLIT_DEPTH) {
            for (Map.Entry<TextCondition, Integer> entry : containing.entrySet()) {
                if (used(slice, entry.getKey())) {
                    continue;
                }
                // a character every page read has still reaches the others through "does not contain"
                int distance = Math.abs(pagesRead - 2 * entry.getValue());
                if (distance < bestDistance || distance == bestDistance && before(entry.getKey(), best)) {
                    best = entry.getKey();
                    bestDistance = distance;
                }
            }
        }
        if (best == null && slice.conditions().size() < MAX_SPLIT_DEPTH) {
            // the pages read share every unused character, but the pages not read may not ("Row 1" read, "Row 10"
            // not): try a character seen elsewhere, then a letter or digit; one that splits nothing costs one query
            best = seen.stream().filter(candidate -> !used(slice, candidate)).findFirst()
                    .or(() -> fallbackCharacters(slice)).orElse(null);
        }
        if (best == null) {
            unread.add(slice);
            return;
        }
        List<TextCondition> without = new ArrayList<>(slice.conditions());
        without.add(new TextCondition(best.propertyId(), best.type(), best.character(), false));
        List<TextCondition> with = new ArrayList<>(slice.conditions());
        with.add(best);
        slices.push(new Slice(slice.minute(), List.copyOf(without)));
        slices.push(new Slice(slice.minute(), List.copyOf(with)));
    }

    /** A letter or digit not yet used, in the text property the slice was last split by (none before a first split). */
    private static Optional<TextCondition> fallbackCharacters(Slice slice) {
        if (slice.conditions().isEmpty()) {
            return Optional.empty();
        }
        TextCondition property = slice.conditions().get(slice.conditions().size() - 1);
        return "0123456789abcdefghijklmnopqrstuvwxyz".codePoints().mapToObj(Character::toString)
                .map(character -> new TextCondition(property.propertyId(), property.type(), character, true))
                .filter(candidate -> !used(slice, candidate)).findFirst();
    }

    private static boolean used(Slice slice, TextCondition candidate) {
        return slice.conditions().stream().anyMatch(c -> c.propertyId().equals(candidate.propertyId())
                && c.character().equals(candidate.character()));
    }

    /** A fixed order among equally good characters, so the same pages always give the same queries. */
    private static boolean before(TextCondition a, TextCondition b) {
        return b == null || (a.propertyId() + "\u0001" + a.character()).compareTo(b.propertyId() + "\u0001" + b.character()) < 0;
    }

    private static ObjectNode created(String operator, Instant at) {
        ObjectNode condition = JSON.createObjectNode().put("timestamp", "created_time");
        condition.putObject("created_time").put(operator, at.toString());
        return condition;
    }
}
