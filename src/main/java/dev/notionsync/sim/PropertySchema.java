package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * One column of a data source: {"id","name","description","type",T:{config}}.
 * The config is kept as JSON because it is rendered as-is; select options are appended to it.
 */
record PropertySchema(String id, String name, String description, String type, ObjectNode config) {

    static final Set<String> READ_ONLY = Set.of("formula", "rollup", "created_time", "created_by", "last_edited_time",
            "last_edited_by", "unique_id", "verification", "button");

    /** Types whose page value is computed from the page itself, not stored. */
    static final Set<String> COMPUTED = Set.of("formula", "rollup", "created_time", "created_by", "last_edited_time",
            "last_edited_by", "button");

    boolean readOnly() {
        return READ_ONLY.contains(type);
    }

    PropertySchema withName(String newName) {
        return new PropertySchema(id, newName, description, type, config);
    }

    /** Property ids are URL-encoded; configs sometimes quote them decoded (rollup relation_property_id "v_]<"). */
    static String decodeId(String id) {
        if (id == null) return null;
        try {
            return URLDecoder.decode(id.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return id;
        }
    }

    boolean hasId(String otherId) {
        return id.equals(otherId) || decodeId(id).equals(decodeId(otherId));
    }

    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789?:[]{}@=;<>^_~`|";

    /** A short URL-encoded property id like Notion's ("%3FbAF", "Z~ZY"), unused so far. */
    static String newId(Random random, Set<String> used) {
        while (true) {
            StringBuilder raw = new StringBuilder();
            for (int i = 0; i < 4; i++) raw.append(ID_CHARS.charAt(random.nextInt(ID_CHARS.length())));
            String id = URLEncoder.encode(raw.toString(), StandardCharsets.UTF_8).replace("+", "%20").replace("%7E", "~");
            if (!id.equals("title") && used.add(id)) return id;
        }
    }

    /** Notion lists schema properties ordered by id, with the title property last. */
    static void sortLikeNotion(LinkedHashMap<String, PropertySchema> properties) {
        List<PropertySchema> all = new ArrayList<>(properties.values());
        all.sort(Comparator.comparing((PropertySchema p) -> p.type().equals("title")).thenComparing(PropertySchema::id));
        properties.clear();
        for (PropertySchema p : all) properties.put(p.name(), p);
    }

    ObjectNode toJson() {
        ObjectNode node = Json.object();
        node.put("id", id);
        node.put("name", name);
        node.put("description", description);
        node.put("type", type);
        node.set(type, config.deepCopy());
        return node;
    }

    static PropertySchema fromJson(String name, JsonNode node) {
        String type = node.path("type").asText();
        JsonNode config = node.get(type);
        ObjectNode cfg = config != null && config.isObject() ? ((ObjectNode) config).deepCopy() : Json.object();
        String n = node.hasNonNull("name") ? node.get("name").asText() : name;
        return new PropertySchema(node.path("id").asText(), n, Json.str(node, "description"), type, cfg);
    }
}
