package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

import static dev.notionsync.mapping.ColumnSpec.main;
import static dev.notionsync.mapping.ColumnSpec.side;

/**
 * Every Notion property type this engine maps to typed columns. Column names are base + "_" + suffix
 * ({@link ColumnNames#columnName}); the raw property JSON is kept by the caller in a jsonb column per row, so these
 * columns aim to be useful to query, and to read back as the value Notion showed, not to duplicate the JSON.
 *
 * <p>Empty values: Notion's {@code null} is SQL NULL; Notion's {@code []} is an empty value ('{}', or '' for text
 * built from rich text). So NULL means unknown or unset, and "no tags" ('{}') is told apart from it.
 *
 * <table>
 * <caption>Notion type → columns (suffix: PostgreSQL type)</caption>
 * <tr><th>Notion type</th><th>column(s) and PostgreSQL type</th><th>notes</th></tr>
 * <tr><td>title, rich_text</td><td>"": text</td><td>plain_text of all items concatenated, [] → ''. Annotations, links
 *     and mention targets are in the raw JSON. Truncated when the page shows 25 mentions.</td></tr>
 * <tr><td>number</td><td>"": numeric</td><td>exact decimal from the JSON text, never through binary arithmetic</td></tr>
 * <tr><td>select, status</td><td>"": text; id: text</td><td>option name and option id (the id survives renames)</td></tr>
 * <tr><td>multi_select</td><td>"": text[]; ids: text[]</td><td>names and option ids, in Notion's order</td></tr>
 * <tr><td>date</td><td>"": date; at: timestamptz; end: date; end_at: timestamptz; time_zone: text; iso: text</td>
 *     <td>"" = start's calendar date as Notion shows it (always set when there is a start); at = start instant, NULL
 *     for date-only values, which is how date and date-time are told apart; end/end_at likewise for a range;
 *     time_zone verbatim (documented as always null in responses); iso = Notion's strings, "start" or "start/end",
 *     keeping the UTC offset that a timestamptz drops</td></tr>
 * <tr><td>people</td><td>"": text[]; ids: text[]</td><td>names and user (or group) ids; a name missing from a partial
 *     user object is a NULL element. Truncated at 25 entries.</td></tr>
 * <tr><td>files</td><td>"": text[]; urls: text[]</td><td>names and URLs; Notion-hosted URLs expire after about an
 *     hour</td></tr>
 * <tr><td>checkbox</td><td>"": boolean</td><td>never NULL for a real value</td></tr>
 * <tr><td>url, email, phone_number</td><td>"": text</td><td></td></tr>
 * <tr><td>formula</td><td>"": text; type: text; number: numeric; boolean: boolean; date: date; date_at: timestamptz</td>
 *     <td>"" = the result as text (string as is, number in plain notation, true/false, date as iso
 *     "start[/end]"); type = result type (string, number, boolean, date, unsupported); the typed column of the
 *     result type is set, the others NULL. Read-only.</td></tr>
 * <tr><td>relation</td><td>"": text[]</td><td>related page ids in Notion's order; truncated when has_more</td></tr>
 * <tr><td>rollup</td><td>"": numeric; type: text; function: text; date: date; date_at: timestamptz; date_iso: text;
 *     array: jsonb</td><td>number results in "", date results in date/date_at/date_iso (as for date), array results
 *     as the JSON array of property values; type = number, date, array, unsupported or incomplete. Read-only;
 *     truncated when incomplete or an array of 25.</td></tr>
 * <tr><td>created_time, last_edited_time</td><td>"": timestamptz</td><td>read-only</td></tr>
 * <tr><td>created_by, last_edited_by</td><td>"": text; name: text</td><td>user id and name. Read-only.</td></tr>
 * <tr><td>unique_id</td><td>"": text; number: bigint</td><td>"RL-3" with a prefix, "3" without. Read-only.</td></tr>
 * <tr><td>verification</td><td>"": text; verified_by: text; date: date; date_at: timestamptz; date_iso: text</td>
 *     <td>state (verified, unverified, expired), verifier's user id, the date as for date. Read-only.</td></tr>
 * <tr><td>button</td><td>(none)</td><td>its value is always {}: raw JSON only. Read-only.</td></tr>
 * <tr><td>place</td><td>"": text; address: text; lat: numeric; lon: numeric</td><td>"" = name, else address;
 *     coordinates exact as sent</td></tr>
 * <tr><td>anything else</td><td>(not mapped)</td><td>{@link #of} is empty: the caller keeps the raw JSON and warns</td></tr>
 * </table>
 */
public final class PropertyTypes {

    private static final boolean WRITABLE = true;
    private static final boolean READ_ONLY = false;

    private static final List<ColumnSpec> TEXT = List.of(main("text"));
    private static final List<ColumnSpec> OPTION = List.of(main("text"), side("id", "text"));
    private static final List<ColumnSpec> USER = List.of(main("text"), side("name", "text"));

