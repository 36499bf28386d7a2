package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.BoundTypes;
import dev.notionsync.mapping.ColumnNames;
import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import dev.notionsync.mapping.UnmappableColumnException;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundColumns.BoundColumn;
import dev.notionsync.store.BoundProblems;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.Links;
import dev.notionsync.store.RowChanges;
import dev.notionsync.store.TableShapes;
import dev.notionsync.sync.Binding;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.SourceSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schema drift of a bound source (README "Schema drift"), looked at once per Apply pass, from the table's shape the
 * pass reads anyway, the pairs (notion_sync.bound_columns), the shadow mirror's column catalog and one link's key:
 * <ul>
 *   <li>a column no property holds (added to the table since): reported, or with new-columns = add made a property at
 *       once, typed as bootstrap types it, paired, captured, and its rows' values recorded for the push;</li>
 *   <li>a paired column dropped from the table: reported while its property is still in Notion;</li>
 *   <li>a paired property deleted in Notion: reported; the push leaves it out and the column keeps its values;</li>
 *   <li>key columns named otherwise than the links name them (a renamed key column): reported, and the source waits.</li>
 * </ul>
 * Renamed columns and properties need nothing: pairs are by attnum and property id, and the capture trigger records
 * each column under its pair's name. Each problem is logged when first seen and kept in notion_sync.bound_problems
 * until it is gone.
 */
final class SchemaDrift {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaDrift.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> KINDS = List.of(BoundProblems.NEW_COLUMN, BoundProblems.DROPPED_COLUMN, BoundProblems.DELETED_PROPERTY,
            BoundProblems.KEY_CHANGED);

    private final Map<String, SourceSettings> sources = new LinkedHashMap<>();
    private final String mirrorSchema;
    private final NotionApi notion;
    private final MirrorTables tables;
    private final TableShapes shapes;
    private final BoundSources boundSources;
    private final BoundColumns boundColumns;
    private final Links links;
    private final BoundRows rows;
    private final BoundProblems problems;
    /** Per source, what the last pass reported ("kind/subject" -> detail): recorded again only when it changes. */
    private final Map<String, Map<String, String>> reported = new ConcurrentHashMap<>();
    /** How long a column Notion refused to add (or whose name a property of another type has) is left before it is tried again. */
    private static final Duration RETRY_REFUSED = Duration.ofMinutes(10);

    /** Columns Notion refused to add (source/attnum/name/type -> why, when): not sent again for a while, or until the column changes. */
    private final Map<String, Refusal> refusedAdds = new ConcurrentHashMap<>();

    private record Refusal(String why, Instant at) {
    }

    SchemaDrift(List<SourceSettings> sources, String mirrorSchema, NotionApi notion, MirrorTables tables, TableShapes shapes,
                BoundSources boundSources, BoundColumns boundColumns, Links links, BoundRows rows, BoundProblems problems) {
        sources.forEach(s -> this.sources.put(s.name(), s));
        this.mirrorSchema = mirrorSchema;
        this.notion = notion;
        this.tables = tables;
        this.shapes = shapes;
        this.boundSources = boundSources;
        this.boundColumns = boundColumns;
        this.links = links;
        this.rows = rows;
        this.problems = problems;
    }

    /**
     * Why the table no longer fits its links, or null when it does: its key columns are named otherwise than the
     * links' row keys name them (a key column renamed, or another primary key). Links hold keys by column name, so the
     * source waits until the names agree again; the capture trigger keeps recording under the links' names meanwhile.
     *
     * @param linked the key columns one link names (empty while the source has no link: nothing to disagree with)
     */
    static String keyChanged(List<String> linked, TableShape shape) {
        if (linked.isEmpty() || Set.copyOf(linked).equals(Set.copyOf(shape.key()))) {
            return null;
        }
        List<String> gone = linked.stream().filter(k -> !shape.key().contains(k)).toList();
        List<String> come = shape.key().stream().filter(k -> !linked.contains(k)).toList();
        String fix = gone.size() == 1 && come.size() == 1
                ? "ALTER TABLE " + quoted(shape) + " RENAME COLUMN " + ColumnNames.quote(come.get(0)) + " TO "
                + ColumnNames.quote(gone.get(0))
                : "give the key columns their names back";
        return "the primary key of " + shape.qualifiedName() + " is now (" + String.join(", ", shape.key()) + "), but the links of its rows"
                + " (notion_sync.links) name (" + String.join(", ", linked) + "): a renamed key column is not followed. The source waits:"
                + " nothing is applied or pushed, and what the application writes meanwhile is recorded and pushed later. To resume: " + fix;
    }

