package dev.notionsync.config;

import dev.notionsync.store.Database;
import java.nio.file.Path;

/** notion.db.*: where the engine's PostgreSQL is (a server by JDBC URL, or embedded), and the mirror schema. */
public record DatabaseSettings(String url, String user, String password, int poolSize, Path embeddedDir, boolean durable,
                               String schema) {

    /** Without the password, and the URL without credentials: a record's own toString would print both. */
    @Override
    public String toString() {
        return "DatabaseSettings[url=" + Database.redact(url) + ", user=" + user + ", password=" + (password.isEmpty() ? "" : "***")
                + ", poolSize=" + poolSize + ", embeddedDir=" + embeddedDir + ", durable=" + durable + ", schema=" + schema + "]";
    }

    public static DatabaseSettings of(Settings settings) {
        return new DatabaseSettings(settings.get("notion.db.url"), settings.get("notion.db.user"), settings.get("notion.db.password"),
                settings.getInt("notion.db.pool-size"), settings.home().resolve(settings.declared("notion.db.embedded-dir")),
                !settings.declared("notion.db.embedded-durable").equals("false"), settings.declared("notion.db.schema"));
    }

    /** Opens the configured server, or starts the embedded PostgreSQL. */
    public Database open() {
        return Database.open(url, user, password, poolSize, embeddedDir, durable);
    }
}
