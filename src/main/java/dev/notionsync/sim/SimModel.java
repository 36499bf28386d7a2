package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The simulated workspace: users, databases, data sources, pages and blocks. Thread-safe: reads share a
 * read lock, writes take the write lock, and change events are published after the lock is released.
 * Public methods speak Notion JSON (rendered with Notion-Version 2026-03-11) so tests can use them directly.
 */
public final class SimModel {
    /** Passed as "after" to insert children at the start (2026-03-11 position {"type":"start"}). */
    static final String AT_START = "start";
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Clock clock;
    private final Random random;
    private final String workspaceName;
    private final String workspaceId;
    private final User bot;
    /** The bot of the connection serving the current request (ApiHandler sets it); null: the default connection's. */
    private final ThreadLocal<User> acting = new ThreadLocal<>();
    private final Map<String, User> users = new LinkedHashMap<>();
    private final Map<String, SimDatabase> databases = new LinkedHashMap<>();
    private final Map<String, SimDataSource> dataSources = new LinkedHashMap<>();
    private final Map<String, Page> pages = new HashMap<>();
    private final Map<String, Block> blocks = new HashMap<>();
    private final Map<String, List<String>> children = new HashMap<>();
    private final List<Consumer<ModelEvent>> listeners = new CopyOnWriteArrayList<>();
    private final ThreadLocal<List<ModelEvent>> pendingEvents = ThreadLocal.withInitial(ArrayList::new);
    /** Blocks and pages not shared with the integration: markdown shows them as unknown, the block API as absent. */
    private final Set<String> unshared = new HashSet<>();
    /** Blocks ever created in the workspace (deleting does not give capacity back) and the cap on them, 0 for none. */
    private long createdBlocks;
    private volatile long blockCap;
    private volatile int markdownBlockLimit = MarkdownRenderer.DEFAULT_LIMIT;
    final Capabilities capabilities = new Capabilities();
    final Comments comments = new Comments(this);
    final Cursors cursors;
    final QueryEngine queries;
    /** Set by the control API: formulas and rollups read as "unsupported" (2026-12-01), as when Notion's budget runs out. */
    private volatile boolean computationBudgetExceeded;

    SimModel(Clock clock, long seed, String workspaceName, String botName) {
        this.clock = clock;
        this.random = new Random(seed);
        this.workspaceName = workspaceName;
        this.workspaceId = Ids.random(random);
        this.bot = User.bot(Ids.random(random), botName);
        users.put(bot.id(), bot);
        this.cursors = new Cursors(clock);
        this.queries = new QueryEngine(cursors, clock);
    }

    // ---------------------------------------------------------------- public API for tests and the control API

    public void setComputationBudgetExceeded(boolean exceeded) {
        computationBudgetExceeded = exceeded;
    }

    public boolean computationBudgetExceeded() {
        return computationBudgetExceeded;
    }

    public String workspaceName() {
        return workspaceName;
    }

    public String workspaceId() {
        return workspaceId;
    }

    /** The bot of the connection serving the current request; outside a request, the default connection's. */
    public String botUserId() {
        return botUser().id();
    }

    /** Adds the bot user of another connection (integration) of the workspace. */
    User addBot(String name) {
        return write(() -> {
            User added = User.bot(newId(), name);
            users.put(added.id(), added);
            return added;
        });
    }

    /** The current thread serves a request of the connection of this bot (null: done, the default connection's again). */
    void actAs(User connectionBot) {
        if (connectionBot == null) {
            acting.remove();
        } else {
            acting.set(connectionBot);
        }
    }

    /** The data source a page is in; null for a page under a page, or none. */
    String dataSourceOfPage(String pageId) {
        return read(() -> {
            Page page = pageOrNull(pageId);
            return page == null ? null : page.dataSourceId();
        });
    }

    /** The data sources of a database; empty for none. */
    List<String> dataSourcesOfDatabase(String databaseId) {
        return read(() -> {
            SimDatabase database = databaseOrNull(databaseId);
            return database == null ? List.<String>of() : List.copyOf(database.dataSourceIds);
        });
    }

    /** The page as GET /v1/pages/{id} would return it (without request_id); empty once deleted. */
    public Optional<ObjectNode> page(String id) {
        return read(() -> {
            Page page = pageOrNull(id);
            return page == null ? Optional.empty() : Optional.of(renderer().page(page));
        });
    }

    /** Every page of a data source, trashed ones included, oldest first. */
    public List<ObjectNode> pages(String dataSourceId) {
        return read(() -> {
            SimDataSource source = requireDataSource(dataSourceId);
            Renderer r = renderer();
            List<ObjectNode> out = new ArrayList<>();
            for (Page p : source.byCreated) out.add(r.page(p));
            return out;
        });
    }

    public int pageCount(String dataSourceId) {
        return read(() -> requireDataSource(dataSourceId).pages.size());
    }

    public Optional<ObjectNode> dataSource(String id) {
        return read(() -> {
            SimDataSource source = dataSourceOrNull(id);
            return source == null ? Optional.empty() : Optional.of(renderer().dataSource(source));
        });
    }

