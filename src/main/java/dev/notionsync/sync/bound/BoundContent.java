package dev.notionsync.sync.bound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.mapping.ColumnCategory;
import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import dev.notionsync.store.BoundContents;
import dev.notionsync.store.ChangeHistory;
import dev.notionsync.store.BoundProblems;
import dev.notionsync.store.BoundRows;
import dev.notionsync.store.BoundWriteBack;
import dev.notionsync.store.Conflicts;
import dev.notionsync.store.Links;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageContents;
import dev.notionsync.store.TableShapes;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.SourceSettings;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Page content of bound tables (notion.source.&lt;name&gt;.content-column): each page's body, as markdown, in a text column
 * of the application's table. The content worker reads pages into the shadow mirror's {@code <table>_content}, as for
 * mirror sources; this pass (routes/notion-bind.camel.yaml, after Apply) copies what moved there into the column. The
 * other way, the bound push hands the column's edits to the content push ({@link BoundContents#handOff}), which sends
 * them with its conflict check and guarantees.
 *
 * The first time a row and its page meet (a link with no content agreed yet: bootstrap, record matching, a new
 * setting), an empty side takes the other's content; two different bodies are a conflict the source's policy
 * decides (postgres-wins: the column's; otherwise Notion's), recorded in notion_sync.conflicts with both.
 */
public final class BoundContent {

    private static final Logger LOG = LoggerFactory.getLogger(BoundContent.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 500;
    /** The problem kind of a body the column refuses (a varchar too short, a CHECK). */
    static final String CONTENT_REFUSED = BoundContents.REFUSED;

    private final Map<String, SourceSettings> sources = new LinkedHashMap<>();
    private final MirrorTables mirrors;
    private final PageContents contents;
    private final BoundContents store;
    private final BoundRows rows;
    private final TableShapes shapes;
    private final Links links;
    private final Conflicts conflicts;
    private final BoundProblems problems;

    /** @param sources every source; those bound with a content column are this pass's */
    public BoundContent(List<SourceSettings> sources, MirrorTables mirrors, PageContents contents, BoundContents store, BoundRows rows,
                        TableShapes shapes, Links links, Conflicts conflicts, BoundProblems problems) {
        sources.stream().filter(s -> s.bound() && s.binding().contentColumn() != null).forEach(s -> this.sources.put(s.name(), s));
        this.mirrors = mirrors;
        this.contents = contents;
        this.store = store;
        this.rows = rows;
        this.shapes = shapes;
        this.links = links;
        this.conflicts = conflicts;
        this.problems = problems;
    }

    /** Whether the source keeps its pages' bodies in a column. */
    public boolean enabled(String source) {
        return sources.containsKey(source);
    }

    /**
     * The source's content column with the shadow mirror's content table; null when it has none, or while the table's
     * key is named otherwise than its links name it (schema drift: the source waits). Refuses a column the table does
     * not have or that cannot hold text, naming it.
     */
    public BoundContents.Column column(String sourceName) throws Exception {
        SourceSettings source = sources.get(sourceName);
        if (source == null) {
            return null;
        }
        String setting = "notion.source." + source.name() + ".content-column";
        TableShape shape = shapes.read(source.binding().schema(), source.binding().table(), "notion.source." + source.name() + ".table");
        String name = source.binding().contentColumn();
        TableColumn column = shape.columns().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalStateException("setting " + setting + " names column " + name + ", which " + source.binding().qualifiedName()
                        + " does not have: name a text column of the table (ALTER TABLE " + source.binding().qualifiedName() + " ADD COLUMN "
                        + name + " text, or another column)"));
        if (column.category() != ColumnCategory.TEXT || column.key()) {
            throw new IllegalStateException("setting " + setting + " names column " + name + " of " + source.binding().qualifiedName() + " ("
                    + column.formatType() + (column.key() ? ", a key column" : "") + "): a page's body needs a text column that is not part"
                    + " of the key (text, varchar or citext)");
        }
        if (SchemaDrift.keyChanged(links.keyColumns(source.name()), shape) != null) {
            return null;
        }
        List<MirrorTable> shadows = mirrors.of(source.name());
        if (shadows.isEmpty()) {
            return null;
        }
        MirrorTable shadow = shadows.get(0);
        return new BoundContents.Column(source.name(), new BoundRows.Table(source.binding().schema(), source.binding().table(), shape.key()),
                name, contents.ensure(shadow.schema(), shadow.table(), false));
    }

