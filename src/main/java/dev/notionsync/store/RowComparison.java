package dev.notionsync.store;

import dev.notionsync.mapping.ColumnNames;
import dev.notionsync.mapping.ColumnSpec;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Compares rows as the pull would write them from Notion with the rows a mirror table holds, column by column, in
 * PostgreSQL: the expected rows go through the same json_populate_recordset as the pull's upsert, so a value is
 * compared as its column's type holds it (a numeric 1.50 equals 1.5, a timestamptz in any zone the same instant).
 */
public final class RowComparison {

    /**
     * How one page's row compares.
     *
     * @param missing      the table has no row for the page
     * @param differing    the property columns whose stored value is not Notion's, and deleted_at when the row is
     *                     marked deleted although Notion lists the page
     * @param localChange  the row has a change in notion_sync.outbox not (yet) in Notion (pending or dead-lettered):
     *                     a difference the push explains, never repaired from Notion
     * @param newer        the row was written from a read of the page after the listing was asked for (its synced_at
     *                     is later, or its last_edited_time): a comparison with the older listing says nothing
     */
    public record Compared(String pageId, boolean missing, List<String> differing, boolean localChange, boolean newer) {
        public boolean consistent() {
            return !missing && differing.isEmpty();
        }
    }

    private final DataSource dataSource;

    public RowComparison(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Compares each row (as {@link PageWriter.Row}) with the table's row of its page; in the rows' order.
     *
     * @param listedAt when the listing the rows come from was asked for
     */
    public List<Compared> compare(MirrorTable table, List<PageWriter.Row> rows, Instant listedAt) throws SQLException {
        List<ColumnSpec> written = table.writtenColumns();
        List<String> compared = table.propertyColumns().stream().map(ColumnSpec::suffix).toList();
        Set<String> signed = signedUrlColumns(table);
        String differing = compared.isEmpty() ? "ARRAY[]::text[]" : "array_remove(ARRAY[" + compared.stream()
                .map(name -> "CASE WHEN " + meaning("e", name, signed) + " IS DISTINCT FROM " + meaning("t", name, signed)
                        + " THEN " + ColumnNames.literal(name) + " END")
                .collect(Collectors.joining(", ")) + "]::text[], NULL)";
        String sql = "SELECT e.\"page_id\"::text, t.\"page_id\" IS NULL, " + differing + ", t.\"deleted_at\" IS NOT NULL,"
                + " EXISTS (SELECT 1 FROM notion_sync.outbox o WHERE o.table_schema = ? AND o.table_name = ? AND o.page_id = e.\"page_id\""
                + " AND o.status IN ('pending', 'dead_letter')),"
                + " coalesce(t.\"synced_at\" > ? OR t.\"last_edited_time\" > e.\"last_edited_time\", false)"
                + " FROM json_populate_recordset(NULL::" + table.qualifiedName() + ", CAST(? AS json)) AS e"
                + " LEFT JOIN " + table.qualifiedName() + " AS t ON t.\"page_id\" = e.\"page_id\"";
        List<Compared> result = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            ps.setObject(3, OffsetDateTime.ofInstant(listedAt, ZoneOffset.UTC));
            ps.setString(4, RowJson.of(written, rows.stream().map(PageWriter.Row::values).toList()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    boolean missing = rs.getBoolean(2);
                    List<String> columns = new ArrayList<>();
                    if (!missing) {
                        Array names = rs.getArray(3);
                        columns.addAll(Arrays.asList((String[]) names.getArray()));
                        if (rs.getBoolean(4)) {
                            columns.add("deleted_at");
                        }
                    }
                    result.add(new Compared(rs.getString(1), missing, columns, rs.getBoolean(5), rs.getBoolean(6)));
                }
            }
        }
        return result;
    }

    /**
     * The URL columns of files properties: Notion signs a hosted file's URL anew on every read (its query:
     * X-Amz-Signature, expiry), so the row keeps the URL of the read that wrote it. Compared without the query, as
     * the push compares them (FilesType's meaning of a value).
     */
    private static Set<String> signedUrlColumns(MirrorTable table) {
        Set<String> columns = new HashSet<>();
        for (MirrorTable.PropertyColumns property : table.properties()) {
            if (property.type().name().equals("files")) {
                property.type().columns().stream().filter(spec -> spec.suffix().equals("urls"))
                        .forEach(spec -> columns.add(ColumnNames.columnName(property.columnBase(), spec)));
            }
        }
        return columns;
    }

    private static String meaning(String alias, String column, Set<String> signed) {
        String value = alias + "." + ColumnNames.quote(column);
        return signed.contains(column) ? "CASE WHEN " + value + " IS NULL THEN NULL ELSE ARRAY(SELECT regexp_replace(u.url, '\\?.*$', '')"
                + " FROM unnest(" + value + ") WITH ORDINALITY AS u(url, n) ORDER BY u.n) END" : value;
    }
}
