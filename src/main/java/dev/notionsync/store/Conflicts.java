package dev.notionsync.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import javax.sql.DataSource;

/** notion_sync.conflicts: a property changed on both sides since the last sync, with both values and the winner. */
public final class Conflicts {

    private final DataSource dataSource;

    public Conflicts(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public record Conflict(String source, String pageId, String propertyId, String propertyName, JsonNode postgresValue,
                           JsonNode notionValue, String policy, String winner, Instant postgresChangedAt, Instant notionEditedAt) {
    }

    public void record(Conflict conflict) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.conflicts (source, page_id, property_id, property_name,"
                     + " postgres_value, notion_value, policy, winner, postgres_changed_at, notion_edited_at)"
                     + " VALUES (?, ?::uuid, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?)")) {
            ps.setString(1, conflict.source());
            ps.setString(2, conflict.pageId());
            ps.setString(3, conflict.propertyId());
            ps.setString(4, conflict.propertyName());
            ps.setString(5, conflict.postgresValue() == null ? null : conflict.postgresValue().toString());
            ps.setString(6, conflict.notionValue() == null ? null : conflict.notionValue().toString());
            ps.setString(7, conflict.policy());
            ps.setString(8, conflict.winner());
            ps.setTimestamp(9, conflict.postgresChangedAt() == null ? null : Timestamp.from(conflict.postgresChangedAt()));
            ps.setTimestamp(10, conflict.notionEditedAt() == null ? null : Timestamp.from(conflict.notionEditedAt()));
            ps.executeUpdate();
        }
    }
}
