package dev.notionsync.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;

import java.time.Instant;
import java.util.List;

/**
 * Something changed in the workspace; webhooks turn these into deliveries.
 *
 * @param parentType        "database" for pages in a data source, "page" or "space" otherwise; "page" or "block" for comments
 * @param updatedProperties property ids for page.properties_updated, ids of blocks (pages, databases) for
 *                          page.content_updated, empty otherwise
 * @param schemaChanges     [{id,name,action}] for data_source.schema_updated, null otherwise
 * @param pageId            for comment events, the page the comment is on; null otherwise
 */
record ModelEvent(String type, String entityType, String entityId, String parentType, String parentId,
                  String dataSourceId, List<String> updatedProperties, ArrayNode schemaChanges, Author author, Instant at, String pageId) {
}
