package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.BoundTypes;
import dev.notionsync.mapping.BoundValues;
import dev.notionsync.mapping.PropertyTypes;
import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import dev.notionsync.mapping.UnmappableColumnException;
import dev.notionsync.mapping.UnwritableValueException;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundColumns.BoundColumn;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.CreateIntents;
import dev.notionsync.store.JoinBases;
import dev.notionsync.store.Links;
import dev.notionsync.store.RowChanges;
import dev.notionsync.store.TableShapes;
import dev.notionsync.sync.Binding;
import dev.notionsync.sync.NotionIds;
import dev.notionsync.sync.PageCreator;
import dev.notionsync.sync.SourceSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code notion-sync bootstrap <source> --parent <page>}: makes a bound table's Notion database from its columns,
 * then a page for every row, through the Notion door (its throttle is the rate). Resumable at every point without a
 * second database or a second page: the database's create is an intent recorded before it is sent (key
 * {@code bootstrap:<source>}), and after a lost answer or a crash the parent page's children are looked through for
 * the database the integration may have made before it is sent again; each row's page is made by {@link PageCreator} under the intent
 * {@code bind:<source>:<row key>}, and its link is recorded as soon as the page is known. The state in
 * notion_sync.bound_sources goes creating, filling, done. A foreign key to another bound table becomes a relation
 * to that table's database, which is bootstrapped first. A source that pushes gets its capture trigger once its
 * columns are paired with properties and before its rows are read, so an application's write made during the
 * bootstrap or after it, before the engine runs, is pushed then (the push waits until the bootstrap is done).
 */
public final class Bootstrap {

    private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 100;

    private final Map<String, SourceSettings> sources = new LinkedHashMap<>();
    private final NotionApi notion;
    private final TableShapes shapes;
    private final BoundSources boundSources;
    private final BoundColumns boundColumns;
    private final Links links;
    private final CreateIntents intents;
    private final RowChanges changes;
    private final PageCreator creator;
    private final Clock clock;
    private final Duration progressEvery;
    private final JoinTables joins;
    private final JoinBootstrap joinBootstrap;

    public Bootstrap(List<SourceSettings> sources, NotionApi notion, TableShapes shapes, BoundSources boundSources, BoundColumns boundColumns,
                     Links links, CreateIntents intents, RowChanges changes, Clock clock, Duration progressEvery, JoinTables joins,
                     JoinBases joinBases, JoinSettle joinSettle) {
        sources.forEach(s -> this.sources.put(s.name(), s));
        this.notion = notion;
        this.shapes = shapes;
        this.boundSources = boundSources;
        this.boundColumns = boundColumns;
        this.links = links;
        this.intents = intents;
        this.changes = changes;
        this.creator = new PageCreator(notion, intents);
        this.clock = clock;
        this.progressEvery = progressEvery;
        this.joins = joins;
        this.joinBootstrap = new JoinBootstrap(notion, boundSources, boundColumns, joinBases, changes, joins, joinSettle, clock, progressEvery);
    }

    /** A bound source cannot be bootstrapped as configured: the message says why and what to change. */
    public static final class BootstrapException extends IllegalStateException {
        public BootstrapException(String message) {
            super(message);
        }
    }

    /** What a bootstrap did: the database, the pages made now, rows left without a page (with why), the time. */
    public record Result(String source, String databaseId, String dataSourceId, long pagesCreated, List<String> rowsLeftOut, Duration took) {
        public boolean complete() {
            return rowsLeftOut.isEmpty();
        }
    }

    /** One property of the database to make: a column's (or the key's, column null), its type and role. */
    record Planned(TableColumn column, String propertyName, String type, String role, String relationSource) {
        int attnum() {
            return column == null ? BoundColumns.KEY_ATTNUM : column.attnum();
        }
    }

    /**
     * Bootstraps the source, and first every bound source it relates to that is not bootstrapped yet.
     *
     * @param parent   the page (id or URL) the database goes under; may be null when resuming a bootstrap that was given one
     * @param progress where progress lines go (the command line's stdout, or the log)
     */
    public Result bootstrap(String sourceName, String parent, Consumer<String> progress) throws Exception {
        return bootstrap(sourceName, parent, progress, new LinkedHashSet<>());
    }

