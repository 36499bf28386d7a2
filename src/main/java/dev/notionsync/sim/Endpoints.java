package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The /v1 endpoints, rendered for one API version. Reads take the model's read lock, writes go through the model. */
final class Endpoints {
    private final SimModel model;
    private final ApiVersion version;
    private final Renderer renderer;

    Endpoints(SimModel model, ApiVersion version) {
        this.model = model;
        this.version = version;
        this.renderer = new Renderer(model, version);
    }

    private Author bot() {
        return Author.bot(model.botUserId());
    }

    // ---------------------------------------------------------------- users

    static ObjectNode me(SimModel model) {
        return model.read(() -> {
            ObjectNode node = model.botUser().toJson();
            ObjectNode bot = node.putObject("bot");
            bot.putObject("owner").put("type", "workspace").put("workspace", true);
            bot.put("workspace_name", model.workspaceName());
            bot.put("workspace_id", model.workspaceId());
            bot.putObject("workspace_limits").put("max_file_upload_size_in_bytes", 5_368_709_120L);
            return node;
        });
    }

    /** GET /v1/users: the workspace's members and bots, guests left out, by pages of at most 100; the cursor is the next user's id. */
    static ObjectNode users(SimModel model, Map<String, String> query) {
        model.capabilities.requireUserInformation();
        boolean emails = model.capabilities.emails();
        return model.read(() -> {
            List<User> listed = model.users().values().stream().filter(u -> !u.guest()).toList();
            return listPage("user", listed, User::id, u -> u.toJson(emails), query);
        });
    }

    static ObjectNode user(SimModel model, String rawId) {
        model.capabilities.requireUserInformation();
        boolean emails = model.capabilities.emails();
        return model.read(() -> {
            User u = model.users().get(Ids.normalize(rawId));
            if (u == null) throw model.notFound("user", rawId);
            return u.toJson(emails);
        });
    }

    /** {"object":"list","results":[],"next_cursor":null,"has_more":false,"type":T,T:{}}. */
    static ObjectNode list(String type) {
        ObjectNode node = Json.object();
        node.put("object", "list");
        node.putArray("results");
        node.putNull("next_cursor");
        node.put("has_more", false);
        node.put("type", type);
        node.putObject(type);
        return node;
    }

    /**
     * One page of a list whose cursor is the id of the next item, as Notion pages block children, users and comments:
     * {@code start_cursor} and {@code page_size} (at most 100) from the query string.
     */
    static <T> ObjectNode listPage(String type, List<T> items, Function<T, String> id, Function<T, JsonNode> render, Map<String, String> query) {
        int pageSize = pageSize(query.containsKey("page_size") ? Json.F.textNode(query.get("page_size")) : null, "query");
        String cursor = query.get("start_cursor");
        int start = 0;
        if (cursor != null) {
            start = items.stream().map(id).toList().indexOf(Ids.normalize(cursor));
            if (start < 0) throw ApiException.validation("The start_cursor provided is invalid: " + cursor);
        }
        int end = Math.min(items.size(), start + pageSize);
        ObjectNode list = list(type);
        ArrayNode results = (ArrayNode) list.get("results");
        for (T item : items.subList(start, end)) results.add(render.apply(item));
        boolean more = end < items.size();
        list.put("next_cursor", more ? id.apply(items.get(end)) : null);
        list.put("has_more", more);
        return list;
    }

    // ---------------------------------------------------------------- databases and data sources

    ObjectNode database(String id) {
        return model.read(() -> {
            SimDatabase db = model.databaseOrNull(id);
            if (db == null) throw model.notFound("database", id);
            if (!version.hasDataSources() && db.dataSourceIds.size() > 1) {
                throw ApiException.validation("Databases with multiple data sources are not supported in this API version.");
            }
            return renderer.database(db);
        });
    }

    ObjectNode dataSource(String id) {
        return model.read(() -> renderer.dataSource(model.requireDataSource(id)));
    }

    ObjectNode createDatabase(JsonNode body) {
        return renderDatabase(new SchemaChanges(model).createDatabase(body, version, bot()));
    }

    ObjectNode updateDatabase(String id, JsonNode body) {
        return renderDatabase(new SchemaChanges(model).updateDatabase(id, body, bot()));
    }

    private ObjectNode renderDatabase(String id) {
        return model.read(() -> renderer.database(model.databaseOrNull(id)));
    }

    ObjectNode createDataSource(JsonNode body) {
        String id = new SchemaChanges(model).createDataSource(body, bot());
        return dataSource(id);
    }

    ObjectNode updateDataSource(String id, JsonNode body) {
        new SchemaChanges(model).updateDataSource(id, body, bot());
        return dataSource(id);
    }

