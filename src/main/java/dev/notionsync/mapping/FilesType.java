package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.JsonValues.each;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/**
 * files: names and URLs; Notion-hosted URLs are signed and expire after about an hour. A push sends external files,
 * name and URL pairs (a missing name is the URL's last part).
 */
final class FilesType extends AbstractPropertyType {

    FilesType() {
        super("files", List.of(ColumnSpec.main("text[]"), ColumnSpec.side("urls", "text[]")), List.of("", "urls"));
    }

    @Override
    List<Object> readValue(JsonNode files) {
        return row(each(files, f -> text(f.get("name"))), each(files, FilesType::fileUrl));
    }

    private static String fileUrl(JsonNode file) {
        String type = text(file.get("type"));
        JsonNode body = type == null ? null : file.get(type);
        return body == null ? null : text(body.get("url"));
    }

    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        JsonNode names = value(values, "");
        JsonNode urls = value(values, "urls");
        ArrayNode files = RequestValues.NODES.arrayNode();
        if (urls.isNull()) {
            return files;
        }
        if (urls.size() > RequestValues.MAX_ARRAY_ITEMS) {
            throw new UnwritableValueException("property '" + propertyName + "' has " + urls.size()
                    + " files; Notion takes at most " + RequestValues.MAX_ARRAY_ITEMS);
        }
        for (int i = 0; i < urls.size(); i++) {
            if (urls.get(i).isNull()) {
                throw new UnwritableValueException("property '" + propertyName + "': the URL array holds a NULL: remove it");
            }
            String url = RequestValues.limited(urls.get(i).asText(), propertyName, RequestValues.MAX_URL);
            JsonNode name = names.isArray() && i < names.size() ? names.get(i) : NullNode.getInstance();
            ObjectNode file = files.addObject();
            file.put("name", name.isNull() || name.asText().isEmpty() ? url.substring(url.lastIndexOf('/') + 1) : name.asText());
            file.put("type", "external");
            file.putObject("external").put("url", url);
        }
        return files;
    }

    /** Hosted file URLs compare without their expiring query. */
    @Override
    Object meaningOf(String suffix, Object value) {
        if (suffix.equals("urls") && value instanceof String[] urls) {
            return Arrays.stream(urls).map(u -> u == null ? null : u.replaceFirst("\\?.*$", "")).toList();
        }
        return super.meaningOf(suffix, value);
    }

    @Override
    Object emptyMeaning() {
        return List.of();
    }
}
