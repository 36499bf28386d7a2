package dev.notionsync.mapping;

import java.util.List;

/**
 * A column of a bound (user's) table, as pg_catalog describes it.
 *
 * @param name        the column's name
 * @param attnum      its number in the table: kept when the column is renamed
 * @param formatType  its type as format_type() writes it ("numeric(12,2)", "agent_status[]", "character varying(80)")
 * @param category    what kind of value it holds for Notion
 * @param enumLabels  the labels of its enum type (or of its array's element enum type), in order; empty otherwise
 * @param notNull     NOT NULL
 * @param hasDefault  a DEFAULT, an identity or a generated value: an INSERT may leave it out
 * @param generated   GENERATED ALWAYS AS (...) STORED: never written
 * @param key         part of the primary key
 * @param references  the column a single-column foreign key of it points at; null when none
 */
public record TableColumn(String name, int attnum, String formatType, ColumnCategory category, List<String> enumLabels,
                          boolean notNull, boolean hasDefault, boolean generated, boolean key, Reference references) {

    /** The target of a foreign key: schema.table.column. */
    public record Reference(String schema, String table, String column) {
        public String qualifiedTable() {
            return schema + "." + table;
        }
    }

    public TableColumn {
        enumLabels = List.copyOf(enumLabels);
    }
}
