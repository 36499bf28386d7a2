package dev.notionsync.sync;

import static dev.notionsync.sync.HistoryAdversaryTest.boundSettings;
import static dev.notionsync.sync.HistoryAdversaryTest.bootstrap;
import static dev.notionsync.sync.HistoryAdversaryTest.sql;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Adversarial probes of the per-statement insert trigger (V47, notion_sync_history_insert): what it records must be
 * what the row trigger recorded for an INSERT, in the same order, for every way a row can be inserted.
 */
@ExtendWith(IntegrationExtension.class)
class HistoryInsertTriggerAdversaryTest {

    /**
     * A bound partitioned table (TableShapes accepts relkind 'p'). A statement trigger on the partitioned table fires
     * for an INSERT naming that table only: an application inserting straight into a partition, or an UPDATE moving a
     * row to another partition (PostgreSQL deletes it from one partition and inserts it into the other, firing the row
     * triggers of both) inserts rows no statement trigger sees. The row trigger of before (cloned onto each partition)
     * recorded both; with V47 the moved row's history ends in a 'delete' and the row has no current version, and the
     * row inserted into the partition has neither a version nor an event.
     */
    @Test
    void rowsInsertedIntoAPartitionOrMovedBetweenPartitionsAreRecorded(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = boundSettings(it, simulator, "regions", "public.regions");
        settings.put("notion.source.regions.history", "true");
        settings.put("notion.change-events", "true");
        sql(settings, "CREATE TABLE public.regions (id bigint, region text, name text NOT NULL, PRIMARY KEY (id, region)) PARTITION BY LIST (region)",
                "CREATE TABLE public.regions_eu PARTITION OF public.regions FOR VALUES IN ('eu')",
                "CREATE TABLE public.regions_us PARTITION OF public.regions FOR VALUES IN ('us')",
                "INSERT INTO public.regions VALUES (1, 'eu', 'One'), (2, 'us', 'Two')");
        NotionSync sync = it.start(settings);
        bootstrap(sync, simulator, "regions");
        TestEngine.await("the first versions", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM public.regions_history WHERE valid_to IS NULL") == 2);

        sql(settings, "INSERT INTO public.regions_us VALUES (3, 'us', 'Three, into its partition')");
        sql(settings, "UPDATE public.regions SET region = 'us' WHERE id = 1");
        String all = "SELECT string_agg(row_key::text || ' ' || operation || ' ' || coalesce(valid_to::text, 'open'), ' | ' ORDER BY history_id)"
                + " FROM public.regions_history";
        assertEquals(3, TestEngine.count(sync, "SELECT count(*) FROM public.regions_history WHERE valid_to IS NULL"),
                () -> "one current version per row: " + TestEngine.queryString(sync, all));
        assertEquals("insert", TestEngine.queryString(sync, "SELECT operation FROM public.regions_history"
                + " WHERE row_key = '{\"id\": 3, \"region\": \"us\"}' AND valid_to IS NULL"), () -> TestEngine.queryString(sync, all));
        assertEquals("Three, into its partition", TestEngine.queryString(sync, "SELECT after ->> 'name' FROM notion_sync.change_events"
                + " WHERE source = 'regions' AND operation = 'insert' AND row_key = '{\"id\": 3, \"region\": \"us\"}'"), "its change event");
        assertEquals(1, TestEngine.count(sync, "SELECT count(*) FROM notion_sync.change_events WHERE source = 'regions' AND operation = 'insert'"
                + " AND row_key = '{\"id\": 1, \"region\": \"us\"}'"), "the moved row's insert event");
    }

    /**
     * An application's own AFTER INSERT row trigger that updates the row it inserted (a counter, a derived column): its
     * UPDATE runs, and is recorded by the row trigger, before the INSERT statement's statement trigger records the
     * insert. A subscriber is told of the update (event_id order) before the insert; in history the update's version is
     * followed by the insert's, both current, the current 'insert' holding the row as it no longer is. The row trigger
     * of before recorded the insert first when the application's trigger sorts after notion_sync_history (z_...).
     */
    @Test
    @Disabled("Not fixed: the statement trigger fires after every row trigger of the INSERT, and a nested UPDATE of the new row is"
            + " recorded before it. Recording it in the right order needs the insert trigger per row again (the B10 cost V47 removed)"
            + " or a renumbering of the statement's nested events and versions in record_inserts; README \"History\" says to set a new row's values in a BEFORE INSERT trigger")
    void anApplicationsAfterInsertTriggerUpdatingTheRowIsRecordedAfterTheInsert(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(0);
        Map<String, String> settings = boundSettings(it, simulator, "tallies", "public.tallies");
        settings.put("notion.source.tallies.history", "true");
        settings.put("notion.change-events", "true");
        sql(settings, "CREATE TABLE public.tallies (id bigint PRIMARY KEY, name text NOT NULL, touched int NOT NULL DEFAULT 0)",
                "INSERT INTO public.tallies VALUES (1, 'One', 0)");
        NotionSync sync = it.start(settings);
        bootstrap(sync, simulator, "tallies");
        TestEngine.await("the first version", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                "SELECT count(*) FROM public.tallies_history WHERE valid_to IS NULL") == 1);
        sql(settings, "CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$"
                        + " BEGIN UPDATE public.tallies SET touched = touched + 1 WHERE id = NEW.id; RETURN NULL; END $$",
                "CREATE TRIGGER z_touch AFTER INSERT ON public.tallies FOR EACH ROW EXECUTE FUNCTION public.touch()",
                "INSERT INTO public.tallies VALUES (2, 'Two', 0)");
        assertEquals("insert, update", TestEngine.queryString(sync, "SELECT string_agg(operation, ', ' ORDER BY event_id) FROM notion_sync.change_events"
                + " WHERE source = 'tallies' AND row_key = '{\"id\": 2}'"), "the insert's event comes first");
        assertEquals("update/1", TestEngine.queryString(sync, "SELECT string_agg(operation || '/' || (row_values ->> 'touched'), ', ')"
                + " FROM public.tallies_history WHERE row_key = '{\"id\": 2}' AND valid_to IS NULL"), "one current version, the row as it is");
    }
}