    ObjectNode query(String dataSourceId, JsonNode body, Map<String, String> query) {
        int pageSize = pageSize(body.get("page_size"), "body");
        Set<String> only = filterProperties(query);
        return model.read(() -> {
            SimDataSource source = model.requireDataSource(dataSourceId);
            QueryEngine.Result result = model.queries.query(source, renderer, body, pageSize);
            ObjectNode list = list("page_or_data_source");
            ArrayNode results = (ArrayNode) list.get("results");
            for (Page p : result.pages()) results.add(limitProperties(renderer.page(p), only));
            if (only == null && version.returnsOnlyTitleUnlessFiltered()) results.forEach(Endpoints::keepOnlyTitle);
            list.put("next_cursor", result.nextCursor());
            list.put("has_more", result.hasMore());
            if (result.capReached()) {
                list.putObject("request_status").put("type", "incomplete").put("incomplete_reason", "query_result_limit_reached");
            }
            return list;
        });
    }

    /** 2022-06-28's POST /v1/databases/{id}/query, answered from the database's single data source. */
    ObjectNode queryDatabase(String databaseId, JsonNode body) {
        String sourceId = model.read(() -> {
            SimDatabase db = model.databaseOrNull(databaseId);
            if (db == null || db.dataSourceIds.isEmpty()) throw model.notFound("database", databaseId);
            return db.dataSourceIds.get(0);
        });
        ObjectNode list = query(sourceId, body, Map.of());
        list.put("type", "page");
        list.remove("page_or_data_source");
        list.putObject("page");
        return list;
    }

    static int pageSize(JsonNode node, String where) {
        if (node == null || node.isNull()) return 100;
        int size;
        try {
            if (node.isTextual()) size = Integer.parseInt(node.asText());
            else if (node.isIntegralNumber() && node.canConvertToInt()) size = node.asInt();
            else throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw ApiException.validation(where + " failed validation: " + where + ".page_size should be a number, instead was `" + Json.text(node) + "`.");
        }
        if (size > 100) throw ApiException.validation(where + " failed validation: " + where + ".page_size should be ≤ `100`, instead was `" + size + "`.");
        if (size < 1) throw ApiException.validation(where + " failed validation: " + where + ".page_size should be ≥ `1`, instead was `" + size + "`.");
        return size;
    }

    private static Set<String> filterProperties(Map<String, String> query) {
        String raw = query.getOrDefault("filter_properties[]", query.get("filter_properties"));
        if (raw == null || raw.isEmpty()) return null;
        Set<String> ids = new HashSet<>();
        for (String id : raw.split(",")) ids.add(PropertySchema.decodeId(id));
        return ids;
    }

