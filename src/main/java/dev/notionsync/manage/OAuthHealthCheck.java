package dev.notionsync.manage;

import dev.notionsync.store.OAuthConnections;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The connections workspaces authorized through OAuth: DOWN while one is revoked, naming it and what to do. Neither
 * liveness nor readiness: one workspace that removed the integration must not take an instance out of service for
 * every other connection (its sources' lag shows in readiness, as any source's does).
 */
public final class OAuthHealthCheck extends AbstractHealthCheck {

    private final NotionOAuth oauth;

    public OAuthHealthCheck(NotionOAuth oauth) {
        super("notion-sync", "oauth-connections");
        this.oauth = oauth;
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
        for (OAuthConnections.Stored connection : connections) {
            builder.detail("connection." + connection.name(), connection.status() + " (workspace " + connection.workspaceName() + ")");
            if (connection.revoked()) {
                revoked.add("connection " + connection.name() + " (workspace " + connection.workspaceName() + "): " + connection.statusDetail());
            }
        }
        if (revoked.isEmpty()) {
            builder.up();
        } else {
            builder.message(String.join("; ", revoked)).down();
        }
    }
}
