package dev.notionsync.sync.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Adversarial probe: a table, columns and enum labels with quotes, spaces, unicode and reserved words, bootstrapped,
 * then edited on both sides.
 */
@ExtendWith(IntegrationExtension.class)
class BindHostileNamesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void hostileIdentifiersBootstrapAndSyncBothWays(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(2);
        Map<String, String> settings = it.settings(simulator, "1s", "projects");
        try (Connection c = DriverManager.getConnection(settings.get("notion.db.url")); Statement st = c.createStatement()) {
            st.execute("CREATE TYPE public.\"Mood \"\"x\"\"\" AS ENUM ('it''s ok', 'Ünïcödé', 'select')");
            st.execute("CREATE TABLE public.\"Wéird \"\"T\"\" tab\" (\"select\" bigint PRIMARY KEY, \"Name; DROP TABLE x\" text NOT NULL,"
                    + " \"Order Ñ\" numeric, \"mood\" public.\"Mood \"\"x\"\"\", \"user\" text)");
            st.execute("INSERT INTO public.\"Wéird \"\"T\"\" tab\" VALUES (1, 'First', 1.5, 'it''s ok', 'bob')");
        }
        settings.put("notion.sources", "weird");
        settings.put("notion.source.weird.mode", "bind");
        settings.put("notion.source.weird.table", "public.\"Wéird \"\"T\"\" tab\"");
        settings.put("notion.source.weird.poll", "1s");
        settings.put("notion.bind.apply-poll", "300ms");
        settings.put("notion.push.poll", "300ms");
        NotionSync sync = it.create(settings);
        sync.start();
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        assertTrue(sync.bootstrap().bootstrap("weird", BootstrapTest.parentPage(simulator), progress::add).complete(), String.join("\n", progress));
        String ds = TestEngine.queryString(sync, "SELECT data_source_id FROM notion_sync.bound_sources WHERE source = 'weird'");
        JsonNode schema = TestEngine.notion(simulator, "GET", "/v1/data_sources/" + ds, "");
        JsonNode pages = TestEngine.notion(simulator, "POST", "/v1/data_sources/" + ds + "/query", "{}").path("results");
        assertEquals(1, pages.size(), schema.toString());
        String page = pages.get(0).path("id").asText();
        // Notion -> row: the mood select and the reserved-word column
        String moodProperty = property(sync, "mood");
        String userProperty = property(sync, "user");
        ObjectNode edit = JSON.createObjectNode();
        edit.putObject(moodProperty).putObject("select").put("name", "Ünïcödé");
        edit.putObject(userProperty).putArray("rich_text").addObject().putObject("text").put("content", "O'Brien \"quoted\"");
        TestEngine.notion(simulator, "PATCH", "/v1/pages/" + page, JSON.createObjectNode().set("properties", edit).toString());
        TestEngine.await("the edit in the row", Duration.ofSeconds(30), () -> "Ünïcödé/O'Brien \"quoted\"".equals(TestEngine.queryString(sync,
                "SELECT mood || '/' || \"user\" FROM public.\"Wéird \"\"T\"\" tab\" WHERE \"select\" = 1")));
        // row -> Notion: a new row
        try (Connection c = DriverManager.getConnection(settings.get("notion.db.url")); Statement st = c.createStatement()) {
            st.execute("INSERT INTO public.\"Wéird \"\"T\"\" tab\" VALUES (2, 'Second', 2.25, 'select', 'x')");
        }
        TestEngine.await("the second page", Duration.ofSeconds(30), () -> TestEngine.notion(simulator, "POST", "/v1/data_sources/" + ds + "/query", "{}")
                .path("results").size() == 2);
    }

    static String property(NotionSync sync, String column) {
        return TestEngine.queryString(sync, "SELECT property_name FROM notion_sync.bound_columns WHERE source = 'weird' AND column_name = '" + column + "'");
    }
}
