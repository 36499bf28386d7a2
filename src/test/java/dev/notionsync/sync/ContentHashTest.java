package dev.notionsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.mapping.PropertyTypes;
import dev.notionsync.store.MirrorTable;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The content hash covers the mapping: a page read again under another mapping is written again. */
class ContentHashTest {

    private static JsonNode page() throws Exception {
        return new ObjectMapper().readTree("""
                {"object":"page","id":"59833787-2cf9-4fdf-8782-e53db20768a5","created_time":"2026-11-01T10:00:00.000Z",
                 "last_edited_time":"2026-11-01T11:00:00.000Z","in_trash":false,"url":"https://www.notion.so/x",
                 "properties":{"Name":{"id":"title","type":"title","title":[]},
                               "Code":{"id":"a%3Ab","type":"rich_text","rich_text":[{"plain_text":"BC-7"}]}}}""");
    }

    private static MirrorTable table(MirrorTable.PropertyColumns... properties) {
        return new MirrorTable("notion", "projects", "ds", List.of(properties), List.of());
    }

    private static MirrorTable.PropertyColumns column(String id, String name, String type, String base) {
        return new MirrorTable.PropertyColumns(id, name, PropertyTypes.of(type).orElseThrow(), base);
    }

    private static Object hash(MirrorTable table) throws Exception {
        return PageMapper.toRow(table, page(), (id, value) -> value, Instant.EPOCH).contentHash();
    }

    @Test
    void aPropertyAddedOrRetypedChangesTheHashOfTheSamePageARenameDoesNot() throws Exception {
        MirrorTable before = table(column("title", "Name", "title", "name"));
        MirrorTable added = table(column("title", "Name", "title", "name"), column("a%3Ab", "Code", "rich_text", "code"));
        MirrorTable renamed = table(column("title", "Title", "title", "name"), column("a%3Ab", "Budget code", "rich_text", "code"));
        MirrorTable retyped = table(column("title", "Name", "title", "name"), column("a%3Ab", "Code", "number", "code_2"));
        assertNotEquals(hash(before), hash(added), "a full resync rewrites rows read before the property was mapped");
        assertNotEquals(hash(added), hash(retyped));
        assertEquals(hash(added), hash(renamed), "a rename moves no data");
        assertEquals(hash(added), hash(added), "the same page under the same mapping is unchanged");
    }

    @Test
    void theHashOfAnUnchangedPageIsTheOneStoredRowsAlreadyHave() throws Exception {
        // values of the hash as earlier versions computed it: a changed digest would re-write every stored row once
        MirrorTable added = table(column("title", "Name", "title", "name"), column("a%3Ab", "Code", "rich_text", "code"));
        assertEquals("c24d9efcda370ad5137f05623c14c170b6963706bc67b3bb38a7eb42dd4ec35a/4c128a79bd1fe6a1", hash(added));
        ObjectNode trashedWithoutUrl = (ObjectNode) page();
        trashedWithoutUrl.remove("url");
        trashedWithoutUrl.put("in_trash", true);
        assertEquals("4ab9c92c05ea03070f546367a855104a7965048eda8bc5a7a88177b4ad646228/4c128a79bd1fe6a1",
                PageMapper.toRow(added, trashedWithoutUrl, (id, value) -> value, Instant.EPOCH).contentHash());
    }
}
