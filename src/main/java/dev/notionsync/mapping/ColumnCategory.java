package dev.notionsync.mapping;

import java.util.Set;

/**
 * What kind of value a column of a bound table holds, as far as its Notion property is concerned: the PostgreSQL
 * types that map alike are one category (README "PostgreSQL to Notion (bound tables)"). {@link #OTHER} has no
 * faithful Notion type: such a column is refused, or left out by notion.source.&lt;name&gt;.exclude.
 */
public enum ColumnCategory {
    /** text, varchar, char, citext, name. */
    TEXT,
    /** smallint, integer, bigint: whole numbers only. */
    INTEGER,
    /** numeric: an exact decimal. */
    DECIMAL,
    /** real, double precision. */
    FLOAT,
    BOOLEAN,
    /** an enum type: its labels are the select's options. */
    ENUM,
    /** text[], varchar[] and the like. */
    TEXT_ARRAY,
    /** an array of an enum type. */
    ENUM_ARRAY,
    DATE,
    /** timestamp without time zone: read as UTC. */
    TIMESTAMP,
    TIMESTAMPTZ,
    UUID,
    /** json, jsonb. */
    JSON,
    /** anything else (bytea, interval, money, geometric, ranges, arrays of other types, composite types, ...). */
    OTHER;

    private static final Set<String> TEXTS = Set.of("text", "varchar", "bpchar", "citext", "name");

    /**
     * The category of a column's type, from pg_type: its name and typtype ('e' for enums), and for arrays those of
     * the element type (null otherwise). Domains are given as their base type.
     */
    public static ColumnCategory of(String typeName, String typtype, String elementName, String elementTyptype) {
        if (elementName != null) {
            if (TEXTS.contains(elementName)) {
                return TEXT_ARRAY;
            }
            return "e".equals(elementTyptype) ? ENUM_ARRAY : OTHER;
        }
        if ("e".equals(typtype)) {
            return ENUM;
        }
        if (TEXTS.contains(typeName)) {
            return TEXT;
        }
        return switch (typeName) {
            case "int2", "int4", "int8" -> INTEGER;
            case "numeric" -> DECIMAL;
            case "float4", "float8" -> FLOAT;
            case "bool" -> BOOLEAN;
            case "date" -> DATE;
            case "timestamp" -> TIMESTAMP;
            case "timestamptz" -> TIMESTAMPTZ;
            case "uuid" -> UUID;
            case "json", "jsonb" -> JSON;
            default -> OTHER;
        };
    }
}
