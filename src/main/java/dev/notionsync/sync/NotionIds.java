package dev.notionsync.sync;

import dev.notionsync.config.Settings;
import dev.notionsync.config.SettingsException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Notion ids are accepted with or without dashes, or inside a Notion URL; we store them dashed. */
public final class NotionIds {

    private static final Pattern HEX32 = Pattern.compile("([0-9a-fA-F]{32})(?![0-9a-fA-F])");

    private NotionIds() {
    }

    /** The id a setting names, or a SettingsException naming the setting and its environment variable. */
    public static String normalize(String idOrUrl, String setting) {
        String where = "setting " + setting + " (environment " + Settings.environmentName(setting) + "): ";
        try {
            return normalize(idOrUrl);
        } catch (SettingsException e) {
            if (idOrUrl.trim().startsWith("ntn_") || idOrUrl.trim().startsWith("secret_")) {
                // a token pasted into the wrong variable: say so without echoing it
                throw new SettingsException(where + "this is an integration secret, not a Notion id; put the token in NOTION_TOKEN"
                        + " and the database's id (32 hex digits) here");
            }
            throw new SettingsException(where + e.getMessage() + "; a Notion URL works too");
        }
    }

    public static String normalize(String idOrUrl) {
        String compact = idOrUrl.trim().replace("-", "");
        Matcher m = HEX32.matcher(compact);
        String hex = null;
        while (m.find()) {
            hex = m.group(1);   // the last 32-hex run: a Notion URL ends with the id
        }
        if (hex == null) {
            throw new SettingsException("'" + idOrUrl + "' is not a Notion id (32 hex digits, dashes optional)");
        }
        hex = hex.toLowerCase();
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }
}
