package dev.notionsync.connections;

import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import dev.notionsync.sync.SourceSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Adversarial probes of "every data source shared with a connection" (notion.connection.&lt;name&gt;.sources = shared)
 * against the simulator over HTTP and real PostgreSQL: the names and tables discovery gives must never be another
 * source's, and every engine on one database must give a data source the same one.
 */
class ConnectionsAdversaryTest {

    private static final String ACME_TOKEN = "secret_acme_token";

    @TempDir
    Path tempDir;

    NotionSimulator simulator;
    final List<NotionSync> engines = new ArrayList<>();

    @AfterEach
    void stop() {
        engines.forEach(NotionSync::close);
        if (simulator != null) {
            simulator.close();
        }
    }

    /**
     * Finding: a discovered source got the name "acme_projects_pipeline" although a configured source
     * ("acme-projects-pipeline") mirrors into the table of that name already: discovery compared names, not tables, so
     * both sources wrote one table (another data source's pages mixed into it).
     */
    @Test
    void aDiscoveredSourceNeverTakesTheTableOfAConfiguredSource() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(4));
        String projects = simulator.workspace().source("projects").dataSourceId();
        String agents = simulator.workspace().source("agents").dataSourceId();
        simulator.addConnection("acme", ACME_TOKEN, 0, List.of(projects));
        Map<String, String> settings = TestEngine.settingsFor(simulator, tempDir, "1s");
        String schema = settings.get("notion.db.schema");
        // the operator's own source, of another data source, whose table is acme_projects_pipeline (its name, '-' as '_')
        settings.keySet().removeIf(key -> key.startsWith("notion.source."));
        settings.put("notion.sources", "acme-projects-pipeline");
        settings.put("notion.source.acme-projects-pipeline.id", agents);
        settings.put("notion.source.acme-projects-pipeline.poll", "1s");
        settings.put("notion.connection.acme.token", ACME_TOKEN);
        settings.put("notion.connection.acme.sources", "shared");

        NotionSync sync = start(settings);
        SourceSettings discovered = sync.sources().stream().filter(s -> s.connection().equals("acme")).findFirst().orElseThrow();
        SourceSettings own = sync.sources().stream().filter(s -> s.name().equals("acme-projects-pipeline")).findFirst().orElseThrow();
        assertFalse(discovered.table().equals(own.table()), "discovered source " + discovered.name() + " mirrors into " + discovered.table()
                + ", the table of source " + own.name());
        TestEngine.await("both tables filled", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM \"" + schema + "\"." + discovered.table()) >= 4
                && TestEngine.count(sync, "SELECT count(*) FROM \"" + schema + "\".acme_projects_pipeline") >= 4);
        Thread.sleep(2_000);
        assertEquals(4, TestEngine.count(sync, "SELECT count(*) FROM \"" + schema + "\".acme_projects_pipeline"),
                "the configured source's table holds its own data source's pages only");
    }

    /**
     * Finding: two engines on one database starting together (replicas of one deployment) gave one shared data source
     * two names: the second found the first's name "taken" and made another, though the row it then upserted kept the
     * first's. The same data source was mirrored into two tables.
     */
    @Test
    void twoEnginesStartingTogetherGiveADataSourceOneName() throws Exception {
        simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2));
        String projects = simulator.workspace().source("projects").dataSourceId();
        simulator.addConnection("acme", ACME_TOKEN, 0, List.of(projects));
        Map<String, String> settings = TestEngine.settingsFor(simulator, tempDir, "1h", "agents");
        settings.put("notion.connection.acme.token", ACME_TOKEN);
        settings.put("notion.connection.acme.sources", "shared");

        // the second engine's search answer is slow: the first lists and names the data source meanwhile
        TestEngine.simControl(simulator, "faults", "{\"stale_answers\":{\"POST /v1/search\":4000}}");
        CompletableFuture<NotionSync> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return start(otherPorts(settings));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1_500);
        TestEngine.simControl(simulator, "faults", "{}");
        NotionSync first = start(settings);
        NotionSync second = slow.get(60, TimeUnit.SECONDS);
        assertEquals(acmeSources(first), acmeSources(second), "both engines sync the shared data source under one name");
    }

    private static List<String> acmeSources(NotionSync engine) {
        return engine.sources().stream().filter(s -> s.connection().equals("acme")).map(s -> s.name() + " -> " + s.table()).sorted().toList();
    }

    private static Map<String, String> otherPorts(Map<String, String> settings) {
        Map<String, String> own = new HashMap<>(settings);
        own.put("camel.server.port", String.valueOf(TestEngine.freePort()));
        own.put("camel.management.port", String.valueOf(TestEngine.freePort()));
        return own;
    }

    private NotionSync start(Map<String, String> settings) throws Exception {
        NotionSync engine = NotionSync.create(TestEngine.settings(settings));
        synchronized (engines) {
            engines.add(engine);
        }
        engine.start();
        return engine;
    }
}
