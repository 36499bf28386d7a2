package dev.notionsync.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** notion_sync.operator_audit (V40): what operators did, who, from where, and how it ended. */
public final class OperatorAudit {

    /** Longer details are cut: an outcome is a sentence, not a report. */
    static final int DETAIL_MAX = 2000;
    private static final Logger LOG = LoggerFactory.getLogger(OperatorAudit.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataSource dataSource;
    private final String instance;

    public OperatorAudit(DataSource dataSource, String instance) {
        this.dataSource = dataSource;
        this.instance = instance;
    }

    /** Records one action; a database that does not take it is logged, never in the action's way. */
    public void record(String actor, String origin, String action, String target, boolean ok, String detail) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notion_sync.operator_audit (actor, origin, action, target, outcome, detail, instance)"
                     + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, actor);
            ps.setString(2, origin);
            ps.setString(3, action);
            ps.setString(4, target);
            ps.setString(5, ok ? "ok" : "failed");
            ps.setString(6, detail == null || detail.length() <= DETAIL_MAX ? detail : detail.substring(0, DETAIL_MAX) + "...");
            ps.setString(7, instance);
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.warn("operator action not recorded in notion_sync.operator_audit ({}): {} {} by {} from {}, {}", e.getMessage(), action,
                    target, actor, origin, ok ? "ok" : "failed");
        }
    }

    /** The latest actions, newest first, as a JSON array. */
    public String recent(int limit) throws SQLException {
        ArrayNode list = JSON.createArrayNode();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, at, actor, origin, action, target, outcome, detail, instance"
                     + " FROM notion_sync.operator_audit ORDER BY id DESC LIMIT ?")) {
            ps.setInt(1, Math.max(1, Math.min(limit, 1000)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    list.addObject().put("id", rs.getLong(1)).put("at", rs.getTimestamp(2).toInstant().toString()).put("actor", rs.getString(3))
                            .put("origin", rs.getString(4)).put("action", rs.getString(5)).put("target", rs.getString(6))
                            .put("outcome", rs.getString(7)).put("detail", rs.getString(8)).put("instance", rs.getString(9));
                }
            }
        }
        return list.toString();
    }
}
