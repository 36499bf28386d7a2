package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Creating databases and data sources and changing schemas through the API. */
final class SchemaChanges {
    private final SimModel model;
    private final SchemaRules rules;

    SchemaChanges(SimModel model) {
        this.model = model;
        this.rules = new SchemaRules(model);
    }

    /** POST /v1/databases; returns the new database id. Nothing is created when the request is refused. */
    String createDatabase(JsonNode body, ApiVersion version, Author author) {
        return model.write(() -> {
            ObjectNode parent = parent(body.get("parent"));
            String path = version.hasDataSources() ? "initial_data_source.properties" : "properties";
            JsonNode properties;
            if (version.hasDataSources()) {
                JsonNode initial = body.get("initial_data_source");
                if (initial != null && !initial.isNull() && !initial.isObject()) {
                    throw ApiException.bodyValidation("initial_data_source", "should be an object, instead was `" + Json.text(initial) + "`");
                }
                properties = initial == null ? null : initial.get("properties");
            } else {
                properties = body.get("properties");
            }
            if (properties == null || properties.isNull()) {
                properties = Json.object().set("Name", Json.object().put("type", "title").set("title", Json.object()));
            }
            rules.check(null, properties, path, 0);
            ArrayNode title = body.has("title") ? RichText.normalize(body.get("title"), "title", model.mentionNames()) : RichText.of("New database");
            ArrayNode sourceTitle = body.has("title") ? title.deepCopy() : Json.array();
            Instant now = model.clock().instant();
            SimDatabase db = model.addDatabase(model.newId(), title, parent, now);
            db.isInline = body.path("is_inline").asBoolean(false);
            if (body.has("description")) db.description = RichText.normalize(body.get("description"), "description", model.mentionNames());
            if (Json.present(body.get("icon"))) db.icon = body.get("icon").deepCopy();
            if (Json.present(body.get("cover"))) db.cover = body.get("cover").deepCopy();
            SimDataSource source = model.addDataSource(db, model.newId(), sourceTitle, Times.minute(now), author.userId());
            Map<SimDataSource, ArrayNode> changes = applyProperties(source, properties, path);
            changes.remove(source);
            emitSchemaChanges(changes, author);
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
            JsonNode parent = body.get("parent");
            if (parent == null || !parent.isObject()) throw ApiException.bodyValidation("parent", "should be defined, instead was `undefined`");
            String databaseId = Json.str(parent, "database_id");
            if (databaseId == null) throw ApiException.bodyValidation("parent.database_id", "should be defined, instead was `undefined`");
            if (!Ids.isValid(databaseId)) throw ApiException.bodyValidation("parent.database_id", "should be a valid uuid, instead was `\"" + databaseId + "\"`");
            SimDatabase db = model.databaseOrNull(databaseId);
            if (db == null) throw model.notFound("database", databaseId);
            JsonNode properties = body.get("properties");
            if (properties == null) throw ApiException.bodyValidation("properties", "should be defined, instead was `undefined`");
            rules.check(null, properties, "properties", 0);
            ArrayNode title = body.has("title") ? RichText.normalize(body.get("title"), "title", model.mentionNames()) : Json.array();
            SimDataSource source = model.addDataSource(db, model.newId(), title, model.now(), author.userId());
            Map<SimDataSource, ArrayNode> changes = applyProperties(source, properties, "properties");
            changes.remove(source);
            emitSchemaChanges(changes, author);
            return source.id;
        });
    }

    /** PATCH /v1/data_sources/{id}: title, in_trash and schema changes (null deletes, {name} renames, {type,…} adds or changes). */
    void updateDataSource(String id, JsonNode body, Author author) {
        model.write(() -> {
            SimDataSource source = model.requireDataSource(id);
            if (body.has("properties")) {
                rules.check(source, body.get("properties"), "properties", Json.bytes(model.renderer().schema(source)).length);
            }
            if (body.has("title")) source.title = RichText.normalize(body.get("title"), "title", model.mentionNames());
            if (body.has("description")) source.description = RichText.normalize(body.get("description"), "description", model.mentionNames());
            if (body.has("in_trash")) source.inTrash = body.get("in_trash").asBoolean();
            if (body.has("icon")) source.icon = Json.orNull(body.get("icon")).deepCopy();
            if (body.has("cover")) source.cover = Json.orNull(body.get("cover")).deepCopy();
            Map<SimDataSource, ArrayNode> changes = body.has("properties") ? applyProperties(source, body.get("properties"), "properties") : new LinkedHashMap<>();
            source.lastEditedTime = model.now();
            source.lastEditedBy = author.userId();
            emitSchemaChanges(changes, author);
            return null;
        });
    }

