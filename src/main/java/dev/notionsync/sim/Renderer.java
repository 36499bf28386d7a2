package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Renders model objects as Notion JSON for one API version. Callers hold the model's read lock.
 * Key order follows the recordings (Notion-Version 2026-03-11).
 */
final class Renderer {
    /** Page objects show at most this many relation, people and mention entries. */
    static final int REFERENCE_LIMIT = 25;

    private final SimModel model;
    private final ApiVersion version;

    Renderer(SimModel model, ApiVersion version) {
        this.model = model;
        this.version = version;
    }

    ObjectNode page(Page page) {
        ObjectNode node = Json.object();
        node.put("object", "page");
        node.put("id", page.id());
        node.put("created_time", Times.minuteZ(page.createdTime()));
        node.put("last_edited_time", Times.minuteZ(page.lastEditedTime()));
        node.set("created_by", User.reference(page.createdBy()));
        node.set("last_edited_by", User.reference(page.lastEditedBy()));
        node.set("cover", Json.orNull(page.cover()).deepCopy());
        node.set("icon", Json.orNull(page.icon()).deepCopy());
        node.set("parent", pageParent(page));
        node.put("in_trash", page.inTrash());
        node.put("is_archived", page.isArchived());
        node.put("is_locked", page.isLocked());
        ObjectNode properties = node.putObject("properties");
        SimDataSource source = page.dataSourceId() == null ? null : model.dataSourceOrNull(page.dataSourceId());
        String title;
        if (source == null) {
            JsonNode value = page.value("title");
            properties.set("title", wrap("title", "title", value == null ? Json.array() : value, true));
            title = RichText.plain(value);
        } else {
            for (PropertySchema schema : source.properties.values()) {
                properties.set(schema.name(), wrap(schema.id(), schema.type(), value(page, source, schema, true), true));
            }
            PropertySchema titleProperty = source.titleProperty();
            title = titleProperty == null ? "" : RichText.plain(page.value(titleProperty.id()));
        }
        node.put("url", pageUrl(title, page.id()));
        node.putNull("public_url");
        if (version.emitsArchived()) node.put("archived", page.inTrash());
        return node;
    }

    private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
    private static final Pattern EDGE_DASHES = Pattern.compile("^-+|-+$");

    static String pageUrl(String title, String id) {
        String slug = title == null || title.isEmpty() ? "" : EDGE_DASHES.matcher(NOT_WORD.matcher(title).replaceAll("-")).replaceAll("");
        return "https://www.notion.so/" + (slug.isEmpty() ? "" : slug + "-") + Ids.compact(id);
    }

    private ObjectNode pageParent(Page page) {
        if (page.dataSourceId() == null) return page.parent().deepCopy();
        SimDataSource source = model.dataSourceOrNull(page.dataSourceId());
        String databaseId = source == null ? null : source.databaseId;
        ObjectNode parent = Json.object();
        if (version.hasDataSources()) {
            parent.put("type", "data_source_id");
            parent.put("data_source_id", page.dataSourceId());
            parent.put("database_id", databaseId);
        } else {
            parent.put("type", "database_id");
            parent.put("database_id", databaseId);
        }
        return parent;
    }

    /** {"id","type",T:value} plus the relation's sibling "has_more". */
    private ObjectNode wrap(String id, String type, JsonNode value, boolean truncate) {
        ObjectNode node = Json.object();
        node.put("id", id);
        node.put("type", type);
        if (type.equals("relation") && truncate && value.size() > REFERENCE_LIMIT) {
            node.set(type, firstN((ArrayNode) value, REFERENCE_LIMIT));
            node.put("has_more", true);
            return node;
        }
        node.set(type, value);
        if (type.equals("relation")) node.put("has_more", false);
        return node;
    }

    private static ArrayNode firstN(ArrayNode array, int n) {
        ArrayNode out = Json.array();
        for (int i = 0; i < Math.min(n, array.size()); i++) out.add(array.get(i));
        return out;
    }