    /** Creates a page in a data source as a workspace member would in the UI. */
    public ObjectNode createPage(String dataSourceId, ObjectNode propertiesInRequestShape) {
        ObjectNode parent = Json.object().put("type", "data_source_id").put("data_source_id", dataSourceId);
        Page page = createPage(parent, propertiesInRequestShape, null, null, null, Author.person(defaultEditor()));
        return page(page.id()).orElseThrow();
    }

    /** Edits a page as a Notion user would: PATCH semantics, last_edited_time bumped, a person as editor, webhooks fired. */
    public ObjectNode editPage(String pageId, ObjectNode propertiesInRequestShape) {
        updatePage(pageId, propertiesInRequestShape, null, null, null, null, Author.person(defaultEditor()));
        return page(pageId).orElseThrow();
    }

    /** Moves a page to the trash or restores it, as a user would. */
    public void trashPage(String id, boolean inTrash) {
        updatePage(id, null, inTrash, null, null, null, Author.person(defaultEditor()));
    }

    /** Removes a page entirely (models "unshared with the integration"): 404 from then on. */
    public void deletePage(String id) {
        write(() -> {
            Page page = pageOrNull(id);
            if (page == null) throw notFound("page", id);
            pages.remove(page.id());
            if (page.dataSourceId() != null) {
                SimDataSource source = dataSourceOrNull(page.dataSourceId());
                if (source != null) source.remove(page.id());
            }
            emit("page.deleted", page, List.of(), Author.person(defaultEditor()));
            return null;
        });
    }

    /** Adds a data source exactly as Notion returns it (GET /v1/data_sources/{id}); creates its database when unknown. */
    public void importDataSource(JsonNode dataSourceObject) {
        write(() -> {
            importDataSourceLocked(dataSourceObject);
            return null;
        });
    }

    /** Adds or replaces a page exactly as Notion returns it (page objects from queries, retrieve or search). */
    public void importPage(JsonNode pageObject) {
        write(() -> {
            importPageLocked(pageObject);
            return null;
        });
    }

    /** Adds a database container as Notion returns it (2025-09-03 or later shape). */
    public void importDatabase(JsonNode databaseObject) {
        write(() -> {
            String id = Ids.normalize(databaseObject.path("id").asText());
            SimDatabase db = databases.get(id);
            if (db == null) {
                db = new SimDatabase(id, arrayOrEmpty(databaseObject.get("title")), objectOr(databaseObject.get("parent"), workspaceParent()),
                        instantOr(databaseObject.get("created_time")));
                databases.put(id, db);
                listUnderParent(db.parent, id);
            }
            db.title = arrayOrEmpty(databaseObject.get("title"));
            db.description = arrayOrEmpty(databaseObject.get("description"));
            db.isInline = databaseObject.path("is_inline").asBoolean(false);
            db.inTrash = databaseObject.path("in_trash").asBoolean(false);
            db.isLocked = databaseObject.path("is_locked").asBoolean(false);
            db.icon = Json.orNull(databaseObject.get("icon")).deepCopy();
            db.cover = Json.orNull(databaseObject.get("cover")).deepCopy();
            for (JsonNode ds : databaseObject.path("data_sources")) {
                String dsId = Ids.normalize(ds.path("id").asText());
                if (!db.dataSourceIds.contains(dsId)) db.dataSourceIds.add(dsId);
            }
            return null;
        });
    }

    /** Sets how many blocks GET /v1/pages/{id}/markdown renders before it answers truncated; Notion's is about 20,000. */
    public void setMarkdownBlockLimit(int limit) {
        if (limit < 1) throw new IllegalArgumentException("the markdown block limit must be at least 1, was " + limit);
        markdownBlockLimit = limit;
    }

    public int markdownBlockLimit() {
        return markdownBlockLimit;
    }

    /**
     * Caps the blocks the workspace may ever create, as Notion's Free plan does (0: no cap). Once reached, requests that
     * create blocks answer 403; reads, edits and deletes still work.
     */
    public void setBlockCap(long cap) {
        blockCap = Math.max(0, cap);
    }

    /**
     * Appends blocks (request shape, children nested inside each type's object, no request limits) to a page as a
     * workspace member would: any block type (unknown ones read as "unsupported"), {@code "unshared": true} on a block to
     * keep it from the integration. The page's last_edited_time moves and page.content_updated is sent. Returns the ids
     * of the top-level blocks made.
     */
    public List<String> seedContent(String pageId, JsonNode children) {
        if (children == null || !children.isArray()) throw ApiException.validation("Expected \"children\": an array of blocks.");
        Author person = Author.person(defaultEditor());
        return write(() -> {
            Page page = requirePage(pageId);
            ContentTree tree = new ContentTree(this, person);
            List<String> ids = tree.append(page.id(), "page_id", children, null, "children", true).stream().map(Block::id).toList();
            contentChanged(page, tree, person);
            return ids;
        });
    }

