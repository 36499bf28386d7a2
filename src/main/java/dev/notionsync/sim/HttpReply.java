package dev.notionsync.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writing JSON answers and reading query strings. */
final class HttpReply {
    private HttpReply() {
    }

    /** Sends the body; with {@code truncate} only half of it is written before the connection is closed. */
    static void send(HttpExchange exchange, int status, ObjectNode body, String requestId, Integer retryAfter, boolean truncate) throws IOException {
        if (requestId != null) body.put("request_id", requestId);
        byte[] bytes = Json.bytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        if (requestId != null) exchange.getResponseHeaders().set("x-notion-request-id", requestId);
        if (retryAfter != null) exchange.getResponseHeaders().set("Retry-After", String.valueOf(retryAfter));
        exchange.sendResponseHeaders(status, bytes.length);
        OutputStream out = exchange.getResponseBody();
        if (truncate) {
            out.write(bytes, 0, bytes.length / 2);
            out.flush();
            throw new SimulatedNetworkFailure("truncated body");
        }
        try (out) {
            out.write(bytes);
        }
        exchange.close();
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.merge(key, value, (a, b) -> a + "," + b);
        }
        return out;
    }
}
