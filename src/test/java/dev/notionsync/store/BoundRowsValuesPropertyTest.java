package dev.notionsync.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.TestPostgres;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The PostgreSQL leg of a Notion edit: a value in to_jsonb shape (what BoundValues makes of a page's property),
 * written into its column of a user's table through jsonb_populate_record, reads back as the same value, for every
 * column type a bound table maps: texts of any length and script, exact decimals, arrays with quotes and commas,
 * enums, dates, times, uuids, nested JSON.
 */
class BoundRowsValuesPropertyTest {

    static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).setNodeFactory(NODES);
    static final List<String> LABELS = List.of("draft", "active", "needs review", "o'neil", "a,b");

    /** The table all tries write into (one row), made once per JVM on the tests' PostgreSQL. */
    static final class Fixture {
        static final Database DATABASE = Database.open(TestPostgres.shared().newEngineDatabase(UUID.randomUUID().toString().substring(0, 8)),
                "", "", 2, null, false);
        static final BoundRows ROWS = new BoundRows(DATABASE.dataSource());
        static final BoundRows.Table TABLE = new BoundRows.Table("app", "typed values", List.of("id"));
        static final ObjectNode KEY = NODES.objectNode().put("id", 1);

        static {
            try (Connection c = DATABASE.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA app");
                st.execute("CREATE TYPE app.\"Label\" AS ENUM ('draft', 'active', 'needs review', 'o''neil', 'a,b')");
                st.execute("CREATE TABLE app.\"typed values\" (id integer PRIMARY KEY, \"Text\" text, vc varchar(8000), i integer, b bigint,"
                        + " n numeric(12,2), nn numeric, d double precision, flag boolean, e app.\"Label\", ta text[], ea app.\"Label\"[],"
                        + " day date, ts timestamp, tstz timestamptz, u uuid, j jsonb)");
                st.execute("INSERT INTO app.\"typed values\" (id) VALUES (1)");
            } catch (SQLException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    record Sample(String column, JsonNode value) {
    }

    @Property(tries = 400)
    void aValueWrittenByKeyReadsBackAsItWent(@ForAll("samples") Sample sample) throws Exception {
        ObjectNode values = NODES.objectNode();
        values.set(sample.column(), sample.value());
        JsonNode back = Fixture.ROWS.inEngineTransaction(c -> {
            assertTrue(BoundRows.update(c, Fixture.TABLE, Fixture.KEY, values));
            return BoundRows.read(c, Fixture.TABLE, Fixture.KEY).orElseThrow().get(sample.column());
        });
        JsonNode value = sample.value();
        switch (sample.column()) {
            case "n", "nn", "d", "i", "b" -> assertEquals(0, value.decimalValue().compareTo(back.decimalValue()), sample + " came back as " + back);
            case "ts" -> assertEquals(LocalDateTime.parse(value.asText()), LocalDateTime.parse(back.asText()), sample.toString());
            case "tstz" -> assertEquals(OffsetDateTime.parse(value.asText()).toInstant(), OffsetDateTime.parse(back.asText()).toInstant(), sample.toString());
            case "j" -> assertEquals(JSON.readTree(value.toString()), back, sample.toString());   // as parsed: 0 is an int either way
            default -> assertEquals(value, back, sample.toString());
        }
    }

    @Provide
    Arbitrary<Sample> samples() {
        return Arbitraries.oneOf(List.of(
                texts().map(t -> new Sample("Text", NODES.textNode(t))),
                texts().filter(t -> t.length() <= 8000).map(t -> new Sample("vc", NODES.textNode(t))),
                Arbitraries.integers().map(n -> new Sample("i", NODES.numberNode(n))),
                Arbitraries.longs().map(n -> new Sample("b", NODES.numberNode(n))),
                Arbitraries.bigDecimals().between(new BigDecimal("-9999999999.99"), new BigDecimal("9999999999.99")).ofScale(2)
                        .map(n -> new Sample("n", NODES.numberNode(n))),
                Combinators.combine(Arbitraries.bigIntegers().between(BigInteger.TEN.pow(40).negate(), BigInteger.TEN.pow(40)),
                        Arbitraries.integers().between(0, 30)).as((unscaled, scale) -> new Sample("nn", NODES.numberNode(new BigDecimal(unscaled, scale)))),
                Arbitraries.doubles().between(-1e15, 1e15).map(d -> new Sample("d", NODES.numberNode(new BigDecimal(Double.toString(d))))),
                Arbitraries.of(true, false).map(f -> new Sample("flag", NODES.booleanNode(f))),
                Arbitraries.of(LABELS).map(l -> new Sample("e", NODES.textNode(l))),
                texts().filter(t -> t.length() < 60).list().ofMaxSize(6).map(l -> new Sample("ta", array(l))),
                Arbitraries.of(LABELS).list().ofMaxSize(5).map(l -> new Sample("ea", array(l))),
                Arbitraries.longs().between(LocalDate.of(1, 1, 1).toEpochDay(), LocalDate.of(9999, 12, 31).toEpochDay())
                        .map(d -> new Sample("day", NODES.textNode(LocalDate.ofEpochDay(d).toString()))),
                millis().map(ms -> new Sample("ts", NODES.textNode(LocalDateTime.ofInstant(Instant.ofEpochMilli(ms), ZoneOffset.UTC).toString()))),
                Combinators.combine(millis(), Arbitraries.integers().between(-12 * 4, 14 * 4)).as((ms, quarter) -> new Sample("tstz",
                        NODES.textNode(Instant.ofEpochMilli(ms).atOffset(ZoneOffset.ofTotalSeconds(quarter * 900)).toString()))),
                Arbitraries.create(UUID::randomUUID).map(u -> new Sample("u", NODES.textNode(u.toString()))),
                jsons().map(j -> new Sample("j", j))));
    }

    static JsonNode array(List<String> items) {
        var array = NODES.arrayNode();
        items.forEach(array::add);
        return array;
    }

    /** Any text PostgreSQL can hold (no NUL), any script, up to more than two of Notion's text objects. */
    static Arbitrary<String> texts() {
        return Arbitraries.oneOf(List.of(Arbitraries.strings().ofMaxLength(50),
                Arbitraries.strings().withChars("ab\u00e9\n \"'\\,{}").ofMinLength(1990).ofMaxLength(4500),
                Arbitraries.strings().withChars("x\ud83d\ude00").ofMinLength(1995).ofMaxLength(2010)))
                .filter(s -> s.indexOf('\0') < 0 && validSurrogates(s));
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

    /** Instants between years 1 and 9999, to the microsecond PostgreSQL keeps (here: milliseconds). */
    static Arbitrary<Long> millis() {
        return Arbitraries.longs().between(LocalDate.of(1, 1, 2).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli(),
                LocalDate.of(9999, 12, 30).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli());
    }

    static Arbitrary<JsonNode> jsons() {
        Arbitrary<JsonNode> leaves = Arbitraries.oneOf(List.of(texts().filter(t -> t.length() < 30).map(NODES::textNode),
                Arbitraries.bigDecimals().between(new BigDecimal("-1e6"), new BigDecimal("1e6")).ofScale(3).map(NODES::numberNode),
                Arbitraries.longs().map(NODES::numberNode), Arbitraries.of(true, false).map(NODES::booleanNode),
                Arbitraries.just(NODES.nullNode())));
        return Arbitraries.maps(Arbitraries.strings().ofMinLength(1).ofMaxLength(8).filter(s -> s.indexOf('\0') < 0 && validSurrogates(s)), leaves)
                .ofMaxSize(6).map(map -> {
                    ObjectNode object = NODES.objectNode();
                    map.forEach(object::set);
                    if (!map.isEmpty()) {
                        object.putArray("list").addAll(map.values());
                    }
                    return (JsonNode) object;
                });
    }
}