    private Result bootstrap(String sourceName, String parent, Consumer<String> progress, Set<String> underway) throws Exception {
        SourceSettings source = bound(sourceName);
        if (!underway.add(source.name())) {
            throw new BootstrapException("bound sources " + String.join(" -> ", underway) + " -> " + source.name() + " relate to each other in a"
                    + " loop; leave one of the foreign key columns out (notion.source.<name>.exclude) and bootstrap again");
        }
        if (joins.relation(source.name())) {
            Result result = bootstrapJoin(source, parent, progress, underway);
            underway.remove(source.name());
            return result;
        }
        Binding binding = source.binding();
        TableShape shape = shapes.read(binding.schema(), binding.table(), "notion.source." + source.name() + ".table");
        List<Planned> plan = plan(source, shape);
        for (Planned planned : plan) {
            if (planned.relationSource() != null && !planned.relationSource().equals(source.name())) {
                BoundSources.BoundSource target = boundSources.find(planned.relationSource());
                if (target == null || !target.bootstrapped()) {
                    progress.accept("bootstrap " + source.name() + ": column " + planned.column().name() + " refers to " + bound(planned.relationSource())
                            .binding().qualifiedName() + ", bound by source " + planned.relationSource() + ", which is not bootstrapped yet:"
                            + " bootstrapping " + planned.relationSource() + " first");
                    Result first = bootstrap(planned.relationSource(), parent != null ? parent : parentOf(source.name()), progress, underway);
                    if (!first.complete()) {
                        throw new BootstrapException("source " + planned.relationSource() + " is not bootstrapped completely (" + first.rowsLeftOut().size()
                                + " rows without a page), so " + source.name() + " waits: fix those rows and bootstrap again");
                    }
                }
            }
        }
        underway.remove(source.name());
        return bootstrapOne(source, shape, plan, parent, progress);
    }

    /**
     * A join table kept as a relation: its two referenced sources first (each with its database and pages), then the
     * relation property on the first one's database and each page's relation.
     */
    private Result bootstrapJoin(SourceSettings source, String parent, Consumer<String> progress, Set<String> underway) throws Exception {
        JoinTable join = joins.join(source.name());
        for (TableColumn column : List.of(join.left(), join.right())) {
            SourceSettings referenced = column == join.left() ? join.leftSource() : join.rightSource();
            BoundSources.BoundSource target = boundSources.find(referenced.name());
            if (referenced.notionId() != null) {
                if (target == null || target.matchedAt() == null) {
                    throw new BootstrapException("source " + source.name() + " waits for source " + referenced.name() + ", bound to an existing"
                            + " database (notion.source." + referenced.name() + ".id): run notion-sync once so that its rows and pages are matched,"
                            + " then bootstrap " + source.name() + " again");
                }
                continue;   // bound to an existing database: matched, its rows have their pages
            }
            if (target == null || !target.bootstrapped()) {
                progress.accept("bootstrap " + source.name() + ": column " + column.name() + " refers to " + referenced.binding().qualifiedName()
                        + ", bound by source " + referenced.name() + ", which is not bootstrapped yet: bootstrapping " + referenced.name() + " first");
                Result first = bootstrap(referenced.name(), parent != null ? parent : parentOf(referenced.name()), progress, underway);
                if (!first.complete()) {
                    throw new BootstrapException("source " + referenced.name() + " is not bootstrapped completely (" + first.rowsLeftOut().size()
                            + " rows without a page), so " + source.name() + " waits: fix those rows and bootstrap again");
                }
            }
        }
        return joinBootstrap.bootstrap(join, progress);
    }

    private String parentOf(String sourceName) throws Exception {
        BoundSources.BoundSource recorded = boundSources.find(sourceName);
        return recorded == null ? null : recorded.parentPageId();
    }

    private SourceSettings bound(String sourceName) {
        SourceSettings source = sources.get(sourceName);
        if (source == null) {
            throw new BootstrapException("no source named '" + sourceName + "' in notion.sources");
        }
        if (!source.bound()) {
            throw new BootstrapException("source " + sourceName + " is not bound to a table: set notion.source." + sourceName + ".mode = bind and"
                    + " notion.source." + sourceName + ".table");
        }
        return source;
    }

