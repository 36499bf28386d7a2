package dev.notionsync.sync;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Notion ids are accepted with or without dashes, or inside a Notion URL; we store them dashed. */
public final class NotionIds {

    private static final Pattern HEX32 = Pattern.compile("([0-9a-fA-F]{32})(?![0-9a-fA-F])");

    private NotionIds() {
    }

    /** The dashed id in an id or URL; an IllegalArgumentException when there is none. */
    public static String normalize(String idOrUrl) {
        String compact = idOrUrl.trim().replace("-", "");
        Matcher m = HEX32.matcher(compact);
        String hex = null;
        while (m.find()) {
            hex = m.group(1);   // the last 32-hex run: a Notion URL ends with the id
        }
        if (hex == null) {
            throw new IllegalArgumentException("'" + idOrUrl + "' is not a Notion id (32 hex digits, dashes optional)");
        }
        hex = hex.toLowerCase();
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }
}
