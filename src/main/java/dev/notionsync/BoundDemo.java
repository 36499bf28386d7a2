package dev.notionsync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.config.Settings;
import dev.notionsync.config.SettingsException;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.store.BoundColumns;
import dev.notionsync.store.DatabaseUnavailableException;
import dev.notionsync.store.DemoApplication;
import dev.notionsync.sync.SourceSettings;
import dev.notionsync.sync.bound.Bootstrap;
import java.io.PrintStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The demo's Postgres-first half: an application's own tables (src/main/resources/demo/app-schema.sql: organizations,
 * agents, capabilities, agents_capabilities, workflows) in the demo's PostgreSQL, each a bound source (mode bind, both
 * ways), bootstrapped into the simulator under an "Application" page by an engine in bootstrap mode, the one the
 * {@code bootstrap} command starts, BEFORE the demo's engine starts its routes: so no pull of a bound source ever
 * fails for want of its database.
 */
final class BoundDemo {

    /** The application's tables in dependency order: each after the tables its foreign keys refer to. */
    static final List<String> TABLES = List.of("organizations", "capabilities", "agents", "agents_capabilities", "workflows");

    private final String parentPageId;
    private final Map<String, Bootstrap.Result> results;

    private BoundDemo(String parentPageId, Map<String, Bootstrap.Result> results) {
        this.parentPageId = parentPageId;
        this.results = results;
    }

    /** The bound source of a table: app_&lt;table&gt; (the sample workspace already has a source named agents). */
    static String source(String table) {
        return "app_" + table;
    }

    /** The demo's settings for the bound sources: mode bind, the table, the demo's poll; direction is bind's default, both. */
    static Map<String, String> settings(Settings base) {
        Map<String, String> bound = new LinkedHashMap<>();
        for (String table : TABLES) {
            bound.put("notion.source." + source(table) + ".mode", "bind");
            bound.put("notion.source." + source(table) + ".table", "public." + table);
            bound.put("notion.source." + source(table) + ".poll", base.declared("notion.demo.poll"));
        }
        return bound;
    }

    static String sources() {
        return TABLES.stream().map(BoundDemo::source).collect(Collectors.joining(","));
    }

    /**
     * Creates the application's tables in the demo's (fresh) PostgreSQL and bootstraps each into the simulator under
     * the page, in dependency order, with an engine in bootstrap mode that is closed before the demo's own starts.
     * The bootstrap's progress lines go to {@code out}.
     */
    static BoundDemo bootstrap(Settings settings, String parentPageId, PrintStream out) {
        out.println("notion-sync demo: creating the application's tables (" + String.join(", ", TABLES) + ") in PostgreSQL and bootstrapping"
                + " them into the simulator, as 'notion-sync bootstrap <source> --parent " + parentPageId + "' would");
        Map<String, Bootstrap.Result> results = new LinkedHashMap<>();
        // the simulator has no rate limit: the demo's bootstrap need not wait for Notion's 3 requests per second
        Settings bootstrapping = settings.with(Map.of("notion.api.rate", settings.declared("notion.demo.bootstrap-rate")));
        try (NotionSync engine = App.startBootstrapEngine(bootstrapping, opened -> {
            try {
                DemoApplication.create(opened.database().dataSource());
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create the demo's application tables: " + e.getMessage(), e);
            }
        })) {
            for (String table : TABLES) {
                Bootstrap.Result result = engine.bootstrap().bootstrap(source(table), parentPageId, line -> out.println("  " + line));
                if (!result.complete()) {
                    throw new IllegalStateException("rows of " + table + " got no page: " + String.join("; ", result.rowsLeftOut()));
                }
                results.put(table, result);
            }
        } catch (SettingsException | DatabaseUnavailableException e) {
            throw e;   // a setting, a port or the database: its message says what to do
        } catch (Exception e) {
            throw new SettingsException("the demo could not bootstrap its application tables into the simulator: " + e.getMessage()
                    + " (the demo starts fresh: run it again; if this repeats, it is a bug: please report it with the lines above)");
        }
        return new BoundDemo(parentPageId, results);
    }

