package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A {@link PropertyType} assembled from its parts; every Notion type is one of these (see {@link PropertyTypes}).
 *
 * @param reader    from the value node (the one under the type's key) to one bind value per column
 * @param truncated from the whole property value to "the page object shows only part of it"
 */
record MappedPropertyType(String name, List<ColumnSpec> columns, boolean writable,
                          Function<JsonNode, List<Object>> reader, Predicate<JsonNode> truncated)
        implements PropertyType {

    MappedPropertyType {
        columns = List.copyOf(columns);
    }

    @Override
    public List<Object> read(JsonNode property) {
        List<Object> values = reader.apply(valueOf(property));
        if (values.size() != columns.size()) {
            throw new IllegalStateException(name + " read " + values.size() + " values for " + columns.size() + " columns");
        }
        return values;
    }

    @Override
    public boolean isTruncated(JsonNode property) {
        return property != null && truncated.test(property);
    }

    @Override
    public boolean isUnsupported(JsonNode property) {
        return (name.equals("formula") || name.equals("rollup")) && property != null
                && "unsupported".equals(property.path(name).path("type").asText());
    }

    private JsonNode valueOf(JsonNode property) {
        if (property == null || !property.isObject()) {
            return null;
        }
        JsonNode type = property.get("type");
        if (type != null && type.isTextual() && !type.asText().equals(name)) {
            throw new IllegalArgumentException("a " + type.asText() + " property given to the " + name + " mapping");
        }
        return property.get(name);
    }
}
