package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.InMemoryNotionApi;
import dev.notionsync.notion.NotionApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A source's configured Notion id, resolved to its data sources against Notion in memory. */
class DataSourcesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DATABASE = "44444444-4444-4444-4444-444444444444";
    static final String FIRST = "55555555-5555-5555-5555-555555555555";
    static final String SECOND = "66666666-6666-6666-6666-666666666666";

    final InMemoryNotionApi notion = new InMemoryNotionApi().dataSource(dataSource(FIRST, "Tasks")).dataSource(dataSource(SECOND, "Archive"));
    final DataSources dataSources = new DataSources(notion);

    @Test
    void aDataSourceIdIsUsedAsItIs() {
        List<JsonNode> resolved = dataSources.resolve("tasks", FIRST);

        assertEquals(List.of(FIRST), ids(resolved));
        assertEquals(1, notion.calls().size());
    }

    @Test
    void aDatabaseIdResolvesToEachOfItsDataSourcesInOrder() {
        notion.database(DATABASE, SECOND, FIRST);

        assertEquals(List.of(SECOND, FIRST), ids(dataSources.resolve("tasks", DATABASE)));
    }

    @Test
    void aDatabaseWithoutDataSourcesIsAnError() {
        notion.database(DATABASE);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> dataSources.resolve("tasks", DATABASE));
        assertEquals("Notion database " + DATABASE + " of source 'tasks' has no data sources", e.getMessage());
    }

    /** Only "not a data source" (404, 400) leads to the database lookup; a refused token fails the resolution. */
    @Test
    void anAuthorizationFailureIsNotTakenForADatabaseId() {
        notion.fail("/v1/data_sources/" + FIRST, NotionApiException.of("GET /v1/data_sources/{id}", 401, "unauthorized", "API token is invalid.", "r", null));

        NotionApiException e = assertThrows(NotionApiException.class, () -> dataSources.resolve("tasks", FIRST));
        assertEquals(401, e.status());
        assertEquals(1, notion.calls().size());
    }

    @Test
    void anIdThatIsNeitherFailsWithNotionsAnswer() {
        NotionApiException e = assertThrows(NotionApiException.class, () -> dataSources.resolve("tasks", DATABASE));
        assertEquals(404, e.status());
    }

    /** Property names go to the column catalog (text), where PostgreSQL cannot store a NUL. */
    @Test
    void nulCharactersInTheSchemaAreReplaced() {
        notion.dataSource(dataSource(FIRST, "Ta\u0000sks"));

        JsonNode resolved = dataSources.resolve("tasks", FIRST).get(0);

        assertEquals("Ta\uFFFDsks", resolved.path("properties").fieldNames().next());
    }

    static ObjectNode dataSource(String id, String titleName) {
        ObjectNode dataSource = JSON.createObjectNode().put("object", "data_source").put("id", id);
        dataSource.putObject("properties").putObject(titleName).put("id", "title").put("type", "title").putObject("title");
        return dataSource;
    }

    static List<String> ids(List<JsonNode> dataSources) {
        return dataSources.stream().map(d -> d.path("id").asText()).toList();
    }
}
