package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * A data source: a schema plus its pages. Pages are indexed by created and last-edited time so that the
 * incremental-sync query ("last_edited_time on_or_after X, ascending") walks a sorted set instead of sorting.
 */
final class SimDataSource {
    static final Comparator<Page> BY_CREATED = Comparator.comparing(Page::createdTime).thenComparing(Page::id);
    static final Comparator<Page> BY_EDITED = Comparator.comparing(Page::lastEditedTime).thenComparing(Page::id);

    final String id;
    final String databaseId;
    ArrayNode title;
    ArrayNode description;
    final Instant createdTime;
    Instant lastEditedTime;
    final String createdBy;
    String lastEditedBy;
    boolean inTrash;
    JsonNode icon = Json.F.nullNode();
    JsonNode cover = Json.F.nullNode();
    /** Schema by property name, in the order Notion returns it. */
    final LinkedHashMap<String, PropertySchema> properties = new LinkedHashMap<>();
    /** Formulas the simulator can evaluate (seeded sources); others keep the value they were imported with. */
    final Map<String, Formula> formulas = new HashMap<>();
    int lastUniqueId;

    final Map<String, Page> pages = new HashMap<>();
    final NavigableSet<Page> byCreated = new TreeSet<>(BY_CREATED);
    final NavigableSet<Page> byEdited = new TreeSet<>(BY_EDITED);

    SimDataSource(String id, String databaseId, ArrayNode title, Instant createdTime, String createdBy) {
        this.id = id;
        this.databaseId = databaseId;
        this.title = title;
        this.description = Json.array();
        this.createdTime = createdTime;
        this.lastEditedTime = createdTime;
        this.createdBy = createdBy;
        this.lastEditedBy = createdBy;
    }

    PropertySchema property(String nameOrId) {
        PropertySchema byName = properties.get(nameOrId);
        if (byName != null) return byName;
        for (PropertySchema p : properties.values()) {
            if (p.hasId(nameOrId)) return p;
        }
        return null;
    }

    PropertySchema propertyById(String id) {
        for (PropertySchema p : properties.values()) {
            if (p.hasId(id)) return p;
        }
        return null;
    }

    PropertySchema titleProperty() {
        for (PropertySchema p : properties.values()) {
            if (p.type().equals("title")) return p;
        }
        return null;
    }

    void put(Page page) {
        Page old = pages.put(page.id(), page);
        if (old != null) {
            byCreated.remove(old);
            byEdited.remove(old);
        }
        byCreated.add(page);
        byEdited.add(page);
    }

    void remove(String pageId) {
        Page old = pages.remove(pageId);
        if (old != null) {
            byCreated.remove(old);
            byEdited.remove(old);
        }
    }

    String name() {
        return RichText.plain(title);
    }

    /** A formula the simulator computes from the page's other values. */
    interface Formula {
        JsonNode evaluate(Page page, SimDataSource source);
    }
}
