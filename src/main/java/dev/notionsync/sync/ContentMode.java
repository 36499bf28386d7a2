package dev.notionsync.sync;

import java.util.Locale;

/** notion.source.&lt;name&gt;.content: whether and how a source's page bodies are synced. */
public enum ContentMode {
    /** Properties only (the default). */
    NONE,
    /** The page as Notion's enhanced markdown (GET /v1/pages/{id}/markdown), completed where Notion cut it. */
    MARKDOWN,
    /** Every block (GET /v1/blocks/{id}/children), for consumers that need structure. */
    BLOCKS;

    /** The setting's value as written in application.properties. */
    public String setting() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the mode, or null when the text names none */
    public static ContentMode parse(String text) {
        for (ContentMode mode : values()) {
            if (mode.setting().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        return null;
    }
}
