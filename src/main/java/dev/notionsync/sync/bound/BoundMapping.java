package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.BoundValues;
import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundColumns.BoundColumn;
import dev.notionsync.store.BoundRows;
import dev.notionsync.sync.Binding;
import dev.notionsync.sync.SourceSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * A bound source as the Apply bridge reads it at the start of a pass: the user's table as PostgreSQL describes it now,
 * and each mapped column with its property, paired by attnum and property id (notion_sync.bound_columns), so a column
 * renamed in PostgreSQL and a property renamed in Notion keep their pair.
 *
 * @param values the value and title columns that have a column in the table now, each with its property
 * @param key    the key property (no column of its own), or null when the source has none recorded
 */
record BoundMapping(SourceSettings source, Binding binding, TableShape shape, BoundRows.Table table, List<Mapped> values, BoundColumn key) {

    static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    /** One mapped column and its property. */
    record Mapped(TableColumn column, BoundColumn pair) {
        String propertyId() {
            return pair.propertyId();
        }

        boolean relation() {
            return "relation".equals(pair.propertyType());
        }
    }

    /** Pairs the recorded columns with the table's columns of now (by attnum); pairs whose column was dropped are left out. */
    static BoundMapping of(SourceSettings source, TableShape shape, List<BoundColumn> pairs) {
        List<Mapped> values = new ArrayList<>();
        BoundColumn key = null;
        for (BoundColumn pair : synced(source, shape, pairs)) {
            if ("key".equals(pair.role())) {
                key = pair;
                continue;
            }
            if (pair.propertyId() == null) {
                continue;   // Notion has not named the property yet: nothing to compare
            }
            shape.columns().stream().filter(c -> c.attnum() == pair.attnum() && !c.generated()).findFirst()
                    .ifPresent(column -> values.add(new Mapped(column, pair)));
        }
        return new BoundMapping(source, source.binding(), shape,
                new BoundRows.Table(shape.schema(), shape.table(), shape.key()), List.copyOf(values), key);
    }

    /**
     * The recorded pairs less those of columns {@code .exclude} names now (by the column's name now, found by attnum):
     * a column excluded after it was paired (a secret noticed late) is synced no more, by anything that reads pairs
     * (Apply, the push and its capture trigger, schema drift, bootstrap). Its pair is kept: taking the column out of
     * {@code .exclude} pairs it again.
     */
    static List<BoundColumn> synced(SourceSettings source, TableShape shape, List<BoundColumn> pairs) {
        if (source.binding().exclude().isEmpty()) {
            return pairs;
        }
        return pairs.stream().filter(pair -> pair.attnum() == BoundColumns.KEY_ATTNUM || shape.columns().stream()
                .filter(c -> c.attnum() == pair.attnum()).findFirst()
                .map(c -> !source.binding().exclude().contains(c.name())).orElse(true)).toList();
    }

    String name() {
        return source.name();
    }

    /** Every mapped property id, the key property's too: what links.page_values holds. */
    List<String> propertyIds() {
        List<String> ids = new ArrayList<>();
        values.forEach(v -> ids.add(v.propertyId()));
        if (key != null && key.propertyId() != null) {
            ids.add(key.propertyId());
        }
        return ids;
    }

    /** The mapped columns of a row ({@code to_jsonb} shape): what links.row_values holds. */
    ObjectNode rowValues(JsonNode row) {
        ObjectNode mapped = NODES.objectNode();
        for (Mapped v : values) {
            mapped.set(v.column().name(), row.get(v.column().name()));
        }
        return mapped;
    }

    /** The text of the key property in a page's mapped values; empty when it has none. */
    String keyText(JsonNode pageValues) {
        if (key == null || key.propertyId() == null) {
            return "";
        }
        JsonNode property = pageValues.get(key.propertyId());
        if (property == null || property.isNull()) {
            return "";
        }
        return BoundValues.plainText(property.get(property.path("type").asText())).trim();
    }

    /** The key property's name, for messages. */
    String keyPropertyName() {
        return key != null ? key.propertyName() : binding.keyProperty();
    }
}
