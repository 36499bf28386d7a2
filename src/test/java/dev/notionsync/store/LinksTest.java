package dev.notionsync.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.TestPostgres;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The links of bound rows, the bound sources' bootstrap states and their column pairs, on real PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LinksTest {

    static final ObjectMapper JSON = new ObjectMapper();

    Database database;
    Links links;

    @BeforeAll
    void open() throws Exception {
        database = Database.open(TestPostgres.shared().newEngineDatabase(UUID.randomUUID().toString().substring(0, 8)), "", "", 2, null, false);
        DemoApplication.create(database.dataSource());
        links = new Links(database.dataSource());
    }

    @AfterAll
    void close() {
        database.close();
    }

    static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void aLinkIsFoundByItsKeyWrittenInAnyOrderAndByItsPage() throws Exception {
        String page = UUID.randomUUID().toString();
        JsonNode key = json("{\"agent_id\":\"0b1f5a3e-6a43-4c1e-9d8e-1a2b3c4d5e01\",\"capability_slug\":\"kb-read\"}");
        links.put(new Links.Link("joins", key, page, Links.LINKED, Instant.parse("2026-12-01T10:00:00Z"), json("{\"title\":{\"title\":[]}}"),
                json("{\"enabled_at\":\"2024-03-04T10:00:00+00:00\"}")));
        Links.Link found = links.byKey("joins", json("{\"capability_slug\":\"kb-read\",\"agent_id\":\"0b1f5a3e-6a43-4c1e-9d8e-1a2b3c4d5e01\"}"));
        assertEquals(page, found.pageId());
        assertTrue(found.linked());
        assertEquals(Instant.parse("2026-12-01T10:00:00Z"), found.pageEditedTime());
        assertEquals(key, links.byPage("joins", page).rowKey());
        assertNull(links.byKey("other", key), "links are per source");
        links.unlink("joins", key);
        assertFalse(links.byKey("joins", key).linked());
        assertEquals(Map.of(), links.pageIds("joins", List.of(key)), "an unlinked row has no page to relate to");
        links.delete("joins", key);
        assertNull(links.byPage("joins", page));
    }

    @Test
    void rowsWithoutALinkComeInKeyOrder() throws Exception {
        List<String> key = List.of("slug");
        assertEquals(6, links.unlinkedCount("caps", "public", "capabilities", key));
        List<Links.UnlinkedRow> first = links.unlinkedRows("caps", "public", "capabilities", key, 2);
        assertEquals(List.of("{\"slug\":\"code-exec\"}", "{\"slug\":\"email-send\"}"), first.stream().map(r -> r.rowKey().toString()).toList());
        assertEquals("Code execution", first.get(0).row().path("name").asText());
        String page = UUID.randomUUID().toString();
        links.put(new Links.Link("caps", first.get(0).rowKey(), page, Links.LINKED, null, null, null));
        assertEquals(5, links.unlinkedCount("caps", "public", "capabilities", key));
        assertEquals("{\"slug\":\"email-send\"}", links.unlinkedRows("caps", "public", "capabilities", key, 1).get(0).rowKey().toString());
        assertEquals(Map.of(json("{\"slug\":\"code-exec\"}"), page), links.pageIds("caps", List.of(first.get(0).rowKey(), first.get(1).rowKey())));
        assertEquals(1, links.linkedCount("caps"));
    }

    @Test
    void bootstrapStatesAndColumnPairs() throws Exception {
        BoundSources sources = new BoundSources(database.dataSource());
        String parent = UUID.randomUUID().toString();
        BoundSources.BoundSource started = sources.beginBootstrap("orgs", "public", "organizations", parent);
        assertEquals(BoundSources.CREATING, started.bootstrapState());
        assertEquals(parent, started.parentPageId());
        assertEquals(started.bootstrapStartedAt(), sources.beginBootstrap("orgs", "public", "organizations", parent).bootstrapStartedAt(),
                "a resumed bootstrap keeps its record");
        String database = UUID.randomUUID().toString();
        String dataSource = UUID.randomUUID().toString();
        sources.databaseCreated("orgs", database, dataSource);
        assertEquals(BoundSources.FILLING, sources.find("orgs").bootstrapState());
        sources.bootstrapped("orgs");
        BoundSources.BoundSource done = sources.find("orgs");
        assertTrue(done.bootstrapped());
        assertEquals(dataSource, done.dataSourceId());
        assertEquals(database, done.databaseId());

        BoundColumns columns = new BoundColumns(this.database.dataSource());
        columns.replace("orgs", List.of(new BoundColumns.BoundColumn("orgs", 0, "id", "a%3Ab", "Row key", "rich_text", BoundColumns.KEY),
                new BoundColumns.BoundColumn("orgs", 2, "name", "title", "Name", "title", BoundColumns.TITLE)));
        columns.put(new BoundColumns.BoundColumn("orgs", 2, "org_name", "title", "Name", "title", BoundColumns.TITLE));
        assertEquals(List.of("id", "org_name"), columns.of("orgs").stream().map(BoundColumns.BoundColumn::columnName).toList());
    }
}
