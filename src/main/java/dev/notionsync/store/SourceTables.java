package dev.notionsync.store;

import dev.notionsync.mapping.ColumnNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which mirror table holds which data source of a source (notion_sync.source_tables), keyed by data source id: the
 * order of a database's data sources can change in Notion, the table of each never does. The configured table goes to
 * one data source, every other one gets {@code <table>_<first 8 hex digits of its id>}.
 */
public final class SourceTables {

    private static final Logger LOG = LoggerFactory.getLogger(SourceTables.class);

    private final DataSource dataSource;
    private final String schema;

    public SourceTables(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    /** The own table of a data source that does not get the configured one. */
    public static String suffixedTable(String baseTable, String dataSourceId) {
        return baseTable + "_" + dataSourceId.replace("-", "").substring(0, 8);
    }

    /**
     * The table of each data source (in the given order), assigning tables to data sources seen for the first time.
     * A new data source gets its suffixed table if that exists (it had it before assignments were recorded), else
     * the configured table if no data source has it yet, preferring one already read into it (it has a watermark),
     * else its suffixed table.
     */
    public Map<String, String> assign(String source, String baseTable, List<String> dataSourceIds) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                    lock.setString(1, "notion-sync source tables " + schema + "." + baseTable);
                    lock.execute();
                }
                Map<String, String> tables = recorded(c, baseTable);
                List<String> unassigned = new ArrayList<>();
                for (String id : dataSourceIds) {
                    if (!tables.containsKey(id)) {
                        unassigned.add(id);
                    }
                }
                if (!unassigned.isEmpty()) {
                    Map<String, String> added = new LinkedHashMap<>();
                    List<String> rest = new ArrayList<>();
                    for (String id : unassigned) {
                        if (tableExists(c, suffixedTable(baseTable, id))) {
                            added.put(id, suffixedTable(baseTable, id));
                        } else {
                            rest.add(id);
                        }
                    }
                    if (!rest.isEmpty() && !tables.containsValue(baseTable)) {
                        String owner = rest.get(0);
                        for (String id : rest) {
                            if (hasWatermark(c, source, id)) {
                                owner = id;
                                break;
                            }
                        }
                        added.put(owner, baseTable);
                        rest.remove(owner);
                    }
                    rest.forEach(id -> added.put(id, suffixedTable(baseTable, id)));
                    for (Map.Entry<String, String> entry : added.entrySet()) {
                        record(c, source, baseTable, entry.getKey(), entry.getValue());
                        LOG.info("source {}: data source {} is mirrored into table {}", source, entry.getKey(), entry.getValue());
                    }
                    tables.putAll(added);
                }
                c.commit();
                Map<String, String> result = new LinkedHashMap<>();
                dataSourceIds.forEach(id -> result.put(id, tables.get(id)));
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private Map<String, String> recorded(Connection c, String baseTable) throws SQLException {
        Map<String, String> tables = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT data_source_id::text, table_name FROM notion_sync.source_tables"
                + " WHERE table_schema = ? AND base_table = ?")) {
            ps.setString(1, schema);
            ps.setString(2, baseTable);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return tables;
    }

    private boolean tableExists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, ColumnNames.quote(schema) + "." + ColumnNames.quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static boolean hasWatermark(Connection c, String source, String dataSourceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM notion_sync.watermarks WHERE source = ? AND data_source_id = CAST(? AS uuid))")) {
            ps.setString(1, source);
            ps.setString(2, dataSourceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void record(Connection c, String source, String baseTable, String dataSourceId, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.source_tables"
                + " (table_schema, base_table, data_source_id, table_name, source) VALUES (?, ?, CAST(? AS uuid), ?, ?)")) {
            ps.setString(1, schema);
            ps.setString(2, baseTable);
            ps.setString(3, dataSourceId);
            ps.setString(4, table);
            ps.setString(5, source);
            ps.executeUpdate();
        }
    }
}
