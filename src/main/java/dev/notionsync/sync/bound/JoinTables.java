package dev.notionsync.sync.bound;

import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.TableShapes;
import dev.notionsync.sync.Binding;
import dev.notionsync.sync.SourceSettings;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which bound sources are join tables kept as a two-way relation (notion.source.&lt;name&gt;.as). A join table is a
 * bound table whose primary key is exactly two columns, each a foreign key to the key of another bound source's
 * table, and whose other columns are nullable or have a default (a row made from a relation in Notion fills only its
 * key). {@code as = relation} asks for the relation (a table that is no join table is then refused, saying why),
 * {@code as = database} for a database of its own; unset, a join table is a relation. A kind bootstrap recorded sticks
 * (a source bootstrapped as a database stays one, and as a relation stays one). Decided once per engine, when its
 * routes are made (so a table made after the engine started is seen at the next start, or by bootstrap).
 */
public final class JoinTables {

    private static final Logger LOG = LoggerFactory.getLogger(JoinTables.class);

    /** A bound source asks to be a relation but cannot be one: the message says why and what to do. */
    public static final class NotAJoinTableException extends IllegalStateException {
        public NotAJoinTableException(String message) {
            super(message);
        }
    }

    private final Map<String, SourceSettings> sources = new LinkedHashMap<>();
    private final TableShapes shapes;
    private final BoundSources boundSources;
    private final BoundColumns boundColumns;
    private final Map<String, Boolean> decided = new ConcurrentHashMap<>();

    public JoinTables(List<SourceSettings> sources, TableShapes shapes, BoundSources boundSources, BoundColumns boundColumns) {
        sources.stream().filter(SourceSettings::bound).forEach(s -> this.sources.put(s.name(), s));
        this.shapes = shapes;
        this.boundSources = boundSources;
        this.boundColumns = boundColumns;
    }

    /**
     * Whether the source is a join table kept as a relation: it then has no database, no pull and no row push of its
     * own, only the relation's (routes/notion-bind-join.camel.yaml). Decided at the first question, then kept.
     */
    public boolean relation(String source) {
        return decided.computeIfAbsent(source, this::decide);
    }

    private boolean decide(String name) {
        SourceSettings source = sources.get(name);
        if (source == null || source.binding().as() == Binding.As.DATABASE) {
            return false;
        }
        if (source.binding().as() == Binding.As.RELATION) {
            return true;
        }
        try {
            BoundSources.BoundSource recorded = boundSources.find(name);
            if (recorded != null) {
                return recorded.relation();
            }
            if (source.notionId() != null) {
                return false;
            }
            TableShape shape = shapes.read(source.binding().schema(), source.binding().table(), "notion.source." + name + ".table");
            String why = whyNot(source, shape);
            if (why == null) {
                LOG.info("source {}: {} is a join table: it is a relation between the databases of its two referenced tables"
                        + " (notion.source.{}.as = database makes it a database of its own)", name, shape.qualifiedName(), name);
            }
            return why == null;
        } catch (Exception e) {
            LOG.info("source {}: cannot tell whether {} is a join table ({}); it is bound as a database of its own", name,
                    source.binding().qualifiedName(), e.getMessage());
            return false;
        }
    }

    /**
     * The source's join table as it is now, with its relation property once bootstrap recorded it.
     *
     * @throws NotAJoinTableException the table is no join table (the message says why), or the source was bootstrapped
     *                                as a database of its own
     */
    public JoinTable join(String name) throws SQLException {
        SourceSettings source = sources.get(name);
        if (source == null) {
            throw new NotAJoinTableException("no bound source named '" + name + "'");
        }
        BoundSources.BoundSource recorded = boundSources.find(name);
        if (recorded != null && !recorded.relation()) {
            throw new NotAJoinTableException("source " + name + " was bootstrapped as a database of its own" + (recorded.databaseId() == null ? ""
                    : " (" + recorded.databaseId() + ")") + "; it cannot become a relation now: set notion.source." + name + ".as = database to keep"
                    + " it, or bind the table under a new source name and bootstrap that");
        }
        if (source.notionId() != null) {
            throw new NotAJoinTableException("source " + name + " is bound to the Notion database notion.source." + name + ".id names; a join"
                    + " table kept as a relation has no database of its own: remove that setting, or set notion.source." + name + ".as = database");
        }
        TableShape shape = shapes.read(source.binding().schema(), source.binding().table(), "notion.source." + name + ".table");
        String why = whyNot(source, shape);
        if (why != null) {
            throw new NotAJoinTableException("source " + name + " (notion.source." + name + ".as = relation): " + shape.qualifiedName() + " is no join"
                    + " table: " + why + "; a join table's primary key is exactly two columns, each a foreign key to the key of another bound"
                    + " source's table, and its other columns are nullable or have a default. Set notion.source." + name + ".as = database to"
                    + " make it a database of its own");
        }
        TableColumn left = shape.column(shape.key().get(0)).orElseThrow();
        TableColumn right = shape.column(shape.key().get(1)).orElseThrow();
        String propertyId = null;
        String propertyName = JoinTable.propertyName(source, right);
        for (BoundColumns.BoundColumn pair : boundColumns.of(name)) {
            if (pair.attnum() == right.attnum() && pair.propertyId() != null) {
                propertyId = pair.propertyId();
                propertyName = pair.propertyName();
            }
        }
        return new JoinTable(source, shape, left, boundSourceOf(left), right, boundSourceOf(right), propertyId, propertyName);
    }

    /** Why the table is no join table, or null when it is one. */
    String whyNot(SourceSettings source, TableShape shape) throws SQLException {
        if (shape.key().size() != 2) {
            return "its primary key is " + shape.key().size() + " column" + (shape.key().size() == 1 ? "" : "s") + " (" + String.join(", ", shape.key()) + ")";
        }
        for (TableColumn column : shape.keyColumns()) {
            TableColumn.Reference target = column.references();
            if (target == null) {
                return "key column " + column.name() + " is no foreign key";
            }
            SourceSettings referenced = boundSourceOf(column);
            if (referenced == null) {
                return "key column " + column.name() + " refers to " + target.qualifiedTable() + ", which no bound source binds (add one: mode = bind,"
                        + " table = " + target.qualifiedTable() + ")";
            }
            if (referenced.name().equals(source.name())) {
                return "key column " + column.name() + " refers to the table itself";
            }
            List<String> key = shapes.read(target.schema(), target.table(), "notion.source." + referenced.name() + ".table").key();
            if (!key.equals(List.of(target.column()))) {
                return "key column " + column.name() + " refers to " + target.qualifiedTable() + "." + target.column() + ", which is not that table's"
                        + " primary key (" + String.join(", ", key) + ")";
            }
        }
        List<String> unfilled = new ArrayList<>();
        for (TableColumn column : shape.columns()) {
            if (!column.key() && column.notNull() && !column.hasDefault()) {
                unfilled.add(column.name());
            }
        }
        if (!unfilled.isEmpty()) {
            return "column" + (unfilled.size() == 1 ? " " : "s ") + String.join(", ", unfilled) + " NOT NULL without a default (a row made from"
                    + " a relation in Notion could not fill " + (unfilled.size() == 1 ? "it" : "them") + ")";
        }
        return null;
    }

    /** The bound source (not a join table itself) whose table a foreign key column refers to, or null. */
    private SourceSettings boundSourceOf(TableColumn column) {
        TableColumn.Reference target = column.references();
        for (SourceSettings other : sources.values()) {
            if (other.binding().schema().equals(target.schema()) && other.binding().table().equals(target.table())) {
                return other;
            }
        }
        return null;
    }
}
