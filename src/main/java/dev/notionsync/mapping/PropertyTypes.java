package dev.notionsync.mapping;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every Notion property type this engine maps to typed columns, each a class owning its columns, its read and its
 * write; adding a type is one class and one line in {@link #TYPES}. Column names are base + "_" + suffix
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

    /** The registry: one line per Notion type, in a stable order. */
    private static final Map<String, PropertyType> TYPES = register(
            new TextType("title"),
            new TextType("rich_text"),
            new NumberType(),
            new OptionType("select"),
            new OptionType("status"),
            new MultiSelectType(),
            new DateType(),
            new PeopleType(),
            new FilesType(),
            new CheckboxType(),
            new StringType("url", RequestValues.MAX_URL),
            new StringType("email"),
            new StringType("phone_number"),
            new FormulaType(),
            new RelationType(),
            new RollupType(),
            new TimestampType("created_time"),
            new TimestampType("last_edited_time"),
            new UserType("created_by"),
            new UserType("last_edited_by"),
            new UniqueIdType(),
            new VerificationType(),
            new ButtonType(),
            new PlaceType());

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

    private static Map<String, PropertyType> register(PropertyType... types) {
        Map<String, PropertyType> byName = new LinkedHashMap<>();
        for (PropertyType type : types) {
            byName.put(type.name(), type);
        }
        return Collections.unmodifiableMap(byName);
    }
}
