package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A database container: since 2025-09-03 it only lists its data sources, the schema lives on each source. */
final class SimDatabase {
    final String id;
    ArrayNode title;
    ArrayNode description;
    ObjectNode parent;
    boolean isInline;
    boolean inTrash;
    boolean isLocked;
    final Instant createdTime;
    Instant lastEditedTime;
    JsonNode icon;
    JsonNode cover;
    final List<String> dataSourceIds = new ArrayList<>();

    SimDatabase(String id, ArrayNode title, ObjectNode parent, Instant createdTime) {
        this.id = id;
        this.title = title;
        this.description = Json.array();
        this.parent = parent;
        this.createdTime = createdTime;
        this.lastEditedTime = createdTime;
        this.icon = Json.F.nullNode();
        this.cover = Json.F.nullNode();
    }
}
