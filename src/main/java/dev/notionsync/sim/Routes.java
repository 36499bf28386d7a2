package dev.notionsync.sim;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Splits API paths and names them by pattern for the statistics ("GET /v1/pages/{id}"). */
final class Routes {
    private Routes() {
    }

    /** Segments after /v1; property ids stay URL-encoded because that is how Notion names them. */
    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        String[] parts = rawPath.split("/");
        for (int i = 2; i < parts.length; i++) {
            if (parts[i].isEmpty()) continue;
            boolean propertyId = i == 5 && parts.length > 4 && "properties".equals(parts[4]);
            out.add(propertyId ? parts[i] : URLDecoder.decode(parts[i], StandardCharsets.UTF_8));
        }
        return out;
    }

    static String pattern(String rawPath) {
        String[] parts = rawPath.split("/");
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            boolean variable = (i == 3 && !p.equals("me")) || (i == 5 && parts.length > 4 && "properties".equals(parts[4]));
            sb.append('/').append(variable ? "{id}" : p);
        }
        return sb.length() == 0 ? "/" : sb.toString();
    }
}
