package dev.notionsync.config;

import dev.notionsync.manage.NotionOAuth;
import dev.notionsync.manage.OAuthEndpoints;
import dev.notionsync.manage.OAuthHealthCheck;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionHttp;
import dev.notionsync.notion.OAuthClient;
import dev.notionsync.notion.TokenCipher;
import dev.notionsync.store.OAuthConnections;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;

import javax.sql.DataSource;
import java.time.Clock;

/**
 * The beans of routes/notion-oauth.camel.yaml and the OAuth endpoints: public connections that workspaces authorize
 * (GET /oauth/notion/url on the management port, GET /oauth/notion/callback on the business port), their tokens
 * stored encrypted and refreshed every notion.oauth.refresh-every.
 */
public final class OAuthConfiguration implements AreaConfiguration {

    private final NotionOAuth.Settings settings;
    private final DataSource dataSource;
    private NotionOAuth oauth;

    public OAuthConfiguration(Settings settings, DataSource dataSource) {
        this.settings = settings(settings);
        this.dataSource = dataSource;
    }

    /** notion.oauth.*; a token key that is set but not a 32-byte base64 key stops the start, saying how to make one. */
    static NotionOAuth.Settings settings(Settings settings) {
        String key = settings.get("notion.oauth.token-key", "");
        TokenCipher cipher;
        try {
            cipher = key.isBlank() ? null : TokenCipher.of(key);
        } catch (IllegalArgumentException e) {
            throw new SettingsException(e.getMessage());
        }
        return new NotionOAuth.Settings(settings.get("notion.oauth.client-id", ""), settings.get("notion.oauth.client-secret", ""),
                settings.get("notion.oauth.redirect-uri", ""), cipher, settings.declared("notion.api.base-url"),
                Durations.parse("notion.oauth.state-lifetime", settings.get("notion.oauth.state-lifetime", "10m")),
                Durations.parse("notion.oauth.refresh-every", settings.get("notion.oauth.refresh-every", "12h")));
    }

    @Override
    public void configure(CamelContext context) {
        NotionApi notion = AreaConfiguration.bean(context, "notionApi", NotionApi.class);
        oauth = new NotionOAuth(settings, new OAuthConnections(dataSource), notion, Clock.systemUTC());
        if (oauth.configured()) {
            // token exchanges go through the default connection's door for now (see the connection of the OAuth client below)
            AreaConfiguration.bean(context, "notionHttp-default", NotionHttp.class).oauthClient(new OAuthClient(settings.clientId(), settings.clientSecret()));
        }
        context.getRegistry().bind("notionOAuth", oauth);
        HealthCheckRegistry.get(context).register(new OAuthHealthCheck(oauth));
    }

    @Override
    public void started(CamelContext context) {
        OAuthEndpoints.install(context, oauth);
    }
}