    /** Replaces a page's content with markdown as a workspace member would (child pages it leaves out are trashed); returns the page's markdown. */
    public String editContent(String pageId, String markdown) {
        Author person = Author.person(defaultEditor());
        write(() -> {
            Page page = requirePage(pageId);
            ContentTree tree = new ContentTree(this, person);
            tree.replace(page, MarkdownParser.parse(markdown), true);
            contentChanged(page, tree, person);
            return null;
        });
        return markdown(pageId);
    }

    /** The page's content as GET /v1/pages/{id}/markdown renders it, without the record limit. */
    public String markdown(String pageId) {
        return read(() -> MarkdownRenderer.page(this, requirePage(pageId).id(), Integer.MAX_VALUE).markdown());
    }

    public long blockCap() {
        return blockCap;
    }

    /** Shares a block or page with the integration again, or stops sharing it (markdown shows it as unknown, the block API as absent). */
    public void setShared(String id, boolean shared) {
        String key = Ids.normalize(id);
        write(() -> {
            if (blockOrNull(key) == null && pageOrNull(key) == null) throw notFound("block", id);
            setUnshared(key, !shared);
            return null;
        });
    }

    /** Adds a workspace user: {"name", "email"?, "type": "person" (default) or "bot", "guest": true for a guest}. */
    public ObjectNode addUser(JsonNode request) {
        String name = Json.str(request, "name");
        if (name == null) throw ApiException.validation("Expected {\"name\":…}.");
        return write(() -> {
            String id = newId();
            User user = "bot".equals(request.path("type").asText()) ? User.bot(id, name)
                    : request.path("guest").asBoolean(false) ? User.guest(id, name, Json.str(request, "email")) : User.person(id, name, Json.str(request, "email"));
            users.put(id, user);
            return user.toJson();
        });
    }

    /** Removes a member from the workspace: GET /v1/users no longer lists them (their pages keep their id). */
    public void removeUser(String id) {
        write(() -> users.remove(Ids.normalize(id)));
    }

    /** Lowers (or restores) the number of results one query returns before it stops as incomplete; Notion's is 10,000. */
    public void resultCap(int cap) {
        queries.resultCap(cap);
    }

    /** Reorders a database's data sources, as a user dragging its tabs in Notion does; ids not named keep their order after. */
    public void orderDataSources(String databaseId, List<String> firstDataSourceIds) {
        write(() -> {
            SimDatabase db = databaseOrNull(Ids.normalize(databaseId));
            if (db == null) throw notFound("database", databaseId);
            List<String> ordered = new ArrayList<>();
            firstDataSourceIds.stream().map(Ids::normalize).filter(db.dataSourceIds::contains).forEach(ordered::add);
            db.dataSourceIds.stream().filter(id -> !ordered.contains(id)).forEach(ordered::add);
            db.dataSourceIds.clear();
            db.dataSourceIds.addAll(ordered);
            return null;
        });
    }

    /** Adds a block as Notion returns it (e.g. from GET /v1/blocks/{id}/children). */
    public void importBlock(JsonNode blockObject) {
        write(() -> {
            String id = Ids.normalize(blockObject.path("id").asText());
            JsonNode parent = blockObject.path("parent");
            String parentType = parent.path("type").asText("page_id");
            String parentId = Ids.normalize(parent.path(parentType).asText());
            String type = blockObject.path("type").asText();
            JsonNode content = blockObject.get(type);
            Block block = new Block(id, parentType, parentId, instantOr(blockObject.get("created_time")), instantOr(blockObject.get("last_edited_time")),
                    userIdOr(blockObject.get("created_by")), userIdOr(blockObject.get("last_edited_by")), blockObject.path("in_trash").asBoolean(false),
                    type, content != null && content.isObject() ? ((ObjectNode) content).deepCopy() : Json.object());
            if (blocks.put(id, block) == null && parentId != null) children.computeIfAbsent(parentId, k -> new ArrayList<>()).add(id);
            return null;
        });
    }

    /** Generates pages with a value for every property type of the source's schema. */
    public List<String> seedPages(String dataSourceId, int count) {
        return write(() -> {
            SimDataSource source = requireDataSource(dataSourceId);
            return new ValueGenerator(this, random).generate(source, count);
        });
    }

    /** Registers a listener for change events (webhooks use this). */
    void addListener(Consumer<ModelEvent> listener) {
        listeners.add(listener);
    }

    // ---------------------------------------------------------------- locking

