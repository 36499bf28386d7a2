package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;

/**
 * The integration's capabilities, as set in Notion's integration settings: content, comments and user information.
 * The simulator starts with all of them (email addresses included); tests narrow them with POST /__sim/capabilities.
 * Notion answers a request its capabilities do not allow with 403 restricted_resource.
 */
final class Capabilities {
    /** Notion's three levels of user information. */
    enum UserInformation { NONE, WITHOUT_EMAIL, WITH_EMAIL }

    private volatile boolean readContent = true;
    private volatile boolean updateContent = true;
    private volatile boolean insertContent = true;
    private volatile boolean readComments = true;
    private volatile boolean insertComments = true;
    private volatile UserInformation userInformation = UserInformation.WITH_EMAIL;

    static ApiException denied() {
        return new ApiException(403, "restricted_resource", "Insufficient permissions for this endpoint.");
    }

    void requireReadContent() {
        if (!readContent) throw denied();
    }

    void requireUpdateContent() {
        if (!updateContent) throw denied();
    }

    void requireInsertContent() {
        if (!insertContent) throw denied();
    }

    void requireReadComments() {
        if (!readComments) throw denied();
    }

    void requireInsertComments() {
        if (!insertComments) throw denied();
    }

    void requireUserInformation() {
        if (userInformation == UserInformation.NONE) throw denied();
    }

    boolean readComments() {
        return readComments;
    }

    boolean emails() {
        return userInformation == UserInformation.WITH_EMAIL;
    }

    /** {"read_content","update_content","insert_content","read_comments","insert_comments": bool, "user_information": "none|without_email|with_email"}; absent keys stay. */
    void configure(JsonNode body) {
        readContent = body.path("read_content").asBoolean(readContent);
        updateContent = body.path("update_content").asBoolean(updateContent);
        insertContent = body.path("insert_content").asBoolean(insertContent);
        readComments = body.path("read_comments").asBoolean(readComments);
        insertComments = body.path("insert_comments").asBoolean(insertComments);
        if (body.hasNonNull("user_information")) {
            try {
                userInformation = UserInformation.valueOf(body.get("user_information").asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.validation("user_information should be none, without_email or with_email.");
            }
        }
    }

    ObjectNode toJson() {
        return Json.object().put("read_content", readContent).put("update_content", updateContent).put("insert_content", insertContent)
                .put("read_comments", readComments).put("insert_comments", insertComments)
                .put("user_information", userInformation.name().toLowerCase(Locale.ROOT));
    }
}