    private static ObjectNode limitProperties(ObjectNode page, Set<String> only) {
        if (only == null) return page;
        ObjectNode properties = (ObjectNode) page.get("properties");
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!only.contains(PropertySchema.decodeId(e.getValue().path("id").asText())) && !only.contains(e.getKey())) it.remove();
        }
        return page;
    }

    /** 2026-12-01: a page in query or search results without filter_properties shows its title property only. */
    private static void keepOnlyTitle(JsonNode page) {
        for (Iterator<Map.Entry<String, JsonNode>> it = page.path("properties").fields(); it.hasNext(); ) {
            if (!it.next().getValue().path("type").asText().equals("title")) it.remove();
        }
    }

    // ---------------------------------------------------------------- search

    /** A search match; data sources are rendered up front, pages only when they make it into the answer. */
    private record Hit(Instant edited, String id, ObjectNode json) {
    }

    ObjectNode search(JsonNode body) {
        int pageSize = pageSize(body.get("page_size"), "body");
        String text = body.path("query").asText("").toLowerCase(Locale.ROOT).trim();
        String only = body.path("filter").path("value").asText(null);
        if (only != null && !only.equals("page") && !only.equals(version.hasDataSources() ? "data_source" : "database")) {
            throw ApiException.bodyValidation("filter.value", "should be `\"page\"` or `\"" + (version.hasDataSources() ? "data_source" : "database")
                    + "\"`, instead was `\"" + only + "\"`");
        }
        boolean ascending = "ascending".equals(body.path("sort").path("direction").asText());
        return model.read(() -> {
            List<Hit> hits = new ArrayList<>();
            if (only == null || only.equals("page")) {
                for (Page p : model.allPages()) {
                    if (p.inTrash() || !model.title(p).toLowerCase(Locale.ROOT).contains(text)) continue;
                    hits.add(new Hit(p.lastEditedTime(), p.id(), null));
                }
            }
            if (only == null || !only.equals("page")) {
                if (version.hasDataSources()) {
                    for (SimDataSource s : model.dataSources()) {
                        SimDatabase db = model.databaseOrNull(s.databaseId);
                        String dbTitle = db == null ? "" : RichText.plain(db.title);
                        // a data source of a database in the trash is in the trash too (search lists neither)
                        if (s.inTrash || (db != null && db.inTrash) || !(s.name() + " " + dbTitle).toLowerCase(Locale.ROOT).contains(text)) continue;
                        hits.add(new Hit(s.lastEditedTime, s.id, renderer.dataSource(s)));
                    }
                } else {
                    for (SimDatabase db : model.databases()) {
                        if (db.inTrash || db.dataSourceIds.size() > 1 || !RichText.plain(db.title).toLowerCase(Locale.ROOT).contains(text)) continue;
                        hits.add(new Hit(db.lastEditedTime, db.id, renderer.database(db)));
                    }
                }
            }
            Comparator<Hit> order = Comparator.comparing(Hit::edited).thenComparing(Hit::id);
            if (!ascending) order = order.reversed();
            hits.sort(order);
            int start = 0;
            if (body.hasNonNull("start_cursor")) start = model.cursors.resolve(body.get("start_cursor").asText(), "search").offset();
            int end = Math.min(hits.size(), start + pageSize);
            ObjectNode list = list("page_or_data_source");
            ArrayNode results = (ArrayNode) list.get("results");
            for (Hit h : hits.subList(Math.min(start, end), end)) {
                results.add(h.json() != null ? h.json() : renderer.page(model.pageOrNull(h.id())));
                if (h.json() == null && version.returnsOnlyTitleUnlessFiltered()) keepOnlyTitle(results.get(results.size() - 1));
            }
            boolean more = end < hits.size();
            list.put("next_cursor", more ? model.cursors.issue("search", null, hits.get(end).id(), end) : null);
            list.put("has_more", more);
            return list;
        });
    }

    // ---------------------------------------------------------------- pages

    ObjectNode createPage(JsonNode body) {
        if (Json.present(body.get("children"))) Blocks.checkRequestTree(body.get("children"), "children");
        Page page = model.createPage(body.get("parent"), body.get("properties"), body.get("icon"), body.get("cover"), body.get("children"), bot());
        return model.read(() -> renderer.page(model.pageOrNull(page.id())));
    }

    ObjectNode page(String id, Map<String, String> query) {
        Set<String> only = filterProperties(query);
        return model.read(() -> limitProperties(renderer.page(model.requirePage(id)), only));
    }

    ObjectNode updatePage(String id, JsonNode body) {
        Boolean inTrash = body.hasNonNull("in_trash") ? body.get("in_trash").asBoolean() : null;
        if (body.hasNonNull("archived")) {
            if (!version.emitsArchived()) {
                throw ApiException.bodyValidation("archived", "should be not present, instead was `" + Json.text(body.get("archived")) + "`");
            }
            if (inTrash == null) inTrash = body.get("archived").asBoolean();
        }
        Boolean locked = body.hasNonNull("is_locked") ? body.get("is_locked").asBoolean() : null;
        model.updatePage(id, body.get("properties"), inTrash, locked, body.get("icon"), body.get("cover"), bot());
        return model.read(() -> renderer.page(model.requirePage(id)));
    }

    ObjectNode propertyItem(String pageId, String propertyId, Map<String, String> query) {
        int pageSize = pageSize(query.containsKey("page_size") ? Json.F.textNode(query.get("page_size")) : null, "query");
        int start = Cursors.propertyOffset(query.get("start_cursor"));
        return model.read(() -> {
            Page page = model.requirePage(pageId);
            SimDataSource source = page.dataSourceId() == null ? null : model.dataSourceOrNull(page.dataSourceId());
            PropertySchema schema = source == null
                    ? (PropertySchema.decodeId(propertyId).equals("title") ? new PropertySchema("title", "title", null, "title", Json.object()) : null)
                    : source.propertyById(propertyId);
            if (schema == null) throw ApiException.validation("Could not find property with id: " + PropertySchema.decodeId(propertyId) + ".");
            return renderer.propertyItem(page, source, schema, start, pageSize);
        });
    }

    // ---------------------------------------------------------------- blocks

    ObjectNode block(String id) {
        return model.read(() -> {
            if (model.isUnshared(id)) throw model.notFound("block", id);
            Block b = model.blockOrNull(id);
            if (b != null) return renderer.block(b);
            Page p = model.pageOrNull(id);
            if (p != null) return pageAsBlock(p);
            throw model.notFound("block", id);
        });
    }

    /** PATCH /v1/blocks/{id}: block content or trash; pages and databases can be trashed or restored this way too. */
    ObjectNode updateBlock(String id, JsonNode body) {
        Boolean trash = body.has("in_trash") ? Boolean.valueOf(body.get("in_trash").asBoolean()) : body.has("archived") ? Boolean.valueOf(body.get("archived").asBoolean()) : null;
        if (model.read(() -> model.pageOrNull(id)) != null) {
            Page p = model.updatePage(id, null, trash, null, null, null, bot());
            return model.read(() -> pageAsBlock(p));
        }
        SimDatabase db = model.read(() -> model.databaseOrNull(id));
        if (db != null && model.read(() -> model.blockOrNull(id)) == null) {
            SimDatabase updated = model.setDatabaseTrash(id, trash != null && trash);
            return model.read(() -> databaseAsBlock(updated));
        }
        Block b = model.updateBlock(id, body, bot());
        return model.read(() -> renderer.block(b));
    }

    ObjectNode deleteBlock(String id) {
        Object gone = model.trashBlockOrPage(id, bot());
        return model.read(() -> {
            if (gone instanceof Block b) return renderer.block(b);
            if (gone instanceof Page p) return pageAsBlock(p);
            return databaseAsBlock((SimDatabase) gone);
        });
    }

    private ObjectNode pageAsBlock(Page p) {
        Block asBlock = new Block(p.id(), p.dataSourceId() == null ? p.parent().path("type").asText("workspace") : "database_id",
                p.dataSourceId() == null ? p.parent().path(p.parent().path("type").asText()).asText() : model.dataSourceOrNull(p.dataSourceId()).databaseId,
                p.createdTime(), p.lastEditedTime(), p.createdBy(), p.lastEditedBy(), p.inTrash(), "child_page", Json.object().put("title", model.title(p)));
        return renderer.block(asBlock);
    }

    private ObjectNode databaseAsBlock(SimDatabase db) {
        String parentType = db.parent.path("type").asText("workspace");
        Block asBlock = new Block(db.id, parentType, db.parent.path(parentType).asText(), db.createdTime, db.lastEditedTime,
                model.botUserId(), model.botUserId(), db.inTrash, "child_database", Json.object().put("title", RichText.plain(db.title)));
        return renderer.block(asBlock);
    }

    ObjectNode children(String parentId, Map<String, String> query) {
        return model.read(() -> {
            if (model.pageOrNull(parentId) == null && model.blockOrNull(parentId) == null || model.isUnshared(parentId)) throw model.notFound("block", parentId);
            List<String> ids = new ArrayList<>();
            for (String id : model.childIds(parentId)) {
                if (childBlock(id) != null) ids.add(id);
            }
            return listPage("block", ids, id -> id, this::childBlock, query);
        });
    }

    /** A child as GET /v1/blocks/{id}/children lists it (a page as child_page, a database as child_database), or null when trashed or not shared. */
    private ObjectNode childBlock(String id) {
        if (model.isUnshared(id)) return null;
        Block b = model.blockOrNull(id);
        if (b != null) return b.inTrash() ? null : renderer.block(b);
        Page p = model.pageOrNull(id);
        if (p != null) return p.inTrash() ? null : pageAsBlock(p);
        SimDatabase db = model.databaseOrNull(id);
        return db == null || db.inTrash ? null : databaseAsBlock(db);
    }

    /** Append children: 2026-03-11 takes position {type:start|end|after_block}, older versions a flat "after". */
    ObjectNode append(String parentId, JsonNode body) {
        String after = null;
        if (body.hasNonNull("after")) {
            if (version == ApiVersion.V2026_03_11) throw ApiException.bodyValidation("after", "should be not present, instead was `" + Json.text(body.get("after")) + "`");
            after = body.get("after").asText();
        }
        JsonNode position = body.get("position");
        if (position != null && position.isObject()) {
            switch (position.path("type").asText()) {
                case "start" -> after = SimModel.AT_START;
                case "after_block" -> after = position.path("after_block").path("id").asText();
                default -> after = null;
            }
        }
        JsonNode childBlocks = body.get("children");
        if (childBlocks == null) throw ApiException.bodyValidation("children", "should be defined, instead was `undefined`");
        Blocks.checkRequestTree(childBlocks, "children");
        List<Block> added = model.appendBlocks(parentId, childBlocks, after, bot());
        return model.read(() -> {
            ObjectNode list = list("block");
            ArrayNode results = (ArrayNode) list.get("results");
            if (added.isEmpty()) return list;
            String parent = added.get(0).parentId();
            List<String> siblings = model.childIds(parent);
            // Notion answers with the new blocks followed by the siblings after them.
            for (int i = siblings.indexOf(added.get(0).id()); i >= 0 && i < siblings.size(); i++) {
                Block b = model.blockOrNull(siblings.get(i));
                if (b != null && !b.inTrash()) results.add(renderer.block(b));
            }
            return list;
        });
    }
}
