package dev.notionsync.mapping;

import dev.notionsync.Recordings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry of types against what users are told: README's type mapping table, and what a push may write. */
class TypeRegistryTest {

    private static final Pattern TYPE = Pattern.compile("`([a-z_]+)`");
    private static final Pattern COLUMN = Pattern.compile("`<col>(_[a-z_]+)?` ([a-z\\[\\]]+)");

    @Test
    void readmeTypeTableMatchesEveryRegisteredTypesColumns() throws IOException {
        Map<String, List<ColumnSpec>> documented = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            if (line.startsWith("| Notion type | column(s) and PostgreSQL type")) {
                inTable = true;
            } else if (inTable && !line.startsWith("|")) {
                break;
            } else if (inTable && !line.startsWith("|---") && !line.startsWith("| any other type")) {
                String[] cells = line.split("\\|");
                List<ColumnSpec> columns = new ArrayList<>();
                Matcher column = COLUMN.matcher(cells[2]);
                while (column.find()) {
                    columns.add(new ColumnSpec(column.group(1) == null ? "" : column.group(1).substring(1), column.group(2)));
                }
                Matcher type = TYPE.matcher(cells[1]);
                while (type.find()) {
                    documented.put(type.group(1), columns);
                }
            }
        }
        Map<String, List<ColumnSpec>> registered = new LinkedHashMap<>();
        PropertyTypes.knownTypes().forEach(name -> registered.put(name, PropertyTypes.of(name).orElseThrow().columns()));
        assertEquals(registered, documented);
    }

    @Test
    void readOnlyTypesRefuseToWriteAndWritableOnesWriteOnlyTheirOwnColumns() {
        Set<String> readOnly = Set.of("formula", "rollup", "created_time", "last_edited_time", "created_by", "last_edited_by",
                "unique_id", "verification", "button");
        for (String name : PropertyTypes.knownTypes()) {
            PropertyType type = PropertyTypes.of(name).orElseThrow();
            assertEquals(!readOnly.contains(name), type.writable(), name);
            if (type.writable()) {
                List<String> suffixes = type.columns().stream().map(ColumnSpec::suffix).toList();
                assertTrue(suffixes.containsAll(type.writableSuffixes()), name);
            } else {
                assertThrows(IllegalArgumentException.class, () -> type.write("P", Map.of(), Set.of("")), name);
            }
        }
    }

    @Test
    void aTypeGivenAnotherTypesValueSaysSo() {
        PropertyType number = PropertyTypes.of("number").orElseThrow();
        assertThrows(IllegalArgumentException.class,
                () -> number.read(Recordings.json("{\"type\":\"checkbox\",\"checkbox\":true}")));
        assertEquals(false, number.sameMeaning(Recordings.json("{\"type\":\"checkbox\",\"checkbox\":true}"),
                Recordings.json("{\"type\":\"number\",\"number\":1}")), "another type's value is only equal as equal JSON");
    }
}
