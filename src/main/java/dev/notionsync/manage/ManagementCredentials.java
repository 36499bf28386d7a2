package dev.notionsync.manage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The management user and password (notion.management.user / .password): they guard Jolokia, the operator endpoints
 * and the Hawtio console, and the operator commands and the console send them. Never logged; {@link #toString()}
 * hides the password.
 */
public record ManagementCredentials(String user, String password) {

    /** The value of an HTTP Authorization header carrying these credentials (Basic). */
    public String authorization() {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Whether a request's Authorization header carries these credentials; compared in constant time. */
    public boolean accepts(String authorizationHeader) {
        if (authorizationHeader == null) {
            return false;
        }
        // the scheme name is case-insensitive (RFC 7617), the credentials are compared whole
        String header = authorizationHeader.strip();
        String normalized = header.regionMatches(true, 0, "Basic ", 0, 6) ? "Basic " + header.substring(6).strip() : header;
        return MessageDigest.isEqual(authorization().getBytes(StandardCharsets.UTF_8), normalized.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "ManagementCredentials[user=" + user + ", password=***]";
    }
}