    /** The value of one property of a page, computed or stored, truncated as in page objects when asked. */
    JsonNode value(Page page, SimDataSource source, PropertySchema schema, boolean truncate) {
        String type = schema.type();
        JsonNode stored = page.value(schema.id());
        switch (type) {
            case "created_time":
                return Json.F.textNode(Times.minuteZ(page.createdTime()));
            case "last_edited_time":
                return Json.F.textNode(Times.minuteZ(page.lastEditedTime()));
            case "created_by":
                return model.userJson(page.createdBy());
            case "last_edited_by":
                return model.userJson(page.lastEditedBy());
            case "button":
                return Json.object();
            case "formula": {
                if (version.reportsUnsupportedValues() && model.computationBudgetExceeded()) {
                    return Json.object().put("type", "unsupported").set("unsupported", Json.object());
                }
                SimDataSource.Formula formula = source.formulas.get(schema.id());
                if (formula != null) return formula.evaluate(page, source);
                return stored != null ? stored.deepCopy() : Json.object().put("type", "string").putNull("string");
            }
            case "rollup":
                if (version.reportsUnsupportedValues() && model.computationBudgetExceeded()) {
                    ObjectNode unsupported = Json.object().put("type", "unsupported");
                    unsupported.set("unsupported", Json.object());
                    return unsupported.put("function", schema.config().path("function").asText("show_original"));
                }
                return rollup(page, source, schema, stored);
            case "unique_id":
                return stored != null ? stored.deepCopy() : Json.object().put("prefix", schema.config().path("prefix").asText(null)).putNull("number");
            case "verification":
                return stored != null ? stored.deepCopy() : Json.object().put("state", "unverified").putNull("verified_by").putNull("date");
            default:
                break;
        }
        if (stored == null || stored.isNull()) return emptyValue(type);
        JsonNode copy = stored.deepCopy();
        if (truncate) {
            if (type.equals("people") && copy.size() > REFERENCE_LIMIT) return firstN((ArrayNode) copy, REFERENCE_LIMIT);
            if (type.equals("title") || type.equals("rich_text")) return RichText.truncateMentions((ArrayNode) copy, REFERENCE_LIMIT);
        }
        return copy;
    }

    static JsonNode emptyValue(String type) {
        return switch (type) {
            case "title", "rich_text", "multi_select", "people", "files", "relation" -> Json.array();
            case "checkbox" -> Json.F.booleanNode(false);
            default -> NullNode.getInstance();
        };
    }

    /** Rollups are computed over the first 25 related pages, as Notion does in page objects. */
    private JsonNode rollup(Page page, SimDataSource source, PropertySchema schema, JsonNode stored) {
        ObjectNode config = schema.config();
        String function = config.path("function").asText("show_original");
        PropertySchema relation = source.propertyById(config.path("relation_property_id").asText());
        if (relation == null) return stored != null ? stored.deepCopy() : Json.object().put("type", "number").put("number", 0).put("function", function);
        JsonNode related = page.value(relation.id());
        List<JsonNode> values = new ArrayList<>();
        String valueType = null;
        int relatedCount = related == null ? 0 : Math.min(related.size(), REFERENCE_LIMIT);
        boolean allResolved = true;
        for (int i = 0; i < relatedCount; i++) {
            Page target = model.pageOrNull(related.get(i).path("id").asText());
            SimDataSource targetSource = target == null || target.dataSourceId() == null ? null : model.dataSourceOrNull(target.dataSourceId());
            PropertySchema targetProperty = targetSource == null ? null : targetSource.propertyById(config.path("rollup_property_id").asText());
            if (targetProperty == null) {
                allResolved = false;
                continue;
            }
            valueType = targetProperty.type();
            values.add(value(target, targetSource, targetProperty, true));
        }
        if (!allResolved && stored != null) return stored.deepCopy();
        return Rollups.compute(function, valueType, relatedCount, values);
    }

    ObjectNode dataSource(SimDataSource source) {
        ObjectNode node = Json.object();
        node.put("object", "data_source");
        node.put("id", source.id);
        node.set("cover", source.cover.deepCopy());
        node.set("icon", source.icon.deepCopy());
        node.put("created_time", Times.minuteZ(source.createdTime));
        node.set("created_by", User.reference(source.createdBy));
        node.set("last_edited_by", User.reference(source.lastEditedBy));
        node.put("last_edited_time", Times.minuteZ(source.lastEditedTime));
        node.set("title", source.title.deepCopy());
        node.set("description", source.description.deepCopy());
        SimDatabase database = model.databaseOrNull(source.databaseId);
        node.put("is_inline", database != null && database.isInline);
        node.set("properties", schema(source));
        ObjectNode parent = node.putObject("parent");
        parent.put("type", "database_id");
        parent.put("database_id", source.databaseId);
        node.set("database_parent", database == null ? Json.object().put("type", "workspace").put("workspace", true) : database.parent.deepCopy());
        node.put("url", "https://www.notion.so/" + Ids.compact(source.databaseId));
        node.putNull("public_url");
        node.put("in_trash", source.inTrash);
        if (version.emitsArchived()) node.put("archived", source.inTrash);
        return node;
    }

    ObjectNode schema(SimDataSource source) {
        ObjectNode properties = Json.object();
        for (PropertySchema p : source.properties.values()) properties.set(p.name(), p.toJson());
        return properties;
    }

    ObjectNode database(SimDatabase database) {
        ObjectNode node = Json.object();
        node.put("object", "database");
        node.put("id", database.id);
        if (!version.hasDataSources()) return legacyDatabase(database, node);
        node.set("title", database.title.deepCopy());
        node.set("description", database.description.deepCopy());
        node.set("parent", database.parent.deepCopy());
        node.put("is_inline", database.isInline);
        node.put("in_trash", database.inTrash);
        if (version.emitsArchived()) node.put("archived", database.inTrash);
        node.put("is_locked", database.isLocked);
        node.put("created_time", Times.millisOffset(database.createdTime));
        node.put("last_edited_time", Times.millisOffset(database.lastEditedTime));
        ArrayNode sources = node.putArray("data_sources");
        for (String id : database.dataSourceIds) {
            SimDataSource source = model.dataSourceOrNull(id);
            if (source != null) sources.addObject().put("id", id).put("name", source.name());
        }
        node.set("icon", database.icon.deepCopy());
        node.set("cover", database.cover.deepCopy());
        node.put("url", "https://www.notion.so/" + Ids.compact(database.id));
        node.putNull("public_url");
        return node;
    }

