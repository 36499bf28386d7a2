package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.JsonValues.isObject;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/** select, status: option name and option id (the id survives renames); a push sets the option by name. */
final class OptionType extends AbstractPropertyType {

    OptionType(String name) {
        super(name, List.of(ColumnSpec.main("text"), ColumnSpec.side("id", "text")), List.of(""));
    }

    @Override
    List<Object> readValue(JsonNode option) {
        if (!isObject(option)) {
            return row(null, null);
        }
        return row(text(option.get("name")), text(option.get("id")));
    }

    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        JsonNode main = value(values, "");
        return RequestValues.isEmptyText(main) ? NullNode.getInstance()
                : RequestValues.NODES.objectNode().put("name", RequestValues.optionName(main.asText(), propertyName));
    }
}
