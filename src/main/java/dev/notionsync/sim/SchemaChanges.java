package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Creating databases and data sources and changing schemas through the API. */
final class SchemaChanges {
    private final SimModel model;

    SchemaChanges(SimModel model) {
        this.model = model;
    }

    /** POST /v1/databases; returns the new database id. */
    String createDatabase(JsonNode body, ApiVersion version, Author author) {
        return model.write(() -> {
            ObjectNode parent = parent(body.get("parent"));
            ArrayNode title = body.has("title") ? RichText.normalize(body.get("title"), "title", model.mentionNames()) : RichText.of("New database");
            Instant now = model.clock().instant();
            SimDatabase db = model.addDatabase(model.newId(), title, parent, now);
            db.isInline = body.path("is_inline").asBoolean(false);
            if (body.has("description")) db.description = RichText.normalize(body.get("description"), "description", model.mentionNames());
            if (Json.present(body.get("icon"))) db.icon = body.get("icon").deepCopy();
            if (Json.present(body.get("cover"))) db.cover = body.get("cover").deepCopy();
            JsonNode properties = version.hasDataSources() ? body.path("initial_data_source").get("properties") : body.get("properties");
            ArrayNode sourceTitle = body.has("title") ? title.deepCopy() : Json.array();
            SimDataSource source = model.addDataSource(db, model.newId(), sourceTitle, Times.minute(now), author.userId());
            applyProperties(source, properties == null ? Json.object().set("Name", Json.object().put("type", "title").set("title", Json.object())) : properties,
                    version.hasDataSources() ? "initial_data_source.properties" : "properties");
            return db.id;
        });
    }

    String updateDatabase(String id, JsonNode body, Author author) {
        return model.write(() -> {
            SimDatabase db = model.databaseOrNull(id);
            if (db == null) throw model.notFound("database", id);
            if (body.has("title")) db.title = RichText.normalize(body.get("title"), "title", model.mentionNames());
            if (body.has("description")) db.description = RichText.normalize(body.get("description"), "description", model.mentionNames());
            if (body.has("is_inline")) db.isInline = body.get("is_inline").asBoolean();
            if (body.has("in_trash")) db.inTrash = body.get("in_trash").asBoolean();
            if (body.has("is_locked")) db.isLocked = body.get("is_locked").asBoolean();
            if (body.has("icon")) db.icon = Json.orNull(body.get("icon")).deepCopy();
            if (body.has("cover")) db.cover = Json.orNull(body.get("cover")).deepCopy();
            if (body.has("parent")) db.parent = parent(body.get("parent"));
            db.lastEditedTime = model.clock().instant();
            return db.id;
        });
    }

    /** POST /v1/data_sources: another source in an existing database. */
    String createDataSource(JsonNode body, Author author) {
        return model.write(() -> {
            String databaseId = body.path("parent").path("database_id").asText(null);
            SimDatabase db = databaseId == null ? null : model.databaseOrNull(databaseId);
            if (db == null) throw model.notFound("database", String.valueOf(databaseId));
            ArrayNode title = body.has("title") ? RichText.normalize(body.get("title"), "title", model.mentionNames()) : Json.array();
            SimDataSource source = model.addDataSource(db, model.newId(), title, model.now(), author.userId());
            applyProperties(source, body.path("properties"), "properties");
            return source.id;
        });
    }

    /** PATCH /v1/data_sources/{id}: title, in_trash and schema changes (null deletes, {name} renames, {type,…} adds or changes). */
    void updateDataSource(String id, JsonNode body, Author author) {
        model.write(() -> {
            SimDataSource source = model.requireDataSource(id);
            if (body.has("title")) source.title = RichText.normalize(body.get("title"), "title", model.mentionNames());
            if (body.has("description")) source.description = RichText.normalize(body.get("description"), "description", model.mentionNames());
            if (body.has("in_trash")) source.inTrash = body.get("in_trash").asBoolean();
            if (body.has("icon")) source.icon = Json.orNull(body.get("icon")).deepCopy();
            if (body.has("cover")) source.cover = Json.orNull(body.get("cover")).deepCopy();
            ArrayNode changes = body.has("properties") ? applyProperties(source, body.get("properties"), "properties") : Json.array();
            source.lastEditedTime = model.now();
            source.lastEditedBy = author.userId();
            if (!changes.isEmpty()) model.emitDataSource("data_source.schema_updated", source, changes, author);
            return null;
        });
    }

