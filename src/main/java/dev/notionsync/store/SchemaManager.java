package dev.notionsync.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.mapping.ColumnNames;
import dev.notionsync.mapping.ColumnNames.NamedProperty;
import dev.notionsync.mapping.ColumnSpec;
import dev.notionsync.mapping.PropertyType;
import dev.notionsync.mapping.PropertyTypes;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a mirror table in step with its data source's schema. Columns are keyed by property id in
 * notion_sync.column_catalog: a renamed property keeps its column, a removed one keeps its column (marked removed),
 * a property whose type changed gets new columns beside the old ones, which keep their data.
 */
public final class SchemaManager {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaManager.class);

    private final DataSource dataSource;
    private final String schema;

    public SchemaManager(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    /** Creates the mirror schema; done once at start, before any route, so no two sources race to create it. */
    public void createSchema() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + ColumnNames.quote(schema));
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState()) && !"42P06".equals(e.getSQLState())) {
                throw e;   // else another instance created it at the same moment
            }
        }
    }

    /**
     * Creates or alters {@code table} for the data source object returned by GET /v1/data_sources/{id}. With
     * {@code captureChanges} (push and both sources) it also installs the change capture trigger that fills
     * notion_sync.outbox, and lets rows be inserted without a page id (they get a local one until the page exists).
     */
    public MirrorTable ensure(String table, JsonNode dataSourceObject, boolean captureChanges) throws SQLException {
        String dataSourceId = dataSourceObject.path("id").asText();
        Map<String, JsonNode> schemaProperties = new LinkedHashMap<>();
        dataSourceObject.path("properties").forEach(p -> schemaProperties.put(p.path("id").asText(), p));
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lockTable(c, table);
                createTable(c, table);
                Map<String, CatalogEntry> catalog = readCatalog(c, table);
                List<MirrorTable.PropertyColumns> mapped = new ArrayList<>();
                List<NamedProperty> toName = new ArrayList<>();
                Map<String, String> existing = new HashMap<>();
                Map<String, PropertyType> types = new LinkedHashMap<>();
                List<String> unmapped = new ArrayList<>();
                for (JsonNode property : schemaProperties.values()) {
                    String id = property.path("id").asText();
                    String type = property.path("type").asText();
                    var mapping = PropertyTypes.of(type);
                    if (mapping.isEmpty()) {
                        LOG.warn("Table {}: property '{}' has type '{}', which this version does not map; its values are kept in the properties jsonb column",
                                table, property.path("name").asText(), type);
                        unmapped.add(id);
                        continue;
                    }
                    types.put(id, mapping.get());
                    String key = catalogKey(id, type);
                    toName.add(new NamedProperty(key, property.path("name").asText(), mapping.get()));
                    if (catalog.containsKey(key)) {
                        existing.put(key, catalog.get(key).columnBase());
                    }
                }
                Set<String> reserved = new HashSet<>(MirrorTable.RESERVED_NAMES);
                // columns of removed or retyped properties keep their names: new ones must not reuse them
                catalog.forEach((key, entry) -> {
                    if (!existing.containsKey(key)) {
                        reserved.addAll(ColumnNames.columnsOf(entry.columnBase(), PropertyTypes.of(entry.type()).orElse(null)));
                    }
                });
                Map<String, String> bases = ColumnNames.assign(toName, existing, reserved);
                for (JsonNode property : schemaProperties.values()) {
                    String id = property.path("id").asText();
                    PropertyType type = types.get(id);
                    if (type == null) {
                        continue;
                    }
                    String name = property.path("name").asText();
                    String base = bases.get(catalogKey(id, type.name()));
                    mapped.add(new MirrorTable.PropertyColumns(id, name, type, base));
                    upsertCatalog(c, table, id, name, type.name(), base);
                    for (ColumnSpec spec : type.columns()) {
                        addColumn(c, table, ColumnNames.columnName(base, spec), spec.sqlType());
                    }
                }
                markRemoved(c, table, catalog, types);
                MirrorTable mirror = new MirrorTable(schema, table, dataSourceId, List.copyOf(mapped), List.copyOf(unmapped));
                if (captureChanges) {
                    installCapture(c, mirror);
                }
                c.commit();
                remap(c, mirror);
                return mirror;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Whether the data source object maps a property (by id and type) that the table's columns do not map yet: one
     * added, or retyped, since the schema was last ensured. False before the table's first mapping.
     */
    public boolean mapsNewProperties(String table, JsonNode dataSourceObject) throws SQLException {
        Map<String, CatalogEntry> catalog;
        try (Connection c = dataSource.getConnection()) {
            catalog = readCatalog(c, table);
        }
        if (catalog.isEmpty()) {
            return false;
        }
        for (JsonNode property : dataSourceObject.path("properties")) {
            String type = property.path("type").asText();
            CatalogEntry entry = catalog.get(catalogKey(property.path("id").asText(), type));
            if (PropertyTypes.of(type).isPresent() && (entry == null || entry.removed())) {
                return true;
            }
        }
        return false;
    }

    private static final ObjectMapper RAW_JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final int REMAP_BATCH = 500;

    /**
     * Re-maps, from the raw property JSON each row keeps, every row written under another mapping (a property added
     * or retyped since): its typed columns then show what the page held when it was last read, with no Notion read.
     * Rows with a change waiting to be pushed are left alone (their columns hold the user's edit), and so is a row
     * changed while it was being re-mapped (its xmin moved): both are rewritten by the next read of their page.
     */
    private void remap(Connection c, MirrorTable mirror) throws SQLException {
        String signature = mirror.mappingSignature();
        List<ColumnSpec> columns = new ArrayList<>(List.of(new ColumnSpec("page_id", "uuid"), new ColumnSpec("xmin", "text")));
        List<ColumnSpec> propertyColumns = mirror.propertyColumns();
        columns.addAll(propertyColumns);
        StringBuilder update = new StringBuilder("UPDATE ").append(mirror.qualifiedName()).append(" AS t SET ");
        for (ColumnSpec column : propertyColumns) {
            String name = ColumnNames.quote(column.suffix());
            update.append(name).append(" = r.").append(name).append(", ");
        }
        update.append("\"content_hash\" = split_part(t.\"content_hash\", '/', 1) || '/' || ?")
                .append(" FROM json_array_elements(CAST(? AS json)) AS e(v), LATERAL json_populate_record(NULL::")
                .append(mirror.qualifiedName()).append(", e.v) AS r")
                .append(" WHERE t.\"page_id\" = r.\"page_id\" AND t.xmin::text = e.v ->> 'xmin'")
                .append(" AND NOT EXISTS (SELECT 1 FROM notion_sync.outbox o WHERE o.page_id = t.\"page_id\" AND o.status = 'pending')");
        String select = "SELECT \"page_id\"::text, xmin::text, \"properties\"::text FROM " + mirror.qualifiedName()
                + " WHERE \"properties\" IS NOT NULL AND split_part(coalesce(\"content_hash\", ''), '/', 2) <> ? AND \"page_id\" > CAST(? AS uuid)"
                + " ORDER BY \"page_id\" LIMIT " + REMAP_BATCH;
        String after = "00000000-0000-0000-0000-000000000000";
        int remapped = 0;
        while (true) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int read = 0;
            try (PreparedStatement ps = c.prepareStatement(select)) {
                ps.setString(1, signature);
                ps.setString(2, after);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        read++;
                        after = rs.getString(1);
                        try {
                            rows.add(remapped(mirror, rs.getString(1), rs.getString(2), rs.getString(3)));
                        } catch (RuntimeException e) {
                            LOG.warn("Table {}: row {} cannot be re-mapped from its stored properties ({}); it is rewritten when its page is read again",
                                    mirror.table(), rs.getString(1), e.getMessage());
                        }
                    }
                }
            }
            c.commit();
            try {
                remapped += update(c, update.toString(), signature, columns, rows);
            } catch (SQLException e) {
                if (!isDataError(e)) {
                    throw e;
                }
                for (Map<String, Object> row : rows) {   // one value PostgreSQL refuses must not hold back the others
                    try {
                        remapped += update(c, update.toString(), signature, columns, List.of(row));
                    } catch (SQLException refused) {
                        if (!isDataError(refused)) {
                            throw refused;
                        }
                        LOG.warn("Table {}: row {} cannot be re-mapped ({}); it is rewritten when its page is read again",
                                mirror.table(), row.get("page_id"), refused.getMessage());
                    }
                }
            }
            if (read < REMAP_BATCH) {
                break;
            }
        }
        if (remapped > 0) {
            LOG.info("Table {}: {} rows re-mapped from their stored properties after a schema change (no Notion reads)",
                    mirror.table(), remapped);
        }
    }

    /** One transaction of the re-map, tagged as the engine's so change capture ignores it; returns the rows changed. */
    private static int update(Connection c, String sql, String signature, List<ColumnSpec> columns, List<Map<String, Object>> rows) throws SQLException {
        if (rows.isEmpty()) {
            return 0;
        }
        try {
            try (PreparedStatement tag = c.prepareStatement(PageWriter.ENGINE_TAG_SQL)) {
                tag.execute();
            }
            int changed;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, signature);
                ps.setString(2, RowJson.of(columns, rows));
                changed = ps.executeUpdate();
            }
            c.commit();
            return changed;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        }
    }

    /** PostgreSQL refused the data itself (SQLSTATE class 22 or 23), as opposed to being unreachable. */
    private static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /** One row's typed values from its raw properties, by column name; a property absent from them (never read) stays NULL. */
    private static Map<String, Object> remapped(MirrorTable mirror, String pageId, String xmin, String propertiesJson) {
        Map<String, JsonNode> byId = new HashMap<>();
        try {
            RAW_JSON.readTree(propertiesJson).forEach(value -> byId.put(value.path("id").asText(), value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable properties of row " + pageId + " in " + mirror.table(), e);
        }
        Map<String, Object> values = new HashMap<>();
        values.put("page_id", pageId);
        values.put("xmin", xmin);
        for (MirrorTable.PropertyColumns property : mirror.properties()) {
            JsonNode value = byId.get(property.propertyId());
            boolean current = value != null && property.type().name().equals(value.path("type").asText());
            // a value read under its old type, or never read: NULL
            values.putAll(property.named(current ? property.type().read(value) : null));
        }
        return values;
    }

    private static String catalogKey(String propertyId, String type) {
        return propertyId + "\u0000" + type;
    }

    private record CatalogEntry(String propertyId, String type, String columnBase, boolean removed) {
    }

    private void lockTable(Connection c, String table) throws SQLException {
        // DDL of one schema is serialised: two sources (or instances) creating the schema or altering a table at once race
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            ps.setString(1, "notion-sync ddl " + schema);
            ps.execute();
        }
    }

    private void createTable(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement()) {
            StringBuilder ddl = new StringBuilder("CREATE TABLE IF NOT EXISTS ")
                    .append(ColumnNames.quote(schema)).append('.').append(ColumnNames.quote(table)).append(" (");
            for (ColumnSpec column : MirrorTable.SYSTEM_COLUMNS) {
                ddl.append(ColumnNames.quote(column.suffix())).append(' ').append(column.sqlType());
                if (column.suffix().equals("page_id")) {
                    ddl.append(" PRIMARY KEY");
                }
                ddl.append(", ");
            }
            ddl.setLength(ddl.length() - 2);
            st.execute(ddl.append(')').toString());
        }
    }

    /**
     * (Re)creates the capture trigger with the current columns as its arguments: writable columns, '|', then the
     * columns of read-only properties (their changes are logged and dropped). Recreated only when they differ.
     */
    private void installCapture(Connection c, MirrorTable mirror) throws SQLException {
        List<String> arguments = new ArrayList<>();
        List<String> readOnly = new ArrayList<>();
        for (MirrorTable.PropertyColumns property : mirror.properties()) {
            List<String> writable = property.type().writableSuffixes();
            for (ColumnSpec spec : property.type().columns()) {
                String column = ColumnNames.columnName(property.columnBase(), spec);
                (writable.contains(spec.suffix()) ? arguments : readOnly).add(column);
            }
        }
        arguments.add("|");
        arguments.addAll(readOnly);
        StringBuilder call = new StringBuilder("notion_sync.capture_change(");
        for (int i = 0; i < arguments.size(); i++) {
            call.append(i == 0 ? "" : ", ").append(ColumnNames.literal(arguments.get(i)));
        }
        call.append(')');
        String wanted = String.join("\u0000", arguments);
        String current = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT tgargs FROM pg_trigger"
                + " WHERE tgname = 'notion_sync_capture' AND tgrelid = to_regclass(?)")) {
            ps.setString(1, mirror.qualifiedName());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    current = new String(rs.getBytes(1), StandardCharsets.UTF_8);
                }
            }
        }
        if (current != null && current.equals(wanted + "\u0000")) {
            return;
        }
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE " + mirror.qualifiedName() + " ALTER COLUMN \"page_id\" SET DEFAULT gen_random_uuid()");
            st.execute("DROP TRIGGER IF EXISTS notion_sync_capture ON " + mirror.qualifiedName());
            st.execute("CREATE TRIGGER notion_sync_capture AFTER INSERT OR UPDATE OR DELETE ON " + mirror.qualifiedName()
                    + " FOR EACH ROW EXECUTE FUNCTION " + call);
        }
        LOG.info("Table {}: change capture installed ({} writable columns)", mirror.table(), arguments.indexOf("|"));
    }

    private void addColumn(Connection c, String table, String column, String sqlType) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE " + ColumnNames.quote(schema) + "." + ColumnNames.quote(table)
                    + " ADD COLUMN IF NOT EXISTS " + ColumnNames.quote(column) + " " + sqlType);
        }
    }

    private Map<String, CatalogEntry> readCatalog(Connection c, String table) throws SQLException {
        Map<String, CatalogEntry> entries = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT property_id, property_type, column_base, removed_at IS NOT NULL FROM notion_sync.column_catalog"
                        + " WHERE table_schema = ? AND table_name = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    CatalogEntry e = new CatalogEntry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4));
                    entries.put(catalogKey(e.propertyId(), e.type()), e);
                }
            }
        }
        return entries;
    }

    private void upsertCatalog(Connection c, String table, String id, String name, String type, String base) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO notion_sync.column_catalog (table_schema, table_name, property_id, property_name, property_type, column_base)"
                        + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (table_schema, table_name, property_id, property_type)"
                        + " DO UPDATE SET property_name = EXCLUDED.property_name, removed_at = NULL, updated_at = now()"
                        + " WHERE column_catalog.property_name IS DISTINCT FROM EXCLUDED.property_name OR column_catalog.removed_at IS NOT NULL")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            ps.setString(3, id);
            ps.setString(4, name);
            ps.setString(5, type);
            ps.setString(6, base);
            ps.executeUpdate();
        }
    }

    private void markRemoved(Connection c, String table, Map<String, CatalogEntry> catalog, Map<String, PropertyType> current) throws SQLException {
        for (Iterator<CatalogEntry> it = catalog.values().iterator(); it.hasNext(); ) {
            CatalogEntry entry = it.next();
            PropertyType now = current.get(entry.propertyId());
            boolean stillMapped = now != null && now.name().equals(entry.type());
            if (stillMapped || entry.removed()) {
                continue;
            }
            LOG.info("Table {}: property {} ({}) is gone or changed type; its columns '{}*' are kept and marked removed",
                    table, entry.propertyId(), entry.type(), entry.columnBase());
            try (PreparedStatement ps = c.prepareStatement("UPDATE notion_sync.column_catalog SET removed_at = now(), updated_at = now()"
                    + " WHERE table_schema = ? AND table_name = ? AND property_id = ? AND property_type = ?")) {
                ps.setString(1, schema);
                ps.setString(2, table);
                ps.setString(3, entry.propertyId());
                ps.setString(4, entry.type());
                ps.executeUpdate();
            }
        }
    }
}
