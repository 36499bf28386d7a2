package dev.notionsync.store;

import dev.notionsync.mapping.ColumnNames;
import dev.notionsync.mapping.ColumnSpec;
import dev.notionsync.mapping.PropertyType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The PostgreSQL table one data source is mirrored into: system columns plus the columns of each mapped property.
 *
 * @param unmappedPropertyIds properties of types this version does not map: kept in the raw JSON only
 */
public record MirrorTable(String schema, String table, String dataSourceId, List<PropertyColumns> properties,
                          List<String> unmappedPropertyIds) {

    /** Raised when a reader in mapping/ changes what it writes, so stored rows are re-mapped and re-synced. */
    static final String MAPPING_VERSION = "1";

    /** System columns set from a page, whenever its row is written (see {@link PageWriter.Row}). */
    public static final List<ColumnSpec> PAGE_COLUMNS = List.of(
            new ColumnSpec("page_id", "uuid"),
            new ColumnSpec("url", "text"),
            new ColumnSpec("created_time", "timestamptz"),
            new ColumnSpec("last_edited_time", "timestamptz"),
            new ColumnSpec("in_trash", "boolean"),
            new ColumnSpec("properties", "jsonb"),
            new ColumnSpec("content_hash", "text"),
            new ColumnSpec("synced_at", "timestamptz"));

    /** System columns the deletion sweep sets; a write of the page clears them. */
    public static final List<ColumnSpec> DELETION_COLUMNS = List.of(
            new ColumnSpec("deleted_at", "timestamptz"),
            new ColumnSpec("deleted_reason", "text"));

    /** System columns every mirror table has; no property column may take these names. */
    public static final List<ColumnSpec> SYSTEM_COLUMNS = Stream.concat(PAGE_COLUMNS.stream(), DELETION_COLUMNS.stream()).toList();

    public static final Set<String> RESERVED_NAMES = Set.of("page_id", "url", "created_time", "last_edited_time",
            "in_trash", "properties", "content_hash", "synced_at", "deleted_at", "deleted_reason", "data_source_id");

    /** One Notion property and the columns holding it. */
    public record PropertyColumns(String propertyId, String propertyName, PropertyType type, String columnBase) {
        public List<String> columnNames() {
            return type.columns().stream().map(c -> ColumnNames.columnName(columnBase, c)).toList();
        }

        /**
         * Column name → value for one value of the property.
         *
         * @param values as {@link PropertyType#read} gives them; null when the value is not known (every column NULL)
         */
        public Map<String, Object> named(List<Object> values) {
            List<String> names = columnNames();
            Map<String, Object> named = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                named.put(names.get(i), values == null ? null : values.get(i));
            }
            return named;
        }
    }

    /**
     * Which property lands in which columns: property ids, types and column bases (not names, so a rename changes
     * nothing). Part of every row's content hash, so a row written under another mapping is rewritten by the next
     * read of its page (a full resync rewrites them all), and told apart by the local re-map after a schema change.
     */
    public String mappingSignature() {
        List<String> parts = new ArrayList<>();
        for (PropertyColumns property : properties) {
            parts.add(property.propertyId() + "\u0000" + property.type().name() + "\u0000" + property.columnBase());
        }
        Collections.sort(parts);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (MAPPING_VERSION + "\u0001" + String.join("\u0001", parts)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A row's content_hash: the digest of its Notion content, '/', the mapping it was written under. */
    public String contentHash(String contentDigest) {
        return contentDigest + "/" + mappingSignature();
    }

    /** Every property id of the data source's schema as last read, mapped ones first: what a query should return. */
    public List<String> schemaPropertyIds() {
        List<String> ids = new ArrayList<>();
        properties.forEach(p -> ids.add(p.propertyId()));
        ids.addAll(unmappedPropertyIds);
        return ids;
    }

    public String qualifiedName() {
        return ColumnNames.quote(schema) + "." + ColumnNames.quote(table);
    }

    /** Columns the pull writes, in bind order: the system columns it owns, then every property column. */
    public List<ColumnSpec> writtenColumns() {
        List<ColumnSpec> columns = new ArrayList<>(PAGE_COLUMNS);
        columns.addAll(propertyColumns());
        return columns;
    }

    /** The columns of every mapped property, in bind order. */
    public List<ColumnSpec> propertyColumns() {
        List<ColumnSpec> columns = new ArrayList<>();
        for (PropertyColumns property : properties) {
            for (ColumnSpec spec : property.type().columns()) {
                columns.add(new ColumnSpec(ColumnNames.columnName(property.columnBase(), spec), spec.sqlType()));
            }
        }
        return columns;
    }
}