    private ObjectNode parent(JsonNode parent) {
        if (parent == null || !parent.isObject()) throw ApiException.bodyValidation("parent", "should be defined, instead was `undefined`");
        if (parent.hasNonNull("page_id")) {
            Page page = model.requirePage(parent.get("page_id").asText());
            return Json.object().put("type", "page_id").put("page_id", page.id());
        }
        if (parent.path("workspace").asBoolean(false)) return SimModel.workspaceParent();
        throw ApiException.bodyValidation("parent.page_id", "should be defined, instead was `undefined`");
    }

    /** Applies schema requests; returns the [{id,name,action}] list data_source.schema_updated reports. */
    private ArrayNode applyProperties(SimDataSource source, JsonNode properties, String path) {
        ArrayNode changes = Json.array();
        if (properties == null || !properties.isObject()) return changes;
        Set<String> used = new HashSet<>();
        for (PropertySchema p : source.properties.values()) used.add(p.id());
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        properties.fields().forEachRemaining(entries::add);
        for (Map.Entry<String, JsonNode> e : entries) {
            PropertySchema existing = source.property(e.getKey());
            JsonNode request = e.getValue();
            if (request == null || request.isNull()) {
                if (existing == null) throw ApiException.validation(e.getKey() + " is not a property that exists.");
                source.properties.remove(existing.name());
                source.formulas.remove(existing.id());
                changes.add(change(existing.id(), existing.name(), "deleted"));
                continue;
            }
            String type = typeOf(request);
            String name = request.hasNonNull("name") ? request.get("name").asText() : existing != null ? existing.name() : e.getKey();
            if (type == null) {
                if (existing == null) throw ApiException.validation(e.getKey() + " is not a property that exists.");
                rename(source, existing, name);
                changes.add(change(existing.id(), name, "updated"));
                continue;
            }
            if (existing != null && existing.type().equals("title") && !type.equals("title")) {
                throw ApiException.validation("Cannot change the type of the title property.");
            }
            String id = existing != null ? existing.id() : type.equals("title") ? "title" : PropertySchema.newId(model.random(), used);
            if (existing == null && type.equals("title")) {
                PropertySchema title = source.titleProperty();
                if (title != null) {
                    rename(source, title, name);
                    changes.add(change(title.id(), name, "updated"));
                    continue;
                }
            }
            ObjectNode config = config(source, type, name, request.path(type), path + "." + e.getKey() + "." + type, existing);
            PropertySchema updated = new PropertySchema(id, name, Json.str(request, "description"), type, config);
            if (existing != null) source.properties.remove(existing.name());
            if (existing != null && !existing.type().equals(type)) dropValuesOf(source, id);
            source.properties.put(name, updated);
            if (type.equals("relation") && config.has("dual_property")) linkReverse(source, updated);
            changes.add(change(id, name, existing == null ? "created" : "updated"));
        }
        PropertySchema.sortLikeNotion(source.properties);
        return changes;
    }

    /** A retyped property starts empty: Notion converts old values, the simulator keeps it simple and drops them. */
    private void dropValuesOf(SimDataSource source, String propertyId) {
        for (Page page : List.copyOf(source.pages.values())) {
            if (!page.values().containsKey(propertyId)) continue;
            Map<String, JsonNode> values = new HashMap<>(page.values());
            values.remove(propertyId);
            model.putPage(new Page(page.id(), page.dataSourceId(), page.parent(), page.createdTime(), page.lastEditedTime(),
                    page.createdBy(), page.lastEditedBy(), page.cover(), page.icon(), page.inTrash(), page.isArchived(), page.isLocked(), values));
        }
    }

    private static void rename(SimDataSource source, PropertySchema existing, String name) {
        List<PropertySchema> all = new ArrayList<>(source.properties.values());
        source.properties.clear();
        for (PropertySchema p : all) {
            PropertySchema q = p == existing ? p.withName(name) : p;
            source.properties.put(q.name(), q);
        }
    }

