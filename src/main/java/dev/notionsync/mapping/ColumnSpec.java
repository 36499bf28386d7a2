package dev.notionsync.mapping;

import java.util.Objects;

/**
 * One typed SQL column holding (part of) a Notion property.
 *
 * @param suffix  "" for the property's main column, else the part appended to the base name after "_"
 *                (see {@link ColumnNames#columnName(String, ColumnSpec)}); always [a-z_]
 * @param sqlType a PostgreSQL type usable in CREATE TABLE; values reach it through {@code store.RowJson}
 */
public record ColumnSpec(String suffix, String sqlType) {
    public ColumnSpec {
        Objects.requireNonNull(suffix, "suffix");
        Objects.requireNonNull(sqlType, "sqlType");
    }

    /** The property's main column. */
    static ColumnSpec main(String sqlType) {
        return new ColumnSpec("", sqlType);
    }

    /** A side column, named base + "_" + suffix. */
    static ColumnSpec side(String suffix, String sqlType) {
        return new ColumnSpec(suffix, sqlType);
    }
}