    private Result bootstrapOne(SourceSettings source, TableShape shape, List<Planned> plan, String parentSetting, Consumer<String> progress)
            throws Exception {
        Instant started = clock.instant();
        BoundSources.BoundSource recorded = boundSources.find(source.name());
        if (source.notionId() != null && (recorded == null || recorded.bootstrapState() == null)) {
            throw new BootstrapException("source " + source.name() + " is bound to the Notion database notion.source." + source.name() + ".id names;"
                    + " bootstrap makes a new database: remove that setting to bootstrap, or keep it to match rows and pages on the first sync");
        }
        if (recorded != null && recorded.bootstrapped()) {
            progress.accept("bootstrap " + source.name() + ": already done (database " + recorded.databaseId() + ")");
            return new Result(source.name(), recorded.databaseId(), recorded.dataSourceId(), 0, List.of(), Duration.ZERO);
        }
        String parent = parentSetting == null || parentSetting.isBlank() ? null : pageId(parentSetting);
        if (recorded == null || recorded.databaseId() == null) {
            if (parent == null && (recorded == null || recorded.parentPageId() == null)) {
                throw new BootstrapException("bootstrap " + source.name() + " needs the page to create its database under: --parent <page id or URL>"
                        + " (a page shared with the integration)");
            }
            if (parent != null && recorded != null && recorded.parentPageId() != null && !recorded.parentPageId().equals(parent)) {
                throw new BootstrapException("bootstrap " + source.name() + " began under page " + recorded.parentPageId() + "; resume it there"
                        + " (--parent " + recorded.parentPageId() + " or no --parent)");
            }
            recorded = boundSources.beginBootstrap(source.name(), shape.schema(), shape.table(), parent);
            createDatabase(source, shape, plan, recorded.parentPageId(), progress);
            recorded = boundSources.find(source.name());
        } else {
            progress.accept("bootstrap " + source.name() + ": resuming; database " + recorded.databaseId() + " exists, filling it");
        }
        if (source.pushes()) {
            // before the rows are read: what the application writes from now on is captured, and pushed once the engine
            // runs (a row whose page bootstrap makes is found by its link; the others get theirs under the same intent)
            BoundPush.installCapture(changes, shapes, boundColumns, links, source);
        }
        return fill(source, shape, recorded, started, progress);
    }

    private static String pageId(String idOrUrl) {
        try {
            return NotionIds.normalize(idOrUrl);
        } catch (IllegalArgumentException e) {
            throw new BootstrapException("--parent: " + e.getMessage() + "; give the page's id or its URL");
        }
    }

    // ---------------------------------------------------------------- the plan: which property each column becomes

    /**
     * The database's properties: the key property, the title (a chosen or the first text column that is not part of
     * the key; none: the key property is the title), then a property per mapped column. Key columns are held by the
     * key property, unless they are foreign keys to bound tables (then they are relations too: a join table's key).
     * Every column no Notion property holds is reported at once.
     */
    List<Planned> plan(SourceSettings source, TableShape shape) {
        Binding binding = source.binding();
        String prefix = "notion.source." + source.name() + ".";
        for (String excluded : binding.exclude()) {
            if (shape.column(excluded).isEmpty()) {
                throw new BootstrapException("setting " + prefix + "exclude names column '" + excluded + "', which " + shape.qualifiedName()
                        + " does not have");
            }
        }
        for (String column : binding.columnProperties().keySet()) {
            if (shape.column(column).isEmpty()) {
                throw new BootstrapException("setting " + prefix + "columns." + column + " names a column " + shape.qualifiedName() + " does not have");
            }
        }
        TableColumn title = null;
        if (binding.titleColumn() != null) {
            title = shape.column(binding.titleColumn()).orElseThrow(() -> new BootstrapException("setting " + prefix + "title-column names column '"
                    + binding.titleColumn() + "', which " + shape.qualifiedName() + " does not have"));
        } else {
            title = shape.columns().stream().filter(c -> c.category() == dev.notionsync.mapping.ColumnCategory.TEXT && !c.key()
                    && !binding.exclude().contains(c.name()) && c.references() == null).findFirst().orElse(null);
        }
        List<Planned> plan = new ArrayList<>();
        plan.add(new Planned(null, binding.keyProperty(), title == null ? "title" : "rich_text", BoundColumns.KEY, null));
        List<String> refused = new ArrayList<>();
        for (TableColumn column : shape.columns()) {
            if (binding.exclude().contains(column.name())) {
                continue;
            }
            String relationSource = column == title ? null : relationSource(source, shape, column);
            if (column.key() && relationSource == null && column != title) {
                continue;   // held by the key property
            }
            try {
                String type = BoundTypes.notionType(source.name(), shape, column, column == title, relationSource != null);
                plan.add(new Planned(column, binding.columnProperties().getOrDefault(column.name(), column.name()), type,
                        column == title ? BoundColumns.TITLE : BoundColumns.VALUE, relationSource));
            } catch (UnmappableColumnException e) {
                refused.add(e.getMessage());
            }
        }
        if (!refused.isEmpty()) {
            throw new BootstrapException(String.join("; ", refused));
        }
        Map<String, String> names = new LinkedHashMap<>();
        for (Planned planned : plan) {
            String other = names.put(Binding.comparable(planned.propertyName()), planned.propertyName());
            if (other != null) {
                throw new BootstrapException("two properties of " + shape.qualifiedName() + " would be named alike: '" + other + "' and '"
                        + planned.propertyName() + "'; rename one with " + prefix + "columns.<column> or " + prefix + "key-property");
            }
        }
        return plan;
    }

