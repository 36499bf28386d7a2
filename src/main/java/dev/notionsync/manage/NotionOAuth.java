package dev.notionsync.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionConnections;
import dev.notionsync.notion.NotionHttp;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.notion.TokenCipher;
import dev.notionsync.store.OAuthConnections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Public connections through OAuth: the authorize URL (with a one-time state naming the connection), the callback
 * that exchanges the code for tokens and stores them encrypted, the access token each call of a connection sends,
 * and its refresh. Every engine on the database shares the stored tokens: a refresh happens with the connection's row
 * locked, and an engine whose token Notion refused first looks whether another engine refreshed it already.
 */
public final class NotionOAuth {

    private static final Logger LOG = LoggerFactory.getLogger(NotionOAuth.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public static final String URL_PATH = "/oauth/notion/url";
    public static final String CALLBACK_PATH = "/oauth/notion/callback";

    /**
     * notion.oauth.*: the public integration's client, where Notion sends the browser back, the key tokens are
     * encrypted with (null: OAuth refused), how long an authorize URL stays good and how often tokens are refreshed.
     */
    public record Settings(String clientId, String clientSecret, String redirectUri, TokenCipher cipher, String apiBaseUrl,
                           Duration stateLifetime, Duration refreshEvery) {
        /** The settings OAuth still lacks, as environment variables; empty when it is set up. */
        public List<String> missing() {
            return java.util.stream.Stream.of(
                    blank(clientId) ? "NOTION_OAUTH_CLIENT_ID" : null,
                    blank(clientSecret) ? "NOTION_OAUTH_CLIENT_SECRET" : null,
                    blank(redirectUri) ? "NOTION_OAUTH_REDIRECT_URI" : null,
                    cipher == null ? "NOTION_OAUTH_TOKEN_KEY" : null).filter(java.util.Objects::nonNull).toList();
        }

        private static boolean blank(String value) {
            return value == null || value.isBlank();
        }

        @Override
        public String toString() {
            return "OAuth.Settings[clientId=" + clientId + ", clientSecret=***, redirectUri=" + redirectUri + "]";
        }
    }

    /** A request OAuth cannot serve, with the HTTP status to answer and a message saying what to do. */
    public static final class Refused extends Exception {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final Settings settings;
    private final OAuthConnections store;
    private final NotionApi notion;
    private final Clock clock;
    /** Decrypted access tokens by connection: what this engine sends until Notion refuses one. */
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    /** Makes sure a connection has its door (idempotent): OAuth's own calls for it, and its sources' calls, go through it. */
    private volatile Consumer<String> door = name -> { };
    /** Names of connections set with a token: not for OAuth. */
    private volatile Predicate<String> tokenConnection = name -> false;

    public NotionOAuth(Settings settings, OAuthConnections store, NotionApi notion, Clock clock) {
        this.settings = settings;
        this.store = store;
        this.notion = notion;
        this.clock = clock;
    }

    /**
     * @param door            makes sure a connection's door exists (OAuth calls go through the door of the connection
     *                        they are for, with its budget)
     * @param tokenConnection whether a name is a connection set with a token (refused as an OAuth name)
     */
    public void connections(Consumer<String> door, Predicate<String> tokenConnection) {
        this.door = door;
        this.tokenConnection = tokenConnection;
    }

    public boolean configured() {
        return settings.missing().isEmpty();
    }

    /** What GET /oauth/notion/url and the callback answer while OAuth is not set up: how auth works now, what to set. */
    public ObjectNode notConfigured() {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("auth_method", "internal integration token (NOTION_TOKEN and notion.connection.<name>.token)");
        answer.put("oauth", "not configured");
        answer.set("set", JSON.valueToTree(settings.missing()));
        answer.put("message", "OAuth for a public integration needs " + String.join(", ", settings.missing())
                + (settings.cipher() == null ? " (the token key: 32 random bytes, base64, e.g. `openssl rand -base64 32`; tokens are stored encrypted with it)" : "")
                + "; set them in the environment and restart");
        return answer;
    }

    /**
     * The URL to send a person to so their workspace authorizes the integration as connection {@code connection}.
     * Its state is random, stored as a hash, good once and for notion.oauth.state-lifetime.
     */
    public ObjectNode authorizeUrl(String connection) throws Refused, Exception {
        if (!configured()) {
            throw new Refused(503, notConfigured().path("message").asText());
        }
        if (connection == null || !NAME.matcher(connection).matches()) {
            throw new Refused(400, "give the connection's name: GET " + URL_PATH + "?connection=<name> (letters, digits, '-' and '_', at most 64)");
        }
        if (NotionConnections.DEFAULT.equals(connection)) {
            throw new Refused(409, "connection " + NotionConnections.DEFAULT + " is NOTION_TOKEN's (every source that names no connection uses it):"
                    + " give the OAuth connection another name");
        }
        if (tokenConnection.test(connection)) {
            throw new Refused(409, "connection " + connection + " is set with a token (notion.connection." + connection + ".token or NOTION_TOKEN):"
                    + " give the OAuth connection another name");
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String state = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Instant expires = clock.instant().plus(settings.stateLifetime());
        store.saveState(NotionHttp.sha256(state), connection, expires);
        String url = settings.apiBaseUrl() + "/v1/oauth/authorize?client_id=" + encode(settings.clientId()) + "&response_type=code&owner=user"
                + "&redirect_uri=" + encode(settings.redirectUri()) + "&state=" + encode(state);
        ObjectNode answer = JSON.createObjectNode();
        answer.put("connection", connection);
        answer.put("url", url);
        answer.put("expires_at", expires.toString());
        return answer;
    }

    /**
     * The callback Notion sends the browser to: takes the state once, exchanges the code for tokens (the door, HTTP
     * Basic with the client) and stores them encrypted. Returns the connection's name and workspace.
     */
    public ObjectNode callback(String code, String state, String error) throws Refused, Exception {
        if (!configured()) {
            throw new Refused(503, notConfigured().path("message").asText());
        }
        String connection = state == null || state.isBlank() ? null : store.takeState(NotionHttp.sha256(state));
        if (connection == null) {
            throw new Refused(400, "this authorization link is unknown, used already or expired: ask for a new one (GET " + URL_PATH + "?connection=<name>)");
        }
        if (error != null && !error.isBlank()) {
            throw new Refused(400, "the workspace did not authorize connection " + connection + " (" + sanitize(error)
                    + "): ask for a new link and approve the access");
        }
        if (code == null || code.isBlank()) {
            throw new Refused(400, "Notion sent no code: ask for a new link (GET " + URL_PATH + "?connection=" + connection + ")");
        }
        ObjectNode request = JSON.createObjectNode();
        request.put("grant_type", "authorization_code");
        request.put("code", code);
        request.put("redirect_uri", settings.redirectUri());
        JsonNode answer;
        try {
            door.accept(connection);
            answer = notion.on(connection).call(NotionRequest.post("/v1/oauth/token", request.toString()));
        } catch (NotionApiException e) {
            throw new Refused(e.status() == 401 ? 502 : 400, e.status() == 401
                    ? "Notion refused the integration's client credentials: check NOTION_OAUTH_CLIENT_ID and NOTION_OAUTH_CLIENT_SECRET"
                    : "Notion refused the code (" + e.code() + "): ask for a new link (GET " + URL_PATH + "?connection=" + connection + ")");
        }
        String accessToken = answer.path("access_token").asText("");
        String workspaceId = answer.path("workspace_id").asText("");
        if (accessToken.isEmpty() || workspaceId.isEmpty()) {
            throw new Refused(502, "Notion's answer held no access token or workspace: try again");
        }
        String workspaceName = answer.path("workspace_name").asText(null);
        String existing = store.connectionOf(workspaceId);
        if (existing != null && !existing.equals(connection)) {
            // Notion keeps one grant per workspace: this authorization ended the tokens of the workspace's connection
            store.authorize(existing, tokens(existing, answer));
            tokens.put(existing, accessToken);
            LOG.info("oauth: workspace '{}' authorized again, as connection {}: its authorization is renewed (no connection {} made)",
                    workspaceName, existing, connection);
            throw new Refused(409, "workspace \u201c" + workspaceName + "\u201d is connection " + existing + " already: its authorization"
                    + " is renewed; no connection " + connection + " was made (a workspace is one connection)");
        }
        try {
            store.authorize(connection, tokens(connection, answer));
        } catch (OAuthConnections.NameTaken e) {
            throw new Refused(409, e.getMessage());
        }
        tokens.put(connection, accessToken);
        LOG.info("oauth: workspace '{}' authorized as connection {}", workspaceName, connection);
        ObjectNode result = JSON.createObjectNode();
        result.put("connection", connection);
        result.put("workspace_id", workspaceId);
        result.put("workspace_name", workspaceName);
        return result;
    }

    /** The access token calls of this connection send now; an error saying what to do when there is none. */
    public String accessToken(String connection) throws Exception {
        String token = tokens.get(connection);
        if (token != null) {
            return token;
        }
        OAuthConnections.Stored stored = store.find(connection);
        if (stored == null) {
            throw new IllegalStateException("connection " + connection + " is not authorized yet: open the link from GET " + URL_PATH
                    + "?connection=" + connection + " (management port) in a browser signed in to the workspace");
        }
        if (stored.revoked()) {
            throw new IllegalStateException("connection " + connection + " is revoked: " + stored.statusDetail());
        }
        token = settings.cipher().decrypt(stored.accessToken(), connection);
        // a refresh that finished meanwhile put the newer token: it stays
        String cached = tokens.putIfAbsent(connection, token);
        return cached != null ? cached : token;
    }

    /**
     * The token a call of this connection sends (the door's token supplier): an error saying what to do, which the
     * door does not retry, while the connection is not authorized, is revoked or its token cannot be read.
     */
    public String tokenFor(String connection) {
        try {
            return accessToken(connection);
        } catch (Exception e) {
            throw new NotionApiException("connection " + connection, 401, "not_authorized", e.getMessage(), null);
        }
    }

    /**
     * Notion refused a token of this connection (401; the token named by its SHA-256): a newer token another engine
     * stored is taken up; otherwise the refresh token is spent (with the row locked), unless the refused token is
     * one refreshed moments ago (then Notion refuses the connection itself, not an old token). Without a refresh
     * token, or when Notion refuses it, the connection is revoked. True when a call may be sent again with the
     * connection's token now.
     */
    public boolean refreshAfterRefusal(String connection, String refusedTokenHash) throws Exception {
        tokens.remove(connection);
        Instant justNow = clock.instant().minus(RECENT_REFRESH);
        OAuthConnections.Stored after;
        try {
            after = store.refresh(connection, current -> {
            if (current.revoked()) {
                return null;
            }
            String stored = settings.cipher().decrypt(current.accessToken(), connection);
            if (!NotionHttp.sha256(stored).equals(refusedTokenHash)) {
                return null;   // another engine refreshed it meanwhile
            }
            if (current.refreshedAt() != null && current.refreshedAt().isAfter(justNow)) {
                throw new RefreshedJustNow();
            }
            return refreshed(current, "Notion refused its access token (401)");
            });
        } catch (RefreshedJustNow e) {
            LOG.warn("oauth: connection {}: {}", connection, e.getMessage());
            return false;
        }
        return remember(after);
    }

    /** A token refreshed this recently and refused again is not refreshed again: Notion refuses the connection. */
    private static final Duration RECENT_REFRESH = Duration.ofSeconds(5);

    private static final class RefreshedJustNow extends Exception {
        RefreshedJustNow() {
            super("its token was refreshed moments ago and Notion refuses the new one too: check that the workspace still shares the pages");
        }
    }

    /** Refreshes the tokens of every active connection with a refresh token older than notion.oauth.refresh-every. */
    public int refreshDue() throws Exception {
        int refreshed = 0;
        if (!configured()) {
            return 0;
        }
        Instant due = clock.instant().minus(settings.refreshEvery());
        for (OAuthConnections.Stored connection : store.all()) {
            Instant last = connection.refreshedAt() != null ? connection.refreshedAt() : connection.authorizedAt();
            if (connection.revoked() || connection.refreshToken() == null || last.isAfter(due)) {
                continue;
            }
            OAuthConnections.Stored after = store.refresh(connection.name(), current -> {
                Instant latest = current.refreshedAt() != null ? current.refreshedAt() : current.authorizedAt();
                if (current.revoked() || current.refreshToken() == null || latest.isAfter(due)) {
                    return null;   // another engine was first
                }
                return refreshed(current, "its refresh was due");
            });
            if (remember(after)) {
                refreshed++;
            }
        }
        return refreshed;
    }

    /** Caches the token of a connection as stored after a refresh; false when it is gone or revoked. */
    private boolean remember(OAuthConnections.Stored after) {
        if (after == null || after.revoked()) {
            return false;
        }
        tokens.put(after.name(), settings.cipher().decrypt(after.accessToken(), after.name()));
        return true;
    }

    /**
     * Why an active connection's stored token cannot be used (notion.oauth.token-key does not decrypt it), or null.
     * Never the token.
     */
    public String unreadable(OAuthConnections.Stored connection) {
        if (connection.revoked() || settings.cipher() == null) {
            return null;
        }
        try {
            settings.cipher().decrypt(connection.accessToken(), connection.name());
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The stored connections as health shows them: name, workspace, active or revoked and why. No token. */
    public List<OAuthConnections.Stored> connections() throws Exception {
        return store.all();
    }

    /** New tokens for {@code current} (its row locked by the caller), or its revocation. */
    private OAuthConnections.Refreshed refreshed(OAuthConnections.Stored current, String why) throws Exception {
        String name = current.name();
        if (current.refreshToken() == null) {
            LOG.warn("oauth: connection {} revoked: Notion refused its token and there is no refresh token", name);
            return new OAuthConnections.Revoked("Notion refused its access token and issued no refresh token: authorize again (GET "
                    + URL_PATH + "?connection=" + name + ")");
        }
        ObjectNode request = JSON.createObjectNode();
        request.put("grant_type", "refresh_token");
        request.put("refresh_token", settings.cipher().decrypt(current.refreshToken(), name));
        JsonNode answer;
        try {
            answer = notion.on(name).call(NotionRequest.post("/v1/oauth/token", request.toString()));
        } catch (NotionApiException e) {
            if (e.isTransient() || e.status() == 401) {
                // Notion unreachable, or our client credentials refused: the grant itself may be fine, try again later
                throw e;
            }
            LOG.warn("oauth: connection {} revoked: Notion refused its refresh token ({})", name, e.code());
            return new OAuthConnections.Revoked("Notion refused its refresh token (" + e.code() + "): the workspace removed the connection"
                    + " or the token expired; authorize again (GET " + URL_PATH + "?connection=" + name + ")");
        }
        LOG.info("oauth: connection {} refreshed ({})", name, why);
        return tokens(name, answer);
    }

    private OAuthConnections.Tokens tokens(String connection, JsonNode answer) {
        String refresh = answer.path("refresh_token").isTextual() ? answer.path("refresh_token").asText() : null;
        return new OAuthConnections.Tokens(answer.path("workspace_id").asText(""), answer.path("workspace_name").asText(null),
                answer.path("bot_id").asText(null), settings.cipher().encrypt(answer.path("access_token").asText(), connection),
                refresh == null ? null : settings.cipher().encrypt(refresh, connection));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** A value from the query string, safe to show: short, printable. */
    private static String sanitize(String value) {
        String printable = value.replaceAll("[^A-Za-z0-9 _.:-]", "?");
        return printable.length() <= 80 ? printable : printable.substring(0, 80);
    }
}