    <T> T read(Supplier<T> action) {
        lock.readLock().lock();
        try {
            return action.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    <T> T write(Supplier<T> action) {
        T result;
        lock.writeLock().lock();
        try {
            result = action.get();
        } finally {
            lock.writeLock().unlock();
        }
        publishPending();
        return result;
    }

    private void publishPending() {
        List<ModelEvent> events = pendingEvents.get();
        if (events.isEmpty()) return;
        List<ModelEvent> copy = new ArrayList<>(events);
        events.clear();
        for (ModelEvent e : copy) {
            for (Consumer<ModelEvent> l : listeners) l.accept(e);
        }
    }

    // ---------------------------------------------------------------- lookups (callers hold a lock)

    Renderer renderer() {
        return new Renderer(this, ApiVersion.V2026_03_11);
    }

    Clock clock() {
        return clock;
    }

    Instant now() {
        return Times.minute(clock.instant());
    }

    String newId() {
        return Ids.random(random);
    }

    Random random() {
        return random;
    }

    User botUser() {
        User current = acting.get();
        return current != null ? current : bot;
    }

    Map<String, User> users() {
        return users;
    }

    void addUser(User user) {
        users.put(user.id(), user);
    }

    List<User> people() {
        List<User> out = new ArrayList<>();
        for (User u : users.values()) if (!u.isBot()) out.add(u);
        return out;
    }

    /** The workspace member who makes "UI" edits through the control API. */
    String defaultEditor() {
        return read(() -> {
            for (User u : users.values()) if (!u.isBot()) return u.id();
            User someone = User.person(Ids.random(random), "Workspace Owner", "owner@example.com");
            return someone.id();
        });
    }

    ObjectNode userJson(String id) {
        User user = users.get(id);
        return user == null ? User.reference(id) : user.toJson();
    }

    SimDataSource dataSourceOrNull(String id) {
        String key = Ids.normalize(id);
        return key == null ? null : dataSources.get(key);
    }

    SimDatabase databaseOrNull(String id) {
        String key = Ids.normalize(id);
        return key == null ? null : databases.get(key);
    }

    Page pageOrNull(String id) {
        String key = Ids.normalize(id);
        return key == null ? null : pages.get(key);
    }

    Block blockOrNull(String id) {
        String key = Ids.normalize(id);
        return key == null ? null : blocks.get(key);
    }

    List<String> childIds(String parentId) {
        List<String> ids = children.get(parentId);
        return ids == null ? List.of() : ids;
    }

    /** Whether a block has children that are not in the trash (has_children). */
    boolean hasChildren(String id) {
        for (String child : childIds(id)) {
            Block b = blocks.get(child);
            Page p = b == null ? pages.get(child) : null;
            SimDatabase db = b == null && p == null ? databases.get(child) : null;
            if (b != null ? !b.inTrash() : p != null ? !p.inTrash() : db != null && !db.inTrash) return true;
        }
        return false;
    }

    /** The children list of a parent, to change (callers hold the write lock). */
    List<String> childList(String parentId) {
        return children.computeIfAbsent(parentId, k -> new ArrayList<>());
    }

    void putBlock(Block block) {
        blocks.put(block.id(), block);
    }

    boolean isUnshared(String id) {
        return unshared.contains(id);
    }

    void setUnshared(String id, boolean notShared) {
        if (notShared) unshared.add(id);
        else unshared.remove(id);
    }

    void countCreatedBlock() {
        createdBlocks++;
    }

    /** Before a request that creates blocks: refused once the workspace has used its cap (the write that reaches it succeeds). */
    void requireBlockCapacity() {
        long cap = blockCap;
        if (cap > 0 && createdBlocks >= cap) {
            // as developers.notion.com/reference/workspace-block-limits documents the answer (additional_data.block_limit)
            throw new ApiException(403, "restricted_resource", "This workspace has used all of its free blocks. Upgrade its plan in Notion"
                    + " to create more content. Learn more: https://www.notion.com/help/understanding-block-usage",
                    Json.object().put("block_limit", "block_creation"), null);
        }
    }

    int markdownLimit() {
        return markdownBlockLimit;
    }

    /** A page's content changed: its last_edited_time moves (to the minute) and page.content_updated names what changed. */
    void contentChanged(Page owner, ContentTree tree, Author author) {
        if (owner == null || tree.changed.isEmpty()) return;
        Page current = pages.get(owner.id());
        putPage(current.withValues(current.values(), now(), author.userId()));
        emit("page.content_updated", current, List.copyOf(tree.changed.keySet()), author);
    }

    Collection<SimDataSource> dataSources() {
        return dataSources.values();
    }

    Collection<SimDatabase> databases() {
        return databases.values();
    }

    Collection<Page> allPages() {
        return pages.values();
    }

    SimDataSource requireDataSource(String id) {
        SimDataSource source = dataSourceOrNull(id);
        if (source == null) throw notFound("data_source", id);
        return source;
    }

    Page requirePage(String id) {
        Page page = pageOrNull(id);
        if (page == null) throw notFound("page", id);
        return page;
    }

    ApiException notFound(String kind, String id) {
        String what = switch (kind) {
            case "data_source" -> "data source";
            case "database" -> "database";
            case "block", "user", "comment", "discussion" -> kind;
            default -> "page";
        };
        String shown = Ids.normalize(id) == null ? id : Ids.normalize(id);
        User integration = botUser();
        ObjectNode extra = Json.object().put("integration_id", integration.id());
        return new ApiException(404, "object_not_found", "Could not find " + what + " with ID: " + shown
                + ". Make sure the relevant pages and databases are shared with your integration \"" + integration.name() + "\".", extra, null);
    }

    String title(Page page) {
        if (page.dataSourceId() == null) return RichText.plain(page.value("title"));
        SimDataSource source = dataSourceOrNull(page.dataSourceId());
        PropertySchema t = source == null ? null : source.titleProperty();
        return t == null ? "" : RichText.plain(page.value(t.id()));
    }

    RichText.MentionNames mentionNames() {
        return (kind, id) -> {
            if (kind.equals("user")) {
                User u = users.get(id);
                return u == null ? "Unknown" : u.name();
            }
            Page p = pageOrNull(id);
            if (p != null) {
                String t = title(p);
                return t.isEmpty() ? "Untitled" : t;
            }
            SimDatabase db = databaseOrNull(id);
            return db == null ? "Untitled" : RichText.plain(db.title);
        };
    }

    // ---------------------------------------------------------------- structure (callers hold the write lock)

    SimDatabase addDatabase(String id, ArrayNode title, ObjectNode parent, Instant created) {
        SimDatabase db = new SimDatabase(id, title, parent, created);
        databases.put(id, db);
        listUnderParent(parent, id);
        return db;
    }

    /**
     * Pages and databases made under a page are among its block children (child_page, child_database), in the order
     * they were made, as in Notion; a page listed once stays where it is when it is rewritten.
     */
    private void listUnderParent(JsonNode parent, String id) {
        if (parent == null || !parent.path("type").asText().equals("page_id")) return;
        List<String> siblings = children.computeIfAbsent(Ids.normalize(parent.path("page_id").asText()), k -> new ArrayList<>());
        if (!siblings.contains(id)) siblings.add(id);
    }

    SimDataSource addDataSource(SimDatabase db, String id, ArrayNode title, Instant created, String createdBy) {
        SimDataSource source = new SimDataSource(id, db.id, title, created, createdBy);
        dataSources.put(id, source);
        if (!db.dataSourceIds.contains(id)) db.dataSourceIds.add(id);
        return source;
    }

    /** Inserts a fully built page (seeding, imports); no events. */
    void putPage(Page page) {
        pages.put(page.id(), page);
        listUnderParent(page.parent(), page.id());
        if (page.dataSourceId() != null) {
            SimDataSource source = dataSourceOrNull(page.dataSourceId());
            if (source != null) source.put(page);
        }
    }

    // ---------------------------------------------------------------- page writes

    Page createPage(JsonNode parent, JsonNode properties, JsonNode icon, JsonNode cover, JsonNode childBlocks, Author author) {
        return write(() -> {
            Instant now = now();
            SimDataSource source = null;
            ObjectNode storedParent = null;
            if (parent == null || !parent.isObject()) throw ApiException.bodyValidation("parent", "should be defined, instead was `undefined`");
            if (parent.hasNonNull("data_source_id")) {
                source = requireDataSource(parent.get("data_source_id").asText());
            } else if (parent.hasNonNull("database_id")) {
                SimDatabase db = databaseOrNull(parent.get("database_id").asText());
                if (db == null) throw notFound("database", parent.get("database_id").asText());
                if (db.dataSourceIds.size() != 1) {
                    throw ApiException.validation("Database with ID " + db.id + " has multiple data sources. Use a data_source_id parent instead.");
                }
                source = requireDataSource(db.dataSourceIds.get(0));
            } else if (parent.hasNonNull("page_id")) {
                Page parentPage = requirePage(parent.get("page_id").asText());
                storedParent = Json.object().put("type", "page_id").put("page_id", parentPage.id());
            } else if (parent.path("workspace").asBoolean(false)) {
                storedParent = workspaceParent();
            } else {
                throw ApiException.bodyValidation("parent.page_id", "should be defined, instead was `undefined`");
            }
            PropertyValueParser writer = new PropertyValueParser(source, users, mentionNames(), this::newId, this::pageOrNull);
            Map<String, JsonNode> values = new LinkedHashMap<>(writer.convert(properties));
            String id = newId();
            if (source != null) {
                addDefaults(source, values);
                source.lastUniqueId++;
                for (PropertySchema p : source.properties.values()) {
                    if (p.type().equals("unique_id")) {
                        values.put(p.id(), Json.object().put("prefix", p.config().path("prefix").asText(null)).put("number", source.lastUniqueId));
                    }
                }
            }
            Page page = new Page(id, source == null ? null : source.id, storedParent, now, now, author.userId(), author.userId(),
                    Json.orNull(icon), Json.orNull(cover), false, false, false, values);
            putPage(page);
            if (source != null) syncRelations(source, page, Map.of(), values, author);
            if (childBlocks != null && childBlocks.isArray()) {
                requireBlockCapacity();
                new ContentTree(this, author).append(id, "page_id", childBlocks, null, "children", false);
            }
            emit("page.created", page, List.of(), author);
            return page;
        });
    }

    /** New pages start in the first status option of the "To-do" group, as in Notion. */
    private static void addDefaults(SimDataSource source, Map<String, JsonNode> values) {
        for (PropertySchema p : source.properties.values()) {
            if (!p.type().equals("status") || values.containsKey(p.id())) continue;
            JsonNode options = p.config().path("options");
            JsonNode groups = p.config().path("groups");
            String first = groups.size() > 0 && groups.get(0).path("option_ids").size() > 0 ? groups.get(0).path("option_ids").get(0).asText() : null;
            for (JsonNode o : options) {
                if (first == null || first.equals(o.path("id").asText())) {
                    values.put(p.id(), Json.object().put("id", o.path("id").asText()).put("name", o.path("name").asText()).put("color", o.path("color").asText()));
                    break;
                }
            }
        }
    }

    Page updatePage(String id, JsonNode properties, Boolean inTrash, Boolean locked, JsonNode icon, JsonNode cover, Author author) {
        return write(() -> {
            Page page = requirePage(id);
            SimDataSource source = page.dataSourceId() == null ? null : dataSourceOrNull(page.dataSourceId());
            PropertyValueParser writer = new PropertyValueParser(source, users, mentionNames(), this::newId, this::pageOrNull);
            Map<String, JsonNode> changes = writer.convert(properties);
            Map<String, JsonNode> values = new LinkedHashMap<>(page.values());
            List<String> changed = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : changes.entrySet()) {
                if (!Objects.equals(values.get(e.getKey()), e.getValue())) changed.add(e.getKey());
                values.put(e.getKey(), e.getValue());
            }
            boolean touched = !changes.isEmpty() || (inTrash != null && inTrash != page.inTrash()) || locked != null || icon != null || cover != null;
            Instant now = touched ? now() : page.lastEditedTime();
            String editor = touched ? author.userId() : page.lastEditedBy();
            Page updated = page.withValues(values, now, editor);
            if (inTrash != null) updated = updated.withTrash(inTrash, now, editor);
            updated = updated.withDecoration(cover != null ? cover : updated.cover(), icon != null ? icon : updated.icon(),
                    locked != null ? locked : updated.isLocked(), updated.isArchived());
            putPage(updated);
            if (source != null) syncRelations(source, updated, page.values(), changes, author);
            if (!changed.isEmpty()) emit("page.properties_updated", updated, changed, author);
            if (inTrash != null && inTrash != page.inTrash()) emit(inTrash ? "page.deleted" : "page.undeleted", updated, List.of(), author);
            return updated;
        });
    }

    /**
     * Dual relations are two-sided: relating A to B adds A to B's synced property. The other side's page
     * is edited too (and so gets a new last_edited_time), as in Notion.
     */
    private void syncRelations(SimDataSource source, Page page, Map<String, JsonNode> before, Map<String, JsonNode> changes, Author author) {
        for (Map.Entry<String, JsonNode> e : changes.entrySet()) {
            PropertySchema schema = source.propertyById(e.getKey());
            if (schema == null || !schema.type().equals("relation")) continue;
            JsonNode dual = schema.config().path("dual_property");
            SimDataSource target = dataSourceOrNull(schema.config().path("data_source_id").asText());
            if (dual.isMissingNode() || target == null) continue;
            PropertySchema synced = target.propertyById(dual.path("synced_property_id").asText());
            if (synced == null) continue;
            Set<String> old = idSet(before.get(e.getKey()));
            Set<String> now = idSet(e.getValue());
            for (String added : now) {
                if (!old.contains(added)) relink(target, synced, added, page.id(), true, author);
            }
            for (String removed : old) {
                if (!now.contains(removed)) relink(target, synced, removed, page.id(), false, author);
            }
        }
    }

    private void relink(SimDataSource target, PropertySchema synced, String targetPageId, String pageId, boolean add, Author author) {
        Page other = target.pages.get(targetPageId);
        if (other == null) return;
        ArrayNode current = other.value(synced.id()) instanceof ArrayNode a ? a.deepCopy() : Json.array();
        boolean present = false;
        for (Iterator<JsonNode> it = current.iterator(); it.hasNext(); ) {
            if (it.next().path("id").asText().equals(pageId)) {
                present = true;
                if (!add) it.remove();
            }
        }
        if (add == present) return;
        if (add) current.addObject().put("id", pageId);
        Map<String, JsonNode> values = new LinkedHashMap<>(other.values());
        values.put(synced.id(), current);
        Page updated = other.withValues(values, now(), author.userId());
        putPage(updated);
        emit("page.properties_updated", updated, List.of(synced.id()), author);
    }

    private static Set<String> idSet(JsonNode relation) {
        Set<String> ids = new LinkedHashSet<>();
        if (relation != null) for (JsonNode r : relation) ids.add(r.path("id").asText());
        return ids;
    }

    void emit(String type, Page page, List<String> updatedProperties, Author author) {
        String parentType;
        String parentId;
        if (page.dataSourceId() != null) {
            SimDataSource source = dataSourceOrNull(page.dataSourceId());
            parentType = "database";
            parentId = source == null ? null : source.databaseId;
        } else {
            parentType = page.parent().path("type").asText().equals("page_id") ? "page" : "space";
            parentId = page.parent().path("type").asText().equals("page_id") ? page.parent().path("page_id").asText() : workspaceId;
        }
        pendingEvents.get().add(new ModelEvent(type, "page", page.id(), parentType, parentId, page.dataSourceId(), List.copyOf(updatedProperties), null, author, clock.instant(), null));
    }

    void emitDataSource(String type, SimDataSource source, ArrayNode schemaChanges, Author author) {
        pendingEvents.get().add(new ModelEvent(type, "data_source", source.id, "database", source.databaseId, source.id,
                List.of(), schemaChanges, author, clock.instant(), null));
    }

    void emitComment(String type, Comments.Comment comment, Author author) {
        pendingEvents.get().add(new ModelEvent(type, "comment", comment.id(), comment.parentType().equals("page_id") ? "page" : "block",
                comment.parentId(), null, List.of(), null, author, clock.instant(), comment.pageId()));
    }

    // ---------------------------------------------------------------- blocks

    List<Block> appendBlocks(String parentId, JsonNode childBlocks, String afterId, Author author) {
        return write(() -> {
            Page page = pageOrNull(parentId);
            Block block = page == null ? blockOrNull(parentId) : null;
            if (page == null && block == null || unshared.contains(Ids.normalize(parentId))) throw notFound("block", parentId);
            requireBlockCapacity();
            ContentTree tree = new ContentTree(this, author);
            List<Block> added = tree.append(page != null ? page.id() : block.id(), page != null ? "page_id" : "block_id", childBlocks, afterId, "children", false);
            contentChanged(page != null ? page : owningPage(block), tree, author);
            return added;
        });
    }

    /** The page a block sits in, following block parents upwards. */
    Page owningPage(Block block) {
        Block current = block;
        for (int depth = 0; current != null && depth < 256; depth++) {
            if (current.parentType().equals("page_id")) return pages.get(current.parentId());
            current = blocks.get(current.parentId());
        }
        return null;
    }

    Block updateBlock(String id, JsonNode body, Author author) {
        return write(() -> {
            Block block = blockOrNull(id);
            if (block == null || unshared.contains(block.id())) throw notFound("block", id);
            Block before = block;
            if (body.has("in_trash") || body.has("archived")) {
                boolean trash = body.has("in_trash") ? body.get("in_trash").asBoolean() : body.get("archived").asBoolean();
                block = block.withTrash(trash, now(), author.userId());
            }
            JsonNode content = body.get(block.type());
            if (content != null && content.isObject()) {
                ObjectNode merged = block.content().deepCopy();
                ObjectNode normalized = Blocks.normalize(block.type(), (ObjectNode) content, block.type(), mentionNames());
                merged.setAll(normalized);
                block = block.withContent(merged, now(), author.userId());
            }
            blocks.put(block.id(), block);
            if (!block.equals(before)) {
                ContentTree tree = new ContentTree(this, author);
                tree.changed.put(block.id(), "block");
                contentChanged(owningPage(block), tree, author);
            }
            return block;
        });
    }

    SimDatabase setDatabaseTrash(String id, boolean inTrash) {
        return write(() -> {
            SimDatabase db = databaseOrNull(id);
            if (db == null) throw notFound("database", id);
            db.inTrash = inTrash;
            db.lastEditedTime = clock.instant();
            return db;
        });
    }

    /** DELETE /v1/blocks/{id}: pages and blocks go to the trash; databases appear as child_database blocks. */
    Object trashBlockOrPage(String id, Author author) {
        Page page = read(() -> pageOrNull(id));
        if (page != null) return updatePage(page.id(), null, true, null, null, null, author);
        Block block = read(() -> blockOrNull(id));
        if (block != null) return updateBlock(block.id(), Json.object().put("in_trash", true), author);
        if (read(() -> databaseOrNull(id)) == null) throw notFound("block", id);
        return setDatabaseTrash(id, true);
    }

    // ---------------------------------------------------------------- imports

    private SimDataSource importDataSourceLocked(JsonNode node) {
        String id = Ids.normalize(node.path("id").asText());
        String databaseId = Ids.normalize(node.path("parent").path("database_id").asText());
        if (databaseId == null) databaseId = id;
        SimDatabase db = databases.get(databaseId);
        if (db == null) {
            db = addDatabase(databaseId, arrayOrEmpty(node.get("title")), objectOr(node.get("database_parent"), workspaceParent()), instantOr(node.get("created_time")));
            db.isInline = node.path("is_inline").asBoolean(false);
        }
        SimDataSource existing = dataSources.get(id);
        SimDataSource source = existing != null ? existing
                : addDataSource(db, id, arrayOrEmpty(node.get("title")), instantOr(node.get("created_time")), userIdOr(node.get("created_by")));
        source.title = arrayOrEmpty(node.get("title"));
        source.description = arrayOrEmpty(node.get("description"));
        source.lastEditedTime = instantOr(node.get("last_edited_time"));
        source.lastEditedBy = userIdOr(node.get("last_edited_by"));
        source.inTrash = node.path("in_trash").asBoolean(false);
        source.icon = Json.orNull(node.get("icon")).deepCopy();
        source.cover = Json.orNull(node.get("cover")).deepCopy();
        source.properties.clear();
        Iterator<Map.Entry<String, JsonNode>> it = node.path("properties").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            source.properties.put(e.getKey(), PropertySchema.fromJson(e.getKey(), e.getValue()));
        }
        return source;
    }

