package dev.notionsync.config;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The names data sources shared with a connection get: whatever a title holds (quotes, SQL, emoji, right-to-left
 * text, nothing at all), the name is a valid source name and a table name short enough for every table made from it.
 */
class SharedSourceNamesPropertyTest {

    @Property(tries = 500)
    void anyTitleGivesASafeShortName(@ForAll @AlphaChars @NumericChars @Chars({'-', '_'}) @StringLength(min = 1, max = 64) String connection,
                                     @ForAll String title) {
        String name = SharedSourceDiscovery.sourceName(connection, title);
        String unique = SharedSourceDiscovery.withIdSuffix(name, UUID.randomUUID().toString());
        for (String candidate : new String[]{name, unique}) {
            assertTrue(candidate.matches("[a-z0-9_]+"), candidate);
            assertTrue(candidate.length() <= SharedSourceDiscovery.MAX_NAME, candidate);
            assertTrue(!candidate.startsWith("_") && !candidate.endsWith("_") && !candidate.contains("__"), candidate);
        }
    }

    @Test
    void namesReadLikeTheirTitles() {
        assertEquals("acme_q3_revenue", SharedSourceDiscovery.sourceName("acme", "Q3 Revenue"));
        assertEquals("acme_cafe_menu", SharedSourceDiscovery.sourceName("Acme", "Café — Menu"));
        assertEquals("acme_data_source", SharedSourceDiscovery.sourceName("acme", "📚 ✨"));
        assertEquals("acme_robert_drop_table_students", SharedSourceDiscovery.sourceName("acme", "Robert'); DROP TABLE students;--"));
        assertEquals("acme_data_source_1a2b3c", SharedSourceDiscovery.withIdSuffix("acme_data_source", "1a2b3c4d-0000-0000-0000-000000000000"));
    }
}
