package dev.notionsync.manage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.notionsync.store.DeadLetters.DeadLetter;
import dev.notionsync.store.WebhookInbox;
import java.lang.management.ManagementFactory;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * The operator's handle on a running instance: dead letters (list, replay) and backlogs. One implementation serves
 * JMX (and so Jolokia and Hawtio) and the HTTP endpoints under /observe/dead-letters on the management port.
 */
public final class NotionSyncManagement implements NotionSyncMBean {

    public static final String OBJECT_NAME = "dev.notionsync:type=NotionSync,name=notion-sync";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DeadLetterChannel deadLetters;
    private final WebhookInbox inbox;
    private final Runnable schemaRefresh;
    private final org.apache.camel.CamelContext context;
    private final javax.sql.DataSource dataSource;
    private final List<String> sources;
    private final dev.notionsync.report.Reports reports;

    public NotionSyncManagement(DeadLetterChannel deadLetters, WebhookInbox inbox, Runnable schemaRefresh,
                                org.apache.camel.CamelContext context, javax.sql.DataSource dataSource, List<String> sources,
                                dev.notionsync.report.Reports reports) {
        this.reports = reports;
        this.deadLetters = deadLetters;
        this.inbox = inbox;
        this.schemaRefresh = schemaRefresh;
        this.context = context;
        this.dataSource = dataSource;
        this.sources = sources;
    }

