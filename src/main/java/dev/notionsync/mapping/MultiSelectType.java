package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.JsonValues.each;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/** multi_select: names and option ids, in Notion's order; a push sets the options by name, at most 100. */
final class MultiSelectType extends AbstractPropertyType {

    MultiSelectType() {
        super("multi_select", List.of(ColumnSpec.main("text[]"), ColumnSpec.side("ids", "text[]")), List.of(""));
    }

    @Override
    List<Object> readValue(JsonNode options) {
        return row(each(options, o -> text(o.get("name"))), each(options, o -> text(o.get("id"))));
    }

    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        return RequestValues.items(value(values, ""), propertyName, "options",
                name -> RequestValues.NODES.objectNode().put("name", RequestValues.optionName(name, propertyName)));
    }

    @Override
    Object emptyMeaning() {
        return List.of();
    }
}
