package dev.notionsync.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A workspace member ("person"), a guest (a person the users list leaves out) or an integration ("bot").
 */
record User(String id, String name, String avatarUrl, String type, String email, boolean guest) {

    static User person(String id, String name, String email) {
        return new User(id, name, null, "person", email, false);
    }

    static User guest(String id, String name, String email) {
        return new User(id, name, null, "person", email, true);
    }

    static User bot(String id, String name) {
        return new User(id, name, null, "bot", null, false);
    }

    boolean isBot() {
        return "bot".equals(type);
    }

    /** The short form Notion uses for created_by / last_edited_by on objects. */
    static ObjectNode reference(String id) {
        ObjectNode node = Json.object();
        node.put("object", "user");
        node.put("id", id);
        return node;
    }

    /** The full form used in people values and created_by properties. */
    ObjectNode toJson() {
        return toJson(true);
    }

    /** The full form; person.email only when the integration may read email addresses. */
    ObjectNode toJson(boolean withEmail) {
        ObjectNode node = reference(id);
        node.put("name", name);
        node.put("avatar_url", avatarUrl);
        node.put("type", type);
        if (isBot()) {
            node.set("bot", Json.object());
        } else {
            ObjectNode person = node.putObject("person");
            if (email != null && withEmail) person.put("email", email);
        }
        return node;
    }
}
