package dev.notionsync.notion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Notion in memory, for unit tests of the sync logic (no Camel, no HTTP): data sources, databases, pages and the
 * property items of truncated values, answered as the API shapes them. Records every call. Unknown ids answer 404
 * (object_not_found); {@link #fail} makes the next calls to a path fail.
 */
public final class InMemoryNotionApi implements NotionApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DATA_SOURCE = Pattern.compile("/v1/data_sources/([^/]+)");
    private static final Pattern DATABASE = Pattern.compile("/v1/databases/([^/]+)");
    private static final Pattern PAGE = Pattern.compile("/v1/pages/([^/]+)");
    private static final Pattern PROPERTY_ITEMS = Pattern.compile("/v1/pages/([^/]+)/properties/([^/]+)");

    private final Map<String, JsonNode> dataSources = new HashMap<>();
    private final Map<String, JsonNode> databases = new HashMap<>();
    private final Map<String, ObjectNode> pages = new HashMap<>();
    /** per "pageId/propertyId": the items of a listed value (one relation, person or text part each) and its type */
    private final Map<String, List<JsonNode>> items = new HashMap<>();
    private final Map<String, String> itemTypes = new HashMap<>();
    /** property ids Notion does not give even when asked (deleted since the schema was read) */
    private final Set<String> withheld = new HashSet<>();
    private final Map<String, NotionApiException> failures = new HashMap<>();
    private final List<NotionRequest> calls = new ArrayList<>();

    public InMemoryNotionApi dataSource(JsonNode dataSource) {
        dataSources.put(dataSource.path("id").asText(), dataSource);
        return this;
    }

    public InMemoryNotionApi database(String databaseId, String... dataSourceIds) {
        ObjectNode database = JSON.createObjectNode().put("object", "database").put("id", databaseId);
        ArrayNode refs = database.putArray("data_sources");
        for (String id : dataSourceIds) {
            refs.addObject().put("id", id);
        }
        databases.put(databaseId, database);
        return this;
    }

    public InMemoryNotionApi page(ObjectNode page) {
        pages.put(page.path("id").asText(), page);
        return this;
    }

    /** The whole value of a listed property (relation, people, title, rich_text), one item per element. */
    public InMemoryNotionApi propertyItems(String pageId, String propertyId, String type, List<JsonNode> elements) {
        List<JsonNode> list = new ArrayList<>();
        for (JsonNode element : elements) {
            ObjectNode item = JSON.createObjectNode().put("object", "property_item").put("id", propertyId).put("type", type);
            item.set(type, element);
            list.add(item);
        }
        items.put(pageId + "/" + propertyId, list);
        itemTypes.put(pageId + "/" + propertyId, type);
        return this;
    }

    public InMemoryNotionApi withhold(String propertyId) {
        withheld.add(propertyId);
        return this;
    }

    /** Calls to this path answer with the failure from now on. */
    public InMemoryNotionApi fail(String path, NotionApiException failure) {
        failures.put(path, failure);
        return this;
    }

    public List<NotionRequest> calls() {
        return List.copyOf(calls);
    }

    public void forgetCalls() {
        calls.clear();
    }

    @Override
    public JsonNode call(NotionRequest request) {
        calls.add(request);
        NotionApiException failure = failures.get(request.path());
        if (failure != null) {
            throw failure;
        }
        if (!request.method().equals("GET")) {
            throw new UnsupportedOperationException("in-memory Notion answers GET only: " + request.endpoint());
        }
        Matcher m;
        if ((m = PROPERTY_ITEMS.matcher(request.path())).matches()) {
            return propertyItemPage(request, m.group(1) + "/" + m.group(2));
        }
        if ((m = PAGE.matcher(request.path())).matches()) {
            return page(request, m.group(1));
        }
        if ((m = DATA_SOURCE.matcher(request.path())).matches()) {
            return found(request, dataSources.get(m.group(1)));
        }
        if ((m = DATABASE.matcher(request.path())).matches()) {
            return found(request, databases.get(m.group(1)));
        }
        throw new UnsupportedOperationException("in-memory Notion does not answer " + request.endpoint());
    }

    private JsonNode page(NotionRequest request, String pageId) {
        ObjectNode page = (ObjectNode) found(request, pages.get(pageId)).deepCopy();
        ObjectNode properties = (ObjectNode) page.path("properties");
        List<String> names = new ArrayList<>();
        properties.fields().forEachRemaining(e -> names.add(e.getKey()));
        for (String name : names) {
            String id = properties.path(name).path("id").asText();
            if (withheld.contains(id) || request.properties() != null && !request.properties().contains(id)) {
                properties.remove(name);
            }
        }
        return page;
    }

    private JsonNode propertyItemPage(NotionRequest request, String key) {
        List<JsonNode> all = items.get(key);
        if (all == null) {
            throw notFound(request);
        }
        Map<String, String> query = query(request.query());
        int size = Integer.parseInt(query.getOrDefault("page_size", "25"));
        int from = Integer.parseInt(query.getOrDefault("start_cursor", "0"));
        int to = Math.min(all.size(), from + size);
        ObjectNode list = JSON.createObjectNode().put("object", "list").put("type", "property_item");
        ArrayNode results = list.putArray("results");
        all.subList(from, to).forEach(results::add);
        list.put("has_more", to < all.size());
        if (to < all.size()) {
            list.put("next_cursor", Integer.toString(to));
        } else {
            list.putNull("next_cursor");
        }
        list.putObject("property_item").put("id", key.substring(key.indexOf('/') + 1)).put("type", itemTypes.get(key));
        return list;
    }

    private static Map<String, String> query(String query) {
        Map<String, String> values = new HashMap<>();
        if (query != null) {
            for (String part : query.split("&")) {
                int eq = part.indexOf('=');
                values.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return values;
    }

    private static JsonNode found(NotionRequest request, JsonNode object) {
        if (object == null) {
            throw notFound(request);
        }
        return object;
    }

    private static NotionApiException notFound(NotionRequest request) {
        return NotionApiException.of(request.endpoint(), 404, "object_not_found", "Could not find " + request.path(), "test", null);
    }
}