    private static String quoted(TableShape shape) {
        return ColumnNames.quote(shape.schema()) + "." + ColumnNames.quote(shape.table());
    }

    /**
     * Looks at the source's schema as this pass read it. Returns the mapping to apply with (read again when a column
     * was added), or null while the source must wait (its key columns renamed).
     */
    BoundMapping check(BoundMapping mapping) throws Exception {
        SourceSettings source = mapping.source();
        TableShape shape = mapping.shape();
        String keyChange = keyChanged(links.keyColumns(source.name()), shape);
        if (keyChange != null) {
            // only this one: the others are looked at again once the source goes on
            Map<String, String> now = new LinkedHashMap<>(reported.getOrDefault(source.name(), Map.of()));
            now.put(BoundProblems.KEY_CHANGED + "/key", keyChange);
            report(source.name(), now, false);
            return null;
        }
        Binding binding = source.binding();
        List<BoundColumn> pairs = BoundMapping.synced(source, shape, boundColumns.of(source.name()));
        Set<Integer> gone = new HashSet<>();
        boundColumns.goneFromNotion(source.name(), mirrorSchema, source.table()).forEach(p -> gone.add(p.attnum()));
        Map<String, String> now = new LinkedHashMap<>();
        Set<Integer> paired = new HashSet<>();
        for (BoundColumn pair : pairs) {
            paired.add(pair.attnum());
            if (pair.attnum() == BoundColumns.KEY_ATTNUM) {
                continue;
            }
            TableColumn column = shape.columns().stream().filter(c -> c.attnum() == pair.attnum()).findFirst().orElse(null);
            if (column == null && gone.contains(pair.attnum())) {
                boundColumns.remove(source.name(), pair.attnum());   // dropped here, deleted there: nothing left to pair
            } else if (column == null) {
                now.put(BoundProblems.DROPPED_COLUMN + "/" + pair.attnum(), "column " + pair.columnName() + " was dropped from "
                        + shape.qualifiedName() + ": its property '" + pair.propertyName() + "' stays in Notion with its values and is no"
                        + " longer synced; delete the property in Notion when it is no longer needed");
            } else if (gone.contains(pair.attnum()) && !binding.exclude().contains(column.name())) {
                now.put(BoundProblems.DELETED_PROPERTY + "/" + pair.propertyId(), "property '" + pair.propertyName() + "' of column "
                        + column.name() + " was deleted in Notion (or changed type): the column keeps its values and is no longer synced"
                        + " either way; restore the property in Notion to sync it again, or list the column in notion.source." + source.name()
                        + ".exclude to close this report");
            }
        }
        boolean added = false;
        for (TableColumn column : shape.columns()) {
            if (column.key() || paired.contains(column.attnum()) || binding.exclude().contains(column.name())) {
                continue;
            }
            String refused = binding.addNewColumns() ? add(source, shape, pairs, column) : null;
            if (refused == null && binding.addNewColumns()) {
                added = true;
                continue;
            }
            now.put(BoundProblems.NEW_COLUMN + "/" + column.attnum(), refused != null ? refused : "column " + column.name() + " ("
                    + column.formatType() + ") of " + shape.qualifiedName() + " is in no property of the database, so it is not synced:"
                    + " set notion.source." + source.name() + ".new-columns = add to make it a property (its rows' values then go to"
                    + " their pages), or leave it out with notion.source." + source.name() + ".exclude = " + column.name());
        }
        report(source.name(), now, true);
        if (!added) {
            return mapping;
        }
        tables.forget(source.name());   // the pull and the push read the schema with the new property
        return BoundMapping.of(source, shape, boundColumns.of(source.name()));
    }

