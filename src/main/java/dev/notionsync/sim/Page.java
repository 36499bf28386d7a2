package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Map;

/**
 * One version of a page. Versions are immutable and replaced on every edit, so a query cursor can keep
 * the version it stopped at as its sort key, and readers never see a half-applied edit.
 *
 * @param dataSourceId null for pages whose parent is a page, block or the workspace (then {@code parent} holds it)
 * @param values       stored property values by property id, in response shape (e.g. title → array of rich text)
 */
record Page(String id, String dataSourceId, ObjectNode parent, Instant createdTime, Instant lastEditedTime,
            String createdBy, String lastEditedBy, JsonNode cover, JsonNode icon,
            boolean inTrash, boolean isArchived, boolean isLocked, Map<String, JsonNode> values) {

    Page {
        values = Map.copyOf(values);
    }

    JsonNode value(String propertyId) {
        return values.get(propertyId);
    }

    Page withValues(Map<String, JsonNode> newValues, Instant editedAt, String editor) {
        return new Page(id, dataSourceId, parent, createdTime, editedAt, createdBy, editor, cover, icon, inTrash, isArchived, isLocked, newValues);
    }

    Page withTrash(boolean trashed, Instant editedAt, String editor) {
        return new Page(id, dataSourceId, parent, createdTime, editedAt, createdBy, editor, cover, icon, trashed, isArchived, isLocked, values);
    }

    Page withDecoration(JsonNode newCover, JsonNode newIcon, boolean locked, boolean archived) {
        return new Page(id, dataSourceId, parent, createdTime, lastEditedTime, createdBy, lastEditedBy, newCover, newIcon, inTrash, archived, locked, values);
    }
}
