package dev.notionsync.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.TestPostgres;
import dev.notionsync.mapping.BoundTypes;
import dev.notionsync.mapping.ColumnCategory;
import dev.notionsync.mapping.TableColumn;
import dev.notionsync.mapping.TableShape;
import dev.notionsync.mapping.UnmappableColumnException;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** TableShapes reads the demo application's tables from pg_catalog as they are, and refuses tables it cannot bind. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TableShapesTest {

    Database database;
    TableShapes shapes;

    @BeforeAll
    void createTheDemoApplication() throws Exception {
        database = Database.open(TestPostgres.shared().newEngineDatabase(UUID.randomUUID().toString().substring(0, 8)), "", "", 2, null, false);
        DemoApplication.create(database.dataSource());
        shapes = new TableShapes(database.dataSource());
    }

    @AfterAll
    void close() {
        database.close();
    }

    void sql(String statement) throws Exception {
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    @Test
    void agentsColumnsTypesEnumsKeyAndForeignKey() throws Exception {
        TableShape agents = shapes.read("public", "agents", "notion.source.agents.table");
        assertEquals(List.of("id"), agents.key());
        assertEquals(List.of("id", "name", "status", "organization_id", "model", "temperature", "monthly_budget", "tags", "config", "is_public",
                "launched_on", "last_run_at", "updated_at"), agents.columns().stream().map(TableColumn::name).toList());
        TableColumn id = agents.column("id").orElseThrow();
        assertEquals(ColumnCategory.UUID, id.category());
        assertTrue(id.key() && id.notNull() && id.hasDefault());
        assertEquals(1, id.attnum());
        TableColumn status = agents.column("status").orElseThrow();
        assertEquals(ColumnCategory.ENUM, status.category());
        assertEquals(List.of("draft", "active", "paused", "retired"), status.enumLabels());
        assertEquals("agent_status", status.formatType());
        TableColumn organization = agents.column("organization_id").orElseThrow();
        assertEquals(ColumnCategory.INTEGER, organization.category());
        assertEquals(new TableColumn.Reference("public", "organizations", "id"), organization.references());
        assertEquals("numeric(3,2)", agents.column("temperature").orElseThrow().formatType());
        assertEquals(ColumnCategory.DECIMAL, agents.column("temperature").orElseThrow().category());
        assertEquals(ColumnCategory.TEXT_ARRAY, agents.column("tags").orElseThrow().category());
        assertEquals(ColumnCategory.JSON, agents.column("config").orElseThrow().category());
        assertEquals(ColumnCategory.BOOLEAN, agents.column("is_public").orElseThrow().category());
        assertEquals(ColumnCategory.DATE, agents.column("launched_on").orElseThrow().category());
        assertEquals(ColumnCategory.TIMESTAMP, agents.column("last_run_at").orElseThrow().category());
        assertEquals(ColumnCategory.TIMESTAMPTZ, agents.column("updated_at").orElseThrow().category());
        assertFalse(agents.column("monthly_budget").orElseThrow().notNull());
        assertNull(agents.column("name").orElseThrow().references());
    }

    @Test
    void aCompositeKeyInItsOrderAndItsForeignKeys() throws Exception {
        TableShape joins = shapes.read("public", "agents_capabilities", "notion.source.x.table");
        assertEquals(List.of("agent_id", "capability_slug"), joins.key());
        assertEquals(new TableColumn.Reference("public", "agents", "id"), joins.column("agent_id").orElseThrow().references());
        assertEquals(new TableColumn.Reference("public", "capabilities", "slug"), joins.column("capability_slug").orElseThrow().references());
        TableShape organizations = shapes.read("public", "organizations", "notion.source.x.table");
        assertTrue(organizations.column("id").orElseThrow().hasDefault(), "an identity is a default");
        assertEquals(ColumnCategory.TEXT, organizations.column("plan").orElseThrow().category(), "varchar is text");
    }

    @Test
    void enumArraysDomainsAndTypesWithoutANotionType() throws Exception {
        sql("CREATE DOMAIN short_name AS varchar(20)");
        sql("CREATE TABLE odd (id int PRIMARY KEY, statuses agent_status[], nick short_name, blob bytea, span interval, grid int[])");
        TableShape odd = shapes.read("public", "odd", "notion.source.odd.table");
        assertEquals(ColumnCategory.ENUM_ARRAY, odd.column("statuses").orElseThrow().category());
        assertEquals(List.of("draft", "active", "paused", "retired"), odd.column("statuses").orElseThrow().enumLabels());
        assertEquals(ColumnCategory.TEXT, odd.column("nick").orElseThrow().category(), "a domain maps as its base type");
        assertEquals(ColumnCategory.OTHER, odd.column("blob").orElseThrow().category());
        assertEquals(ColumnCategory.OTHER, odd.column("span").orElseThrow().category());
        assertEquals(ColumnCategory.OTHER, odd.column("grid").orElseThrow().category(), "an array of numbers has no Notion type");
        UnmappableColumnException refused = assertThrows(UnmappableColumnException.class,
                () -> BoundTypes.notionType("odd", odd, odd.column("blob").orElseThrow(), false, false));
        assertEquals("column 'blob' of public.odd is of type bytea, which no Notion property holds faithfully; leave it out with"
                + " notion.source.odd.exclude = blob (a comma separated list)", refused.getMessage());
    }

    @Test
    void aTableWithoutPrimaryKeyIsRefused() throws Exception {
        sql("CREATE TABLE audit_log (at timestamptz, line text)");
        TableShapes.UnboundableTableException refused = assertThrows(TableShapes.UnboundableTableException.class,
                () -> shapes.read("public", "audit_log", "notion.source.audit.table"));
        assertTrue(refused.getMessage().startsWith("table public.audit_log (setting notion.source.audit.table) has no primary key"), refused.getMessage());
    }

    @Test
    void aMissingTableOrAViewIsRefusedNamingTheSetting() throws Exception {
        TableShapes.UnboundableTableException missing = assertThrows(TableShapes.UnboundableTableException.class,
                () -> shapes.read("public", "agentz", "notion.source.agents.table"));
        assertTrue(missing.getMessage().startsWith("setting notion.source.agents.table names table public.agentz, which does not exist"),
                missing.getMessage());
        sql("CREATE VIEW active_agents AS SELECT * FROM agents WHERE status = 'active'");
        TableShapes.UnboundableTableException view = assertThrows(TableShapes.UnboundableTableException.class,
                () -> shapes.read("public", "active_agents", "notion.source.active.table"));
        assertTrue(view.getMessage().contains("is not a table"), view.getMessage());
    }
}
