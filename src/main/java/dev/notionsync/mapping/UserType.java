package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

import static dev.notionsync.mapping.JsonValues.isObject;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/** created_by, last_edited_by (read-only): user id and name (the name is absent from partial user objects). */
final class UserType extends AbstractPropertyType {

    UserType(String name) {
        super(name, List.of(ColumnSpec.main("text"), ColumnSpec.side("name", "text")));
    }

    @Override
    List<Object> readValue(JsonNode user) {
        if (!isObject(user)) {
            return row(null, null);
        }
        return row(text(user.get("id")), text(user.get("name")));
    }
}
