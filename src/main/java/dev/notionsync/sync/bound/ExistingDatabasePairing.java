package dev.notionsync.sync.bound;

import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundColumns.BoundColumn;
import dev.notionsync.store.ShadowPages.Property;
import dev.notionsync.sync.Binding;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The columns of a table bound to an existing Notion database (notion.source.&lt;n&gt;.id, no bootstrap) paired with
 * the database's properties, once, on the first sync: a column maps to the property its .columns.&lt;column&gt;
 * setting names, else to the property named like it ignoring case, spaces, '_' and '-'; the key property is the one
 * .key-property names. Recorded in notion_sync.bound_columns by attnum and property id, as bootstrap records its own,
 * so renames on either side keep the pair afterwards.
 */
final class ExistingDatabasePairing {

    private static final Logger LOG = LoggerFactory.getLogger(ExistingDatabasePairing.class);

    /** Notion types whose values go into a column (BoundValues reads them; relations through the links). */
    private static final Set<String> READABLE = Set.of("title", "rich_text", "number", "checkbox", "select", "status", "multi_select", "date",
            "relation");

    private ExistingDatabasePairing() {
    }

    static List<BoundColumn> pair(String source, Binding binding, TableShape shape, List<Property> properties) {
        List<BoundColumn> pairs = new ArrayList<>();
        properties.stream().filter(p -> p.name().equals(binding.keyProperty())).findFirst().ifPresentOrElse(
                key -> pairs.add(new BoundColumn(source, BoundColumns.KEY_ATTNUM, binding.keyProperty(), key.id(), key.name(), key.type(),
                        BoundColumns.KEY)),
                () -> LOG.warn("source {}: the database has no property '{}' (notion.source.{}.key-property): new pages need a key column default,"
                        + " and record matching needs .match-column/.match-property", source, binding.keyProperty(), source));
        for (TableColumn column : shape.columns()) {
            if (binding.exclude().contains(column.name()) || column.generated()) {
                continue;
            }
            String wanted = binding.columnProperties().get(column.name());
            Property property = properties.stream()
                    .filter(p -> !p.name().equals(binding.keyProperty()))
                    .filter(p -> wanted != null ? p.name().equals(wanted) : Binding.comparable(p.name()).equals(Binding.comparable(column.name())))
                    .findFirst().orElse(null);
            if (property == null) {
                if (wanted != null) {
                    LOG.warn("source {}: notion.source.{}.columns.{} names property '{}', which the database does not have: the column is not synced",
                            source, source, column.name(), wanted);
                } else if (!column.key()) {
                    LOG.info("source {}: column {} has no property of its name in the database: not synced from Notion", source, column.name());
                }
                continue;
            }
            if (!READABLE.contains(property.type())) {
                LOG.warn("source {}: column {} pairs with property '{}' of type {}, whose values do not go into a column: not synced",
                        source, column.name(), property.name(), property.type());
                continue;
            }
            if (property.type().equals("relation") && column.references() == null) {
                LOG.warn("source {}: column {} pairs with relation '{}' but is no foreign key: not synced", source, column.name(), property.name());
                continue;
            }
            String role = property.type().equals("title") ? BoundColumns.TITLE : BoundColumns.VALUE;
            pairs.add(new BoundColumn(source, column.attnum(), column.name(), property.id(), property.name(), property.type(), role));
        }
        return pairs;
    }
}
