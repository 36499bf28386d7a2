package dev.notionsync.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.sync.Binding;
import dev.notionsync.sync.SourceSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** notion.source.&lt;name&gt;.mode = bind and the binding's settings: parsed into SourceSettings.binding(), wrong values named. */
class BindSettingsTest {

    static SourceSettings source(Map<String, String> values) {
        Map<String, String> all = new LinkedHashMap<>(Map.of("notion.sources", "agents"));
        all.putAll(values);
        Settings settings = Settings.load(Path.of("application.properties"), Map.<String, String>of()::get).with(all);
        return SyncSettings.sources(settings).get(0);
    }

    static String refused(Map<String, String> values) {
        return assertThrows(SettingsException.class, () -> source(values)).getMessage();
    }

    @Test
    void aBoundSourceWithDefaults() {
        SourceSettings agents = source(Map.of("notion.source.agents.mode", "bind", "notion.source.agents.table", "agents"));
        assertTrue(agents.bound());
        assertNull(agents.notionId(), "no id: the database bootstrap makes");
        assertEquals("agents", agents.table(), "the shadow mirror is named like the source");
        assertEquals(SourceSettings.Direction.BOTH, agents.direction());
        assertTrue(agents.readsNotion());
        assertFalse(agents.pushesMirror(), "the shadow mirror is never pushed from");
        Binding binding = agents.binding();
        assertEquals("public", binding.schema());
        assertEquals("agents", binding.table());
        assertEquals(Map.of(), binding.columnProperties());
        assertEquals(Set.of(), binding.exclude());
        assertNull(binding.titleColumn());
        assertEquals("Row key", binding.keyProperty());
        assertEquals(Binding.OnTrash.UNLINK, binding.onTrash());
        assertNull(binding.matchColumn());
        assertNull(binding.matchProperty());
        assertTrue(binding.matchCreatePages());
        assertTrue(binding.matchCreateRows());
        assertFalse(binding.addNewColumns());
    }

