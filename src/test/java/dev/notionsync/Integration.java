package dev.notionsync;

import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One scope of an integration test (a test method, or a class through its {@code @BeforeAll}), given by
 * {@link IntegrationExtension}: starts simulators and engines against the tests' PostgreSQL and closes them, last
 * first, when the scope ends.
 */
public final class Integration implements ExtensionContext.Store.CloseableResource {

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private Path folder;

    Integration() {
    }

    /** A simulator with the sample workspace, {@code pages} pages in each data source. */
    public NotionSimulator simulator(int pages) {
        return simulator(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(pages));
    }

    public NotionSimulator simulator(SimulatorConfig config) {
        try {
            return closeLater(NotionSimulator.start(config));
        } catch (Exception e) {
            throw new IllegalStateException("the simulator did not start: " + e.getMessage(), e);
        }
    }

    /**
     * Settings syncing the named seeded sources (all when none are named), each polled every {@code poll}, into a
     * fresh database on the tests' PostgreSQL: {@link TestEngine#settingsFor}.
     */
    public Map<String, String> settings(NotionSimulator simulator, String poll, String... sources) {
        return TestEngine.settingsFor(simulator, folder(), poll, sources);
    }

    /** An engine made from these settings, not started yet. */
    public NotionSync create(Map<String, String> settings) {
        return closeLater(NotionSync.create(TestEngine.settings(settings)));
    }

    /** An engine made from these settings and started. */
    public NotionSync start(Map<String, String> settings) throws Exception {
        NotionSync sync = create(settings);
        sync.start();
        return sync;
    }

    /** An engine for `notion-sync bootstrap` (the door and the bootstrap, no pollers or ports) made from these settings, not started. */
    public NotionSync createForBootstrap(Map<String, String> settings) {
        return closeLater(NotionSync.createForBootstrap(TestEngine.settings(settings)));
    }

    /** A folder of this scope's own, deleted when it ends. */
    public synchronized Path folder() {
        if (folder == null) {
            try {
                folder = Files.createTempDirectory("notion-sync-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return folder;
    }

    private synchronized <T extends AutoCloseable> T closeLater(T resource) {
        opened.push(resource);
        return resource;
    }

    @Override
    public synchronized void close() throws Exception {
        Exception failure = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (folder != null) {
            try (Stream<Path> files = Files.walk(folder)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
