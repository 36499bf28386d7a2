package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.BoundColumns.BoundColumn;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.JoinBases;
import dev.notionsync.store.RowChanges;
import dev.notionsync.sync.Binding;
import dev.notionsync.sync.bound.Bootstrap.BootstrapException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Bootstrap of a join table kept as a relation: no database of its own. It adds one relation property to the first
 * referenced table's data source (PATCH /v1/data_sources/{id}), two-way to the second's (Notion adds the synced
 * property there; a table joined to itself gets a one-way relation, Notion cannot make a two-way one of a database to
 * itself), then sets each page's relation to the pages of its join rows, page by page, through {@link JoinSettle} (a
 * three-way merge with what Notion holds, so an edit made in Notion meanwhile stays). Resumable without duplicates: the
 * property is looked for by name before it is added, a relation is a set, and a page settled once is not settled
 * again. Both referenced sources are bootstrapped first.
 */
final class JoinBootstrap {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final NotionApi notion;
    private final BoundSources boundSources;
    private final BoundColumns boundColumns;
    private final JoinBases bases;
    private final RowChanges changes;
    private final JoinTables joins;
    private final JoinSettle settle;
    private final Clock clock;
    private final Duration progressEvery;

    JoinBootstrap(NotionApi notion, BoundSources boundSources, BoundColumns boundColumns, JoinBases bases, RowChanges changes, JoinTables joins,
                  JoinSettle settle, Clock clock, Duration progressEvery) {
        this.notion = notion;
        this.boundSources = boundSources;
        this.boundColumns = boundColumns;
        this.bases = bases;
        this.changes = changes;
        this.joins = joins;
        this.settle = settle;
        this.clock = clock;
        this.progressEvery = progressEvery;
    }

    Bootstrap.Result bootstrap(JoinTable join, Consumer<String> progress) throws Exception {
        Instant started = clock.instant();
        BoundSources.BoundSource recorded = boundSources.find(join.name());
        if (recorded != null && recorded.bootstrapped()) {
            progress.accept("bootstrap " + join.name() + ": already done (the relation '" + join.propertyName() + "' of " + join.leftSource().name() + ")");
            return new Bootstrap.Result(join.name(), null, null, 0, List.of(), Duration.ZERO);
        }
        boundSources.beginRelation(join.name(), join.shape().schema(), join.shape().table());
        String leftDataSource = boundSources.find(join.leftSource().name()).dataSourceId();
        String rightDataSource = boundSources.find(join.rightSource().name()).dataSourceId();
        createProperty(join, leftDataSource, rightDataSource, progress);
        boundSources.relationCreated(join.name());
        join = joins.join(join.name());   // with its property now
        if (join.source().pushes()) {
            // before the rows are read: what the application writes from now on is captured, and settled once the engine runs
            JoinSettle.installCapture(changes, join);
        }
        return fill(join, started, progress);
    }

    /** Adds the relation property (or finds the one an earlier attempt added) and records it with its synced property. */
    private void createProperty(JoinTable join, String leftDataSource, String rightDataSource, Consumer<String> progress) throws Exception {
        String prefix = "notion.source." + join.name() + ".columns.";
        // the relation is a property of the left source's database, made with its connection
        NotionApi notion = this.notion.on(join.leftSource().connection());
        JsonNode schema = notion.call(NotionRequest.get("/v1/data_sources/" + leftDataSource)).path("properties");
        JsonNode property = join.propertyId() == null ? null : byId(schema, join.propertyId());
        String name = property != null ? property.path("name").asText() : join.propertyName();
        if (property == null) {
            property = byName(schema, name);
        }
        if (property != null && !(property.path("type").asText().equals("relation")
                && rightDataSource.equals(property.path("relation").path("data_source_id").asText()))) {
            throw new BootstrapException("bootstrap " + join.name() + ": the database of source " + join.leftSource().name() + " already has a property"
                    + " named '" + name + "' that is no relation to the database of " + join.rightSource().name() + "; name the relation with " + prefix
                    + join.right().name() + " = <property name>");
        }
        String synced = join.syncedPropertyName();
        if (property == null) {
            ObjectNode relation = JSON.createObjectNode();
            relation.put("data_source_id", rightDataSource);
            if (join.self()) {
                relation.put("type", "single_property");
                relation.putObject("single_property");
            } else {
                JsonNode clash = byName(this.notion.on(join.rightSource().connection())
                        .call(NotionRequest.get("/v1/data_sources/" + rightDataSource)).path("properties"), synced);
                if (clash != null) {
                    throw new BootstrapException("bootstrap " + join.name() + ": the database of source " + join.rightSource().name() + " already has a"
                            + " property named '" + synced + "', the name the relation's other side would take; name it with " + prefix
                            + join.left().name() + " = <property name>");
                }
                relation.put("type", "dual_property");
                relation.putObject("dual_property").put("synced_property_name", synced);
            }
            ObjectNode patch = JSON.createObjectNode();
            patch.putObject("properties").putObject(name).set("relation", relation);
            schema = notion.call(NotionRequest.patch("/v1/data_sources/" + leftDataSource, patch.toString())).path("properties");
            property = byName(schema, name);
            if (property == null) {
                throw new IllegalStateException("Notion answered the new relation property '" + name + "' of " + join.leftSource().name() + " without it");
            }
            progress.accept("bootstrap " + join.name() + ": " + join.describe() + " is a join table: added the " + (join.self() ? "one-way" : "two-way")
                    + " relation '" + name + "' to the database of " + join.leftSource().name() + (join.self() ? "" : " (shown as '" + synced
                    + "' on the pages of " + join.rightSource().name() + ")"));
        } else {
            progress.accept("bootstrap " + join.name() + ": resuming; the relation '" + name + "' of " + join.leftSource().name() + " exists");
        }
        JsonNode dual = property.path("relation").path("dual_property");
        List<BoundColumn> pairs = new ArrayList<>();
        pairs.add(new BoundColumn(join.name(), join.right().attnum(), join.right().name(), property.path("id").asText(), property.path("name").asText(),
                "relation", "relation"));
        if (!dual.isMissingNode()) {
            pairs.add(new BoundColumn(join.name(), join.left().attnum(), join.left().name(), dual.path("synced_property_id").asText(null),
                    dual.path("synced_property_name").asText(synced), "relation", "synced"));
        }
        boundColumns.replace(join.name(), pairs);
    }

