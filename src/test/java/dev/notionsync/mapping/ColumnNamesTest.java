package dev.notionsync.mapping;

import dev.notionsync.mapping.ColumnNames.NamedProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.notionsync.mapping.HostileNames.PROPERTIES;
import static dev.notionsync.mapping.HostileNames.RESERVED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ColumnNamesTest {

    @Test
    void hostileNamesGetReadableValidUniqueNames() {
        Map<String, String> names = ColumnNames.assign(PROPERTIES, Map.of(), RESERVED);

        Map<String, String> expected = new HashMap<>();
        expected.put("ab02", "a_b");           // the three names that all normalise to a_b: ordered by name
        expected.put("ab01", "a_b_2");
        expected.put("a%22b", "a_b_3");
        expected.put("its1", "it_s");
        expected.put("sqli", "x_drop_table_t");
        expected.put("kw01", "select");
        expected.put("kw02", "from");
        expected.put("kw03", "order");
        expected.put("uni1", "grosse");
        expected.put("uni2", "unicode");
        expected.put("%3FB%3AW", "p_3fb_3aw"); // nothing readable left: the property id
        expected.put("emo1", "launch");
        expected.put("emo2", "p_emo2");
        expected.put("emp1", "p_emp1");
        expected.put("emp2", "p_emp2");
        expected.put("due2", "due_date_2");     // "due" (type not known here) may own due_date: "due_date" next, as spelled
        expected.put("due1", "due_date_3");
        expected.put("res1", "url_2");
        expected.put("res2", "page_id_2");
        expected.put("res3", "page_2");         // "page" + "_id" would be the reserved page_id
        expected.put("dig1", "p_2024_revenue");
        expected.put("nul1", "nul_byte");
        expected.put("title", "name");
        expected.put("fam1", "due");            // the plainer name wins
        expected.put("fam2", "due_end_2");      // "due" + "_end" may be a column of "Due"
        for (Map.Entry<String, String> entry : expected.entrySet()) {
            assertEquals(entry.getValue(), names.get(entry.getKey()), entry.getKey());
        }
        assertTrue(names.get("lng1").startsWith("quarterly_revenue_forecast"), names.get("lng1"));
        assertTrue(names.get("lng3").startsWith("grossenverhaltnisanderungs"), names.get("lng3"));
        assertEquals("p_lng4", names.get("lng4"));
        assertValid(names);
    }

    @Test
    void theSameInputGivesTheSameNamesInAnyOrder() {
        Map<String, String> first = ColumnNames.assign(PROPERTIES, Map.of(), RESERVED);
        List<NamedProperty> shuffled = new ArrayList<>(PROPERTIES);
        Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            Collections.shuffle(shuffled, random);
            Map<String, String> again = ColumnNames.assign(shuffled, Map.of(), RESERVED);
            assertEquals(first, again);
            assertEquals(shuffled.stream().map(NamedProperty::id).toList(), new ArrayList<>(again.keySet()),
                    "keyed in the order given");
        }
    }

    @Test
    void existingNamesAreKeptAndStayTakenAfterRenamesAndDeletions() {
        Map<String, String> existing = Map.of(
                "due1", "deadline",          // renamed in Notion since: the column keeps its name
                "gone", "status");           // deleted in Notion, its column still in the table
        List<NamedProperty> now = List.of(
                new NamedProperty("due1", "Due Date"),
                new NamedProperty("new1", "Deadline"),
                new NamedProperty("new2", "Status"),
                new NamedProperty("new3", "status id"));

        Map<String, String> names = ColumnNames.assign(now, existing, RESERVED);

        assertEquals("deadline", names.get("due1"));
        assertEquals("deadline_2", names.get("new1"));
        assertEquals("status_2", names.get("new2"));
        assertEquals("status_id_2", names.get("new3"), "status_id is a column the old status property may own");
        assertFalse(names.containsKey("gone"));
    }

    @Test
    void noColumnOfOnePropertyCanEqualAColumnOfAnother() {
        List<NamedProperty> properties = List.of(
                new NamedProperty("a", "Due"), new NamedProperty("b", "Due date"), new NamedProperty("c", "Due date at"),
                new NamedProperty("d", "Due end at"), new NamedProperty("e", "Due date iso"));
        Map<String, String> names = ColumnNames.assign(properties, Map.of(), RESERVED);
        assertValid(names);
    }

    @Test
    void longNamesAreCutWithAStableHash() {
        Map<String, String> names = ColumnNames.assign(List.of(
                new NamedProperty("lng1", HostileNames.LONG_ASCII),
                new NamedProperty("lng2", HostileNames.LONG_ASCII + " (copy)")), Map.of(), Set.of());
        assertTrue(names.get("lng1").length() <= ColumnNames.MAX_BASE_BYTES, names.get("lng1"));
        assertTrue(names.get("lng1").matches("quarterly_revenue_forecast_.*_[0-9a-f]{6}"), names.get("lng1"));
        assertFalse(names.get("lng1").equals(names.get("lng2")));
        assertEquals(names, new HashMap<>(ColumnNames.assign(List.of(
                new NamedProperty("lng2", HostileNames.LONG_ASCII + " (copy)"),
                new NamedProperty("lng1", HostileNames.LONG_ASCII)), Map.of(), Set.of())));
    }

    @Test
    void columnNameAndQuote() {
        assertEquals("due", ColumnNames.columnName("due", new ColumnSpec("", "date")));
        assertEquals("due_end_at", ColumnNames.columnName("due", new ColumnSpec("end_at", "timestamptz")));
        assertEquals("\"a\"\"b\"", ColumnNames.quote("a\"b"));
        assertEquals("\"x; DROP TABLE t; --\"", ColumnNames.quote("x; DROP TABLE t; --"));
        assertEquals("\"Größe\"", ColumnNames.quote("Größe"));
        assertThrows(IllegalArgumentException.class, () -> ColumnNames.quote("nul\0byte"));
        assertThrows(IllegalArgumentException.class, () -> ColumnNames.quote(""));
        assertThrows(IllegalArgumentException.class, () -> ColumnNames.quote("x".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> ColumnNames.quote("ä".repeat(32)), "64 bytes");
    }

    /** Only [a-z0-9_], letter first, every possible column ≤ 63 bytes, no two properties sharing any column name. */
    static void assertValid(Map<String, String> names) {
        Set<String> columns = new HashSet<>();
        for (String base : names.values()) {
            assertTrue(base.matches("[a-z][a-z0-9_]*"), base);
            assertTrue(base.getBytes(StandardCharsets.UTF_8).length + ColumnNames.MAX_SUFFIX_BYTES
                    <= ColumnNames.MAX_IDENTIFIER_BYTES, base);
            assertFalse(RESERVED.contains(base), base);
            assertTrue(columns.add(base), "duplicate " + base);
            for (String suffix : PropertyTypes.allSuffixes()) {
                String column = base + "_" + suffix;
                assertTrue(column.length() <= ColumnNames.MAX_IDENTIFIER_BYTES, column);
                assertFalse(RESERVED.contains(column), column);
                assertTrue(columns.add(column), "two properties could both own " + column);
            }
        }
    }
}
