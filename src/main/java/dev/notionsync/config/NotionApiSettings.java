package dev.notionsync.config;

import dev.notionsync.notion.NotionConnections;
import dev.notionsync.sync.SourceSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * notion.api.* and notion.connection.&lt;name&gt;.*: the door to Notion: its connections (each a token, its rate and its
 * version), the request budget's tuning, retries and circuit breaker. {@code version} and {@code rate} are those of
 * the default connection, and every named connection's unless it sets its own.
 */
public record NotionApiSettings(List<Connection> connections, String version, int filterPropertiesMax, int rate, Duration rateRecoveryStep,
                                int maxRetries, Duration retryAfterCap, Duration backoffBase, Duration backoffMax,
                                Breaker breaker, double backgroundShare, Duration backgroundMaxWait) {

    /** notion.api.breaker.*: opens when failureRate % of the last calls failed, stays open openWait. */
    public record Breaker(int failureRate, int minimumCalls, int window, Duration openWait) {
    }

    /**
     * One connection as configured: {@value NotionConnections#DEFAULT} is notion.api.token (NOTION_TOKEN); any other
     * is notion.connection.&lt;name&gt;.token, .rate and .version.
     *
     * @param token        null for a connection authorized through OAuth (notion.connection.&lt;name&gt;.auth = oauth): its
     *                     token comes from the workspace's authorization, stored encrypted
     * @param tokenSetting what sets the token, for the messages that say what to do
     * @param shared       notion.connection.&lt;name&gt;.sources = shared: every data source shared with it is a source
     */
    public record Connection(String name, String token, int rate, String version, String tokenSetting, boolean shared) {
        public boolean oauth() {
            return token == null;
        }

        @Override
        public String toString() {
            return "Connection[name=" + name + ", rate=" + rate + ", version=" + version + ", token=***]";
        }
    }

    /** What a named connection's settings may be. */
    private static final Set<String> CONNECTION_KEYS = Set.of("token", "rate", "version", "auth", "sources");

    public static NotionApiSettings of(Settings settings, List<SourceSettings> sources) {
        String version = settings.declared("notion.api.version");
        int rate = settings.getInt("notion.api.rate");
        return new NotionApiSettings(connections(settings, sources, rate, version), version,
                settings.getInt("notion.api.filter-properties-max"), rate,
                settings.getDuration("notion.api.rate-recovery-step"), settings.getInt("notion.api.max-retries"),
                settings.getDuration("notion.api.retry-after-cap"), settings.getDuration("notion.api.backoff-base"),
                settings.getDuration("notion.api.backoff-max"),
                new Breaker(settings.getInt("notion.api.breaker.failure-rate"), settings.getInt("notion.api.breaker.minimum-calls"),
                        settings.getInt("notion.api.breaker.window"), settings.getDuration("notion.api.breaker.open-wait")),
                backgroundShare(settings), settings.getDuration("notion.api.background-max-wait", Duration.ofSeconds(2)));
    }

    /**
     * The default connection (when notion.api.token is set, or a source uses it: `run` refuses to start without its
     * token then, App) and every named one: those the sources name and those set in application.properties or by -D (a
     * connection set only in the environment is found through the source naming it). A source's named connection
     * without a token stops the start, saying what to set.
     */
    static List<Connection> connections(Settings settings, List<SourceSettings> sources, int defaultRate, String defaultVersion) {
        Set<String> named = new TreeSet<>();
        for (String key : settings.keysUnder("notion.connection.")) {
            String rest = key.substring("notion.connection.".length());
            int dot = rest.lastIndexOf('.');
            if (dot <= 0 || !CONNECTION_KEYS.contains(rest.substring(dot + 1))) {
                throw new SettingsException("setting " + key + ": a connection takes notion.connection.<name>.token, .rate, .version, .auth"
                        + " (token or oauth) and .sources (shared, or none)");
            }
            if (rest.substring(0, dot).equals(NotionConnections.DEFAULT)) {
                throw new SettingsException("setting " + key + ": the default connection is set by notion.api.token (NOTION_TOKEN),"
                        + " notion.api.rate and notion.api.version");
            }
            named.add(rest.substring(0, dot));
        }
        Map<String, List<String>> sourcesOf = new HashMap<>();
        for (SourceSettings source : sources) {
            sourcesOf.computeIfAbsent(source.connection(), c -> new ArrayList<>()).add(source.name());
            named.add(source.connection());
        }
        named.remove(NotionConnections.DEFAULT);
        List<Connection> connections = new ArrayList<>();
        String defaultToken = settings.get("notion.api.token");
        if (!defaultToken.isBlank() || sourcesOf.containsKey(NotionConnections.DEFAULT)) {
            connections.add(new Connection(NotionConnections.DEFAULT, defaultToken, defaultRate, defaultVersion, "NOTION_TOKEN",
                    shared(settings, "notion.api.sources")));
        }
        for (String name : named) {
            String prefix = "notion.connection." + name + ".";
            if (!name.matches(NotionConnections.NAME_PATTERN)) {
                throw new SettingsException("connection name '" + name + "' may only use letters, digits, '-' and '_'");
            }
            List<String> users = sourcesOf.getOrDefault(name, List.of());
            String rate = settings.get(prefix + "rate");
            String version = settings.get(prefix + "version");
            String auth = settings.get(prefix + "auth", "token").trim().toLowerCase(java.util.Locale.ROOT);
            if (!auth.equals("token") && !auth.equals("oauth")) {
                throw new SettingsException("setting " + prefix + "auth must be token (notion.connection." + name + ".token) or oauth"
                        + " (a workspace authorizes the public integration), was '" + auth + "'");
            }
            if (auth.equals("oauth")) {
                if (!settings.get(prefix + "token").isBlank()) {
                    throw new SettingsException("connection '" + name + "' is authorized through OAuth (" + prefix + "auth = oauth):"
                            + " leave " + prefix + "token unset");
                }
                connections.add(new Connection(name, null, rate.isBlank() ? defaultRate : rate(prefix + "rate", rate),
                        version.isBlank() ? defaultVersion : version, "the OAuth authorization of connection " + name
                        + " (GET /oauth/notion/url?connection=" + name + " on the management port)", shared(settings, prefix + "sources")));
                continue;
            }
            String token = settings.require(prefix + "token", "the secret of the integration of connection '" + name + "'"
                    + (users.isEmpty() ? "" : ", which source " + String.join(", ", users) + " name" + (users.size() == 1 ? "s" : "")
                    + " (notion.source.<name>.connection)"));
            connections.add(new Connection(name, token, rate.isBlank() ? defaultRate : rate(prefix + "rate", rate),
                    version.isBlank() ? defaultVersion : version, prefix + "token (environment " + Settings.environmentName(prefix + "token") + ")",
                    shared(settings, prefix + "sources")));
        }
        for (int i = 0; i < connections.size(); i++) {
            for (int j = i + 1; j < connections.size(); j++) {
                if (!connections.get(i).oauth() && connections.get(i).token().equals(connections.get(j).token())) {
                    throw new SettingsException("connections '" + connections.get(i).name() + "' and '" + connections.get(j).name()
                            + "' have the same token: one integration's token is one connection with one budget; name the same connection"
                            + " in the sources of both (notion.source.<name>.connection)");
                }
            }
        }
        return List.copyOf(connections);
    }

    /**
     * Whether NOTION_TOKEN is needed: some source uses the default connection (every source does unless it names
     * another with notion.source.&lt;name&gt;.connection), or no source is set yet.
     */
    public static boolean needsDefaultToken(Settings settings) {
        List<String> sources = settings.getList("notion.sources");
        // a public integration may start with no source of its own: its sources come from the workspaces that authorize it
        boolean oauthSources = !settings.get("notion.oauth.client-id").isBlank() && settings.get("notion.oauth.sources", "none").trim().equalsIgnoreCase("shared");
        return sources.isEmpty() ? !oauthSources : sources.stream().map(name -> settings.get("notion.source." + name + ".connection").trim())
                .anyMatch(connection -> connection.isEmpty() || connection.equals(NotionConnections.DEFAULT));
    }

    /** notion.connection.&lt;name&gt;.sources: shared (every data source shared with the connection) or none (the default). */
    private static boolean shared(Settings settings, String key) {
        String value = settings.get(key, "none").trim().toLowerCase(java.util.Locale.ROOT);
        if (!value.equals("shared") && !value.equals("none")) {
            throw new SettingsException("setting " + key + " must be shared (every data source shared with the connection becomes a source)"
                    + " or none, was '" + value + "'");
        }
        return value.equals("shared");
    }

    private static int rate(String key, String value) {
        try {
            int rate = Integer.parseInt(value.trim());
            if (rate >= 1) {
                return rate;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new SettingsException("setting " + key + " must be a whole number of requests per second, at least 1, was '" + value + "'");
    }

    /** notion.api.background-share: a fraction (0.3) or a percentage (30%) of the budget; older files lack it (0.5). */
    static double backgroundShare(Settings settings) {
        String value = settings.get("notion.api.background-share", "0.5").trim();
        try {
            double share = value.endsWith("%") ? Double.parseDouble(value.substring(0, value.length() - 1).trim()) / 100
                    : Double.parseDouble(value);
            if (share > 0 && share <= 1) {
                return share;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new SettingsException("notion.api.background-share = " + value
                + ": give the part of the Notion budget content, comments and users may use, above 0 and at most 1 (0.5) or a percentage (50%)");
    }

    @Override
    public String toString() {
        return "NotionApiSettings[version=" + version + ", rate=" + rate + ", connections=" + connections + "]";
    }
}