    /**
     * The bound source whose table a column's foreign key points at, when it points at that table's single key
     * column (a relation holds a page, and a page is a key); else null: the column maps by its own type.
     */
    private String relationSource(SourceSettings source, TableShape shape, TableColumn column) {
        return relationSource(sources.values(), shapes, source, column);
    }

    /** As {@link #relationSource(SourceSettings, TableShape, TableColumn)}, for a column added to the table later (SchemaDrift). */
    static String relationSource(java.util.Collection<SourceSettings> sources, TableShapes shapes, SourceSettings source, TableColumn column) {
        TableColumn.Reference target = column.references();
        if (target == null) {
            return null;
        }
        for (SourceSettings other : sources) {
            if (other.bound() && other.binding().schema().equals(target.schema()) && other.binding().table().equals(target.table())) {
                try {
                    if (!shapes.read(target.schema(), target.table(), "notion.source." + other.name() + ".table").key().equals(List.of(target.column()))) {
                        LOG.info("bootstrap {}: column {} refers to {}.{}, which is not that table's key; it maps by its own type, not as a"
                                + " relation", source.name(), column.name(), target.qualifiedTable(), target.column());
                        return null;
                    }
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException("cannot read " + target.qualifiedTable() + ": " + e.getMessage(), e);
                }
                return other.name();
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- the database

    private void createDatabase(SourceSettings source, TableShape shape, List<Planned> plan, String parent, Consumer<String> progress)
            throws Exception {
        String key = "bootstrap:" + source.name();
        String title = shape.table();
        CreateIntents.Intent intent = intents.begin(key, parent);
        String databaseId = intent.pageId();
        if (databaseId == null && intent.sentBefore()) {
            databaseId = findDatabase(source, key, parent, title, intent.firstSentAt());
            if (databaseId != null) {
                progress.accept("bootstrap " + source.name() + ": the database an earlier attempt made is there (" + databaseId + "); using it");
            }
        }
        if (databaseId == null) {
            ObjectNode request = JSON.createObjectNode();
            request.putObject("parent").put("type", "page_id").put("page_id", parent);
            request.putArray("title").addObject().put("type", "text").putObject("text").put("content", title);
            request.put("is_inline", false);
            ObjectNode properties = request.putObject("initial_data_source").putObject("properties");
            for (Planned planned : plan) {
                if (source.name().equals(planned.relationSource())) {
                    continue;   // a relation to the database itself: added once the database has its data source
                }
                properties.set(planned.propertyName(), planned.column() == null ? BoundTypes.keySchema(planned.type().equals("title"))
                        : BoundTypes.schema(source.name(), planned.column(), planned.type(),
                        planned.relationSource() == null ? null : boundSources.find(planned.relationSource()).dataSourceId()));
            }
            intents.sending(key, title);
            JsonNode database = notion.on(source.connection()).call(NotionRequest.post("/v1/databases", request.toString()));
            databaseId = database.path("id").asText();
            if (!intents.made(key, databaseId)) {
                throw new IllegalStateException("database " + databaseId + " of " + key + " is recorded for another create");
            }
            progress.accept("bootstrap " + source.name() + ": created database '" + title + "' (" + databaseId + ") under page " + parent
                    + " with " + plan.size() + " properties");
        }
        JsonNode database = notion.on(source.connection()).call(NotionRequest.get("/v1/databases/" + databaseId));
        String dataSourceId = database.path("data_sources").path(0).path("id").asText(null);
        if (dataSourceId == null) {
            throw new IllegalStateException("Notion database " + databaseId + " has no data source");
        }
        JsonNode schema = notion.on(source.connection()).call(NotionRequest.get("/v1/data_sources/" + dataSourceId)).path("properties");
        ObjectNode selfRelations = JSON.createObjectNode();
        for (Planned planned : plan) {
            if (source.name().equals(planned.relationSource()) && schema.path(planned.propertyName()).isMissingNode()) {
                selfRelations.set(planned.propertyName(), BoundTypes.schema(source.name(), planned.column(), "relation", dataSourceId));
            }
        }
        if (!selfRelations.isEmpty()) {
            ObjectNode patch = JSON.createObjectNode();
            patch.set("properties", selfRelations);
            schema = notion.on(source.connection()).call(NotionRequest.patch("/v1/data_sources/" + dataSourceId, patch.toString())).path("properties");
        }
        List<BoundColumn> columns = new ArrayList<>();
        for (Planned planned : plan) {
            JsonNode property = schema.path(planned.propertyName());
            if (property.isMissingNode() && planned.type().equals("title")) {
                property = titleOf(schema);
            }
            if (property.isMissingNode() || !property.path("type").asText().equals(planned.type())) {
                throw new IllegalStateException("database " + databaseId + " has no " + planned.type() + " property '" + planned.propertyName()
                        + "' (was it changed in Notion while bootstrap was stopped?)");
            }
            columns.add(new BoundColumn(source.name(), planned.attnum(), planned.column() == null ? String.join(",", shape.key())
                    : planned.column().name(), property.path("id").asText(), property.path("name").asText(), planned.type(), planned.role()));
        }
        boundColumns.replace(source.name(), columns);
        boundSources.databaseCreated(source.name(), databaseId, dataSourceId);
    }

    private static JsonNode titleOf(JsonNode schema) {
        for (JsonNode property : schema) {
            if (property.path("type").asText().equals("title")) {
                return property;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /**
     * The database an earlier send of this create made, or null: a child database of the parent page, with the
     * title, made by this integration, not recorded for another create. The parent's children are read, not the
     * search: Notion's search index lags behind a create, the page's children do not.
     */
    private String findDatabase(SourceSettings source, String key, String parent, String title, Instant firstSentAt) throws Exception {
        String bot = notion.on(source.connection()).call(NotionRequest.get("/v1/users/me")).path("id").asText();
        String cursor = null;
        do {
            JsonNode answer = notion.on(source.connection()).call(NotionRequest.get("/v1/blocks/" + parent + "/children",
                    "page_size=100" + (cursor == null ? "" : "&start_cursor=" + cursor)));
            for (JsonNode child : answer.path("results")) {
                if (child.path("type").asText().equals("child_database") && title.equals(child.path("child_database").path("title").asText())
                        && bot.equals(child.path("created_by").path("id").asText()) && !child.path("in_trash").asBoolean(false)
                        && intents.made(key, child.path("id").asText())) {
                    return child.path("id").asText();
                }
            }
            cursor = answer.path("has_more").asBoolean(false) ? answer.path("next_cursor").asText(null) : null;
        } while (cursor != null);
        LOG.info("bootstrap {}: no database from the create sent at {} under page {}; sending it again", key, firstSentAt, parent);
        return null;
    }

    // ---------------------------------------------------------------- the pages

    /** A bound property with what fill needs: its column (null for the key), type, id and relation target. */
    private record Mapped(TableColumn column, BoundColumn bound, String relationSource) {
    }

    private Result fill(SourceSettings source, TableShape shape, BoundSources.BoundSource recorded, Instant started, Consumer<String> progress)
            throws Exception {
        List<Mapped> mapped = new ArrayList<>();
        boolean keyIsTitle = false;
        for (BoundColumn bound : BoundMapping.synced(source, shape, boundColumns.of(source.name()))) {
            if (bound.role().equals(BoundColumns.KEY)) {
                keyIsTitle = bound.propertyType().equals("title");
                mapped.add(new Mapped(null, bound, null));
                continue;
            }
            TableColumn column = shape.columns().stream().filter(c -> c.attnum() == bound.attnum()).findFirst().orElse(null);
            if (column == null) {
                continue;   // dropped from the table since
            }
            mapped.add(new Mapped(column, bound, bound.propertyType().equals("relation") ? relationSource(source, shape, column) : null));
        }
        List<TableColumn> key = shape.keyColumns();
        long total = links.unlinkedCount(source.name(), shape.schema(), shape.table(), shape.key());
        progress.accept("bootstrap " + source.name() + ": " + total + " rows of " + shape.qualifiedName() + " to create as pages");
        long done = 0;
        long created = 0;
        List<String> leftOut = new ArrayList<>();
        Set<String> skipped = new LinkedHashSet<>();
        Instant fillStart = clock.instant();
        Instant lastProgress = fillStart;
        while (true) {
            List<Links.UnlinkedRow> rows = links.unlinkedRows(source.name(), shape.schema(), shape.table(), shape.key(), BATCH + skipped.size());
            rows = rows.stream().filter(r -> !skipped.contains(r.rowKey().toString())).limit(BATCH).toList();
            if (rows.isEmpty()) {
                break;
            }
            for (Links.UnlinkedRow row : rows) {
                try {
                    if (createPage(source, recorded.dataSourceId(), key, keyIsTitle, mapped, row, progress)) {
                        created++;
                    }
                } catch (UnwritableValueException | NotionApiException e) {
                    if (e instanceof NotionApiException refused && (refused.isTransient() || refused.status() != 400)) {
                        throw refused;   // not this row's fault: stop, and resume later
                    }
                    skipped.add(row.rowKey().toString());
                    String line = "row " + row.rowKey() + ": " + e.getMessage();
                    leftOut.add(line);
                    progress.accept("bootstrap " + source.name() + ": " + line + "; the row gets no page");
                }
                done++;
                Instant now = clock.instant();
                if (Duration.between(lastProgress, now).compareTo(progressEvery) >= 0) {
                    lastProgress = now;
                    progress.accept(progressLine(source.name(), done, total, fillStart, now));
                }
            }
        }
        relateLater(source, mapped, progress);
        Instant end = clock.instant();
        if (leftOut.isEmpty()) {
            boundSources.bootstrapped(source.name());
        }
        progress.accept(progressLine(source.name(), done, total, fillStart, end) + (leftOut.isEmpty() ? "; done in "
                + Duration.between(started, end).toSeconds() + " s" : "; " + leftOut.size() + " rows left without a page (see above): fix them and"
                + " run bootstrap again"));
        return new Result(source.name(), recorded.databaseId(), recorded.dataSourceId(), created, leftOut, Duration.between(started, end));
    }

    static String progressLine(String source, long done, long total, Instant start, Instant now) {
        double seconds = Math.max(0.001, Duration.between(start, now).toMillis() / 1000.0);
        double rate = done / seconds;
        String left = rate <= 0 || done >= total ? "0s" : duration((long) ((total - done) / rate));
        return String.format(Locale.ROOT, "bootstrap %s: %d/%d rows, %.1f rows/s, about %s left", source, done, total, rate, left);
    }

    private static String duration(long seconds) {
        return seconds >= 3600 ? seconds / 3600 + "h" + (seconds % 3600) / 60 + "m" : seconds >= 60 ? seconds / 60 + "m" + seconds % 60 + "s" : seconds + "s";
    }

    /** Makes the row's page exactly once and links it; false when an earlier attempt had made it. */
    private boolean createPage(SourceSettings source, String dataSourceId, List<TableColumn> key, boolean keyIsTitle, List<Mapped> mapped,
                               Links.UnlinkedRow row, Consumer<String> progress) throws Exception {
        ObjectNode properties = JSON.createObjectNode();
        ObjectNode rowValues = JSON.createObjectNode();
        String titleId = "title";
        PageCreator.Lookup byKey = null;   // as BoundPush: a lost answer's page is found by its key property
        for (Mapped m : mapped) {
            if (m.column() == null) {
                properties.set(m.bound().propertyId(), BoundValues.keyRequest(BoundValues.keyText(key, row.rowKey()), keyIsTitle));
                byKey = new PageCreator.Lookup(m.bound().propertyId(), m.bound().propertyType(), BoundValues.keyText(key, row.rowKey()));
            } else {
                JsonNode value = row.row().get(m.column().name());
                rowValues.set(m.column().name(), value);
                properties.set(m.bound().propertyId(), m.relationSource() != null ? relation(source, m, value, row, progress)
                        : BoundValues.toNotion(m.column(), m.bound().propertyType(), value));
            }
            if (m.bound().propertyType().equals("title")) {
                titleId = m.bound().propertyId();
            }
        }
        String intentKey = BoundPush.intentKey(source.name(), row.rowKey());
        PageCreator.Created made = creator.on(source.connection()).create(intentKey, null, dataSourceId, titleId, byKey, properties, (page, sent) -> holds(mapped, page, sent));
        JsonNode page = made.byEarlierAttempt() ? notion.on(source.connection()).call(NotionRequest.get("/v1/pages/" + made.pageId())) : made.page();
        ObjectNode pageValues = JSON.createObjectNode();
        for (Mapped m : mapped) {
            JsonNode value = propertyById(page.path("properties"), m.bound().propertyId());
            if (value != null) {
                pageValues.set(m.bound().propertyId(), value);
            }
        }
        links.put(new Links.Link(source.name(), row.rowKey(), made.pageId(), Links.LINKED, Instant.parse(page.path("last_edited_time").asText()),
                pageValues, rowValues));
        return !made.byEarlierAttempt();
    }

    /** A foreign key's value as a relation to the referenced row's page (none when the row has no page). */
    private ObjectNode relation(SourceSettings source, Mapped m, JsonNode value, Links.UnlinkedRow row, Consumer<String> progress) throws Exception {
        if (value == null || value.isNull()) {
            return BoundValues.relation(List.of());
        }
        ObjectNode target = JSON.createObjectNode();
        target.set(m.column().references().column(), value);
        String page = links.pageIds(m.relationSource(), List.of(target)).get(JSON.readTree(target.toString()));
        if (page == null) {
            // the key stays in the row and in the link's row_values; the page shows no relation until the row it names has a page
            progress.accept("bootstrap " + source.name() + ": row " + row.rowKey() + ": column " + m.column().name() + " refers to "
                    + m.column().references().qualifiedTable() + " " + value + ", which has no page in source " + m.relationSource()
                    + "; its relation stays empty for now");
            return BoundValues.relation(List.of());
        }
        return BoundValues.relation(List.of(page));
    }

    /**
     * Relations whose row had no page when their page was made (a row of the same table later in key order): the
     * links whose row names a key and whose page shows no relation are set now, each page once. Found from the
     * links, so a bootstrap stopped before this pass does it when resumed.
     */
    private void relateLater(SourceSettings source, List<Mapped> mapped, Consumer<String> progress) throws Exception {
        for (Mapped m : mapped) {
            if (m.relationSource() == null) {
                continue;
            }
            for (Links.Link link : links.emptyRelations(source.name(), m.column().name(), m.bound().propertyId())) {
                JsonNode value = link.rowValues().get(m.column().name());
                ObjectNode target = JSON.createObjectNode();
                target.set(m.column().references().column(), value);
                String page = links.pageIds(m.relationSource(), List.of(target)).get(JSON.readTree(target.toString()));
                if (page == null) {
                    continue;   // said when its page was made; the row it names has no page still
                }
                ObjectNode patch = JSON.createObjectNode();
                patch.putObject("properties").set(m.bound().propertyId(), BoundValues.relation(List.of(page)));
                JsonNode answer = notion.on(source.connection()).call(NotionRequest.patch("/v1/pages/" + link.pageId(), patch.toString()));
                ObjectNode pageValues = link.pageValues().deepCopy();
                JsonNode now = propertyById(answer.path("properties"), m.bound().propertyId());
                if (now != null) {
                    pageValues.set(m.bound().propertyId(), now);
                }
                links.put(new Links.Link(link.source(), link.rowKey(), link.pageId(), link.state(), Instant.parse(answer.path("last_edited_time").asText()),
                        pageValues, link.rowValues()));
                progress.accept("bootstrap " + source.name() + ": row " + link.rowKey() + ": " + m.column().name() + " now relates to its page");
            }
        }
    }

    /** Whether a page holds, by meaning, every property a create sent (request values by property id). */
    private static boolean holds(List<Mapped> mapped, JsonNode page, JsonNode sent) {
        for (Mapped m : mapped) {
            JsonNode value = sent.get(m.bound().propertyId());
            if (value != null && !PropertyTypes.of(m.bound().propertyType()).orElseThrow()
                    .holds(propertyById(page.path("properties"), m.bound().propertyId()), value)) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode propertyById(JsonNode properties, String propertyId) {
        for (JsonNode property : properties) {
            if (propertyId.equals(property.path("id").asText())) {
                return property;
            }
        }
        return null;
    }
}
