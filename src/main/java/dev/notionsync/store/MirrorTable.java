package dev.notionsync.store;

import dev.notionsync.mapping.ColumnNames;
import dev.notionsync.mapping.ColumnSpec;
import dev.notionsync.mapping.PropertyType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The PostgreSQL table one data source is mirrored into: system columns plus the columns of each mapped property. */
public record MirrorTable(String schema, String table, String dataSourceId, List<PropertyColumns> properties) {

    /** System columns every mirror table has; no property column may take these names. */
    public static final List<ColumnSpec> SYSTEM_COLUMNS = List.of(
            new ColumnSpec("page_id", "uuid"),
            new ColumnSpec("url", "text"),
            new ColumnSpec("created_time", "timestamptz"),
            new ColumnSpec("last_edited_time", "timestamptz"),
            new ColumnSpec("in_trash", "boolean"),
            new ColumnSpec("properties", "jsonb"),
            new ColumnSpec("content_hash", "text"),
            new ColumnSpec("synced_at", "timestamptz"),
            new ColumnSpec("deleted_at", "timestamptz"),
            new ColumnSpec("deleted_reason", "text"));

    public static final Set<String> RESERVED_NAMES = Set.of("page_id", "url", "created_time", "last_edited_time",
            "in_trash", "properties", "content_hash", "synced_at", "deleted_at", "deleted_reason", "data_source_id");

    /** One Notion property and the columns holding it. */
    public record PropertyColumns(String propertyId, String propertyName, PropertyType type, String columnBase) {
        public List<String> columnNames() {
            return type.columns().stream().map(c -> ColumnNames.columnName(columnBase, c)).toList();
        }
    }

    public String qualifiedName() {
        return ColumnNames.quote(schema) + "." + ColumnNames.quote(table);
    }

    /** Columns the pull writes, in bind order: the system columns it owns, then every property column. */
    public List<ColumnSpec> writtenColumns() {
        List<ColumnSpec> columns = new ArrayList<>(SYSTEM_COLUMNS.subList(0, 8));
        for (PropertyColumns property : properties) {
            for (ColumnSpec spec : property.type().columns()) {
                columns.add(new ColumnSpec(ColumnNames.columnName(property.columnBase(), spec), spec.sqlType()));
            }
        }
        return columns;
    }
}
