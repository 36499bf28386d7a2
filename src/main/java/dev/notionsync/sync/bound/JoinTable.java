package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import dev.notionsync.store.BoundRows;
import dev.notionsync.sync.SourceSettings;

/**
 * A bound join table kept as a relation (notion.source.&lt;name&gt;.as = relation): its key is two columns, each a
 * foreign key to another bound source's table. Its Notion side is one relation property on the pages of the first
 * referenced table (the "left" source, named by the first key column), holding the pages of the second (the "right"
 * source); two-way, so Notion shows the synced property on the right pages, unless both are one table (Notion cannot
 * make a two-way relation of a database to itself through the API: then it is one-way).
 *
 * @param source       the join table's bound source
 * @param shape        the join table as pg_catalog describes it now
 * @param left         the first key column (its value names a left page)
 * @param leftSource   the bound source of the table it refers to
 * @param right        the second key column (its values are the left page's related pages)
 * @param rightSource  the bound source of the table it refers to
 * @param propertyId   the relation property on the left source's database; null before bootstrap made it
 * @param propertyName that property's name as last recorded, or the name bootstrap gives it
 */
public record JoinTable(SourceSettings source, TableShape shape, TableColumn left, SourceSettings leftSource, TableColumn right,
                        SourceSettings rightSource, String propertyId, String propertyName) {

    /** Both key columns refer to one table: a one-way relation of its database to itself. */
    public boolean self() {
        return leftSource.name().equals(rightSource.name());
    }

    public String name() {
        return source.name();
    }

    /** The join table for BoundRows. */
    BoundRows.Table table() {
        return new BoundRows.Table(shape.schema(), shape.table(), shape.key());
    }

    /** The left source's row key of a left value: {"id": value}. */
    ObjectNode leftRowKey(JsonNode leftValue) {
        return rowKey(left, leftValue);
    }

    /** The right source's row key of a right value. */
    ObjectNode rightRowKey(JsonNode rightValue) {
        return rowKey(right, rightValue);
    }

    /** A join row's key: {"agent_id": left, "capability_slug": right}. */
    ObjectNode joinKey(JsonNode leftValue, JsonNode rightValue) {
        ObjectNode key = BoundMapping.NODES.objectNode();
        key.set(left.name(), leftValue);
        key.set(right.name(), rightValue);
        return key;
    }

    private static ObjectNode rowKey(TableColumn column, JsonNode value) {
        ObjectNode key = BoundMapping.NODES.objectNode();
        key.set(column.references().column(), value);
        return key;
    }

    /** The relation property's default name: the right table's name, or notion.source.&lt;name&gt;.columns.&lt;right column&gt;. */
    static String propertyName(SourceSettings source, TableColumn right) {
        return source.binding().columnProperties().getOrDefault(right.name(), right.references().table());
    }

    /** The synced property's name on the right pages: the left table's name, or .columns.&lt;left column&gt;. */
    String syncedPropertyName() {
        return source.binding().columnProperties().getOrDefault(left.name(), left.references().table());
    }

    /** For messages: "public.agents_capabilities (source agents_capabilities)". */
    String describe() {
        return shape.qualifiedName() + " (source " + source.name() + ")";
    }
}