    /**
     * Makes a column a property (new-columns = add): typed as bootstrap types it, named as its .columns setting or the
     * column; then, in one transaction, the pair, the capture trigger with the column, and every row with a page (or a
     * change still to push) recorded as an UPDATE of that column, so the push brings its values to the pages. Returns
     * null when it was added, else why not (a type no property holds, a name taken, a pull-only source, Notion's refusal).
     */
    private String add(SourceSettings source, TableShape shape, List<BoundColumn> pairs, TableColumn column) throws Exception {
        String prefix = "column " + column.name() + " (" + column.formatType() + ") of " + shape.qualifiedName();
        if (!source.pushes()) {
            return prefix + " is in no property of the database; source " + source.name() + " only pulls, so new-columns = add cannot bring"
                    + " its values to Notion: add the property in Notion and bind again, or leave it out with notion.source." + source.name()
                    + ".exclude = " + column.name();
        }
        String name = source.binding().columnProperties().getOrDefault(column.name(), column.name());
        String relationSource = Bootstrap.relationSource(sources.values(), shapes, source, column);
        String type;
        ObjectNode schema;
        try {
            type = BoundTypes.notionType(source.name(), shape, column, false, relationSource != null);
            String relatedDataSource = null;
            if (relationSource != null) {
                BoundSources.BoundSource target = boundSources.find(relationSource);
                if (target == null || target.dataSourceId() == null) {
                    return prefix + " refers to a table bound by source " + relationSource + ", which has no database yet: it becomes a"
                            + " relation once that source is bootstrapped";
                }
                relatedDataSource = target.dataSourceId();
            }
            schema = BoundTypes.schema(source.name(), column, type, relatedDataSource);
        } catch (UnmappableColumnException e) {
            return e.getMessage();
        }
        String attempt = source.name() + "/" + column.attnum() + "/" + name + "/" + column.formatType();
        Refusal refusal = refusedAdds.get(attempt);
        if (refusal != null && refusal.at().plus(RETRY_REFUSED).isAfter(Instant.now())) {
            return refusal.why();
        }
        JsonNode property;
        try {
            String dataSourceId = tables.of(source.name()).get(0).dataSourceId();
            JsonNode properties = notion.on(source.connection()).call(NotionRequest.get("/v1/data_sources/" + dataSourceId)).path("properties");
            property = properties.path(name);
            if (!property.isMissingNode() && !property.path("type").asText().equals(type)) {
                String why = prefix + " would be property '" + name + "', but the database has a " + property.path("type").asText()
                        + " property of that name: name the column's property with notion.source." + source.name() + ".columns." + column.name()
                        + ", or leave the column out with notion.source." + source.name() + ".exclude";
                refusedAdds.put(attempt, new Refusal(why, Instant.now()));
                return why;
            }
            if (property.isMissingNode()) {
                ObjectNode request = JSON.createObjectNode();
                request.putObject("properties").set(name, schema);
                property = notion.on(source.connection()).call(NotionRequest.patch("/v1/data_sources/" + dataSourceId, request.toString())).path("properties").path(name);
            }
        } catch (NotionApiException e) {
            if (e.isTransient()) {
                return prefix + " is being made a property (Notion did not answer yet: " + e.getMessage() + ")";
            }
            String why = prefix + ": Notion refused to make it property '" + name + "': " + e.getMessage();
            refusedAdds.put(attempt, new Refusal(why, Instant.now()));
            return why;
        } catch (Exception e) {
            return prefix + " is being made a property (the database's schema could not be read yet: " + e.getMessage() + ")";
        }
        if (property.isMissingNode() || property.path("id").asText("").isEmpty()) {
            return prefix + ": Notion's answer has no property '" + name + "'; tried again at the next pass";
        }
        BoundColumn pair = new BoundColumn(source.name(), column.attnum(), column.name(), property.path("id").asText(), name, type,
                BoundColumns.VALUE);
        List<BoundColumn> all = new ArrayList<>(pairs);
        all.add(pair);
        all.sort(java.util.Comparator.comparingInt(BoundColumn::attnum));   // as BoundColumns.of lists them: the push finds the same trigger
        List<RowChanges.Captured> captured = BoundPush.captured(all, shape);
        int values = rows.inEngineTransaction(c -> {
            BoundColumns.put(c, pair);
            RowChanges.install(c, shape.schema(), shape.table(), source.name(), BoundPush.captured(shape.keyColumns()), captured);
            return RowChanges.requestColumn(c, source.name(), shape.schema(), shape.table(), shape.key(), column.name(), pair.columnName());
        });
        LOG.info("source {}: column {} of {} is now property '{}' ({}); the values of its {} rows with a page go to Notion", source.name(),
                column.name(), shape.qualifiedName(), name, type, values);
        return null;
    }

    /**
     * Records what this pass found that the last did not (logged once), and, when {@code complete}, resolves the drift
     * problems of the source it no longer finds.
     */
    private void report(String source, Map<String, String> now, boolean complete) throws Exception {
        Map<String, String> before = reported.get(source);
        if (now.equals(before)) {
            return;
        }
        for (Map.Entry<String, String> problem : now.entrySet()) {
            if (before == null || !problem.getValue().equals(before.get(problem.getKey()))) {
                String kind = problem.getKey().substring(0, problem.getKey().indexOf('/'));
                problems.record(source, kind, problem.getKey().substring(kind.length() + 1), List.of(), List.of(), problem.getValue());
                LOG.warn("source {}: {}", source, problem.getValue());
            }
        }
        if (complete) {
            problems.resolveAllBut(source, KINDS, now.keySet());
        }
        reported.put(source, now);
    }
}