    /** The banner's lines: the bound tables, and one line to try each direction, with real ids. */
    List<String> banner(NotionSimulator simulator, NotionSync sync) {
        List<String> lines = new ArrayList<>();
        lines.add("  Bound tables     : your application's own tables in schema 'public', kept in step with Notion both ways (mode bind),");
        lines.add("                     each a Notion database under the simulator's page 'Application' (" + parentPageId + "):");
        lines.add("                     " + results.entrySet().stream().filter(e -> !sync.relation(source(e.getKey())))
                .map(e -> "public." + e.getKey() + " (" + e.getValue().pagesCreated() + " pages, source " + source(e.getKey()) + ")")
                .collect(Collectors.joining(", ")));
        for (String table : results.keySet()) {
            if (sync.relation(source(table))) {
                lines.add("                     public." + table + " (a join table, source " + source(table) + ") is no database: it is the two-way relation "
                        + relationNames(sync, table) + ", one relation per agent's page");
            }
        }
        List<JsonNode> agents = new ArrayList<>(simulator.model().pages(results.get("agents").dataSourceId()));
        String keyProperty = keyProperty(sync, "agents");
        agents.sort((a, b) -> text(a, keyProperty).compareTo(text(b, keyProperty)));
        String psql = App.psql(sync);
        if (agents.size() >= 2) {
            JsonNode first = agents.get(0);
            String firstStatus = first.path("properties").path("status").path("select").path("name").asText("");
            String pushed = firstStatus.equals("paused") ? "active" : "paused";
            lines.add("                     try PostgreSQL -> Notion: change an agent's status as your application would, and see its page (pushed within seconds):");
            lines.add("                     " + psql + " -c \"UPDATE public.agents SET status = '" + pushed + "' WHERE id = '" + text(first, keyProperty) + "'\"; sleep 3; "
                    + App.notionCurl(simulator, "/v1/pages/" + first.path("id").asText()));
            JsonNode second = agents.get(1);
            String secondStatus = second.path("properties").path("status").path("select").path("name").asText("");
            String applied = secondStatus.equals("retired") ? "active" : "retired";
            lines.add("                     try Notion -> PostgreSQL: change another agent's status as a Notion user would, and see its row (applied within seconds):");
            lines.add("                     curl -X POST " + simulator.baseUrl() + "/__sim/pages/" + second.path("id").asText()
                    + " -d '{\"properties\":{\"status\":{\"select\":{\"name\":\"" + applied + "\"}}}}'; sleep 3; " + psql
                    + " -c \"SELECT name, status FROM public.agents WHERE id = '" + text(second, keyProperty) + "'\"");
            String capability = unrelatedCapability(sync, text(first, keyProperty));
            if (sync.relation(source("agents_capabilities")) && capability != null) {
                lines.add("                     try the join table: give that agent a capability as your application would, and see its page's relation (within seconds):");
                lines.add("                     " + psql + " -c \"INSERT INTO public.agents_capabilities (agent_id, capability_slug) VALUES ('"
                        + text(first, keyProperty) + "', '" + capability + "')\"; sleep 3; " + App.notionCurl(simulator, "/v1/pages/" + first.path("id").asText()));
            }
        }
        return lines;
    }

    /** 'capabilities' on agents (shown as 'agents' on capabilities): the relation a join table is, as bootstrap named it. */
    private static String relationNames(NotionSync sync, String table) {
        try {
            List<BoundColumns.BoundColumn> pairs = new BoundColumns(sync.database().dataSource()).of(source(table));
            String property = pairs.stream().filter(p -> p.role().equals("relation")).map(BoundColumns.BoundColumn::propertyName).findFirst().orElse("?");
            String synced = pairs.stream().filter(p -> p.role().equals("synced")).map(BoundColumns.BoundColumn::propertyName).findFirst().orElse("?");
            return "'" + property + "' on agents (shown as '" + synced + "' on capabilities)";
        } catch (SQLException e) {
            return "between agents and capabilities";
        }
    }

    /** A capability the agent does not have yet, for the join table's try line; null when it has them all. */
    private static String unrelatedCapability(NotionSync sync, String agentId) {
        try {
            return DemoApplication.capabilityWithout(sync.database().dataSource(), agentId);
        } catch (SQLException e) {
            return null;
        }
    }

    /** The name of the property holding a bound table's row keys (notion.source.&lt;name&gt;.key-property). */
    private static String keyProperty(NotionSync sync, String table) {
        return sync.sources().stream().filter(s -> s.name().equals(source(table))).map(SourceSettings::binding)
                .map(binding -> binding.keyProperty()).findFirst().orElse("Row key");
    }

    /** A text property's plain text (a key property, a title). */
    private static String text(JsonNode page, String property) {
        JsonNode value = page.path("properties").path(property);
        StringBuilder text = new StringBuilder();
        for (JsonNode item : value.path(value.path("type").asText())) {
            text.append(item.path("plain_text").asText(item.path("text").path("content").asText()));
        }
        return text.toString();
    }
}
