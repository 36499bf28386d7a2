package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.Integration;
import dev.notionsync.NotionSync;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.store.DemoApplication;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** The demo application's tables bound to Notion (public.organizations, public.agents, ...), as several tests need them. */
public final class DemoBinding {

    private DemoBinding() {
    }

    /** Settings binding these demo tables (public.&lt;table&gt;, both ways), each polled every second, Apply every 300 ms. */
    public static Map<String, String> settings(Integration it, NotionSimulator simulator, String... tables) {
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        settings.put("notion.sources", String.join(",", tables));
        for (String table : tables) {
            settings.put("notion.source." + table + ".mode", "bind");
            settings.put("notion.source." + table + ".table", "public." + table);
            // the sources replace settings()'s: without their own poll they poll every 30 s
            settings.put("notion.source." + table + ".poll", "1s");
        }
        settings.put("notion.bind.apply-poll", "300ms");
        return settings;
    }

    /** An engine started on a database holding the demo application's tables and rows. */
    public static NotionSync start(Integration it, Map<String, String> settings) throws Exception {
        NotionSync sync = it.create(settings);
        DemoApplication.create(sync.database().dataSource());
        sync.start();
        return sync;
    }

    /** Bootstraps a bound source under the sample databases' page; fails with its progress lines when it does not complete. */
    public static void bootstrap(NotionSync sync, NotionSimulator simulator, String source) throws Exception {
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        assertTrue(sync.bootstrap().bootstrap(source, BootstrapTest.parentPage(simulator), progress::add).complete(), String.join("\n", progress));
    }
}
