package dev.notionsync.mapping;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Map;

/** The Java type a bind value must have for each PostgreSQL type the mapping uses (the PropertyType contract). */
final class ColumnValues {

    static final Map<String, Class<?>> JAVA_TYPE_BY_SQL_TYPE = Map.of(
            "text", String.class,
            "numeric", BigDecimal.class,
            "boolean", Boolean.class,
            "timestamptz", OffsetDateTime.class,
            "date", LocalDate.class,
            "text[]", String[].class,
            "jsonb", String.class,
            "bigint", Long.class);

    private ColumnValues() {
    }
}
