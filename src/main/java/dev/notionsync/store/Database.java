package dev.notionsync.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL the engine writes to: the configured server, or an embedded one whose data directory is kept
 * across runs. Owns the connection pool and applies the engine's migrations on open.
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** The embedded library's lock file in each data directory it starts; held by the process that runs it. */
    private static final String EMBEDDED_LOCK = "epg-lock";

    private final EmbeddedPostgres embedded;
    private final HikariDataSource pool;
    private final String displayUrl;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Database(EmbeddedPostgres embedded, HikariDataSource pool, String displayUrl) {
        this.embedded = embedded;
        this.pool = pool;
        this.displayUrl = displayUrl;
    }

    /**
     * Connects to {@code url}, or starts an embedded PostgreSQL in {@code embeddedDir} when url is blank: durable
     * (fsync, synchronous commits, full page writes), unless {@code durable} is false (tests, for speed).
     */
    public static Database open(String url, String user, String password, int poolSize, Path embeddedDir, boolean durable) {
        EmbeddedPostgres embedded = null;
        String jdbcUrl = url;
        String jdbcUser = user;
        if (url == null || url.isBlank()) {
            embedded = startEmbedded(embeddedDir, durable);
            jdbcUrl = embedded.getJdbcUrl("postgres", "postgres");
            jdbcUser = "postgres";
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("notion-sync-db");
        config.setJdbcUrl(jdbcUrl);
        if (jdbcUser != null && !jdbcUser.isBlank()) {
            config.setUsername(jdbcUser);
        }
        if (password != null && !password.isBlank()) {
            config.setPassword(password);
        }
        // PostgreSQL's error detail quotes values ("Failing row contains (...)" holds every column of the row, excluded
        // ones too): kept out of exception messages, so out of logs and dead letters
        config.addDataSourceProperty("logServerErrorDetail", "false");
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        // fail fast with a clear message instead of hanging when the server is down at start
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(10_000);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            if (embedded != null) {
                closeQuietly(embedded);
            }
            throw new DatabaseUnavailableException("cannot connect to PostgreSQL at " + redact(jdbcUrl) + ": " + rootMessage(e), e);
        }
        Database database = new Database(embedded, pool, redact(jdbcUrl));
        database.migrate();
        return database;
    }

    public DataSource dataSource() {
        return pool;
    }

    /** Whether PostgreSQL answers within the timeout; throws with the driver's reason when it cannot be reached. */
    public boolean answers(int timeoutSeconds) throws SQLException {
        try (Connection c = dataSource().getConnection()) {
            return c.isValid(timeoutSeconds);
        }
    }

    /** The JDBC URL without credentials, safe to print. */
    public String displayUrl() {
        return displayUrl;
    }

    /** For the embedded server: how to open it with psql. */
    public String psqlHint() {
        return embedded == null ? "" : "   (psql -h localhost -p " + embedded.getPort() + " -U postgres)";
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        pool.close();
        if (embedded != null) {
            closeQuietly(embedded);
        }
    }

    private void migrate() {
        Flyway.configure()
                .dataSource(pool)
                .schemas("notion_sync")
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    private static EmbeddedPostgres startEmbedded(Path dir, boolean durable) {
        try {
            Files.createDirectories(dir);
            stopOrphan(dir);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dir.toAbsolutePath())
                    .setCleanDataDirectory(false)
                    // we stop it ourselves, after the routes: its own hook could pull it away from a running sync
                    .setRegisterShutdownHook(false);
            if (durable) {
                // the library starts postgres with -F (fsync off) and synchronous_commit=off, fit for tests only: a
                // power loss could corrupt the mirror or lose outbox edits. A later -c fsync=on overrides the -F.
                builder.setServerConfig("fsync", "on")
                        .setServerConfig("synchronous_commit", "on")
                        .setServerConfig("full_page_writes", "on");
            }
            EmbeddedPostgres pg = builder.start();
            LOG.info("Embedded PostgreSQL started, data in {}{}", dir.toAbsolutePath(), durable ? "" : " (not durable: fsync off)");
            return pg;
        } catch (IOException e) {
            throw new DatabaseUnavailableException("cannot start the embedded PostgreSQL in " + dir.toAbsolutePath()
                    + ": " + rootMessage(e) + " (set notion.db.url to use another server)", e);
        }
    }

    /**
     * Empties an embedded PostgreSQL's data directory, for a start from scratch (the demo). Refuses a directory that a
     * running notion-sync uses, and one that holds anything but an embedded PostgreSQL's data.
     */
    public static void emptyEmbedded(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try {
            boolean empty;
            try (var listing = Files.list(dir)) {
                empty = listing.findAny().isEmpty();
            }
            if (empty) {
                return;
            }
            // PG_VERSION: a PostgreSQL data directory; epg-lock: one the embedded library started, not a server's own
            if (!Files.isRegularFile(dir.resolve("PG_VERSION")) || !Files.exists(dir.resolve(EMBEDDED_LOCK))) {
                throw new DatabaseUnavailableException(dir.toAbsolutePath() + " is not the data directory of an embedded PostgreSQL;"
                        + " it is left as it is: point the demo at a folder of its own (notion.demo.embedded-dir)", null);
            }
            stopOrphan(dir);
            try (var files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
            LOG.info("Embedded PostgreSQL data in {} emptied for a fresh start", dir.toAbsolutePath());
        } catch (IOException e) {
            throw new DatabaseUnavailableException("cannot empty " + dir.toAbsolutePath() + ": " + rootMessage(e), e);
        }
    }

    /**
     * An earlier run killed hard (kill -9, power loss) leaves its PostgreSQL child running on our data directory,
     * which would block this start. Stop it first: a fast shutdown, then PostgreSQL's own crash recovery.
     */
    private static void stopOrphan(Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        } catch (RuntimeException e) {
            return;
        }
        var orphan = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(false));
        if (orphan.isEmpty()) {
            return;
        }
        if (!Files.exists(dir.resolve(EMBEDDED_LOCK))) {
            throw new DatabaseUnavailableException("a PostgreSQL that notion-sync did not start (pid " + pid + ") runs on "
                    + dir.toAbsolutePath() + ": it is left alone; point notion.db.embedded-dir at a folder of its own", null);
        }
        if (ownedByALiveProcess(dir)) {
            throw new DatabaseUnavailableException("the embedded PostgreSQL in " + dir.toAbsolutePath() + " belongs to a notion-sync"
                    + " that is running now: stop it first, or use its management port (JMX, /observe/...)", null);
        }
        LOG.warn("Stopping an embedded PostgreSQL (pid {}) left running on {} by an earlier run", pid, dir.toAbsolutePath());
        try {
            // SIGINT is PostgreSQL's fast shutdown; ProcessHandle only sends SIGTERM (smart), which also works once clients are gone
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor();
            orphan.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            orphan.get().destroy();
            try {
                orphan.get().onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception again) {
                throw new IOException("an earlier embedded PostgreSQL (pid " + pid + ") still runs on " + dir.toAbsolutePath() + "; stop it first", again);
            }
        }
    }

    /**
     * The running owner of an embedded PostgreSQL holds the file lock on epg-lock in its data directory; the lock goes
     * with its process, so a free lock means the PostgreSQL there is an orphan.
     */
    private static boolean ownedByALiveProcess(Path dir) throws IOException {
        Path lockFile = dir.resolve(EMBEDDED_LOCK);
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;   // this very JVM runs it
        }
    }

    private static void closeQuietly(EmbeddedPostgres pg) {
        try {
            pg.close();
        } catch (IOException e) {
            LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }

    /** Removes any password from a JDBC URL so it can be logged. */
    public static String redact(String jdbcUrl) {
        return jdbcUrl == null ? "" : jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
