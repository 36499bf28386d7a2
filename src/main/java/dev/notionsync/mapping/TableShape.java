package dev.notionsync.mapping;

import java.util.List;
import java.util.Optional;

/**
 * A bound table as pg_catalog describes it: its columns in order (by attnum) and the columns of its primary key in
 * the key's order.
 */
public record TableShape(String schema, String table, List<TableColumn> columns, List<String> key) {

    public TableShape {
        columns = List.copyOf(columns);
        key = List.copyOf(key);
    }

    public String qualifiedName() {
        return schema + "." + table;
    }

    public Optional<TableColumn> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** The key's columns, in the key's order. */
    public List<TableColumn> keyColumns() {
        return key.stream().map(k -> column(k).orElseThrow()).toList();
    }
}
