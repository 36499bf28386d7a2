package dev.notionsync.sync;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Maps one Notion page object to a row of its mirror table. Values Notion truncated in the page object (more than 25
 * relations, people or mentions) are completed first through {@code completeProperty}, for that property only.
 */
public final class PageMapper {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PageMapper() {
    }

    /** @param completeProperty (pageId, truncated property value) → the complete property value */
    public static PageWriter.Row toRow(MirrorTable table, JsonNode page, BiFunction<String, JsonNode, JsonNode> completeProperty, Instant now) {
        String pageId = page.path("id").asText();
        ObjectNode original = page.path("properties").isObject() ? (ObjectNode) page.get("properties") : JSON.createObjectNode();
        ObjectNode properties = original;
        Map<String, String> nameById = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            nameById.put(e.getValue().path("id").asText(), e.getKey());
        }
        Instant lastEdited = Instant.parse(page.path("last_edited_time").asText());
        String url = textOrNull(page.path("url"));
        boolean inTrash = page.has("in_trash") ? page.path("in_trash").asBoolean() : page.path("archived").asBoolean();
        Map<String, Object> propertyColumns = new LinkedHashMap<>();
        int unknown = 0;
        int unsupported = 0;
        for (MirrorTable.PropertyColumns column : table.properties()) {
            String name = nameById.get(column.propertyId());
            JsonNode value = name == null ? null : properties.get(name);
            if (value == null) {
                unknown++;   // absent (not asked for, or not sent): says nothing about the value, PageWriter keeps the stored one
            } else if (column.type().isUnsupported(value)) {
                unknown++;
                unsupported++;
                if (properties == original) {
                    properties = original.deepCopy();
                }
                properties.remove(name);   // not computed by Notion: as unknown as an absent value
                value = null;
            }
            if (value != null && !column.type().name().equals(value.path("type").asText())) {
                value = null;   // the schema changed since this page was read: the next schema refresh catches up
            }
            if (value != null && column.type().isTruncated(value)) {
                value = completeProperty.apply(pageId, value);
                if (properties == original) {
                    properties = original.deepCopy();   // the caller's page stays as Notion sent it
                }
                properties.set(name, value);
            }
            propertyColumns.putAll(column.named(value == null ? null : column.type().read(value)));
        }
        String propertiesJson = write(properties);
        // the digest's input as it has always been, so unchanged pages keep their hash
        String contentHash = table.contentHash(hash(propertiesJson + "|" + inTrash + "|" + url));
        return new PageWriter.Row(pageId, url, Instant.parse(page.path("created_time").asText()), lastEdited, inTrash,
                propertiesJson, contentHash, now, propertyColumns, unknown, unsupported,
                textOrNull(page.path("last_edited_by").path("id")));
    }

    private static String textOrNull(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    /** The tree as JSON with every object's keys sorted, so the same content always gives the same text and hash. */
    private static String write(JsonNode node) {
        StringWriter text = new StringWriter(4096);
        try (JsonGenerator json = JSON.getFactory().createGenerator(text)) {
            writeSorted(json, node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise page properties", e);
        }
        return text.toString();
    }

    private static void writeSorted(JsonGenerator json, JsonNode node) throws IOException {
        if (node.isObject()) {
            List<String> names = new ArrayList<>(node.size());
            node.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            json.writeStartObject();
            for (String name : names) {
                json.writeFieldName(name);
                writeSorted(json, node.get(name));
            }
            json.writeEndObject();
        } else if (node.isArray()) {
            json.writeStartArray();
            for (JsonNode item : node) {
                writeSorted(json, item);
            }
            json.writeEndArray();
        } else {
            JSON.writeTree(json, node);
        }
    }

    private static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