    @Test
    void everyBindingSetting() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("notion.source.agents.mode", "BIND");
        values.put("notion.source.agents.table", "app.\"AI Agents\"");
        values.put("notion.source.agents.id", "https://www.notion.so/acme/0123456789abcdef0123456789abcdef?v=1");
        values.put("notion.source.agents.direction", "pull");
        values.put("notion.source.agents.columns.display_name", "Name");
        values.put("notion.source.agents.columns.monthly_budget", "Budget (EUR)");
        values.put("notion.source.agents.exclude", "api_key, internal_flag");
        values.put("notion.source.agents.title-column", "display_name");
        values.put("notion.source.agents.key-property", "Agent ID");
        values.put("notion.source.agents.on-trash", "delete");
        values.put("notion.source.agents.match-column", "email");
        values.put("notion.source.agents.match-property", "E-mail");
        values.put("notion.source.agents.match-create-pages", "false");
        values.put("notion.source.agents.match-create-rows", "FALSE");
        values.put("notion.source.agents.new-columns", "add");
        SourceSettings agents = source(values);
        assertEquals("01234567-89ab-cdef-0123-456789abcdef", agents.notionId());
        assertEquals(SourceSettings.Direction.PULL, agents.direction());
        assertTrue(agents.readsNotion());
        Binding binding = agents.binding();
        assertEquals("app", binding.schema());
        assertEquals("AI Agents", binding.table(), "a quoted name keeps its case and spaces");
        assertEquals(Map.of("display_name", "Name", "monthly_budget", "Budget (EUR)"), binding.columnProperties());
        assertEquals(Set.of("api_key", "internal_flag"), binding.exclude());
        assertEquals("display_name", binding.titleColumn());
        assertEquals("Agent ID", binding.keyProperty());
        assertEquals(Binding.OnTrash.DELETE, binding.onTrash());
        assertEquals("email", binding.matchColumn());
        assertEquals("E-mail", binding.matchProperty());
        assertFalse(binding.matchCreatePages());
        assertFalse(binding.matchCreateRows());
        assertTrue(binding.addNewColumns());
    }

    @Test
    void anUnquotedTableNameFoldsToLowerCaseAsInPostgres() {
        assertEquals(List.of("public", "agents"), SyncSettings.qualifiedName("Public.Agents", "s"));
        assertEquals(List.of("my.schema", "T\"x"), SyncSettings.qualifiedName("\"my.schema\".\"T\"\"x\"", "s"));
    }

    @Test
    void mirrorSourcesAreUnchanged() {
        SourceSettings projects = source(Map.of("notion.source.agents.id", "0123456789abcdef0123456789abcdef"));
        assertFalse(projects.bound());
        assertNull(projects.binding());
        assertEquals(SourceSettings.Direction.PULL, projects.direction());
        assertEquals("agents", projects.table());
    }

    @Test
    void wrongValuesAreNamed() {
        assertEquals("setting notion.source.agents.mode must be mirror or bind, was 'bound'",
                refused(Map.of("notion.source.agents.mode", "bound", "notion.source.agents.id", "0123456789abcdef0123456789abcdef")));
        assertTrue(refused(Map.of("notion.source.agents.mode", "bind")).startsWith("missing setting notion.source.agents.table"
                + " (environment NOTION_SOURCE_AGENTS_TABLE): the table source 'agents' binds"));
        assertEquals("setting notion.source.agents.on-trash must be delete or unlink, was 'archive'",
                refused(Map.of("notion.source.agents.mode", "bind", "notion.source.agents.table", "agents", "notion.source.agents.on-trash", "archive")));
        assertEquals("setting notion.source.agents.new-columns must be log or add, was 'ignore'",
                refused(Map.of("notion.source.agents.mode", "bind", "notion.source.agents.table", "agents", "notion.source.agents.new-columns", "ignore")));
        assertEquals("setting notion.source.agents.match-create-rows must be true or false, was 'yes'",
                refused(Map.of("notion.source.agents.mode", "bind", "notion.source.agents.table", "agents", "notion.source.agents.match-create-rows", "yes")));
        assertTrue(refused(Map.of("notion.source.agents.mode", "bind", "notion.source.agents.table", "a.b.c"))
                .startsWith("setting notion.source.agents.table must name a table as table or schema.table"));
        assertTrue(refused(Map.of("notion.source.agents.mode", "bind", "notion.source.agents.table", "notion.agents"))
                .startsWith("setting notion.source.agents.table: notion.agents is the shadow mirror"));
        assertEquals("setting notion.source.agents.title-column names column 'secret', which notion.source.agents.exclude leaves out",
                refused(Map.of("notion.source.agents.mode", "bind", "notion.source.agents.table", "agents", "notion.source.agents.exclude", "secret",
                        "notion.source.agents.title-column", "secret")));
        assertTrue(refused(Map.of("notion.source.agents.mode", "bind", "notion.source.agents.table", "agents", "notion.source.agents.id", "ntn_abc"))
                .contains("this is an integration secret"));
    }

    @Test
    void aContentColumnIsLeftOutOfThePropertiesAndWrongUsesAreNamed() {
        Map<String, String> bound = new LinkedHashMap<>(Map.of("notion.source.agents.mode", "bind", "notion.source.agents.table", "agents",
                "notion.source.agents.content-column", "instructions"));
        Binding binding = source(bound).binding();
        assertEquals("instructions", binding.contentColumn());
        assertTrue(binding.exclude().contains("instructions"), "no property holds the body");
        assertNull(source(Map.of("notion.source.agents.mode", "bind", "notion.source.agents.table", "agents")).binding().contentColumn());

        Map<String, String> excluded = new LinkedHashMap<>(bound);
        excluded.put("notion.source.agents.exclude", "instructions");
        assertTrue(refused(excluded).contains("exclude leaves out"), refused(excluded));
        Map<String, String> title = new LinkedHashMap<>(bound);
        title.put("notion.source.agents.title-column", "instructions");
        assertTrue(refused(title).contains("the title column"), refused(title));
        Map<String, String> mapped = new LinkedHashMap<>(bound);
        mapped.put("notion.source.agents.columns.instructions", "Instructions");
        assertTrue(refused(mapped).contains("maps to a property"), refused(mapped));
        String mirror = refused(Map.of("notion.source.agents.id", "6fc25b1e9b0f4a1e8d4c2a7f3e1d0c9b", "notion.source.agents.content-column", "body"));
        assertTrue(mirror.contains("is for bound sources") && mirror.contains("content = markdown"), mirror);
    }

    @Test
    void aBoundSourceTakesPageContentOnlyThroughItsColumn() {
        Map<String, String> values = new LinkedHashMap<>(Map.of("notion.sources", "agents", "notion.source.agents.mode", "bind",
                "notion.source.agents.table", "agents", "notion.source.agents.content", "markdown"));
        Settings settings = Settings.load(Path.of("application.properties"), Map.<String, String>of()::get).with(values);
        String message = assertThrows(SettingsException.class, () -> ContentSettings.of(settings, SyncSettings.sources(settings))).getMessage();
        assertTrue(message.contains("set notion.source.agents.content-column"), message);

        values.put("notion.source.agents.content-column", "instructions");
        values.put("notion.source.agents.content", "blocks");
        Settings blocks = Settings.load(Path.of("application.properties"), Map.<String, String>of()::get).with(values);
        message = assertThrows(SettingsException.class, () -> ContentSettings.of(blocks, SyncSettings.sources(blocks))).getMessage();
        assertTrue(message.contains("blocks mode is for mirror sources"), message);

        values.remove("notion.source.agents.content");
        Settings column = Settings.load(Path.of("application.properties"), Map.<String, String>of()::get).with(values);
        assertEquals(dev.notionsync.sync.ContentMode.MARKDOWN, ContentSettings.of(column, SyncSettings.sources(column)).mode("agents"),
                "a content column reads the bodies as markdown");
    }
}