    /**
     * Sets every page's relation from its join rows, in key order, a page at a time; pages settled by an earlier run
     * are skipped. Rows whose page, or related page, is missing are named and left out: the bootstrap stays filling.
     */
    private Bootstrap.Result fill(JoinTable join, Instant started, Consumer<String> progress) throws Exception {
        long total = bases.rowCount(join.table());
        progress.accept("bootstrap " + join.name() + ": " + total + " rows of " + join.shape().qualifiedName() + " to relate in '" + join.propertyName() + "'");
        long done = 0;
        long related = 0;
        List<String> leftOut = new ArrayList<>();
        Instant fillStart = clock.instant();
        Instant lastProgress = fillStart;
        for (JsonNode left : bases.leftValues(join.table(), join.left().name(), join.leftSource().name(), join.left().references().column())) {
            List<JsonNode> members = bases.members(join.table(), join.left().name(), join.right().name(), left);
            List<JsonNode> agreed = bases.agreed(join.name(), left);
            if (agreed != null && agreed.stream().map(JsonNode::toString).toList().containsAll(members.stream().map(JsonNode::toString).toList())) {
                done += members.size();
                continue;
            }
            if (members.isEmpty()) {
                bases.agreeEmpty(join.name(), left);   // Notion's side, should a user relate it meanwhile, is looked at by the pass
                continue;
            }
            JoinSettle.JoinPage page = settle.prepare(join, left);
            if (page == null) {
                throw new IllegalStateException("the relation of " + left + " is being settled by a running engine; bootstrap again in a minute");
            }
            try {
                settle.settle(page);
                related++;
                namePagelessRows(join, left, members, leftOut, progress);
            } catch (Exception e) {
                bases.retry(join.name(), left, Duration.ZERO, 0, e.getMessage(), null);   // the lease goes
                boolean thisPage = e instanceof NotionApiException refused ? !refused.isTransient() && refused.status() == 400
                        : e instanceof IllegalStateException || e instanceof BoundRows.RefusedValueException;
                if (!thisPage) {
                    throw e;   // not this page's fault: stop, and resume later
                }
                leftOut(join, left, e.getMessage(), members.size(), leftOut, progress);
            }
            done += members.size();
            Instant now = clock.instant();
            if (Duration.between(lastProgress, now).compareTo(progressEvery) >= 0) {
                lastProgress = now;
                progress.accept(Bootstrap.progressLine(join.name(), done, total, fillStart, now));
            }
        }
        Instant end = clock.instant();
        if (leftOut.isEmpty()) {
            boundSources.bootstrapped(join.name());
        }
        progress.accept(Bootstrap.progressLine(join.name(), done, total, fillStart, end) + "; " + related + " pages of " + join.leftSource().name()
                + " related" + (leftOut.isEmpty() ? "; done in " + Duration.between(started, end).toSeconds() + " s"
                : "; " + leftOut.size() + " rows left out (see above): fix them and run bootstrap again"));
        return new Bootstrap.Result(join.name(), null, null, 0, leftOut, Duration.between(started, end));
    }

    /** Join rows whose related row has no page: the relation cannot show them; named, and the bootstrap stays filling. */
    private void namePagelessRows(JoinTable join, JsonNode left, List<JsonNode> members, List<String> leftOut, Consumer<String> progress)
            throws Exception {
        Map<String, String> pages = bases.pagesOfValues(join.rightSource().name(), join.right().references().column(), members);
        for (JsonNode member : members) {
            if (!pages.containsKey(member.toString())) {
                String line = "row " + join.joinKey(left, member) + ": " + join.rightSource().binding().qualifiedName() + " " + member
                        + " has no page in source " + join.rightSource().name();
                leftOut.add(line);
                progress.accept("bootstrap " + join.name() + ": " + line + "; the relation cannot show it yet");
            }
        }
    }

    private static void leftOut(JoinTable join, JsonNode left, String why, int rows, List<String> leftOut, Consumer<String> progress) {
        String line = rows + " rows of " + join.left().name() + " = " + left + ": " + why;
        leftOut.add(line);
        progress.accept("bootstrap " + join.name() + ": " + line + "; their relation is not set");
    }

    private static JsonNode byId(JsonNode schema, String id) {
        for (JsonNode property : schema) {
            if (id.equals(property.path("id").asText())) {
                return property;
            }
        }
        return null;
    }

    private static JsonNode byName(JsonNode schema, String name) {
        for (JsonNode property : schema) {
            if (Binding.comparable(name).equals(Binding.comparable(property.path("name").asText()))) {
                return property;
            }
        }
        return null;
    }
}
