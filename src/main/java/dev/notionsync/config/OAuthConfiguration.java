package dev.notionsync.config;

import dev.notionsync.manage.NotionOAuth;
import dev.notionsync.manage.OAuthEndpoints;
import dev.notionsync.manage.OAuthHealthCheck;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionConnection;
import dev.notionsync.notion.NotionConnections;
import dev.notionsync.notion.OAuthClient;
import dev.notionsync.notion.TokenCipher;
import dev.notionsync.store.OAuthConnections;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;

import javax.sql.DataSource;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The beans of routes/notion-oauth.camel.yaml and the OAuth endpoints: public connections that workspaces authorize
 * (GET /oauth/notion/url on the management port, GET /oauth/notion/callback on the business port), their tokens
 * stored encrypted and refreshed every notion.oauth.refresh-every.
 */
public final class OAuthConfiguration implements AreaConfiguration {

    private final NotionOAuth.Settings settings;
    private final NotionApiSettings api;
    private final DataSource dataSource;
    private final boolean endpoints;
    private NotionOAuth oauth;

    /** @param endpoints whether to serve the link and the callback (not in a one-shot engine without servers) */
    public OAuthConfiguration(Settings settings, NotionApiSettings api, DataSource dataSource, boolean endpoints) {
        this.settings = settings(settings);
        this.api = api;
        this.dataSource = dataSource;
        this.endpoints = endpoints;
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

    /**
     * Registers every OAuth connection: those the settings declare (notion.connection.&lt;name&gt;.auth = oauth), those
     * stored by an earlier authorization, and each one authorized while the engine runs. Each gets a door of its own
     * whose token is the stored one (decrypted at need), refreshed after a 401.
     */
    @Override
    public void configure(CamelContext context) throws Exception {
        NotionApi notion = AreaConfiguration.bean(context, "notionApi", NotionApi.class);
        NotionConnections connections = AreaConfiguration.bean(context, "notionConnections", NotionConnections.class);
        OAuthConnections stored = new OAuthConnections(dataSource);
        oauth = new NotionOAuth(settings, stored, notion, Clock.systemUTC());
        Map<String, NotionApiSettings.Connection> declared = new LinkedHashMap<>();
        api.connections().stream().filter(NotionApiSettings.Connection::oauth).forEach(c -> declared.put(c.name(), c));
        Set<String> withToken = new HashSet<>();
        api.connections().stream().filter(c -> !c.oauth()).forEach(c -> withToken.add(c.name()));
        OAuthClient client = oauth.configured() ? new OAuthClient(settings.clientId(), settings.clientSecret()) : null;
        Consumer<String> door = name -> {
            synchronized (connections) {
                if (connections.find(name).isEmpty()) {
                    NotionApiSettings.Connection set = declared.get(name);
                    NotionConnection connection = connections.register(name, () -> oauth.tokenFor(name), set != null ? set.rate() : api.rate(),
                            set != null ? set.version() : api.version(), "the OAuth authorization of connection " + name
                                    + " (GET " + NotionOAuth.URL_PATH + "?connection=" + name + " on the management port)");
                    connection.http().oauthClient(client);
                    connection.http().tokenRefresher(oauth::refreshAfterRefusal);
                }
            }
        };
        oauth.connections(door, withToken::contains);
        declared.keySet().forEach(door);
        if (!declared.isEmpty() && !oauth.configured()) {
            throw new SettingsException("connection(s) " + String.join(", ", declared.keySet()) + " are authorized through OAuth"
                    + " (notion.connection.<name>.auth = oauth), which needs " + String.join(", ", settings.missing()));
        }
        for (OAuthConnections.Stored connection : stored.all()) {
            if (!withToken.contains(connection.name())) {
                door.accept(connection.name());
            }
        }
        context.getRegistry().bind("notionOAuth", oauth);
        HealthCheckRegistry.get(context).register(new OAuthHealthCheck(oauth, declared.keySet()));
    }

    @Override
    public void started(CamelContext context) {
        if (endpoints) {
            OAuthEndpoints.install(context, oauth);
        }
    }
}