    /** One data_source.schema_updated per data source whose schema changed (a dual relation changes two). */
    private void emitSchemaChanges(Map<SimDataSource, ArrayNode> changes, Author author) {
        for (Map.Entry<SimDataSource, ArrayNode> e : changes.entrySet()) {
            if (!e.getValue().isEmpty()) model.emitDataSource("data_source.schema_updated", e.getKey(), e.getValue(), author);
        }
    }

    /**
     * A database's parent: a page the integration can reach (else 404 object_not_found, Notion's answer for pages that
     * do not exist and for pages not shared alike) or the workspace (SDK-JS CreateDatabaseBodyParameters: page_id | workspace).
     */
    private ObjectNode parent(JsonNode parent) {
        if (parent == null || parent.isNull()) throw ApiException.bodyValidation("parent", "should be defined, instead was `undefined`");
        if (!parent.isObject()) throw ApiException.bodyValidation("parent", "should be an object, instead was `" + Json.text(parent) + "`");
        String type = Json.str(parent, "type");
        if (parent.has("page_id") && (type == null || type.equals("page_id"))) {
            JsonNode raw = parent.get("page_id");
            if (!raw.isTextual() || !Ids.isValid(raw.asText())) {
                throw ApiException.bodyValidation("parent.page_id", "should be a valid uuid, instead was `" + Json.text(raw) + "`");
            }
            Page page = model.requirePage(raw.asText());
            if (page.inTrash()) throw ApiException.validation("Can't edit block that is archived. You must unarchive the block before editing.");
            return Json.object().put("type", "page_id").put("page_id", page.id());
        }
        if ((type == null || type.equals("workspace")) && parent.path("workspace").asBoolean(false)) return SimModel.workspaceParent();
        throw ApiException.validation("body failed validation. Fix one:\nbody.parent.page_id should be defined, instead was `undefined`."
                + "\nbody.parent.workspace should be defined, instead was `undefined`.");
    }

