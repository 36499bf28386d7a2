package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The work item direct:page-apply takes: what dead letters store and their replay sends again. */
class PageWorkTest {

    @Test
    void aWorkItemReadsBackAsItWasWritten() throws Exception {
        PageWork work = new PageWork("p1", "page", List.of("e1", "e2"), List.of("page.created", "page.properties_updated"), true, null);

        assertEquals(work, PageWork.parse(work.json()));
        assertEquals(PageWork.pullFailure("p2", "ds"), PageWork.parse(PageWork.pullFailure("p2", "ds").json()));
    }

    /** Dead letters stored before this record existed still replay. */
    @Test
    void storedWorkItemsStillRead() throws Exception {
        PageWork pull = PageWork.parse("{\"entity_id\":\"p1\",\"entity_type\":\"page\",\"data_source_id\":\"ds\",\"only_own_writes\":false,"
                + "\"event_ids\":[],\"types\":[\"pull\"]}");
        PageWork webhook = PageWork.parse("{\"entity_id\":\"p2\",\"entity_type\":\"page\",\"event_ids\":[\"e1\"],\"types\":[\"page.deleted\"],"
                + "\"only_own_writes\":false}");

        assertEquals(PageWork.pullFailure("p1", "ds"), pull);
        assertEquals(List.of("e1"), webhook.eventIds());
        assertFalse(webhook.onlyOwnWrites());
        assertNull(webhook.dataSourceId());
    }
}
