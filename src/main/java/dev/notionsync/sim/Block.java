package dev.notionsync.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;

/** A content block. {@code content} is the type-specific part, e.g. the value of "paragraph". */
record Block(String id, String parentType, String parentId, Instant createdTime, Instant lastEditedTime,
             String createdBy, String lastEditedBy, boolean inTrash, String type, ObjectNode content) {

    Block withContent(ObjectNode newContent, Instant editedAt, String editor) {
        return new Block(id, parentType, parentId, createdTime, editedAt, createdBy, editor, inTrash, type, newContent);
    }

    Block withTrash(boolean trashed, Instant editedAt, String editor) {
        return new Block(id, parentType, parentId, createdTime, editedAt, createdBy, editor, trashed, type, content);
    }
}
