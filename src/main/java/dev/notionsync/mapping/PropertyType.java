package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Notion property type: the columns it fills, its read (Notion JSON → column values) and, for the types Notion
 * lets a client set, its write (column values → Notion request JSON). Each type (or family of types) is one class;
 * {@link PropertyTypes} registers them and has the full table.
 */
public interface PropertyType {

    /** The Notion type name, e.g. "multi_select". */
    String name();

    /** The columns this type fills, main column first; the same for every value of the type. May be empty (button). */
    List<ColumnSpec> columns();

    /**
     * The JDBC bind values for one property value, one per {@link #columns()} entry, same order; {@code null} = SQL NULL.
     * Java types: String, Boolean, Long, BigDecimal, OffsetDateTime, LocalDate, String[] (text[] columns) and
     * String holding JSON (jsonb columns). The engine writes them through {@code store.RowJson}, as JSON that
     * {@code json_populate_recordset} converts with each column's type.
     *
     * <p>Rule for empty values: Notion's {@code null} becomes SQL NULL; Notion's {@code []} becomes an empty value
     * ('{}' for text[] columns, '' for text built from a rich text array). SQL NULL therefore means "Notion said
     * nothing / unknown", never "empty list". A missing or JSON-null value key gives NULL in every column.
     *
     * <p>Numbers are exact when the JSON was parsed with {@code DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS};
     * with plain doubles they are taken from the double's shortest decimal text, never through binary arithmetic.
     *
     * @param property the whole page property value {@code {"id","type",T:…[,"has_more"]}} (a simple
     *                 property item {@code {"object":"property_item","id","type",T:…}} works too)
     */
    List<Object> read(JsonNode property);

    /**
     * True when the page object shows only part of the value, so the caller should fetch
     * GET /v1/pages/{id}/properties/{property id} and read {@link PropertyItems#mergeToPropertyValue} instead.
     */
    boolean isTruncated(JsonNode property);

    /**
     * True when Notion did not compute the value: a formula or rollup of type "unsupported" (Notion's computation
     * budget ran out). The value is unknown, not empty: the caller keeps what it had.
     */
    boolean isUnsupported(JsonNode property);

    /** False for types Notion computes or stamps itself (formula, rollup, created/last edited time and by, unique_id, verification, button). */
    default boolean writable() {
        return !writableSuffixes().isEmpty();
    }

    /** The column suffixes a push sends for this type (a subset of {@link #columns()}); empty for read-only types. */
    List<String> writableSuffixes();

    /**
     * The request value {@code {"<type>": …}} for one property, for create and update requests.
     *
     * @param propertyName for error messages
     * @param values       column suffix → value as PostgreSQL's {@code to_jsonb} renders it; a missing suffix is SQL NULL
     * @param changed      the suffixes the user changed (decides, for a date, between a date and a date-time)
     * @throws UnwritableValueException for a value Notion would refuse (too long, too many items)
     * @throws IllegalArgumentException for a read-only type
     */
    ObjectNode write(String propertyName, Map<String, JsonNode> values, Set<String> changed);

    /**
     * Whether two values of a property (page property objects as Notion sends them, complete, either may be null)
     * mean the same for what a push writes: compared as the columns the pull reads from them, so numbers compare
     * numerically (1234.5 = 1234.50), dates as dates or instants (any offset), rich text as plain text, options by
     * name, people by id, arrays in full and in order. Hosted file URLs are compared without their expiring query.
     */
    boolean sameMeaning(JsonNode a, JsonNode b);

    /**
     * Whether Notion's property (as a page shows it, may be null) already holds, by meaning, what the request value
     * from {@link #write} sets: then there is nothing to send for it (e.g. our own write landed before a crash).
     */
    boolean holds(JsonNode notionProperty, JsonNode requestValue);
}
