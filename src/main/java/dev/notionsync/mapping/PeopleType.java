package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.JsonValues.RESPONSE_CAP;
import static dev.notionsync.mapping.JsonValues.arraySize;
import static dev.notionsync.mapping.JsonValues.each;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/**
 * people: names and user (or group) ids; a name missing from a partial user object is a NULL element. A push sends
 * the ids, at most 100.
 */
final class PeopleType extends AbstractPropertyType {

    PeopleType() {
        super("people", List.of(ColumnSpec.main("text[]"), ColumnSpec.side("ids", "text[]")), List.of("ids"));
    }

    @Override
    List<Object> readValue(JsonNode people) {
        return row(each(people, p -> text(p.get("name"))), each(people, p -> text(p.get("id"))));
    }

    /** At most 25 in the page object. Exactly 25 may be complete; one extra fetch is the cheap side to err on. */
    @Override
    boolean isTruncatedValue(JsonNode property) {
        return arraySize(property.get(name())) >= RESPONSE_CAP;
    }

    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        return RequestValues.items(value(values, "ids"), propertyName, "people",
                id -> RequestValues.NODES.objectNode().put("object", "user").put("id", id));
    }

    @Override
    Object emptyMeaning() {
        return List.of();
    }
}