    /** 2022-06-28: the database object itself carries the schema of its (single) data source. */
    private ObjectNode legacyDatabase(SimDatabase database, ObjectNode node) {
        SimDataSource source = database.dataSourceIds.isEmpty() ? null : model.dataSourceOrNull(database.dataSourceIds.get(0));
        node.set("cover", database.cover.deepCopy());
        node.set("icon", database.icon.deepCopy());
        node.put("created_time", Times.minuteZ(database.createdTime));
        node.set("created_by", User.reference(source == null ? model.botUser().id() : source.createdBy));
        node.set("last_edited_by", User.reference(source == null ? model.botUser().id() : source.lastEditedBy));
        node.put("last_edited_time", Times.minuteZ(database.lastEditedTime));
        node.set("title", database.title.deepCopy());
        node.set("description", database.description.deepCopy());
        node.put("is_inline", database.isInline);
        node.set("properties", source == null ? Json.object() : schema(source));
        node.set("parent", database.parent.deepCopy());
        node.put("url", "https://www.notion.so/" + Ids.compact(database.id));
        node.putNull("public_url");
        node.put("archived", database.inTrash);
        node.put("in_trash", database.inTrash);
        return node;
    }

    ObjectNode block(Block block) {
        ObjectNode node = Json.object();
        node.put("object", "block");
        node.put("id", block.id());
        ObjectNode parent = node.putObject("parent");
        parent.put("type", block.parentType());
        parent.put(block.parentType(), block.parentId());
        node.put("created_time", Times.minuteZ(block.createdTime()));
        node.put("last_edited_time", Times.minuteZ(block.lastEditedTime()));
        node.set("created_by", User.reference(block.createdBy()));
        node.set("last_edited_by", User.reference(block.lastEditedBy()));
        node.put("has_children", model.hasChildren(block.id()));
        node.put("in_trash", block.inTrash());
        if (version.emitsArchived()) node.put("archived", block.inTrash());
        if (!Blocks.isApiType(block.type())) {
            // a type the API does not expose (form, button, drive, ...): Notion answers {type:"unsupported", unsupported:{block_type}}
            node.put("type", "unsupported");
            node.putObject("unsupported").put("block_type", block.type());
            return node;
        }
        String type = version == ApiVersion.V2026_03_11 || !block.type().equals("meeting_notes") ? block.type() : "transcription";
        node.put("type", type);
        node.set(type, block.content().deepCopy());
        return node;
    }

    /** GET /v1/pages/{id}/properties/{prop}: paginated items for title, rich_text, relation, people and rollup. */
    ObjectNode propertyItem(Page page, SimDataSource source, PropertySchema schema, int start, int pageSize) {
        String type = schema.type();
        JsonNode full = source == null ? Json.orNull(page.value("title")) : value(page, source, schema, false);
        if (source == null && full.isNull()) full = Json.array();
        boolean list = type.equals("title") || type.equals("rich_text") || type.equals("relation") || type.equals("people") || type.equals("rollup");
        if (!list) {
            ObjectNode node = Json.object();
            node.put("object", "property_item");
            node.put("type", type);
            node.put("id", schema.id());
            node.set(type, full);
            return node;
        }
        List<JsonNode> items = new ArrayList<>();
        if (!type.equals("rollup")) full.forEach(items::add);
        int end = Math.min(items.size(), start + pageSize);
        ObjectNode node = Json.object();
        node.put("object", "list");
        ArrayNode results = node.putArray("results");
        for (JsonNode item : items.subList(Math.min(start, end), end)) {
            ObjectNode result = results.addObject();
            result.put("object", "property_item");
            result.put("type", type);
            result.put("id", schema.id());
            result.set(type, item);
        }
        boolean more = end < items.size();
        node.put("next_cursor", more ? Cursors.propertyCursor(end) : null);
        node.put("has_more", more);
        node.put("type", "property_item");
        ObjectNode propertyItem = node.putObject("property_item");
        propertyItem.put("id", schema.id());
        propertyItem.putNull("next_url");
        propertyItem.put("type", type);
        propertyItem.set(type, type.equals("rollup") ? full : Json.object());
        return node;
    }

    static List<JsonNode> list(JsonNode array) {
        if (array == null || !array.isArray()) return Collections.emptyList();
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    static JsonNode number(double d) {
        BigDecimal bd = BigDecimal.valueOf(d).stripTrailingZeros();
        if (bd.scale() <= 0 && Math.abs(d) < 1e15) return Json.F.numberNode(bd.longValue());
        return Json.F.numberNode(d);
    }
}