    private void importPageLocked(JsonNode node) {
        String id = Ids.normalize(node.path("id").asText());
        JsonNode parent = node.path("parent");
        String dataSourceId = Ids.normalize(parent.path("data_source_id").asText(null));
        SimDataSource source = dataSourceId == null ? null : dataSources.get(dataSourceId);
        if (dataSourceId != null && source == null) source = placeholderSource(dataSourceId, Ids.normalize(parent.path("database_id").asText(null)), node);
        Map<String, JsonNode> values = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.path("properties").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode prop = e.getValue();
            String type = prop.path("type").asText();
            String propId = prop.path("id").asText();
            JsonNode value = prop.get(type);
            if (source != null && source.property(e.getKey()) == null) {
                source.properties.put(e.getKey(), new PropertySchema(propId, e.getKey(), null, type, Json.object()));
            }
            registerUsers(type, value);
            if (value == null || PropertySchema.COMPUTED.contains(type) && !type.equals("formula") && !type.equals("rollup")) continue;
            if (type.equals("unique_id") && source != null && value.path("number").isNumber()) {
                source.lastUniqueId = Math.max(source.lastUniqueId, value.path("number").asInt());
            }
            values.put(source == null ? "title" : propId, value.deepCopy());
        }
        String createdBy = userIdOr(node.get("created_by"));
        String editedBy = userIdOr(node.get("last_edited_by"));
        ObjectNode storedParent = source == null ? (ObjectNode) parent.deepCopy() : null;
        Page page = new Page(id, source == null ? null : source.id, storedParent, instantOr(node.get("created_time")), instantOr(node.get("last_edited_time")),
                createdBy, editedBy, Json.orNull(node.get("cover")).deepCopy(), Json.orNull(node.get("icon")).deepCopy(),
                node.path("in_trash").asBoolean(node.path("archived").asBoolean(false)), node.path("is_archived").asBoolean(false),
                node.path("is_locked").asBoolean(false), values);
        Page old = pages.get(id);
        if (old != null && old.dataSourceId() != null && !Objects.equals(old.dataSourceId(), page.dataSourceId())) {
            SimDataSource previous = dataSources.get(old.dataSourceId());
            if (previous != null) previous.remove(id);
        }
        putPage(page);
    }

    /** A page can reveal a data source nobody imported; its schema is inferred from the page's properties. */
    private SimDataSource placeholderSource(String dataSourceId, String databaseId, JsonNode page) {
        String dbId = databaseId == null ? dataSourceId : databaseId;
        SimDatabase db = databases.get(dbId);
        if (db == null) db = addDatabase(dbId, Json.array(), workspaceParent(), instantOr(page.get("created_time")));
        return addDataSource(db, dataSourceId, Json.array(), instantOr(page.get("created_time")), userIdOr(page.get("created_by")));
    }

    private void registerUsers(String type, JsonNode value) {
        if (value == null) return;
        if ((type.equals("created_by") || type.equals("last_edited_by")) && value.has("name")) registerUser(value);
        if (type.equals("people")) for (JsonNode u : value) if (u.has("name")) registerUser(u);
    }

    private void registerUser(JsonNode u) {
        String id = Ids.normalize(u.path("id").asText());
        if (id == null || users.containsKey(id)) return;
        String type = u.path("type").asText("person");
        users.put(id, new User(id, u.path("name").asText(null), u.path("avatar_url").asText(null), type, Json.str(u.path("person"), "email"), false));
    }

    private ArrayNode arrayOrEmpty(JsonNode node) {
        return node != null && node.isArray() ? ((ArrayNode) node).deepCopy() : Json.array();
    }

    private static ObjectNode objectOr(JsonNode node, ObjectNode fallback) {
        return node != null && node.isObject() ? ((ObjectNode) node).deepCopy() : fallback;
    }

    static ObjectNode workspaceParent() {
        return Json.object().put("type", "workspace").put("workspace", true);
    }

    private Instant instantOr(JsonNode text) {
        Instant t = text == null || text.isNull() ? null : Times.parseInstant(text.asText());
        return t == null ? now() : t;
    }

    private String userIdOr(JsonNode user) {
        String id = user == null ? null : Ids.normalize(user.path("id").asText());
        return id == null ? botUser().id() : id;
    }
}