    private static String typeOf(JsonNode request) {
        if (request.hasNonNull("type")) return request.get("type").asText();
        Iterator<String> names = request.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!n.equals("name") && !n.equals("description")) return n;
        }
        return null;
    }

    private static ObjectNode change(String id, String name, String action) {
        return Json.object().put("id", id).put("name", name).put("action", action);
    }

    /** Request config to response config, with Notion's defaults (number format, status groups, relation ids). */
    private ObjectNode config(SimDataSource source, String type, String name, JsonNode requested, String path, PropertySchema existing) {
        ObjectNode config = Json.object();
        switch (type) {
            case "number" -> config.put("format", requested.path("format").asText(existing != null ? existing.config().path("format").asText("number") : "number"));
            case "select", "multi_select" -> {
                ArrayNode options = config.putArray("options");
                JsonNode requestedOptions = requested.has("options") ? requested.get("options") : existing != null ? existing.config().path("options") : Json.array();
                int i = 0;
                for (JsonNode o : requestedOptions) {
                    options.addObject().put("id", o.path("id").asText(model.newId())).put("name", o.path("name").asText())
                            .put("color", o.path("color").asText(PropertyValueParser.COLORS.get(i++ % PropertyValueParser.COLORS.size())))
                            .set("description", Json.orNull(o.get("description")));
                }
            }
            case "status" -> {
                if (existing != null && existing.type().equals("status")) return existing.config();
                String[][] defaults = {{"Not started", "default", "To-do", "gray"}, {"In progress", "blue", "In progress", "blue"}, {"Done", "green", "Complete", "green"}};
                ArrayNode options = config.putArray("options");
                ArrayNode groups = config.putArray("groups");
                for (String[] d : defaults) {
                    String optionId = model.newId();
                    options.addObject().put("id", optionId).put("name", d[0]).put("color", d[1]).putNull("description");
                    ObjectNode group = groups.addObject().put("id", model.newId()).put("name", d[2]).put("color", d[3]);
                    group.putArray("option_ids").add(optionId);
                }
            }
            case "formula" -> config.put("expression", requested.path("expression").asText(""));
            case "unique_id" -> config.set("prefix", Json.orNull(requested.get("prefix")));
            case "relation" -> relationConfig(source, name, requested, path, config);
            case "rollup" -> {
                PropertySchema relation = source.property(requested.path("relation_property_id").asText(requested.path("relation_property_name").asText()));
                if (relation == null) throw ApiException.validation("Relation property for rollup " + name + " not found.");
                SimDataSource target = model.dataSourceOrNull(relation.config().path("data_source_id").asText());
                PropertySchema rolled = target == null ? null : target.property(requested.path("rollup_property_id").asText(requested.path("rollup_property_name").asText()));
                if (rolled == null) throw ApiException.validation("Rollup property for rollup " + name + " not found.");
                config.put("rollup_property_name", rolled.name());
                config.put("relation_property_name", relation.name());
                config.put("rollup_property_id", PropertySchema.decodeId(rolled.id()));
                config.put("relation_property_id", PropertySchema.decodeId(relation.id()));
                config.put("function", requested.path("function").asText("show_original"));
            }
            default -> {
            }
        }
        return config;
    }

    private void relationConfig(SimDataSource source, String name, JsonNode requested, String path, ObjectNode config) {
        String targetId = requested.path("data_source_id").asText(null);
        SimDataSource target = targetId == null ? null : model.dataSourceOrNull(targetId);
        if (target == null) throw ApiException.bodyValidation(path + ".data_source_id", "should be a valid uuid of a shared data source, instead was `" + Json.text(Json.orNull(requested.get("data_source_id"))) + "`");
        config.put("database_id", target.databaseId);
        config.put("data_source_id", target.id);
        boolean dual = requested.has("dual_property") || "dual_property".equals(requested.path("type").asText());
        if (!dual) {
            config.put("type", "single_property");
            config.putObject("single_property");
            return;
        }
        config.put("type", "dual_property");
        String syncedName = requested.path("dual_property").path("synced_property_name").asText("Related to " + source.name() + " (" + name + ")");
        Set<String> used = new HashSet<>();
        for (PropertySchema p : target.properties.values()) used.add(p.id());
        PropertySchema synced = target.property(syncedName);
        if (synced == null) {
            synced = new PropertySchema(PropertySchema.newId(model.random(), used), syncedName, null, "relation", Json.object());
            target.properties.put(syncedName, synced);
            PropertySchema.sortLikeNotion(target.properties);
        }
        config.putObject("dual_property").put("synced_property_name", synced.name()).put("synced_property_id", synced.id());
    }

    /** Points the other side of a dual relation back at {@code property}. */
    private void linkReverse(SimDataSource source, PropertySchema property) {
        SimDataSource target = model.dataSourceOrNull(property.config().path("data_source_id").asText());
        PropertySchema synced = target == null ? null : target.propertyById(property.config().path("dual_property").path("synced_property_id").asText());
        if (synced == null) return;
        ObjectNode config = synced.config();
        config.removeAll();
        config.put("database_id", source.databaseId);
        config.put("data_source_id", source.id);
        config.put("type", "dual_property");
        config.putObject("dual_property").put("synced_property_name", property.name()).put("synced_property_id", property.id());
    }
}
