package dev.notionsync.manage;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Which requests to the operator surface (Jolokia, /observe/status, /observe/dead-letters, the console) come from a
 * page of another origin. A browser adds the operator's cached credentials even to a request a foreign page sends,
 * and a text/plain POST or a GET needs no preflight; but it also names where the request comes from (Origin, Referer,
 * Sec-Fetch-Site). Tools (curl, the operator commands, the console's forward) send none of these, so they pass.
 */
public final class CrossOrigin {

    private CrossOrigin() {
    }

    /**
     * Why the request is refused, or null when it may go on.
     *
     * @param host the request's Host header: the origin the browser believes it is talking to
     */
    public static String refusal(String host, String origin, String referer, String fetchSite) {
        if (fetchSite != null && !fetchSite.equalsIgnoreCase("same-origin") && !fetchSite.equalsIgnoreCase("none")) {
            return "a " + fetchSite + " request";
        }
        if (origin != null) {
            return sameOrigin(host, origin) ? null : "a request from " + origin;
        }
        if (referer != null && !referer.isEmpty()) {
            return sameOrigin(host, referer) ? null : "a request from a page of another origin";
        }
        return null;
    }

    /** Whether an Origin or Referer URL has the scheme http(s) and exactly the host and port of the Host header. */
    private static boolean sameOrigin(String host, String url) {
        if (host == null || host.isBlank()) {
            return false;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getRawAuthority() == null) {
                return false;
            }
            return withPort(uri.getRawAuthority(), scheme).equalsIgnoreCase(withPort(host.trim(), scheme));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String withPort(String authority, String scheme) {
        boolean hasPort = authority.lastIndexOf(':') > authority.lastIndexOf(']');
        return hasPort ? authority : authority + (scheme.equals("https") ? ":443" : ":80");
    }

    /** Whether a Host header names this machine: a loopback name or address, with any port. */
    static boolean isLoopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String name = host.trim().toLowerCase(Locale.ROOT);
        if (name.startsWith("[")) {
            name = name.substring(1, Math.max(1, name.indexOf(']')));
        } else if (name.indexOf(':') == name.lastIndexOf(':') && name.contains(":")) {
            name = name.substring(0, name.indexOf(':'));
        }
        return name.equals("localhost") || name.endsWith(".localhost") || isLoopbackAddress(name) || name.equals("::1")
                || name.equals("0:0:0:0:0:0:0:1");
    }

    /**
     * An IPv4 address literal in 127.0.0.0/8. Only a literal: a name that merely starts with "127." (127.attacker.example)
     * is the attacker's, and a DNS-rebinding page under it would otherwise pass for this machine.
     */
    private static boolean isLoopbackAddress(String name) {
        String[] octets = name.split("\\.", -1);
        if (octets.length != 4 || !octets[0].equals("127")) {
            return false;
        }
        for (String octet : octets) {
            if (!octet.matches("[0-9]{1,3}") || Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }
}
