package dev.notionsync.store;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A subscriber's endpoint URI as it may be shown (listings, logs, errors, dead letters, the audit log). Camel's own
 * masking knows options named like a password or a token, not the secrets subscribers' URLs carry elsewhere: a Slack,
 * Teams or Zapier webhook's path, a {@code ?sig=} or {@code ?code=} query. So every query value is masked, and an HTTP
 * URL shows its first path segment only, as does any user info; the name tells subscriptions apart.
 */
public final class EndpointUri {

    static final String MASK = "***";
    /** Shorter fragments are not searched for in a text: masking "1" or "on" everywhere would garble every message. */
    private static final int SHORTEST_SECRET = 4;

    private final String uri;
    private final String shown;
    private final List<String> secrets;

    private EndpointUri(String uri) {
        this.uri = uri;
        Set<String> found = new LinkedHashSet<>();
        this.shown = mask(uri, found);
        List<String> all = new ArrayList<>();
        for (String secret : found) {
            all.add(secret);
            try {
                // a '+' is a space in a form-encoded query, itself in a path: a message may quote either
                all.add(URLDecoder.decode(secret, StandardCharsets.UTF_8));
                all.add(URLDecoder.decode(secret.replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException notEncoded) {
                // a stray '%': the fragment as written is all a text can hold
            }
        }
        this.secrets = all.stream().filter(s -> s.length() >= SHORTEST_SECRET).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    public static EndpointUri of(String uri) {
        return new EndpointUri(uri == null ? "" : uri);
    }

    /** The URI with its user info, its query values and (HTTP) the path after its first segment masked. */
    public String shown() {
        return shown;
    }

    /** The text with the URI, and every part of it that is masked when shown, replaced: for errors and log lines. */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String safe = uri.isEmpty() ? text : text.replace(uri, shown);
        for (String secret : secrets) {
            safe = safe.replace(secret, MASK);
        }
        return safe;
    }

    private static String mask(String uri, Set<String> secrets) {
        int colon = uri.indexOf(':');
        if (colon < 0) {
            return uri;
        }
        String scheme = uri.substring(0, colon + 1);
        String rest = uri.substring(colon + 1);
        int q = rest.indexOf('?');
        String query = q < 0 ? null : rest.substring(q + 1);
        String beforeQuery = q < 0 ? rest : rest.substring(0, q);
        boolean http = scheme.toLowerCase(Locale.ROOT).startsWith("http");
        StringBuilder out = new StringBuilder(scheme);
        String path = beforeQuery;
        if (beforeQuery.startsWith("//")) {
            int slash = beforeQuery.indexOf('/', 2);
            String authority = slash < 0 ? beforeQuery.substring(2) : beforeQuery.substring(2, slash);
            path = slash < 0 ? "" : beforeQuery.substring(slash);
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                secrets.add(authority.substring(0, at));
                for (String part : authority.substring(0, at).split(":")) {
                    secrets.add(part);
                }
                authority = MASK + authority.substring(at);
            }
            out.append("//").append(authority);
        }
        out.append(http ? maskPath(path, secrets) : path);
        if (query != null) {
            out.append('?');
            String[] pairs = query.split("&", -1);
            for (int i = 0; i < pairs.length; i++) {
                int eq = pairs[i].indexOf('=');
                if (eq < 0) {
                    out.append(pairs[i]);
                } else {
                    secrets.add(pairs[i].substring(eq + 1));
                    out.append(pairs[i], 0, eq + 1).append(MASK);
                }
                if (i < pairs.length - 1) {
                    out.append('&');
                }
            }
        }
        return out.toString();
    }

    /** "/services/T0/B0/xyz" → "/services/***": the first segment says what it is, the rest may be the key. */
    private static String maskPath(String path, Set<String> secrets) {
        String[] segments = path.split("/", -1);
        StringBuilder out = new StringBuilder();
        boolean first = true;
        boolean masked = false;
        for (int i = 1; i < segments.length; i++) {
            if (first && !segments[i].isEmpty()) {
                out.append('/').append(segments[i]);
                first = false;
            } else if (!segments[i].isEmpty()) {
                secrets.add(segments[i]);
                if (!masked) {
                    out.append('/').append(MASK);
                    masked = true;
                }
            }
        }
        return out.length() == 0 ? path : out.toString();
    }
}
