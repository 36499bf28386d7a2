package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * How one Notion property type maps to columns. The full table is on {@link PropertyTypes}.
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
    boolean writable();
}
