package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * For every writable type, read(write(x)) == x: column values a user sets (as PostgreSQL's to_jsonb renders them)
 * become a request, the request value in a page's shape is read back, and every writable column holds what was set.
 * No Camel, no database: this checks that a type's write and read agree; the same round trip through the simulator
 * over HTTP and PostgreSQL is PushRoundTripPropertyTest.
 */
class WriteReadRoundTripPropertyTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter TO_JSONB_TIMESTAMPTZ = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    /** Column values of one type as the row holds them, and the values the read must give for them. */
    record Sample(String type, Map<String, JsonNode> columns, Map<String, Object> expected) {
        @Override
        public String toString() {
            return type + " " + columns;
        }
    }

    @Property(tries = 600)
    void whatAPushWritesReadsBackAsTheColumnsItWasMadeFrom(@ForAll("samples") Sample sample) {
        AbstractPropertyType type = (AbstractPropertyType) PropertyTypes.of(sample.type()).orElseThrow();
        ObjectNode request = type.write("P", sample.columns(), sample.columns().keySet());
        ObjectNode asNotionShowsIt = type.requestAsPageValue(request.deepCopy().put("type", type.name()));
        List<Object> read = type.read(asNotionShowsIt);
        for (int i = 0; i < type.columns().size(); i++) {
            String suffix = type.columns().get(i).suffix();
            if (type.writableSuffixes().contains(suffix)) {
                assertEquals(type.meaningOf(suffix, sample.expected().get(suffix)), type.meaningOf(suffix, read.get(i)),
                        type.name() + " column '" + suffix + "' after " + request);
            }
        }
    }

    @Test
    void everyWritableTypeHasAGenerator() {
        Set<String> writable = new TreeSet<>();
        for (String name : PropertyTypes.knownTypes()) {
            if (PropertyTypes.of(name).orElseThrow().writable()) {
                writable.add(name);
            }
        }
        assertEquals(writable, new TreeSet<>(GENERATED));
    }

    private static final List<String> GENERATED = List.of("title", "rich_text", "number", "select", "status",
            "multi_select", "date", "people", "relation", "files", "checkbox", "url", "email", "phone_number", "place");

    @Provide
    Arbitrary<Sample> samples() {
        return Arbitraries.oneOf(List.of(
                text("title"), text("rich_text"), number(), option("select"), option("status"), multiSelect(),
                date(), ids("people", "ids"), ids("relation", ""), files(), checkbox(),
                string("url", 2000), string("email", 200), string("phone_number", 40), place()));
    }

    // ---- one generator per writable type -----------------------------------------------------------------------

    private static Arbitrary<Sample> text(String type) {
        // up to 3 text objects' worth, surrogate pairs included, so splitting at 2000 characters is exercised
        return Arbitraries.oneOf(List.of(Arbitraries.strings().ofMaxLength(30),
                        Arbitraries.strings().withChars("aé😀 \n").ofMinLength(1990).ofMaxLength(4100)))
                .map(s -> sample(type, Map.of("", NODES.textNode(s)), Map.of("", s)));
    }

    private static Arbitrary<Sample> number() {
        return Arbitraries.bigDecimals().between(new BigDecimal("-1e15"), new BigDecimal("1e15")).ofScale(6)
                .map(n -> sample("number", Map.of("", NODES.numberNode(n)), Map.of("", n)));
    }

    private static Arbitrary<String> optionName() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars(" -é😀").ofMinLength(1).ofMaxLength(40);
    }

    private static Arbitrary<Sample> option(String type) {
        return optionName().map(name -> sample(type, Map.of("", NODES.textNode(name)), Map.of("", name)));
    }

    private static Arbitrary<Sample> multiSelect() {
        return optionName().list().ofMaxSize(8).map(names ->
                sample("multi_select", Map.of("", array(names)), Map.of("", names.toArray(String[]::new))));
    }

    private static Arbitrary<Sample> ids(String type, String suffix) {
        return Arbitraries.create(() -> UUID.randomUUID().toString()).list().ofMaxSize(30).map(ids ->
                sample(type, Map.of(suffix, array(ids)), Map.of(suffix, ids.toArray(String[]::new))));
    }

    private static Arbitrary<Sample> files() {
        Arbitrary<String> url = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(30)
                .map(path -> "https://files.example.org/" + path + ".pdf");
        Arbitrary<String> name = Arbitraries.strings().withCharRange('A', 'Z').withChars(" .").ofMinLength(1).ofMaxLength(20);
        return Combinators.combine(url, name).as(List::of).list().ofMaxSize(6).map(pairs -> {
            List<String> urls = pairs.stream().map(p -> p.get(0)).toList();
            List<String> names = pairs.stream().map(p -> p.get(1)).toList();
            return sample("files", Map.of("", array(names), "urls", array(urls)),
                    Map.of("", names.toArray(String[]::new), "urls", urls.toArray(String[]::new)));
        });
    }

    private static Arbitrary<Sample> checkbox() {
        return Arbitraries.of(true, false).map(b -> sample("checkbox", Map.of("", NODES.booleanNode(b)), Map.of("", b)));
    }

    private static Arbitrary<Sample> string(String type, int maxLength) {
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(maxLength)
                .map(s -> sample(type, Map.of("", NODES.textNode(s)), Map.of("", s)));
    }

    /** A date-only value, or a date-time (at, as to_jsonb renders timestamptz) with its UTC date; optionally a range. */
    private static Arbitrary<Sample> date() {
        Arbitrary<Instant> instant = Arbitraries.longs().between(-2_000_000_000L, 8_000_000_000L)
                .map(seconds -> Instant.ofEpochSecond(seconds));
        return Combinators.combine(instant, instant, Arbitraries.of(true, false), Arbitraries.of(true, false))
                .as((start, end, withTime, range) -> {
                    Map<String, JsonNode> columns = new HashMap<>();
                    Map<String, Object> expected = new HashMap<>();
                    put(columns, expected, "", "at", start, withTime);
                    if (range) {
                        put(columns, expected, "end", "end_at", end, withTime);
                    }
                    return sample("date", columns, expected);
                });
    }

    private static void put(Map<String, JsonNode> columns, Map<String, Object> expected, String day, String at,
                            Instant instant, boolean withTime) {
        OffsetDateTime utc = instant.atOffset(ZoneOffset.UTC);
        LocalDate date = utc.toLocalDate();
        columns.put(day, NODES.textNode(date.toString()));
        expected.put(day, date);
        if (withTime) {
            columns.put(at, NODES.textNode(utc.format(TO_JSONB_TIMESTAMPTZ)));
            expected.put(at, utc);
        }
    }

    private static Arbitrary<Sample> place() {
        Arbitrary<BigDecimal> lat = Arbitraries.bigDecimals().between(new BigDecimal("-90"), new BigDecimal("90")).ofScale(6);
        Arbitrary<BigDecimal> lon = Arbitraries.bigDecimals().between(new BigDecimal("-180"), new BigDecimal("180")).ofScale(6);
        Arbitrary<String> text = Arbitraries.strings().ofMinLength(1).ofMaxLength(50);
        return Combinators.combine(text, text, lat, lon).as((name, address, la, lo) -> sample("place",
                Map.of("", NODES.textNode(name), "address", NODES.textNode(address), "lat", NODES.numberNode(la),
                        "lon", NODES.numberNode(lo)),
                Map.of("", name, "address", address, "lat", la, "lon", lo)));
    }

    private static Sample sample(String type, Map<String, JsonNode> columns, Map<String, Object> expected) {
        return new Sample(type, columns, expected);
    }

    private static ArrayNode array(List<String> texts) {
        ArrayNode array = NODES.arrayNode();
        new ArrayList<>(texts).forEach(array::add);
        return array;
    }
}