    private static final Map<String, PropertyType> TYPES = register(
            type("title", WRITABLE, TEXT, PropertyReaders::richText, value("title", PropertyReaders::mentionsTruncated)),
            type("rich_text", WRITABLE, TEXT, PropertyReaders::richText, value("rich_text", PropertyReaders::mentionsTruncated)),
            type("number", WRITABLE, List.of(main("numeric")), PropertyReaders::number, never()),
            type("select", WRITABLE, OPTION, PropertyReaders::option, never()),
            type("status", WRITABLE, OPTION, PropertyReaders::option, never()),
            type("multi_select", WRITABLE, List.of(main("text[]"), side("ids", "text[]")), PropertyReaders::options, never()),
            type("date", WRITABLE, List.of(main("date"), side("at", "timestamptz"), side("end", "date"),
                    side("end_at", "timestamptz"), side("time_zone", "text"), side("iso", "text")),
                    PropertyReaders::date, never()),
            type("people", WRITABLE, List.of(main("text[]"), side("ids", "text[]")), PropertyReaders::people,
                    value("people", PropertyReaders::listTruncated)),
            type("files", WRITABLE, List.of(main("text[]"), side("urls", "text[]")), PropertyReaders::files, never()),
            type("checkbox", WRITABLE, List.of(main("boolean")), PropertyReaders::checkbox, never()),
            type("url", WRITABLE, TEXT, PropertyReaders::string, never()),
            type("email", WRITABLE, TEXT, PropertyReaders::string, never()),
            type("phone_number", WRITABLE, TEXT, PropertyReaders::string, never()),
            type("formula", READ_ONLY, List.of(main("text"), side("type", "text"), side("number", "numeric"),
                    side("boolean", "boolean"), side("date", "date"), side("date_at", "timestamptz")),
                    PropertyReaders::formula, never()),
            type("relation", WRITABLE, List.of(main("text[]")), PropertyReaders::relation, PropertyReaders::relationTruncated),
            type("rollup", READ_ONLY, List.of(main("numeric"), side("type", "text"), side("function", "text"),
                    side("date", "date"), side("date_at", "timestamptz"), side("date_iso", "text"), side("array", "jsonb")),
                    PropertyReaders::rollup, value("rollup", PropertyReaders::rollupTruncated)),
            type("created_time", READ_ONLY, List.of(main("timestamptz")), PropertyReaders::timestamp, never()),
            type("last_edited_time", READ_ONLY, List.of(main("timestamptz")), PropertyReaders::timestamp, never()),
            type("created_by", READ_ONLY, USER, PropertyReaders::user, never()),
            type("last_edited_by", READ_ONLY, USER, PropertyReaders::user, never()),
            type("unique_id", READ_ONLY, List.of(main("text"), side("number", "bigint")), PropertyReaders::uniqueId, never()),
            type("verification", READ_ONLY, List.of(main("text"), side("verified_by", "text"), side("date", "date"),
                    side("date_at", "timestamptz"), side("date_iso", "text")),
                    PropertyReaders::verification, never()),
            type("button", READ_ONLY, List.of(), PropertyReaders::nothing, never()),
            type("place", WRITABLE, List.of(main("text"), side("address", "text"), side("lat", "numeric"),
                    side("lon", "numeric")), PropertyReaders::place, never()));

    private PropertyTypes() {
    }

    /** The mapping of a Notion type; empty for unknown or future types (keep those as raw JSON and warn). */
    public static Optional<PropertyType> of(String notionType) {
        return Optional.ofNullable(notionType == null ? null : TYPES.get(notionType));
    }

    /** Every Notion type name {@link #of} knows, in a stable order. */
    public static Set<String> knownTypes() {
        return TYPES.keySet();
    }

    /** Every non-empty column suffix of every known type: the names a base name's columns can end in. */
    static Set<String> allSuffixes() {
        Set<String> suffixes = new LinkedHashSet<>();
        for (PropertyType type : TYPES.values()) {
            for (ColumnSpec column : type.columns()) {
                if (!column.suffix().isEmpty()) {
                    suffixes.add(column.suffix());
                }
            }
        }
        return Collections.unmodifiableSet(suffixes);
    }

    private static PropertyType type(String name, boolean writable, List<ColumnSpec> columns,
                                     Function<JsonNode, List<Object>> reader, Predicate<JsonNode> truncated) {
        return new MappedPropertyType(name, columns, writable, reader, truncated);
    }

    /** A truncation test that looks at the value under the type's key. */
    private static Predicate<JsonNode> value(String key, Predicate<JsonNode> test) {
        return property -> test.test(property.get(key));
    }

    private static Predicate<JsonNode> never() {
        return property -> false;
    }

    private static Map<String, PropertyType> register(PropertyType... types) {
        Map<String, PropertyType> byName = new LinkedHashMap<>();
        for (PropertyType type : types) {
            byName.put(type.name(), type);
        }
        return Collections.unmodifiableMap(byName);
    }
}
