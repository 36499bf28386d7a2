package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Notion property a column of a bound table becomes (README "PostgreSQL to Notion (bound tables)"): its type
 * name, and the property schema POST /v1/databases takes for it. A column with no faithful Notion type is refused
 * with a message naming it and the setting that leaves it out; nothing is mapped approximately.
 */
public final class BoundTypes {

    /** The key property's description: the row's key, never to be edited. */
    public static final String KEY_DESCRIPTION = "The row's primary key in PostgreSQL, written by notion-sync: read-only by convention."
            + " notion-sync finds the row by it; do not edit it.";

    private BoundTypes() {
    }

    /**
     * The Notion type of a column: "title" for the title column, "relation" for a foreign key to a bound table, else
     * by its category.
     *
     * @param source          the bound source's name, for the message naming notion.source.&lt;name&gt;.exclude
     * @param title           the column is the title column
     * @param referencesBound the column's foreign key points at a bound table (the relation's target)
     * @throws UnmappableColumnException for a column no Notion property holds faithfully
     */
    public static String notionType(String source, TableShape table, TableColumn column, boolean title, boolean referencesBound) {
        if (title) {
            if (column.category() != ColumnCategory.TEXT) {
                throw new UnmappableColumnException("setting notion.source." + source + ".title-column names column '" + column.name() + "' of "
                        + table.qualifiedName() + ", of type " + column.formatType() + "; the title takes a text column (text, varchar, char)");
            }
            return "title";
        }
        if (referencesBound) {
            return "relation";
        }
        return switch (column.category()) {
            case TEXT, UUID, JSON -> "rich_text";
            case INTEGER, DECIMAL, FLOAT -> "number";
            case BOOLEAN -> "checkbox";
            case ENUM -> "select";
            case TEXT_ARRAY, ENUM_ARRAY -> "multi_select";
            case DATE, TIMESTAMP, TIMESTAMPTZ -> "date";
            case OTHER -> throw new UnmappableColumnException("column '" + column.name() + "' of " + table.qualifiedName() + " is of type "
                    + column.formatType() + ", which no Notion property holds faithfully; leave it out with " + excludeHint(source, column));
        };
    }

    /**
     * The property schema {"type":T,T:{…}} for POST /v1/databases (initial_data_source.properties) or PATCH
     * /v1/data_sources.
     *
     * @param relationDataSourceId the data source of the referenced bound table, for a relation; else ignored
     */
    public static ObjectNode schema(String source, TableColumn column, String notionType, String relationDataSourceId) {
        ObjectNode property = RequestValues.NODES.objectNode();
        property.put("type", notionType);
        ObjectNode config = property.putObject(notionType);
        switch (notionType) {
            case "number" -> config.put("format", "number");
            case "select", "multi_select" -> {
                var options = config.putArray("options");
                for (String label : column.enumLabels()) {
                    try {
                        options.addObject().put("name", RequestValues.optionName(label, column.name()));
                    } catch (UnwritableValueException e) {
                        throw new UnmappableColumnException("column '" + column.name() + "': its enum label '" + label + "' cannot be a Notion option"
                                + " (no commas, at most " + RequestValues.MAX_OPTION_NAME + " characters); leave the column out with "
                                + excludeHint(source, column));
                    }
                }
            }
            case "relation" -> {
                config.put("data_source_id", relationDataSourceId);
                config.put("type", "single_property");
                config.putObject("single_property");
            }
            default -> {
                // title, rich_text, checkbox, date: no configuration
            }
        }
        return property;
    }

    /** The key property: rich_text (or the title, when the table has no text column), described as read-only. */
    public static ObjectNode keySchema(boolean title) {
        ObjectNode property = RequestValues.NODES.objectNode();
        String type = title ? "title" : "rich_text";
        property.put("type", type);
        property.putObject(type);
        property.put("description", KEY_DESCRIPTION);
        return property;
    }

    private static String excludeHint(String source, TableColumn column) {
        return "notion.source." + source + ".exclude = " + column.name() + " (a comma separated list)";
    }
}
