package dev.notionsync.cli;

import dev.notionsync.config.Settings;

/**
 * Where the instance described by this machine's settings answers operators: {@code camel.management.host} and
 * {@code camel.management.port}. A wildcard host (the instance listens everywhere) is reached on this machine.
 */
public record ManagementAddress(String host, int port) {

    public static ManagementAddress of(Settings settings) {
        String host = settings.declared("camel.management.host").trim();
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        }
        return new ManagementAddress(host, settings.getInt("camel.management.port"));
    }

    /** The instance on this machine's loopback, at a port. */
    public static ManagementAddress local(int port) {
        return new ManagementAddress("127.0.0.1", port);
    }

    /** An http URL of a path on the management server (an IPv6 literal in brackets). */
    public String url(String path) {
        boolean ipv6 = host.contains(":") && !host.startsWith("[");
        return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + port + path;
    }

    @Override
    public String toString() {
        return url("").substring("http://".length());
    }
}