    /**
     * Applies schema requests (already checked by {@link SchemaRules}); returns, per data source whose schema changed
     * (the source itself and the other side of a new dual relation), the [{id,name,action}] list
     * data_source.schema_updated reports.
     */
    private Map<SimDataSource, ArrayNode> applyProperties(SimDataSource source, JsonNode properties, String path) {
        Map<SimDataSource, ArrayNode> all = new LinkedHashMap<>();
        ArrayNode changes = Json.array();
        all.put(source, changes);
        if (properties == null || !properties.isObject()) return all;
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
                dropValuesOf(source, existing.id());
                changes.add(change(existing.id(), existing.name(), "deleted"));
                continue;
            }
            String type = SchemaRules.typeOf(request);
            String name = request.hasNonNull("name") ? request.get("name").asText() : existing != null ? existing.name() : e.getKey();
            String description = request.has("description") ? Json.str(request, "description") : existing != null ? existing.description() : null;
            if (type == null) {
                if (existing == null) throw ApiException.validation(e.getKey() + " is not a property that exists.");
                replace(source, existing, new PropertySchema(existing.id(), name, description, existing.type(), existing.config()));
                relinkSynced(source, existing.id(), name, all);
                changes.add(change(existing.id(), name, "updated"));
                continue;
            }
            if (existing != null && existing.type().equals("title") && !type.equals("title")) {
                throw ApiException.validation("Cannot change the type of the title property.");
            }
            if (existing == null && type.equals("title")) {
                PropertySchema title = source.titleProperty();
                if (title != null) {
                    replace(source, title, new PropertySchema(title.id(), name, description, "title", title.config()));
                    changes.add(change(title.id(), name, "updated"));
                    continue;
                }
            }
            String id = existing != null ? existing.id() : type.equals("title") ? "title" : PropertySchema.newId(model.random(), used);
            ObjectNode config = config(source, type, name, request.path(type), path + "." + e.getKey() + "." + type, existing);
            PropertySchema updated = new PropertySchema(id, name, description, type, config);
            if (existing != null) source.properties.remove(existing.name());
            if (existing != null && !existing.type().equals(type)) dropValuesOf(source, id);
            else if (existing != null && (type.equals("select") || type.equals("multi_select"))) followOptions(source, updated);
            source.properties.put(name, updated);
            if (type.equals("relation") && config.has("dual_property")) linkReverse(source, updated, all);
            changes.add(change(id, name, existing == null ? "created" : "updated"));
        }
        PropertySchema.sortLikeNotion(source.properties);
        return all;
    }

    /**
     * Pages show a select's options as the schema now has them: an option removed from the schema leaves the pages
     * that had it (in Notion pages refer to options by id; their last_edited_time stays).
     */
    private void followOptions(SimDataSource source, PropertySchema property) {
        Map<String, JsonNode> byId = new HashMap<>();
        for (JsonNode o : property.config().path("options")) byId.put(o.path("id").asText(), o);
        for (Page page : List.copyOf(source.pages.values())) {
            JsonNode value = page.values().get(property.id());
            if (value == null || value.isNull()) continue;
            JsonNode now;
            if (value.isArray()) {
                ArrayNode kept = Json.array();
                for (JsonNode v : value) {
                    JsonNode o = byId.get(v.path("id").asText());
                    if (o != null) kept.add(optionValue(o));
                }
                now = kept;
            } else {
                JsonNode o = byId.get(value.path("id").asText());
                now = o == null ? Json.F.nullNode() : optionValue(o);
            }
            if (now.equals(value)) continue;
            Map<String, JsonNode> values = new HashMap<>(page.values());
            values.put(property.id(), now);
            model.putPage(new Page(page.id(), page.dataSourceId(), page.parent(), page.createdTime(), page.lastEditedTime(),
                    page.createdBy(), page.lastEditedBy(), page.cover(), page.icon(), page.inTrash(), page.isArchived(), page.isLocked(), values));
        }
    }

    private static ObjectNode optionValue(JsonNode option) {
        return Json.object().put("id", option.path("id").asText()).put("name", option.path("name").asText()).put("color", option.path("color").asText());
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

    /** Swaps one property for another in place (a rename keeps the property's id and position). */
    private static void replace(SimDataSource source, PropertySchema existing, PropertySchema replacement) {
        List<PropertySchema> all = new ArrayList<>(source.properties.values());
        source.properties.clear();
        for (PropertySchema p : all) {
            PropertySchema q = p == existing ? replacement : p;
            source.properties.put(q.name(), q);
        }
    }

    /** A renamed side of a dual relation: the other side's dual_property.synced_property_name follows, as in Notion. */
    private void relinkSynced(SimDataSource source, String propertyId, String newName, Map<SimDataSource, ArrayNode> all) {
        PropertySchema renamed = source.propertyById(propertyId);
        if (renamed == null || !renamed.type().equals("relation") || !renamed.config().has("dual_property")) return;
        SimDataSource target = model.dataSourceOrNull(renamed.config().path("data_source_id").asText());
        PropertySchema synced = target == null ? null : target.propertyById(renamed.config().path("dual_property").path("synced_property_id").asText());
        if (synced == null || !synced.config().has("dual_property")) return;
        ((ObjectNode) synced.config().get("dual_property")).put("synced_property_name", newName);
        if (target != source) all.computeIfAbsent(target, k -> Json.array());
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
                // Options are named by id or name; an existing option keeps its id, name and color (SchemaRules refuses
                // changing them), and an existing option the request leaves out is removed (update-data-source-properties).
                ArrayNode options = config.putArray("options");
                JsonNode before = existing != null && existing.type().equals(type) ? existing.config().path("options") : Json.array();
                JsonNode requestedOptions = requested.has("options") ? requested.get("options") : before;
                int i = 0;
                for (JsonNode o : requestedOptions) {
                    JsonNode old = null;
                    for (JsonNode b : before) {
                        String id = Json.str(o, "id");
                        if (id != null ? id.equals(b.path("id").asText()) : o.path("name").asText().equals(b.path("name").asText())) old = b;
                    }
                    String color = Json.str(o, "color");
                    if (color == null) color = old != null ? old.path("color").asText() : PropertyValueParser.COLORS.get(i % PropertyValueParser.COLORS.size());
                    i++;
                    options.addObject().put("id", old != null ? old.path("id").asText() : model.newId())
                            .put("name", o.hasNonNull("name") ? o.get("name").asText() : old.path("name").asText())
                            .put("color", color)
                            .set("description", o.has("description") ? Json.orNull(o.get("description")) : old != null ? Json.orNull(old.get("description")) : Json.F.nullNode());
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
            case "relation" -> relationConfig(source, name, requested, config, existing);
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

    /**
     * Relation config as Notion answers it: database_id and data_source_id of the target, and for a dual relation the
     * synced property, which is added to the target ("Related to <source> (<property>)" unless named) or, when the
     * property already was a dual relation to that target, kept.
     */
    private void relationConfig(SimDataSource source, String name, JsonNode requested, ObjectNode config, PropertySchema existing) {
        SimDataSource target = model.requireDataSource(requested.path("data_source_id").asText());
        config.put("database_id", target.databaseId);
        config.put("data_source_id", target.id);
        boolean dual = requested.has("dual_property") || "dual_property".equals(requested.path("type").asText());
        if (!dual) {
            config.put("type", "single_property");
            config.putObject("single_property");
            return;
        }
        config.put("type", "dual_property");
        String requestedName = Json.str(requested.path("dual_property"), "synced_property_name");
        PropertySchema synced = null;
        String requestedId = Json.str(requested.path("dual_property"), "synced_property_id");
        if (requestedId != null) {
            synced = target.propertyById(requestedId);
        } else if (existing != null && existing.type().equals("relation") && target.id.equals(existing.config().path("data_source_id").asText())) {
            synced = target.propertyById(existing.config().path("dual_property").path("synced_property_id").asText());
        }
        if (synced != null && requestedName != null && !requestedName.equals(synced.name())) {
            PropertySchema old = synced;
            synced = old.withName(requestedName);
            target.properties.remove(old.name());
            target.properties.put(requestedName, synced);
            PropertySchema.sortLikeNotion(target.properties);
        }
        if (synced == null) {
            String syncedName = requestedName != null ? requestedName : "Related to " + source.name() + " (" + name + ")";
            for (int n = 2; requestedName == null && target.property(syncedName) != null; n++) {
                syncedName = "Related to " + source.name() + " (" + name + ") " + n;
            }
            Set<String> used = new HashSet<>();
            for (PropertySchema p : target.properties.values()) used.add(p.id());
            if (target == source) used.add(existing != null ? existing.id() : "");
            synced = new PropertySchema(PropertySchema.newId(model.random(), used), syncedName, null, "relation", Json.object());
            target.properties.put(syncedName, synced);
            PropertySchema.sortLikeNotion(target.properties);
        }
        config.putObject("dual_property").put("synced_property_name", synced.name()).put("synced_property_id", synced.id());
    }

    /** Points the other side of a dual relation back at {@code property}, and notes the other side's schema change. */
    private void linkReverse(SimDataSource source, PropertySchema property, Map<SimDataSource, ArrayNode> all) {
        SimDataSource target = model.dataSourceOrNull(property.config().path("data_source_id").asText());
        PropertySchema synced = target == null ? null : target.propertyById(property.config().path("dual_property").path("synced_property_id").asText());
        if (synced == null) return;
        boolean created = synced.config().isEmpty();
        ObjectNode config = synced.config();
        config.removeAll();
        config.put("database_id", source.databaseId);
        config.put("data_source_id", source.id);
        config.put("type", "dual_property");
        config.putObject("dual_property").put("synced_property_name", property.name()).put("synced_property_id", property.id());
        all.computeIfAbsent(target, k -> Json.array()).add(change(synced.id(), synced.name(), created ? "created" : "updated"));
    }
}
