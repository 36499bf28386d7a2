package dev.notionsync.notion;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The public integration's OAuth client (notion.oauth.client-id and client-secret): how the door authenticates calls
 * to /v1/oauth/* (HTTP Basic, as Notion's token endpoint asks), instead of a connection's bearer token.
 */
public record OAuthClient(String id, String secret) {

    public static final String PATH_PREFIX = "/v1/oauth/";

    public String authorization() {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "OAuthClient[id=" + id + ", secret=***]";
    }
}
