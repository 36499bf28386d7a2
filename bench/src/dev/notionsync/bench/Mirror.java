package dev.notionsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares a mirror table with the simulator's pages: every page once (no duplicate ids, no missing or extra rows),
 * and each row's content fingerprint (last_edited_time, in_trash and the raw property JSON) equal to the page's.
 */
final class Mirror {

    /** The outcome of one comparison; {@link #identical()} when nothing differs. */
    record Diff(int expected, long rows, long distinctIds, int missing, int extra, int different, List<String> examples) {
        boolean identical() {
            return rows == expected && distinctIds == rows && missing == 0 && extra == 0 && different == 0;
        }

        @Override
        public String toString() {
            return "expected " + expected + " pages; table has " + rows + " rows, " + distinctIds + " distinct ids; missing " + missing
                    + ", extra " + extra + ", content differs " + different + (examples.isEmpty() ? "" : " e.g. " + examples);
        }
    }

    private record Row(Instant lastEdited, boolean inTrash, String properties) {
    }

    private Mirror() {
    }

    /** Numbers compare by value: the engine re-serialises them (1.0 may come back as 1), which is not a difference. */
    private static final Comparator<JsonNode> BY_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    static Diff compare(String dbUrl, String table, List<ObjectNode> pages) throws SQLException {
        Map<String, Row> rows = new HashMap<>();
        long count;
        long distinct;
        try (Connection c = DriverManager.getConnection(dbUrl); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT page_id) FROM notion." + table)) {
                rs.next();
                count = rs.getLong(1);
                distinct = rs.getLong(2);
            }
            try (ResultSet rs = st.executeQuery("SELECT page_id::text, last_edited_time, in_trash, properties::text FROM notion." + table
                    + " WHERE deleted_at IS NULL")) {
                while (rs.next()) {
                    rows.put(rs.getString(1), new Row(rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getBoolean(3), rs.getString(4)));
                }
            }
        }
        int missing = 0;
        int different = 0;
        List<String> examples = new ArrayList<>();
        for (ObjectNode page : pages) {
            String id = page.path("id").asText();
            Row row = rows.remove(id);
            if (row == null) {
                missing++;
                if (examples.size() < 3) examples.add("missing " + id);
                continue;
            }
            boolean same = row.lastEdited().equals(Instant.parse(page.path("last_edited_time").asText()))
                    && row.inTrash() == page.path("in_trash").asBoolean(false)
                    && parse(row.properties()).equals(BY_VALUE, page.path("properties"));
            if (!same) {
                different++;
                if (examples.size() < 3) examples.add("differs " + id);
            }
        }
        return new Diff(pages.size(), count, distinct, missing, rows.size(), different, examples);
    }

    private static JsonNode parse(String json) {
        try {
            return Sim.JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
