package dev.notionsync.sync;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How a bound source (notion.source.&lt;name&gt;.mode = bind) ties an application's own table to a Notion database:
 * the table, which column is which property, which property holds the row's key, and what record matching and a
 * trashed page do. Parsed from the settings in config/SyncSettings; null for mirror sources.
 *
 * @param schema            the user's table's schema (unquoted, as PostgreSQL names it)
 * @param table             the user's table
 * @param columnProperties  column name -&gt; property name, from notion.source.&lt;name&gt;.columns.&lt;column&gt; (overrides of
 *                          the default: the property named like the column ignoring case, spaces, '_' and '-')
 * @param exclude           columns left out (secrets, internal flags)
 * @param titleColumn       the column that becomes the title; null: the first text column by position (none: the key
 *                          property is the title)
 * @param keyProperty       the rich_text property holding the row's key (read-only by convention)
 * @param onTrash           what a page moved to Notion's trash does to its row
 * @param matchColumn       record matching: the column compared; null: the key (the key property's text)
 * @param matchProperty     record matching: the property compared; null: the key property
 * @param matchCreatePages  record matching: rows without a page get one
 * @param matchCreateRows   record matching: pages without a row get one
 * @param addNewColumns     a column added to the table becomes a property at once (else it is logged)
 * @param as                what a join table becomes in Notion (notion.source.&lt;name&gt;.as)
 * @param contentColumn     the text column holding each page's body as markdown (notion.source.&lt;name&gt;.content-column);
 *                          null: none. It is in {@code exclude} too: no property holds it
 */
public record Binding(String schema, String table, Map<String, String> columnProperties, Set<String> exclude, String titleColumn,
                      String keyProperty, OnTrash onTrash, String matchColumn, String matchProperty, boolean matchCreatePages,
                      boolean matchCreateRows, boolean addNewColumns, As as, String contentColumn) {

    /** notion.source.&lt;name&gt;.on-trash: a trashed page deletes its row, or keeps the row and unlinks it. */
    public enum OnTrash {
        DELETE, UNLINK;

        public String setting() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * notion.source.&lt;name&gt;.as: a join table (its key two foreign keys to other bound tables) becomes a two-way
     * relation between their databases, or a database of its own; AUTO (unset): a relation when the table is one.
     */
    public enum As {
        AUTO, RELATION, DATABASE
    }

    public Binding {
        columnProperties = Map.copyOf(columnProperties);
        exclude = Set.copyOf(exclude);
    }

    /**
     * The columns {@code .exclude} names (secrets, internal flags): {@link #exclude} without the content column, which is
     * there only because no property holds it (it is the page's body, no secret).
     */
    public Set<String> excludedByUser() {
        return contentColumn == null ? exclude : exclude.stream().filter(c -> !c.equals(contentColumn)).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** schema.table as a user writes it, for messages. */
    public String qualifiedName() {
        return schema + "." + table;
    }

    /** The property a column maps to when no override names one: matching ignores case, spaces, '_' and '-'. */
    public static String comparable(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[\\s_-]", "");
    }
}
