package dev.notionsync.manage;

import dev.notionsync.store.OAuthConnections;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The connections workspaces authorized through OAuth: DOWN while one is revoked, naming it and what to do. Neither
 * liveness nor readiness: one workspace that removed the integration must not take an instance out of service for
 * every other connection (its sources' lag shows in readiness, as any source's does).
 */
public final class OAuthHealthCheck extends AbstractHealthCheck {

    private final NotionOAuth oauth;
    private final Set<String> declared;

    /** @param declared the connections the settings say are authorized through OAuth (their sources wait for it) */
    public OAuthHealthCheck(NotionOAuth oauth, Set<String> declared) {
        super("notion-sync", "oauth-connections");
        this.oauth = oauth;
        this.declared = declared;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<OAuthConnections.Stored> connections;
        try {
            connections = oauth.connections();
        } catch (Exception e) {
            builder.message("cannot read the OAuth connections: " + e.getMessage()).down();
            return;
        }
        List<String> revoked = new ArrayList<>();
        Set<String> waiting = new TreeSet<>(declared);
        for (OAuthConnections.Stored connection : connections) {
            waiting.remove(connection.name());
            builder.detail("connection." + connection.name(), connection.status() + " (workspace " + connection.workspaceName() + ")");
            if (connection.revoked()) {
                revoked.add("connection " + connection.name() + " (workspace " + connection.workspaceName() + "): " + connection.statusDetail());
            } else {
                String unreadable = oauth.unreadable(connection);
                if (unreadable != null) {
                    builder.detail("connection." + connection.name(), "active, its token unreadable (workspace " + connection.workspaceName() + ")");
                    revoked.add(unreadable);
                }
            }
        }
        for (String name : waiting) {
            builder.detail("connection." + name, "not authorized yet");
            revoked.add("connection " + name + " is not authorized yet: ask for a link (GET " + NotionOAuth.URL_PATH + "?connection=" + name
                    + ") and have the workspace approve it");
        }
        if (revoked.isEmpty()) {
            builder.up();
        } else {
            builder.message(String.join("; ", revoked)).down();
        }
    }
}
