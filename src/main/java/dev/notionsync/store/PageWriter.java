package dev.notionsync.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.mapping.ColumnNames;
import dev.notionsync.mapping.ColumnSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Writes one result page of mapped rows and the source's watermark in ONE transaction, as one multi-row upsert.
 * A row is written only when its content changed and it is not older than what the table holds, so re-reading
 * pages (the overlap window, a restart) writes nothing.
 */
public final class PageWriter {

    /** The engine's writes are tagged, so change capture on mirror tables can tell them from users' writes. */
    public static final String ENGINE_TAG_SQL = "SELECT set_config('notion_sync.origin', 'engine', true)";

    /** Which side a change the engine writes comes from, for the history trigger (V41): see {@link #tagSide}. */
    public enum Side { NOTION, ENGINE }

    private static final ObjectMapper ROW_JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final DataSource dataSource;
    private final ChangeHistory history;

    public PageWriter(DataSource dataSource) {
        this(dataSource, null);
    }

    /** @param history says which sources' pulls keep who edited their pages last (null: none) */
    public PageWriter(DataSource dataSource, ChangeHistory history) {
        this.dataSource = dataSource;
        this.history = history;
    }

    /**
     * One mapped page: the values of its row, by name.
     *
     * @param properties        the page's properties as JSON text (the raw, lossless copy)
     * @param contentHash       see {@link MirrorTable#contentHash}
     * @param syncedAt          when the page was read
     * @param propertyColumns   column name → value for every property column of the table
     * @param unknownProperties mapped properties whose value the page did not give (absent from it, or a formula or
     *                          rollup Notion did not compute): their stored values are kept, never overwritten by NULL
     * @param unsupportedValues of those, the formulas and rollups Notion answered "unsupported" for
     * @param lastEditedBy      the Notion user who edited the page last (its last_edited_by), or null
     */
    public record Row(String pageId, String url, Instant createdTime, Instant lastEditedTime, boolean inTrash,
                      String properties, String contentHash, Instant syncedAt, Map<String, Object> propertyColumns,
                      int unknownProperties, int unsupportedValues, String lastEditedBy) {

        /** Column name → value for the columns the pull writes ({@link MirrorTable#writtenColumns()}). */
        Map<String, Object> values() {
            Map<String, Object> values = new HashMap<>(propertyColumns);
            values.put("page_id", pageId);
            values.put("url", url);
            values.put("created_time", createdTime);
            values.put("last_edited_time", lastEditedTime);
            values.put("in_trash", inTrash);
            values.put("properties", properties);
            values.put("content_hash", contentHash);
            values.put("synced_at", syncedAt);
            return values;
        }
    }

    public record Outcome(int inserted, int updated, int unchanged) {
    }

    public Outcome write(MirrorTable table, List<Row> rows, String source, Instant newWatermark) throws SQLException {
        return write(table, rows, source, newWatermark, null, false, false);
    }

