package dev.notionsync.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * For every column category a bound table maps: a row's value (as PostgreSQL's to_jsonb renders it) becomes a Notion
 * request value, Notion answers it back in a page's shape, and the value read from that answer is the row's value
 * again, exactly: decimals digit for digit, texts longer than one 2000-character text object whole. Times come back
 * to the minute: Notion keeps a date's time to the minute (recordings: date_query.json sends 18:01:15.377824 and
 * reads 18:01:00.000).
 */
class BoundValuesRoundTripPropertyTest {

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
    static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    static final List<String> LABELS = List.of("draft", "active", "paused", "retired", "needs review");

    /** A column, its Notion type, and a value of it. */
    record Sample(TableColumn column, String notionType, JsonNode value) {
        @Override
        public String toString() {
            return column.formatType() + " as " + notionType + ": " + value;
        }
    }

    static TableColumn column(String formatType, ColumnCategory category) {
        return new TableColumn("c", 2, formatType, category, category == ColumnCategory.ENUM || category == ColumnCategory.ENUM_ARRAY ? LABELS : List.of(),
                false, false, false, false, null);
    }

    @Property(tries = 1000)
    void aRowValueComesBackFromNotionAsItWent(@ForAll("samples") Sample sample) throws Exception {
        ObjectNode request = BoundValues.toNotion(sample.column(), sample.notionType(), sample.value());
        JsonNode property = asNotionAnswers(sample.notionType(), request);
        JsonNode back = BoundValues.fromNotion(sample.column(), property);
        assertSame(sample, back);
    }