    /**
     * One pass: the column of each row whose page's content moved in Notion takes it (one transaction per row, with
     * its link); rows that have changes of their own waiting are left to the push. A source that only pushes takes
     * nothing from Notion: only the first meeting of each row and page is settled.
     *
     * @return how many rows were settled
     */
    public int apply(String sourceName) throws Exception {
        SourceSettings source = sources.get(sourceName);
        if (source == null) {
            return 0;
        }
        BoundContents.Column column = column(sourceName);
        if (column == null) {
            return 0;
        }
        if (!source.pushes()) {
            for (String page : store.dropWaiting(column)) {
                LOG.warn("source {}: page {}: the body edit waiting to be pushed is dropped: the source only pulls (direction = pull); the page is"
                        + " read again and its content is Notion's", source.name(), page);
            }
        }
        int settled = 0;
        for (BoundContents.Moved moved : store.moved(column, !source.pulls(), BATCH)) {
            try {
                if (settle(source, column, moved)) {
                    settled++;
                }
            } catch (SQLException e) {
                if (!(e instanceof BoundRows.RefusedValueException) && !String.valueOf(e.getSQLState()).startsWith("P0")) {
                    throw e;   // the database away, or a bug: the pass fails and is tried again
                }
                // a value the column refuses, or a trigger of the table raising: this page waits, the others go on
                problems.record(source.name(), CONTENT_REFUSED, moved.pageId(), List.of(moved.pageId()), List.of(moved.rowKey()),
                        "column " + column.column() + " of " + column.table().qualifiedName() + " refused the content of page " + moved.pageId()
                                + " (" + e.getMessage() + "): widen the column or drop its constraint; the page is tried again at every pass");
                LOG.warn("source {}: page {}: column {} refused its content ({}); tried again at the next pass", source.name(), moved.pageId(),
                        column.column(), e.getMessage());
            }
        }
        return settled;
    }

    private enum Outcome { NOTHING, COPIED, AGREED, HANDED_OFF, CONFLICT_NOTION, CONFLICT_POSTGRES }

    private boolean settle(SourceSettings source, BoundContents.Column column, BoundContents.Moved moved) throws Exception {
        String[] local = new String[1];
        Outcome outcome = rows.inEngineTransaction(c -> {
            ChangeHistory.tagNotionEdit(c, moved.pageId());   // a copy into the column is the page's content edited in Notion
            Optional<Optional<String>> value = BoundContents.read(c, column, moved.rowKey(), true);
            if (value.isEmpty() || !BoundContents.stillMoved(c, column, moved)) {
                return Outcome.NOTHING;   // the row is gone, or something changed since the pass looked: the next pass sees it anew
            }
            String current = value.get().orElse("");
            local[0] = current;
            if (moved.agreedHash() != null) {
                BoundContents.copy(c, column, moved.rowKey(), moved.markdown(), moved.hash());   // Notion's content moved
                return Outcome.COPIED;
            }
            // the first meeting of the row and its page
            if (current.equals(moved.markdown()) || PageContents.sha256(current).equals(moved.hash())) {
                BoundContents.agreed(c, source.name(), moved.rowKey(), moved.hash(), PageContents.sha256(current));
                return Outcome.AGREED;
            }
            if (current.isEmpty()) {
                if (!source.pulls()) {
                    // the table is the truth of a push-only source, but an empty column never empties a page it just met
                    BoundContents.agreed(c, source.name(), moved.rowKey(), moved.hash(), PageContents.sha256(current));
                    return Outcome.AGREED;
                }
                BoundContents.copy(c, column, moved.rowKey(), moved.markdown(), moved.hash());
                return Outcome.COPIED;
            }
            if (moved.markdown().isEmpty()) {
                if (!source.pushes()) {
                    // nothing pushes for a pull-only source: an edit handed over would wait for ever, and hold the page's
                    // later edits out of the column (a waiting edit is never read over). The column keeps its body
                    BoundContents.agreed(c, source.name(), moved.rowKey(), moved.hash(), PageContents.sha256(current));
                    return Outcome.AGREED;
                }
                BoundContents.handOff(c, column, moved.rowKey(), moved.pageId(), moved.hash());
                return Outcome.HANDED_OFF;
            }
            if (source.pushes() && (!source.pulls() || source.conflict() == SourceSettings.ConflictPolicy.POSTGRES_WINS)) {
                BoundContents.handOff(c, column, moved.rowKey(), moved.pageId(), moved.hash());
                return Outcome.CONFLICT_POSTGRES;
            }
            BoundContents.copy(c, column, moved.rowKey(), moved.markdown(), moved.hash());
            return Outcome.CONFLICT_NOTION;
        });
        if (outcome == Outcome.CONFLICT_NOTION || outcome == Outcome.CONFLICT_POSTGRES) {
            boolean postgres = outcome == Outcome.CONFLICT_POSTGRES;
            conflicts.record(new Conflicts.Conflict(source.name(), moved.pageId(), "page_content", "page content",
                    JSON.createObjectNode().put("markdown", local[0]), JSON.createObjectNode().put("markdown", moved.markdown()),
                    source.conflict().setting(), postgres ? "postgres" : "notion", null,
                    Instant.now()));
            LOG.warn("source {}: row {} and page {} first met with different content; {} (both kept in notion_sync.conflicts)", source.name(),
                    moved.rowKey(), moved.pageId(), postgres ? "the column's is pushed to the page" : "the column takes the page's");
        }
        if (outcome == Outcome.COPIED || outcome == Outcome.CONFLICT_NOTION) {
            problems.resolvePage(source.name(), CONTENT_REFUSED, moved.pageId());
        }
        return outcome != Outcome.NOTHING;
    }

    /** {@link BoundContents#handOff} in a transaction of its own: a change that ended without a write-back. */
    public void handOff(BoundWriteBack.ContentHandOff handOff, JsonNode rowKey) throws Exception {
        store.handOff(handOff.column(), rowKey, handOff.pageId(), handOff.unknownBase());
    }

    /** The base of a row's content edit without one agreed: a page just made holds an empty body. */
    public static String newPageBase() {
        return PageContents.sha256("");
    }
}
