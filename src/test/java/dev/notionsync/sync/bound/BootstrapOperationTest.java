package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.manage.NotionSyncManagement;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.store.DemoApplication;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The JMX operation bootstrap(source, parent) on a running instance: it returns at once, the bootstrap runs in the
 * background through the instance's door, and the instance's next pull reads the new database into the source's
 * shadow mirror.
 */
@ExtendWith(IntegrationExtension.class)
class BootstrapOperationTest {

    @Test
    void aRunningInstanceBootstrapsOnRequestAndThenPullsTheNewDatabase(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = it.settings(simulator, "300ms", "projects");
        settings.put("notion.sources", "organizations");
        settings.put("notion.source.organizations.mode", "bind");
        settings.put("notion.source.organizations.table", "organizations");
        NotionSync sync = it.create(settings);
        DemoApplication.create(sync.database().dataSource());
        sync.start();
        String parent = BootstrapTest.parentPage(simulator);

        Object answer = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(NotionSyncManagement.OBJECT_NAME), "bootstrap",
                new Object[] {"organizations", "https://www.notion.so/Company-HQ-" + parent.replace("-", "")},
                new String[] {String.class.getName(), String.class.getName()});
        assertTrue(String.valueOf(answer).startsWith("bootstrap of organizations started under page https://www.notion.so/Company-HQ-"),
                String.valueOf(answer));
        TestEngine.await("bootstrap done", Duration.ofSeconds(60), () -> "done".equals(TestEngine.queryString(sync,
                "SELECT bootstrap_state FROM notion_sync.bound_sources WHERE source = 'organizations'")));
        assertEquals(3, BootstrapTest.pages(simulator, sync, "organizations").size());
        String shadow = "\"" + settings.get("notion.db.schema") + "\".organizations";
        TestEngine.await("the shadow mirror", Duration.ofSeconds(30), () -> TestEngine.count(sync, "SELECT count(*) FROM " + shadow) == 3);
        assertEquals("Blue Lantern Labs", TestEngine.queryString(sync, "SELECT name FROM " + shadow + " WHERE row_key = '3'"));
    }
}
