package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every {@link PropertyType} shares: finding the value under the type's key, checking a read gives one value per
 * column, refusing writes of read-only types, and comparing values by meaning. A type class says only what is its own:
 * its columns, {@link #readValue}, and for writable types {@link #writeValue}.
 */
abstract class AbstractPropertyType implements PropertyType {

    private final String name;
    private final List<ColumnSpec> columns;
    private final List<String> writableSuffixes;

    /** @param writableSuffixes the columns a push sends, by suffix; empty for a type Notion computes or stamps itself */
    AbstractPropertyType(String name, List<ColumnSpec> columns, List<String> writableSuffixes) {
        this.name = name;
        this.columns = List.copyOf(columns);
        this.writableSuffixes = List.copyOf(writableSuffixes);
        for (String suffix : writableSuffixes) {
            if (columns.stream().noneMatch(c -> c.suffix().equals(suffix))) {
                throw new IllegalArgumentException(name + ": writable suffix '" + suffix + "' is not one of its columns");
            }
        }
    }

    /** The columns of a read-only type. */
    AbstractPropertyType(String name, List<ColumnSpec> columns) {
        this(name, columns, List.of());
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final List<ColumnSpec> columns() {
        return columns;
    }

    @Override
    public final List<String> writableSuffixes() {
        return writableSuffixes;
    }

    /**
     * From the value node (the one under the type's key; null when absent or the property is not an object) to one
     * bind value per column, in the order of {@link #columns()}.
     */
    abstract List<Object> readValue(JsonNode value);

    /** The request value under the type's key, for a writable type. */
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        throw new IllegalArgumentException(name + " is read-only in Notion");
    }

    /** Whether the page object shows only part of this (non-null) property value. */
    boolean isTruncatedValue(JsonNode property) {
        return false;
    }

    @Override
    public final List<Object> read(JsonNode property) {
        List<Object> values = readValue(valueOf(property));
        if (values.size() != columns.size()) {
            throw new IllegalStateException(name + " read " + values.size() + " values for " + columns.size() + " columns");
        }
        return values;
    }

    @Override
    public final boolean isTruncated(JsonNode property) {
        return property != null && isTruncatedValue(property);
    }

    @Override
    public boolean isUnsupported(JsonNode property) {
        return false;
    }

    @Override
    public final ObjectNode write(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        if (!writable()) {
            throw new IllegalArgumentException(name + " is read-only in Notion");
        }
        ObjectNode property = RequestValues.NODES.objectNode();
        property.set(name, writeValue(propertyName, values, changed));
        return property;
    }

    @Override
    public final boolean sameMeaning(JsonNode a, JsonNode b) {
        try {
            return meaning(a).equals(meaning(b));
        } catch (IllegalArgumentException e) {
            return a == null ? b == null : a.equals(b);   // a value of another type (the schema changed): only equal JSON is the same
        }
    }

    @Override
    public final boolean holds(JsonNode notionProperty, JsonNode requestValue) {
        if (notionProperty == null || notionProperty.isNull()) {
            return false;
        }
        ObjectNode asPage = requestValue.deepCopy();
        asPage.put("type", name);
        return sameMeaning(notionProperty, requestAsPageValue(asPage));
    }

    /** A request value {"type":T,T:…} made comparable with a page's value of the type; as it is for most types. */
    ObjectNode requestAsPageValue(ObjectNode request) {
        return request;
    }

    /** What a value means for a push: its writable columns, each in a form whose equals() is equality of meaning. */
    private List<Object> meaning(JsonNode property) {
        List<Object> read = property == null || property.isNull() ? null : read(property);
        List<Object> meaning = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            String suffix = columns.get(i).suffix();
            if (writableSuffixes.contains(suffix)) {
                meaning.add(meaningOf(suffix, read == null ? null : read.get(i)));
            }
        }
        return meaning;
    }

    /** One column value in a form whose equals() is equality of meaning; empty and unset are the same. */
    Object meaningOf(String suffix, Object value) {
        if (value instanceof BigDecimal number) {
            return number.signum() == 0 ? BigDecimal.ZERO : number.stripTrailingZeros();
        }
        if (value instanceof OffsetDateTime time) {
            return time.toInstant();
        }
        if (value instanceof String[] array) {
            return Arrays.asList(array);
        }
        return value == null ? emptyMeaning() : value;
    }

    /** What an unset value means: the empty text for most types. */
    Object emptyMeaning() {
        return "";
    }

    /** The value of one column; a missing suffix is SQL NULL. */
    static JsonNode value(Map<String, JsonNode> values, String suffix) {
        JsonNode value = values.get(suffix);
        return value == null ? NullNode.getInstance() : value;
    }

    /** The value node under the type's key. */
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
