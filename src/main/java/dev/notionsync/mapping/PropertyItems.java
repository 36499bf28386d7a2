package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns the answers of GET /v1/pages/{id}/properties/{property id} back into a page property value.
 *
 * <p>Simple types answer one {@code {"object":"property_item","id","type",T:value}}. title, rich_text, relation,
 * people and rollup answer a paginated {@code {"object":"list","results":[{"object":"property_item","type",T:element}…],
 * "has_more","next_cursor","property_item":{"id","type",T:{…}}}} with ONE element per result.
 */
public final class PropertyItems {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Types whose page value is an array that the listing hands out one element per item. */
    private static final Set<String> LISTED = Set.of("title", "rich_text", "relation", "people");

    private PropertyItems() {
    }

    /**
     * Merges all pages of one property-item listing, in the order fetched, into {@code {"id","type",T:…}}
     * ({@code "has_more":false} added for relations) suitable for {@link PropertyType#read}.
     *
     * <p>Rollups: the value is the last page's {@code property_item.rollup}, the aggregate Notion computed over all
     * pages. Where Notion lists the rolled-up items instead of computing an aggregate (show_original, show_unique,
     * unique, median), the items become the rollup's array, shaped like a page's rollup array
     * ({@code [{"type":T,T:value}]}).
     *
     * @throws IllegalArgumentException when there are no responses, the last one still says has_more (fetch the
     *                                  rest first), or list and single answers are mixed
     */
    public static ObjectNode mergeToPropertyValue(String propertyId, String type, List<JsonNode> listResponses) {
        if (listResponses == null || listResponses.isEmpty()) {
            throw new IllegalArgumentException("no property item responses for property " + propertyId);
        }
        JsonNode last = listResponses.get(listResponses.size() - 1);
        if (last.path("has_more").asBoolean(false)) {
            throw new IllegalArgumentException("the last property item page for " + propertyId
                    + " says has_more: true; fetch the remaining pages first");
        }
        ObjectNode merged = NODES.objectNode();
        merged.put("id", propertyId);
        merged.put("type", type);
        if (!isList(last)) {
            // a simple type: the single item already holds the whole value
            merged.set(type, last.has(type) ? last.get(type).deepCopy() : NODES.nullNode());
            return merged;
        }
        List<JsonNode> items = new ArrayList<>();
        for (JsonNode page : listResponses) {
            if (!isList(page)) {
                throw new IllegalArgumentException("list and single property item answers mixed for " + propertyId);
            }
            page.path("results").forEach(items::add);
        }
        if ("rollup".equals(type)) {
            merged.set(type, rollup(last.path("property_item").path("rollup"), items));
            return merged;
        }
        ArrayNode elements = NODES.arrayNode();
        for (JsonNode item : items) {
            elements.add(item.path(type).deepCopy());
        }
        merged.set(type, elements);
        if ("relation".equals(type)) {
            merged.put("has_more", false);
        }
        return merged;
    }

    private static JsonNode rollup(JsonNode aggregate, List<JsonNode> items) {
        ObjectNode rollup = aggregate.isObject() ? aggregate.deepCopy() : NODES.objectNode();
        String aggregateType = rollup.path("type").asText("");
        boolean computed = !aggregateType.isEmpty()
                && !("array".equals(aggregateType) && rollup.path("array").isEmpty() && !items.isEmpty());
        if (computed) {
            return rollup;
        }
        ArrayNode array = NODES.arrayNode();
        for (JsonNode item : items) {
            array.add(asPropertyValueWithoutId(item));
        }
        rollup.put("type", "array");
        rollup.set("array", array);
        return rollup;
    }

    /** A property item as an element of a page's rollup array: {"type":T,T:value}, list types wrapped in an array. */
    private static ObjectNode asPropertyValueWithoutId(JsonNode item) {
        String itemType = item.path("type").asText();
        JsonNode value = item.path(itemType).deepCopy();
        ObjectNode element = NODES.objectNode();
        element.put("type", itemType);
        element.set(itemType, LISTED.contains(itemType) ? NODES.arrayNode().add(value) : value);
        return element;
    }

    private static boolean isList(JsonNode response) {
        return "list".equals(response.path("object").asText());
    }
}