    /** Who edited each page last, newest edit kept (see {@link ChangeHistory#recordsEditors}). */
    private static void writeEditors(Connection c, List<Row> rows) throws SQLException {
        Map<String, Object> byPage = new LinkedHashMap<>();
        for (Row row : rows) {
            if (row.lastEditedBy() != null && row.lastEditedTime() != null) {
                byPage.put(row.pageId(), Map.of("page_id", row.pageId(), "user_id", row.lastEditedBy(), "last_edited_time", row.lastEditedTime().toString()));
            }
        }
        if (byPage.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.page_editors (page_id, user_id, last_edited_time)"
                + " SELECT page_id, user_id, last_edited_time FROM json_populate_recordset(NULL::notion_sync.page_editors, CAST(? AS json))"
                + " ON CONFLICT (page_id) DO UPDATE SET user_id = EXCLUDED.user_id, last_edited_time = EXCLUDED.last_edited_time"
                + " WHERE page_editors.last_edited_time <= EXCLUDED.last_edited_time AND page_editors.user_id <> EXCLUDED.user_id")) {
            ps.setString(1, ROW_JSON.writeValueAsString(byPage.values()));
            ps.executeUpdate();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes the page Notion returned for a push, so the next pull finds nothing new. A row created in PostgreSQL
     * ({@code localId} not null) first takes the id of the page created for it. Written even when Notion's content
     * is unchanged: the row's columns may hold a value Notion refused or a conflict decided against.
     */
    public void writePushed(MirrorTable table, Row row, String localId) throws SQLException {
        write(table, List.of(row), null, null, localId, true, false);
    }

    /**
     * As {@link #writePushed}, but only over a row that still exists: a row the user deleted while its update was in
     * flight stays deleted (its DELETE, in the outbox, decides about the page).
     */
    public void writePushedIfPresent(MirrorTable table, Row row) throws SQLException {
        write(table, List.of(row), null, null, null, true, true);
    }

    /**
     * verify --repair's write of a row that differs from its page: as {@link #writePushedIfPresent}, and only while the
     * row has no change of its own waiting for the push (or dead-lettered). The row's lock is taken first, so a user's
     * UPDATE committed after the comparison read the row (its outbox entry with it) is seen, and never overwritten.
     *
     * @return whether the row was written (not when it is gone, has such a change, or holds a newer read of the page)
     */
    public boolean writeRepair(MirrorTable table, Row row) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                boolean written = false;
                if (lockedWithoutLocalChange(c, table, row.pageId())) {
                    Map<String, Row> one = new LinkedHashMap<>();
                    one.put(row.pageId(), row);
                    Outcome outcome = write(c, table, one, List.of(row), null, null, null, true, false);
                    written = outcome.inserted() + outcome.updated() > 0;
                }
                c.commit();
                return written;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Locks the page's row; true when it exists and no change of it waits in notion_sync.outbox (read after the lock). */
    private static boolean lockedWithoutLocalChange(Connection c, MirrorTable table, String pageId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + table.qualifiedName() + " WHERE \"page_id\" = ?::uuid FOR UPDATE")) {
            ps.setString(1, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
            }
        }
        // a statement of its own: under READ COMMITTED it sees what a transaction that held the row's lock committed
        try (PreparedStatement ps = c.prepareStatement("SELECT NOT EXISTS (SELECT 1 FROM notion_sync.outbox WHERE table_schema = ? AND table_name = ?"
                + " AND page_id = ?::uuid AND status IN ('pending', 'dead_letter'))")) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            ps.setString(3, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Says, for the rest of the transaction, which side the engine's writes come from and who made them: the history
     * and change events of a row (V41) record it. {@code authors}: page id -> Notion user id (JSON), for mirror rows;
     * {@code actor}: who, for a row without a page id of its own (a bound table's).
     */
    public static void tagSide(Connection c, Side side, String authors, String actor) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('notion_sync.side', ?, true),"
                + " set_config('notion_sync.authors', ?, true), set_config('notion_sync.actor', ?, true)")) {
            ps.setString(1, side.name().toLowerCase(java.util.Locale.ROOT));
            ps.setString(2, authors == null ? "" : authors);
            ps.setString(3, actor == null ? "" : actor);
            ps.execute();
        }
    }

    /** The rows' editors as {@link #tagSide} takes them. */
    private static String authors(List<Row> rows) {
        Map<String, String> authors = new LinkedHashMap<>();
        rows.forEach(row -> {
            if (row.lastEditedBy() != null) {
                authors.put(row.pageId(), row.lastEditedBy());
            }
        });
        try {
            return authors.isEmpty() ? null : ROW_JSON.writeValueAsString(authors);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Removes the row of a page the engine trashed as the engine's write (no change is captured): the page a lost create
     * answer made for a row deleted since. The row's outbox DELETE ({@code deleteIds}) is about that page from now on,
     * in the same transaction, so a pull's read of it from before the trash stays out (see notDeletedInPostgres).
     */
    public void deleteWithdrawnRow(MirrorTable table, String pageId, List<Long> deleteIds) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement tag = c.prepareStatement(ENGINE_TAG_SQL);
                 PreparedStatement outbox = c.prepareStatement("UPDATE notion_sync.outbox SET page_id = ?::uuid WHERE id = ANY (?)"
                         + " AND operation = 'DELETE'");
                 PreparedStatement ps = c.prepareStatement("DELETE FROM " + table.qualifiedName() + " WHERE \"page_id\" = ?::uuid")) {
                tag.execute();
                outbox.setString(1, pageId);
                outbox.setArray(2, c.createArrayOf("bigint", deleteIds.toArray()));
                outbox.executeUpdate();
                ps.setString(1, pageId);
                ps.executeUpdate();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The row as PostgreSQL's to_jsonb renders it (column name → value); empty when there is no such row. */
    public Map<String, JsonNode> readRow(MirrorTable table, String pageId) throws SQLException {
        Map<String, JsonNode> columns = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT to_jsonb(t.*)::text FROM " + table.qualifiedName() + " t WHERE \"page_id\" = ?::uuid")) {
            ps.setString(1, pageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    try {
                        ROW_JSON.readTree(rs.getString(1)).fields()
                                .forEachRemaining(e -> columns.put(e.getKey(), e.getValue()));
                    } catch (JsonProcessingException e) {
                        throw new SQLException("unreadable row " + pageId + " of " + table.table(), e);
                    }
                }
            }
        }
        return columns;
    }

    private Outcome write(MirrorTable table, List<Row> rows, String source, Instant newWatermark, String localId, boolean evenUnchanged,
                          boolean onlyExisting) throws SQLException {
        Map<String, Row> newest = new LinkedHashMap<>();
        for (Row row : rows) {
            // one statement cannot touch a row twice: keep the newest copy of a page seen twice in a batch
            newest.merge(row.pageId(), row, (a, b) -> b.lastEditedTime().isBefore(a.lastEditedTime()) ? a : b);
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Outcome outcome = write(c, table, newest, rows, source, newWatermark, localId, evenUnchanged, onlyExisting);
                if (history != null && history.recordsEditors(source)) {
                    writeEditors(c, List.copyOf(newest.values()));
                }
                c.commit();
                return outcome;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * As {@link #writePushed}, in the caller's transaction (which this tags as the engine's): the push of a bound
     * table writes its shadow mirror row and its link together, so the Apply bridge never sees one without the other.
     */
    public static void writePushed(Connection c, MirrorTable table, Row row) throws SQLException {
        Map<String, Row> one = new LinkedHashMap<>();
        one.put(row.pageId(), row);
        write(c, table, one, List.of(row), null, null, null, true, false);
    }

    private static Outcome write(Connection c, MirrorTable table, Map<String, Row> newest, List<Row> rows, String source, Instant newWatermark,
                                 String localId, boolean evenUnchanged, boolean onlyExisting) throws SQLException {
        try (PreparedStatement tag = c.prepareStatement(ENGINE_TAG_SQL)) {
            tag.execute();
        }
        // a pull writes Notion's edits; a push's write-back and a repair are the engine's own writes
        tagSide(c, source != null ? Side.NOTION : Side.ENGINE, authors(rows), null);
        if (localId != null) {
            String pageId = rows.get(0).pageId();
            // the pull may have brought the new page in as a row of its own before this write-back (a create
            // whose answer was lost is adopted later): the row made in PostgreSQL is that page, keep one row. The
            // copy's delete is no delete of the page: the history trigger is told so (V43)
            try (PreparedStatement merging = c.prepareStatement("SELECT set_config('notion_sync.merging', ?, true)")) {
                merging.setString(1, pageId);
                merging.execute();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table.qualifiedName() + " WHERE \"page_id\" = ?::uuid"
                    + " AND ?::uuid <> ?::uuid AND EXISTS (SELECT 1 FROM " + table.qualifiedName() + " WHERE \"page_id\" = ?::uuid)")) {
                ps.setString(1, pageId);
                ps.setString(2, pageId);
                ps.setString(3, localId);
                ps.setString(4, localId);
                ps.executeUpdate();
            }
            try (PreparedStatement merged = c.prepareStatement("SELECT set_config('notion_sync.merging', '', true)")) {
                merged.execute();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.qualifiedName()
                    + " SET \"page_id\" = ?::uuid WHERE \"page_id\" = ?::uuid")) {
                ps.setString(1, pageId);
                ps.setString(2, localId);
                if (ps.executeUpdate() == 0) {
                    newest.clear();   // the row was deleted meanwhile: its DELETE, rekeyed below, trashes the page
                }
            }
            Outbox.rekey(c, localId, pageId);
        }
        if (onlyExisting) {
            // locks the row, so a DELETE running now either went first (nothing written) or waits for this write
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + table.qualifiedName()
                    + " WHERE \"page_id\" = ?::uuid FOR UPDATE")) {
                ps.setString(1, rows.get(0).pageId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        newest.clear();
                    }
                }
            }
        }
        int inserted = 0;
        int updated = 0;
        if (!newest.isEmpty()) {
            List<ColumnSpec> columns = table.writtenColumns();
            boolean partial = newest.values().stream().anyMatch(row -> row.unknownProperties() > 0);
            try (PreparedStatement ps = c.prepareStatement(partial ? mergingUpsertSql(table, columns, evenUnchanged)
                    : upsertSql(table, columns, evenUnchanged))) {
                ps.setString(1, RowJson.of(columns, newest.values().stream().map(Row::values).toList()));
                if (partial) {
                    bindPropertyIds(c, ps, table);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getBoolean(1)) {
                            inserted++;
                        } else {
                            updated++;
                        }
                    }
                }
            }
        }
        if (newWatermark != null) {
            Watermarks.advance(c, source, table.dataSourceId(), newWatermark);
        }
        return new Outcome(inserted, updated, newest.size() - inserted - updated);
    }

    /**
     * The upsert for result pages where some rows lack values (see {@link Row#unknownProperties}): a property absent
     * from a row's raw JSON keeps its stored columns and its stored raw value; the rest is as {@link #upsertSql}.
     * Parameters: the rows; for each mapped property with columns, its id; then every mapped property id as text[].
     */
    static String mergingUpsertSql(MirrorTable table, List<ColumnSpec> columns, boolean evenUnchanged) {
        StringBuilder set = new StringBuilder();
        for (MirrorTable.PropertyColumns property : table.properties()) {
            String present = "EXISTS (SELECT 1 FROM jsonb_each(EXCLUDED.\"properties\") AS x WHERE x.value ->> 'id' = CAST(? AS text))";
            List<String> names = property.columnNames();
            if (names.isEmpty()) {
                continue;   // no columns (button): nothing to keep
            }
            // one CASE per property, all its columns at once, so each id is one parameter
            set.append('(');
            set.append(String.join(", ", names.stream().map(ColumnNames::quote).toList()));
            set.append(") = (SELECT ");
            set.append(String.join(", ", names.stream().map(n -> "CASE WHEN p.present THEN EXCLUDED." + ColumnNames.quote(n)
                    + " ELSE t." + ColumnNames.quote(n) + " END").toList()));
            set.append(" FROM (SELECT ").append(present).append(" AS present) AS p), ");
        }
        // stored raw values of mapped properties the new JSON lacks, under the new JSON (which wins where both have one)
        set.append("\"properties\" = coalesce((SELECT jsonb_object_agg(s.key, s.value) FROM jsonb_each(t.\"properties\") AS s")
                .append(" WHERE s.value ->> 'id' = ANY (CAST(? AS text[]))")
                .append(" AND NOT EXISTS (SELECT 1 FROM jsonb_each(EXCLUDED.\"properties\") AS x WHERE x.value ->> 'id' = s.value ->> 'id')),")
                .append(" '{}'::jsonb) || EXCLUDED.\"properties\", ");
        StringBuilder sql = insertRows(table, columns, evenUnchanged);
        sql.append(" ON CONFLICT (\"page_id\") DO UPDATE SET ").append(set);
        for (ColumnSpec column : MirrorTable.PAGE_COLUMNS) {
            if (!column.suffix().equals("page_id") && !column.suffix().equals("properties")) {
                String name = ColumnNames.quote(column.suffix());
                sql.append(name).append(" = EXCLUDED.").append(name).append(", ");
            }
        }
        return sql.append(undeletedIfNewer(evenUnchanged)).toString();
    }

    /**
     * INSERT ... SELECT of the rows (one JSON array parameter) into the table. A pull's write ({@code evenUnchanged}
     * false) leaves out pages whose DELETE waits in the outbox; the push's own write-back does not.
     */
    private static StringBuilder insertRows(MirrorTable table, List<ColumnSpec> columns, boolean evenUnchanged) {
        String names = String.join(", ", columns.stream().map(column -> ColumnNames.quote(column.suffix())).toList());
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table.qualifiedName()).append(" AS t (").append(names)
                .append(") SELECT ").append(names).append(" FROM json_populate_recordset(NULL::").append(table.qualifiedName())
                .append(", CAST(? AS json)) AS r");
        if (!evenUnchanged) {
            sql.append(notDeletedInPostgres(table));
        }
        return sql;
    }

    /**
     * The end of both upserts' SET: a page seen again after it came back from deletion is no longer deleted; a row is
     * written only when its content changed or its page's last_edited_time moved (an edit of the page's body alone moves
     * it: page content sync reads the page's body again by it), or always, for the push's write-back; never with an
     * older page. Notion cuts last_edited_time to the minute, so within one minute synced_at decides: a read's rows
     * carry the time it was asked for, a write-back's the time Notion answered it, and a query answered before a push's
     * PATCH (but committed after its write-back) never puts the page back as it was. A read refused so is read again by
     * the next poll's overlap.
     */
    private static String undeletedIfNewer(boolean evenUnchanged) {
        return "\"deleted_at\" = NULL, \"deleted_reason\" = NULL"
                + " WHERE (t.\"content_hash\" IS DISTINCT FROM EXCLUDED.\"content_hash\" OR t.\"deleted_at\" IS NOT NULL"
                + " OR t.\"last_edited_time\" < EXCLUDED.\"last_edited_time\""
                + (evenUnchanged ? " OR true)" : ")")
                + " AND (t.\"last_edited_time\" IS NULL OR t.\"last_edited_time\" < EXCLUDED.\"last_edited_time\""
                + " OR (t.\"last_edited_time\" = EXCLUDED.\"last_edited_time\" AND (t.\"synced_at\" IS NULL OR t.\"synced_at\" <= EXCLUDED.\"synced_at\")))"
                + " RETURNING (xmax = 0)";
    }

    /**
     * A pull's rows leave out pages whose row a user deleted and whose DELETE still waits in the outbox: the pull
     * re-reads recently edited pages on every poll, and would otherwise bring the deleted row back. The push of the
     * DELETE decides (trash, or the row back under the conflict policy). So do reads asked before that push was done
     * (synced_at is when the read was asked): a query answered while the page was still live, but written after the
     * push trashed it. (The comparison is of the engine's clock with the database's; a skew only widens or narrows
     * that window by itself.)
     */
    private static String notDeletedInPostgres(MirrorTable table) {
        return " WHERE NOT EXISTS (SELECT 1 FROM notion_sync.outbox o WHERE o.operation = 'DELETE'"
                + " AND (o.status = 'pending' OR o.processed_at >= r.\"synced_at\")"
                + " AND o.page_id = r.\"page_id\" AND o.table_schema = " + ColumnNames.literal(table.schema())
                + " AND o.table_name = " + ColumnNames.literal(table.table()) + ")";
    }

    /** Binds the property ids {@link #mergingUpsertSql} asks for, after the rows. */
    private static void bindPropertyIds(Connection c, PreparedStatement ps, MirrorTable table) throws SQLException {
        int parameter = 2;
        List<String> ids = new ArrayList<>();
        for (MirrorTable.PropertyColumns property : table.properties()) {
            if (!property.columnNames().isEmpty()) {
                ps.setString(parameter++, property.propertyId());
            }
            ids.add(property.propertyId());
        }
        ps.setArray(parameter, c.createArrayOf("text", ids.toArray()));
    }

    static String upsertSql(MirrorTable table, List<ColumnSpec> columns, boolean evenUnchanged) {
        StringBuilder sql = insertRows(table, columns, evenUnchanged);
        sql.append(" ON CONFLICT (\"page_id\") DO UPDATE SET ");
        for (ColumnSpec column : columns) {
            if (!column.suffix().equals("page_id")) {
                String name = ColumnNames.quote(column.suffix());
                sql.append(name).append(" = EXCLUDED.").append(name).append(", ");
            }
        }
        return sql.append(undeletedIfNewer(evenUnchanged)).toString();
    }
}
