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

    public NotionSyncManagement(DeadLetterChannel deadLetters, WebhookInbox inbox, Runnable schemaRefresh) {
        this.deadLetters = deadLetters;
        this.inbox = inbox;
        this.schemaRefresh = schemaRefresh;
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
        return deadLetters.replay(id) ? "resolved"
                : "still failing: " + deadLetters.store().find(id).map(d -> d.lastReplayError()).orElse("?");
    }

    @Override
    public String replayAllDeadLetters() throws Exception {
        List<Long> resolved = deadLetters.replayAll();
        return resolved.size() + " resolved, " + deadLetters.store().countOpen() + " still open";
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