    @Override
    public String sourceStatus() throws Exception {
        ArrayNode list = JSON.createArrayNode();
        try (java.sql.Connection c = dataSource.getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT r.outcome, r.started_at, r.finished_at, r.pages_read, r.pages_inserted,"
                     + " r.pages_updated, r.error, w.watermark, extract(epoch FROM now() - w.watermark),"
                     + " (SELECT extract(epoch FROM now() - max(finished_at)) FROM notion_sync.sync_runs"
                     + "   WHERE source = w.source AND kind = 'pull' AND outcome = 'ok')"
                     + " FROM (SELECT ?::text AS source, (SELECT min(last_edited_time) FROM notion_sync.watermarks WHERE source = ?) AS watermark) w"
                     + " LEFT JOIN LATERAL (SELECT * FROM notion_sync.sync_runs WHERE source = w.source AND kind = 'pull' ORDER BY id DESC LIMIT 1) r ON true")) {
            for (String source : sources) {
                var node = list.addObject().put("source", source)
                        .put("paused", context.getRouteController().getRouteStatus("poll-" + source) != org.apache.camel.ServiceStatus.Started);
                ps.setString(1, source);
                ps.setString(2, source);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    node.put("last_outcome", rs.getString(1)).put("last_started_at", instant(rs, 2))
                            .put("last_finished_at", instant(rs, 3)).put("last_pages_read", rs.getInt(4))
                            .put("last_pages_inserted", rs.getInt(5)).put("last_pages_updated", rs.getInt(6))
                            .put("last_error", rs.getString(7)).put("watermark", instant(rs, 8));
                    seconds(node, "lag_seconds", rs, 9);
                    seconds(node, "seconds_since_last_ok_run", rs, 10);
                }
                // failing: the latest finished run failed (the latest run may still be under way)
                var finished = new dev.notionsync.store.SyncRuns(dataSource).lastPull(source);
                node.put("failing", finished.isPresent() && "failed".equals(finished.get().outcome()))
                        .put("failing_error", finished.filter(r -> "failed".equals(r.outcome())).map(r -> r.error()).orElse(null))
                        .put("permanent_error_status", finished.filter(r -> r.failedPermanently()).map(r -> r.permanentErrorStatus()).orElse(null));
            }
        }
        return list.toString();
    }

    private static void seconds(com.fasterxml.jackson.databind.node.ObjectNode node, String field, java.sql.ResultSet rs, int column)
            throws java.sql.SQLException {
        double seconds = rs.getDouble(column);
        if (rs.wasNull()) {
            node.putNull(field);
        } else {
            node.put(field, Math.round(seconds));
        }
    }

    /** ISO 8601 in UTC, or null: the same text whatever the JVM's time zone. */
    private static String instant(java.sql.ResultSet rs, int column) throws java.sql.SQLException {
        java.time.OffsetDateTime time = rs.getObject(column, java.time.OffsetDateTime.class);
        return time == null ? null : time.toInstant().toString();
    }

    @Override
    public String syncNow(String source) {
        requireSource(source);
        producer().sendBody("direct:pull-" + source, null);
        return "pulled " + source;
    }

    @Override
    public String fullResync(String source) throws Exception {
        requireSource(source);
        try (java.sql.Connection c = dataSource.getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.watermarks WHERE source = ?")) {
            ps.setString(1, source);
            ps.executeUpdate();
        }
        schemaRefresh.run();
        return syncNow(source) + " from the beginning";
    }

    @Override
    public String pauseSource(String source) throws Exception {
        requireSource(source);
        context.getRouteController().suspendRoute("poll-" + source);
        return "paused " + source;
    }

    @Override
    public String resumeSource(String source) throws Exception {
        requireSource(source);
        context.getRouteController().resumeRoute("poll-" + source);
        return "resumed " + source;
    }

    @Override
    public String replayDeadLetters() throws Exception {
        return replayAllDeadLetters();
    }

    private org.apache.camel.ProducerTemplate producer;

    /** One template for the MBean's lifetime: each template holds a producer cache. */
    private synchronized org.apache.camel.ProducerTemplate producer() {
        if (producer == null) {
            producer = context.createProducerTemplate();
        }
        return producer;
    }

    private void requireSource(String source) {
        if (!sources.contains(source)) {
            throw new IllegalArgumentException("no pulled source named '" + source + "'; sources: " + String.join(", ", sources));
        }
    }

    @Override
    public String runReport(String id) {
        return reports.run(id);
    }

    @Override
    public String refreshSchemas() {
        schemaRefresh.run();
        return "schemas are re-read at each source's next run";
    }

    @Override
    public long getOpenDeadLetters() throws Exception {
        return deadLetters.store().countOpen();
    }

    @Override
    public long getInboxBacklog() throws Exception {
        return inbox.backlog();
    }

    @Override
    public String listDeadLetters() throws Exception {
        ArrayNode list = JSON.createArrayNode();
        for (DeadLetter d : deadLetters.store().list(true, 1000)) {
            list.addObject().put("id", d.id()).put("route_id", d.routeId()).put("endpoint_uri", d.endpointUri())
                    .put("exception_class", d.exceptionClass()).put("exception_message", d.exceptionMessage())
                    .put("attempts", d.attempts()).put("failed_at", d.failedAt().toString()).put("status", d.status())
                    .put("replay_count", d.replayCount()).put("last_replay_error", d.lastReplayError()).put("body", d.body());
        }
        return list.toString();
    }

    @Override
    public String replayDeadLetter(long id) throws Exception {
        return replayDeadLetter(id, false);
    }

    @Override
    public String replayDeadLetterForced(long id) throws Exception {
        return replayDeadLetter(id, true);
    }

    public String replayDeadLetter(long id, boolean force) throws Exception {
        return deadLetters.replay(id, force) ? "resolved"
                : "still failing: " + deadLetters.store().find(id).map(d -> d.lastReplayError()).orElse("?");
    }

    @Override
    public String replayAllDeadLetters() throws Exception {
        return replayAllDeadLetters(false);
    }

    public String replayAllDeadLetters(boolean force) throws Exception {
        List<Long> resolved = deadLetters.replayAll(force);
        return resolved.size() + " resolved, " + deadLetters.store().countOpen() + " still open";
    }

    @Override
    public long getPendingWebhookHandshakes() throws Exception {
        return inbox.handshakes().stream().filter(h -> h.status().equals("pending")).count();
    }

    @Override
    public String webhookToken() throws Exception {
        var answer = JSON.createObjectNode();
        ArrayNode pending = answer.putArray("pending");
        answer.putNull("in_force");
        if (inbox.tokenConfigured()) {
            answer.put("in_force", "setting notion.webhook.verification-token");
        }
        for (WebhookInbox.Handshake h : inbox.handshakes()) {
            if (h.status().equals("confirmed") && !inbox.tokenConfigured()) {
                answer.put("in_force", "handshake #" + h.id() + " (fingerprint " + h.fingerprint() + ")");
            } else if (h.status().equals("pending")) {
                pending.addObject().put("id", h.id()).put("received_at", h.receivedAt().toString())
                        .put("received_from", h.receivedFrom()).put("fingerprint", h.fingerprint());
            }
        }
        return answer.toString();
    }

    @Override
    public String confirmWebhookToken(long id) throws Exception {
        if (inbox.tokenConfigured()) {
            throw new IllegalArgumentException("notion.webhook.verification-token (NOTION_WEBHOOK_TOKEN) is set, and the setting is"
                    + " always in force: change the setting instead");
        }
        if (!inbox.confirmHandshake(id)) {
            throw new IllegalArgumentException("no webhook handshake #" + id + "; 'notion-sync webhook-token' lists the pending ones");
        }
        return "webhook handshake #" + id + " is now the token in force";
    }

    public void register() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName(OBJECT_NAME);
        if (server.isRegistered(name)) {
            server.unregisterMBean(name);
        }
        server.registerMBean(new StandardMBean(this, NotionSyncMBean.class), name);
    }

    public void unregister() {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(new ObjectName(OBJECT_NAME));
        } catch (Exception ignored) {
            // already gone
        }
    }
}
