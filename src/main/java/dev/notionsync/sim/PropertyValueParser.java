package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Turns property values in request shape ({"Name":{"title":[…]}}) into stored values in response shape,
 * enforcing Notion's request limits. Unknown select / multi_select option names are added to the schema.
 */
final class PropertyValueParser {
    static final List<String> WRITABLE_TYPES = List.of("title", "rich_text", "number", "url", "select", "multi_select",
            "people", "email", "phone_number", "date", "checkbox", "relation", "files", "status", "place");
    static final List<String> COLORS = List.of("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red");
    private static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx");

    private final SimDataSource source;
    private final Map<String, User> users;
    private final RichText.MentionNames names;
    private final Supplier<String> newId;
    /** Finds a page by id (null when unknown), to check that a relation names pages of the related data source. */
    private final Function<String, Page> pages;

    PropertyValueParser(SimDataSource source, Map<String, User> users, RichText.MentionNames names, Supplier<String> newId, Function<String, Page> pages) {
        this.source = source;
        this.users = users;
        this.names = names;
        this.newId = newId;
        this.pages = pages;
    }

    /** Converts every property of the request; the result is keyed by property id. */
    Map<String, JsonNode> convert(JsonNode properties) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (properties == null || properties.isNull()) return out;
        if (!properties.isObject()) throw ApiException.bodyValidation("properties", "should be an object, instead was `" + Json.text(properties) + "`");
        Iterator<Map.Entry<String, JsonNode>> fields = properties.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            PropertySchema schema = source == null ? titleOnly(field.getKey()) : source.property(field.getKey());
            if (schema == null) throw ApiException.validation(field.getKey() + " is not a property that exists.");
            out.put(schema.id(), convert(schema, field.getValue(), "properties." + field.getKey()));
        }
        return out;
    }

    private static PropertySchema titleOnly(String key) {
        return key.equals("title") ? new PropertySchema("title", "title", null, "title", Json.object()) : null;
    }

    JsonNode convert(PropertySchema schema, JsonNode request, String path) {
        String type = schema.type();
        JsonNode value = request == null ? null : request.get(type);
        if (schema.readOnly() || value == null) {
            throw readOnlyOrMissing(path);
        }
        return switch (type) {
            case "title", "rich_text" -> RichText.normalize(value, path + "." + type, names);
            case "number" -> {
                if (!value.isNull() && !value.isNumber()) throw ApiException.bodyValidation(path + ".number", "should be a number or `null`, instead was `" + Json.text(value) + "`");
                yield value;
            }
            case "checkbox" -> {
                if (!value.isBoolean()) throw ApiException.bodyValidation(path + ".checkbox", "should be a boolean, instead was `" + Json.text(value) + "`");
                yield value;
            }
            case "url" -> limitedText(value, path + ".url", 2000);
            case "email" -> limitedText(value, path + ".email", 200);
            case "phone_number" -> limitedText(value, path + ".phone_number", 200);
            case "select" -> value.isNull() ? NullNode.getInstance() : option(schema, value, path + ".select", true);
            case "status" -> value.isNull() ? NullNode.getInstance() : option(schema, value, path + ".status", false);
            case "multi_select" -> {
                ArrayNode array = limitedArray(value, path + ".multi_select");
                ArrayNode out = Json.array();
                for (int i = 0; i < array.size(); i++) out.add(option(schema, array.get(i), path + ".multi_select[" + i + "]", true));
                yield out;
            }
            case "date" -> value.isNull() ? NullNode.getInstance() : date(value, path + ".date");
            case "people" -> {
                ArrayNode array = limitedArray(value, path + ".people");
                ArrayNode out = Json.array();
                for (int i = 0; i < array.size(); i++) {
                    String id = Ids.normalize(array.get(i).path("id").asText());
                    if (id == null) throw ApiException.bodyValidation(path + ".people[" + i + "].id", "should be a valid uuid, instead was `" + Json.text(array.get(i).path("id")) + "`");
                    User user = users.get(id);
                    out.add(user == null ? User.reference(id) : user.toJson());
                }
                yield out;
            }
            case "relation" -> {
                ArrayNode array = limitedArray(value, path + ".relation");
                ArrayNode out = Json.array();
                for (int i = 0; i < array.size(); i++) {
                    String id = Ids.normalize(array.get(i).path("id").asText());
                    if (id == null) throw ApiException.bodyValidation(path + ".relation[" + i + "].id", "should be a valid uuid, instead was `" + Json.text(array.get(i).path("id")) + "`");
                    checkRelated(schema, id);
                    out.add(Json.object().put("id", id));
                }
                yield out;
            }
            case "files" -> files(limitedArray(value, path + ".files"));
            case "place" -> value.isNull() ? NullNode.getInstance() : place(value);
            default -> throw readOnlyOrMissing(path);
        };
    }

    /** Notion answers writes to computed properties with its "Fix one" list of the writable shapes. */
    static ApiException readOnlyOrMissing(String path) {
        StringBuilder sb = new StringBuilder("body failed validation. Fix one:");
        for (String t : WRITABLE_TYPES) {
            sb.append("\nbody.").append(path).append('.').append(t).append(" should be defined, instead was `undefined`.");
        }
        return ApiException.validation(sb.toString());
    }

    private static JsonNode limitedText(JsonNode value, String path, int max) {
        if (value.isNull()) return value;
        if (!value.isTextual()) throw ApiException.bodyValidation(path, "should be a string or `null`, instead was `" + Json.text(value) + "`");
        if (value.asText().length() > max) {
            throw ApiException.bodyValidation(path + ".length", "should be ≤ `" + max + "`, instead was `" + value.asText().length() + "`");
        }
        return value;
    }

    private static ArrayNode limitedArray(JsonNode value, String path) {
        if (!value.isArray()) throw ApiException.bodyValidation(path, "should be an array, instead was `" + Json.text(value) + "`");
        if (value.size() > 100) throw ApiException.bodyValidation(path + ".length", "should be ≤ `100`, instead was `" + value.size() + "`");
        return (ArrayNode) value;
    }

    private JsonNode option(PropertySchema schema, JsonNode requested, String path, boolean mayCreate) {
        ArrayNode options = schema.config().withArray("options");
        String id = Json.str(requested, "id");
        String name = Json.str(requested, "name");
        for (JsonNode option : options) {
            if ((id != null && id.equals(option.path("id").asText())) || (id == null && name != null && name.equals(option.path("name").asText()))) {
                return Json.object().put("id", option.path("id").asText()).put("name", option.path("name").asText()).put("color", option.path("color").asText());
            }
        }
        if (id != null || name == null) {
            throw ApiException.validation("Invalid select option id: " + (id == null ? "undefined" : id) + " for property " + schema.name() + ".");
        }
        if (!mayCreate) throw ApiException.validation("Invalid status option. Status option \"" + name + "\" does not exist\".");
        SchemaRules.checkOptionName(schema.type(), name, path + ".name");
        String color = requested.hasNonNull("color") ? requested.get("color").asText() : COLORS.get(options.size() % COLORS.size());
        ObjectNode created = options.addObject();
        created.put("id", newId.get());
        created.put("name", name);
        created.put("color", color);
        created.putNull("description");
        return Json.object().put("id", created.get("id").asText()).put("name", name).put("color", color);
    }

    /**
     * A relation holds pages of the data source its schema names. A page known to sit in another data source is refused
     * (400 validation_error; the wording is the simulator's). Pages the simulator does not know are let through: they may
     * exist in Notion outside what was imported.
     */
    private void checkRelated(PropertySchema schema, String pageId) {
        String target = schema.config().path("data_source_id").asText(null);
        Page page = pages == null ? null : pages.apply(pageId);
        if (target == null || page == null || target.equals(page.dataSourceId())) return;
        throw ApiException.validation("Relation property " + schema.name() + " links to pages of data source " + target + ", but page " + pageId
                + (page.dataSourceId() == null ? " is not in a data source." : " is in data source " + page.dataSourceId() + "."));
    }

    /**
     * Notion stores datetimes to the minute and answers with an offset; a request with a local time plus
     * time_zone comes back as that zone's offset and time_zone null (recorded in date_query.json).
     */
    static JsonNode date(JsonNode value, String path) {
        if (!value.hasNonNull("start")) throw ApiException.bodyValidation(path + ".start", "should be defined, instead was `undefined`");
        String zone = Json.str(value, "time_zone");
        ObjectNode out = Json.object();
        out.put("start", dateText(value.get("start").asText(), zone, path + ".start"));
        String end = Json.str(value, "end");
        out.put("end", end == null ? null : dateText(end, zone, path + ".end"));
        out.putNull("time_zone");
        return out;
    }

    private static String dateText(String text, String zone, String path) {
        if (text.length() == 10) {
            try {
                LocalDate.parse(text);
                return text;
            } catch (RuntimeException e) {
                throw ApiException.bodyValidation(path, "should be a valid ISO 8601 date string, instead was `\"" + text + "\"`");
            }
        }
        try {
            OffsetDateTime odt;
            try {
                odt = OffsetDateTime.parse(text);
            } catch (RuntimeException e) {
                LocalDateTime local = LocalDateTime.parse(text);
                odt = local.atZone(zone == null ? ZoneId.of("UTC") : ZoneId.of(zone)).toOffsetDateTime();
            }
            return DATETIME.format(odt.truncatedTo(ChronoUnit.MINUTES));
        } catch (RuntimeException e) {
            throw ApiException.bodyValidation(path, "should be a valid ISO 8601 date string, instead was `\"" + text + "\"`");
        }
    }

    private static ArrayNode files(ArrayNode requested) {
        ArrayNode out = Json.array();
        for (JsonNode file : requested) {
            ObjectNode f = Json.object();
            String type = file.has("type") ? file.get("type").asText() : file.has("external") ? "external" : "file";
            String url = file.path(type).path("url").asText(file.path("external").path("url").asText(""));
            f.put("name", file.path("name").asText(url));
            f.put("type", type);
            if (type.equals("file")) {
                f.putObject("file").put("url", url).put("expiry_time", file.path("file").path("expiry_time").asText(null));
            } else {
                f.putObject("external").put("url", url);
            }
            out.add(f);
        }
        return out;
    }

    private static JsonNode place(JsonNode value) {
        ObjectNode p = Json.object();
        p.set("lat", Json.orNull(value.get("lat")));
        p.set("lon", Json.orNull(value.get("lon")));
        p.set("name", Json.orNull(value.get("name")));
        p.set("address", Json.orNull(value.get("address")));
        p.set("aws_place_id", Json.orNull(value.get("aws_place_id")));
        p.set("google_place_id", Json.orNull(value.get("google_place_id")));
        return p;
    }
}