    /** Equal as PostgreSQL would store them: numbers by value, times by instant, JSON by structure. */
    static void assertSame(Sample sample, JsonNode back) {
        JsonNode value = sample.value();
        switch (sample.column().category()) {
            case INTEGER, DECIMAL, FLOAT -> {
                assertTrue(back.isNumber(), sample + " came back as " + back);
                assertEquals(0, value.decimalValue().compareTo(back.decimalValue()), sample + " came back as " + back);
            }
            case TIMESTAMP -> assertEquals(LocalDateTime.parse(value.asText()).truncatedTo(ChronoUnit.MINUTES), LocalDateTime.parse(back.asText()),
                    sample.toString());
            case TIMESTAMPTZ -> assertEquals(OffsetDateTime.parse(value.asText()).toInstant().truncatedTo(ChronoUnit.MINUTES),
                    OffsetDateTime.parse(back.asText()).toInstant(), sample.toString());
            case JSON -> {
                try {
                    assertEquals(JSON.readTree(value.toString()), back, sample.toString());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            default -> assertEquals(value, back, sample.toString());
        }
    }

    /**
     * What Notion answers for a request value, in a page's shape: text objects get plain_text, options ids, times
     * Notion's form, to the minute.
     */
    static JsonNode asNotionAnswers(String type, ObjectNode request) throws Exception {
        ObjectNode property = JSON.readTree(request.toString()).deepCopy();
        property.put("id", "p%3Ax");
        property.put("type", type);
        JsonNode value = property.get(type);
        switch (type) {
            case "title", "rich_text" -> value.forEach(item -> ((ObjectNode) item).put("plain_text", item.path("text").path("content").asText()));
            case "select" -> {
                if (!value.isNull()) {
                    ((ObjectNode) value).put("id", "opt1").put("color", "default");
                }
            }
            case "multi_select" -> value.forEach(option -> ((ObjectNode) option).put("id", "opt" + option.path("name").asText().hashCode()));
            case "date" -> {
                if (!value.isNull() && value.path("start").asText().length() > 10) {
                    ((ObjectNode) value).put("start", OffsetDateTime.parse(value.path("start").asText()).truncatedTo(ChronoUnit.MINUTES)
                            .format(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSxxx")));
                }
            }
            default -> {
            }
        }
        return property;
    }

    @Provide
    Arbitrary<Sample> samples() {
        return Arbitraries.oneOf(List.of(
                texts().map(t -> new Sample(column("text", ColumnCategory.TEXT), "rich_text", NODES.textNode(t))),
                texts().map(t -> new Sample(column("character varying(8000)", ColumnCategory.TEXT), "title", NODES.textNode(t))),
                Arbitraries.longs().map(n -> new Sample(column("bigint", ColumnCategory.INTEGER), "number", NODES.numberNode(n))),
                Arbitraries.integers().map(n -> new Sample(column("integer", ColumnCategory.INTEGER), "number", NODES.numberNode(n))),
                Arbitraries.bigDecimals().between(new BigDecimal("-9999999999.99"), new BigDecimal("9999999999.99")).ofScale(2)
                        .map(n -> new Sample(column("numeric(12,2)", ColumnCategory.DECIMAL), "number", NODES.numberNode(n))),
                Combinators.combine(Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30)),
                        Arbitraries.integers().between(0, 20)).as((unscaled, scale) -> new BigDecimal(unscaled, scale))
                        .map(n -> new Sample(column("numeric", ColumnCategory.DECIMAL), "number", NODES.numberNode(n))),
                Arbitraries.doubles().between(-1e15, 1e15).map(d -> new Sample(column("double precision", ColumnCategory.FLOAT), "number",
                        NODES.numberNode(new BigDecimal(Double.toString(d))))),
                Arbitraries.of(true, false).map(b -> new Sample(column("boolean", ColumnCategory.BOOLEAN), "checkbox", NODES.booleanNode(b))),
                Arbitraries.of(LABELS).map(l -> new Sample(column("agent_status", ColumnCategory.ENUM), "select", NODES.textNode(l))),
                options().map(a -> new Sample(column("text[]", ColumnCategory.TEXT_ARRAY), "multi_select", a)),
                Arbitraries.of(LABELS).list().ofMinSize(1).ofMaxSize(5).uniqueElements().map(l -> {
                    var array = NODES.arrayNode();
                    l.forEach(array::add);
                    return new Sample(column("agent_status[]", ColumnCategory.ENUM_ARRAY), "multi_select", array);
                }),
                Arbitraries.longs().between(LocalDate.of(1, 1, 1).toEpochDay(), LocalDate.of(9999, 12, 31).toEpochDay())
                        .map(d -> new Sample(column("date", ColumnCategory.DATE), "date", NODES.textNode(LocalDate.ofEpochDay(d).toString()))),
                millis().map(ms -> new Sample(column("timestamp without time zone", ColumnCategory.TIMESTAMP), "date",
                        NODES.textNode(LocalDateTime.ofInstant(Instant.ofEpochMilli(ms), ZoneOffset.UTC).toString()))),
                Combinators.combine(millis(), Arbitraries.integers().between(-12 * 4, 14 * 4)).as((ms, quarter) ->
                        new Sample(column("timestamp with time zone", ColumnCategory.TIMESTAMPTZ), "date",
                                NODES.textNode(Instant.ofEpochMilli(ms).atOffset(ZoneOffset.ofTotalSeconds(quarter * 900)).toString()))),
                Arbitraries.create(UUID::randomUUID).map(u -> new Sample(column("uuid", ColumnCategory.UUID), "rich_text", NODES.textNode(u.toString()))),
                jsons().map(j -> new Sample(column("jsonb", ColumnCategory.JSON), "rich_text", j))));
    }

    /** Texts of any length up to more than two text objects, with surrogate pairs; never empty (empty is NULL). */
    static Arbitrary<String> texts() {
        return Arbitraries.oneOf(List.of(Arbitraries.strings().ofMinLength(1).ofMaxLength(50),
                Arbitraries.strings().withChars("ab\u00e9\n ").ofMinLength(1990).ofMaxLength(4500),
                Arbitraries.strings().withChars("x\ud83d\ude00").ofMinLength(1995).ofMaxLength(2010)))
                .filter(s -> !s.isEmpty() && !(Character.isLowSurrogate(s.charAt(0))) && validSurrogates(s));
    }

    static boolean validSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    static Arbitrary<JsonNode> options() {
        return Arbitraries.strings().alpha().numeric().withChars(" -_").ofMinLength(1).ofMaxLength(30).list().ofMinSize(1).ofMaxSize(8)
                .uniqueElements().map(l -> {
                    var array = NODES.arrayNode();
                    l.forEach(array::add);
                    return array;
                });
    }

    /** Instants between years 1 and 9999, to the millisecond (Notion's precision). */
    static Arbitrary<Long> millis() {
        return Arbitraries.longs().between(LocalDate.of(1, 1, 2).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli(),
                LocalDate.of(9999, 12, 30).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli());
    }

    static Arbitrary<JsonNode> jsons() {
        Arbitrary<JsonNode> leaves = Arbitraries.oneOf(List.of(Arbitraries.strings().ofMaxLength(20).filter(BoundValuesRoundTripPropertyTest::validSurrogates)
                        .map(NODES::textNode),
                Arbitraries.bigDecimals().between(new BigDecimal("-1e6"), new BigDecimal("1e6")).ofScale(3).map(NODES::numberNode),
                Arbitraries.longs().map(NODES::numberNode), Arbitraries.of(true, false).map(NODES::booleanNode),
                Arbitraries.just(NODES.nullNode())));
        return Arbitraries.maps(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8), leaves).ofMaxSize(6).map(map -> {
            ObjectNode object = NODES.objectNode();
            map.forEach(object::set);
            if (!map.isEmpty()) {
                object.putArray("list").addAll(map.values());
            }
            return (JsonNode) object;
        });
    }
}
