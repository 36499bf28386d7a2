package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.store.BoundSources;
import dev.notionsync.store.DemoApplication;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A bound source's shadow mirror: pulled like any source into notion.&lt;source&gt;, from the database bootstrap
 * recorded when notion.source.&lt;name&gt;.id is absent, never given the mirror push's trigger; without either, its
 * runs fail saying to run bootstrap.
 */
@ExtendWith(IntegrationExtension.class)
class ShadowMirrorTest {

    @Test
    void aBoundSourceWithoutDatabaseFailsItsRunsWithTheBootstrapHintThenPullsTheRecordedOne(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(5);
        Map<String, String> settings = it.settings(simulator, "300ms", "projects");
        String name = TestEngine.sourceName(settings, "projects");
        settings.remove("notion.source." + name + ".id");
        settings.put("notion.source." + name + ".mode", "bind");
        settings.put("notion.source." + name + ".table", "public.organizations");
        NotionSync sync = it.create(settings);
        DemoApplication.create(sync.database().dataSource());
        sync.start();
        String error = "source " + name + " is bound to public.organizations but has no Notion database yet: run notion-sync bootstrap " + name
                + " --parent <page id or URL>";
        TestEngine.await("a failed run", Duration.ofSeconds(30), () -> error.equals(TestEngine.queryString(sync,
                "SELECT error FROM notion_sync.sync_runs WHERE source = '" + name + "' AND outcome = 'failed' LIMIT 1")));

        // bootstrap's record (here: pointing at the seeded projects data source) is what the next run reads
        new BoundSources(sync.database().dataSource()).beginBootstrap(name, "public", "organizations", null);
        new BoundSources(sync.database().dataSource()).databaseCreated(name, simulator.workspace().source("projects").databaseId(),
                simulator.workspace().source("projects").dataSourceId());
        String shadow = "\"" + settings.get("notion.db.schema") + "\"." + name.toLowerCase();
        long pages = simulator.model().pages(simulator.workspace().source("projects").dataSourceId()).size();
        TestEngine.await("the shadow mirror", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + shadow) == pages);
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM pg_trigger WHERE tgrelid = '" + shadow + "'::regclass AND NOT tgisinternal"),
                "the shadow mirror is written by the engine only: no push trigger");
        assertEquals(null, sync.context().getRoute("push-" + name), "no mirror push route for a bound source");
        assertEquals(0, TestEngine.count(sync, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.organizations'::regclass AND NOT tgisinternal"),
                "the user's table is untouched");
    }
}
