package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Builds the sample workspace of a company that runs its projects pipeline, revenue operations and AI agents
 * in Notion. Across the three data sources every property type appears; projects and revenue are linked by a
 * dual relation, and the first project has 30 deals so relation truncation (25 + has_more) shows up.
 */
final class WorkspaceSeeder {
    static final String WORKSPACE_NAME = "Northwind Studio";

    private final SimModel model;
    private final Random random;
    private final Instant created;

    WorkspaceSeeder(SimModel model) {
        this.model = model;
        this.random = model.random();
        this.created = model.now().minus(Duration.ofDays(180));
    }

    SeededWorkspace seed(int pagesPerSource) {
        return model.write(() -> {
            addPeople();
            ObjectNode home = homePage();
            SimDataSource projects = source(home, "Projects pipeline", "🚀");
            SimDataSource revenue = source(home, "Revenue operations", "📈");
            SimDataSource agents = source(home, "AI agents", "🤖");
            projectsSchema(projects, revenue);
            revenueSchema(revenue, projects);
            agentsSchema(agents);
            ValueGenerator generator = new ValueGenerator(model, random);
            generator.generate(projects, pagesPerSource);
            generator.generate(agents, pagesPerSource);
            withoutRelations(revenue, () -> generator.generate(revenue, pagesPerSource));
            linkDeals(projects, revenue);
            List<SeededSource> sources = List.of(
                    new SeededSource("projects", "Projects pipeline", projects.databaseId, projects.id),
                    new SeededSource("revenue", "Revenue operations", revenue.databaseId, revenue.id),
                    new SeededSource("agents", "AI agents", agents.databaseId, agents.id));
            return new SeededWorkspace(WORKSPACE_NAME, sources);
        });
    }

    /**
     * A knowledge base beside the seeded sources (the demo's page content): a few pages with headings, lists, to-dos,
     * code, a table, nested toggles, a callout, emoji and right-to-left text. Not part of {@link #seed}, so tests that
     * sync every seeded source are not changed by it.
     */
    SeededSource seedKnowledgeBase() {
        SimDataSource knowledge = model.write(() -> {
            SimDataSource s = source(SimModel.workspaceParent(), "Knowledge base", "📚");
            Schema schema = new Schema(s);
            schema.add("Title", "title", Json.object());
            schema.add("Category", "select", options("Persona:purple", "Playbook:orange", "Meeting notes:blue", "Prompt:green", "Onboarding:pink"));
            schema.add("Published", "checkbox", Json.object());
            schema.add("Owner", "people", Json.object());
            schema.install();
            return s;
        });
        for (String[] article : KnowledgeArticles.ALL) {
            ObjectNode properties = Json.object();
            properties.set("Title", Json.object().set("title", RichText.of(article[0])));
            properties.set("Category", Json.object().set("select", Json.object().put("name", article[1])));
            properties.set("Published", Json.object().put("checkbox", true));
            String pageId = model.createPage(knowledge.id, properties).path("id").asText();
            model.editContent(pageId, article[2]);
            if (article[1].equals("Playbook")) {
                model.comments.addAsPerson(Json.object().put("page_id", pageId).put("text", "Should SEV2 page the on-call engineer at night?"));
            }
            // written a while ago, as a knowledge base is: no edit minute still open when the demo starts
            model.write(() -> {
                Page page = model.requirePage(pageId);
                model.putPage(page.withValues(page.values(), model.now().minus(Duration.ofHours(1)), page.lastEditedBy()));
                return null;
            });
        }
        return new SeededSource("knowledge", "Knowledge base", knowledge.databaseId, knowledge.id);
    }

    private void addPeople() {
        String[][] people = {{"Ada Brooks", "ada@northwind.example"}, {"Ben Okafor", "ben@northwind.example"},
                {"Chloé Martin", "chloe@northwind.example"}, {"Dev Patel", "dev@northwind.example"},
                {"Emma Schulz", "emma@northwind.example"}, {"Felix Wang", "felix@northwind.example"}};
        for (String[] p : people) model.addUser(User.person(model.newId(), p[0], p[1]));
    }

    private ObjectNode homePage() {
        String id = model.newId();
        String owner = model.people().get(0).id();
        Map<String, JsonNode> values = Map.of("title", new ValueGenerator(model, random).richText("Company HQ"));
        model.putPage(new Page(id, null, SimModel.workspaceParent(), created, created, owner, owner, Json.F.nullNode(), Json.F.nullNode(), false, false, false, values));
        return Json.object().put("type", "page_id").put("page_id", id);
    }

    private SimDataSource source(ObjectNode parent, String title, String emoji) {
        Instant at = created.plusMillis(random.nextInt(86_400_000));
        SimDatabase db = model.addDatabase(model.newId(), RichText.of(title), parent.deepCopy(), at);
        db.icon = Json.object().put("type", "emoji").put("emoji", emoji);
        SimDataSource source = model.addDataSource(db, model.newId(), RichText.of(title), Times.minute(at), model.people().get(0).id());
        source.icon = db.icon.deepCopy();
        return source;
    }

    // ---------------------------------------------------------------- schemas

    private void projectsSchema(SimDataSource s, SimDataSource revenue) {
        Schema schema = new Schema(s);
        schema.add("Name", "title", Json.object());
        schema.add("Stage", "status", status(new String[][]{{"Lead", "gray"}, {"Scoping", "brown"}}, new String[][]{{"In progress", "blue"}, {"Review", "yellow"}},
                new String[][]{{"Delivered", "green"}, {"Cancelled", "red"}}));
        schema.add("Client", "rich_text", Json.object());
        schema.add("Budget", "number", Json.object().put("format", "dollar"));
        schema.add("Priority", "select", options("Low:gray", "Medium:yellow", "High:orange", "Critical:red"));
        schema.add("Tags", "multi_select", options("Web:blue", "Mobile:purple", "Data:green", "AI:pink", "Infra:brown", "Design:orange"));
        schema.add("Timeline", "date", Json.object());
        schema.add("Kickoff call", "date", Json.object());
        schema.add("Owner", "people", Json.object());
        schema.add("Brief", "files", Json.object());
        schema.add("Billable", "checkbox", Json.object());
        schema.add("Repository", "url", Json.object());
        schema.add("Contact email", "email", Json.object());
        schema.add("Contact phone", "phone_number", Json.object());
        schema.add("Deals", "relation", Json.object());
        schema.add("Revenue total", "rollup", Json.object());
        schema.add("Last close", "rollup", Json.object());
        schema.add("Deal services", "rollup", Json.object());
        schema.add("Health", "formula", Json.object());
        schema.add("Budget with tax", "formula", Json.object());
        schema.add("Overdue", "formula", Json.object());
        schema.add("Next review", "formula", Json.object());
        schema.add("Created", "created_time", Json.object());
        schema.add("Created by", "created_by", Json.object());
        schema.add("Updated", "last_edited_time", Json.object());
        schema.add("Updated by", "last_edited_by", Json.object());
        schema.add("Project ID", "unique_id", Json.object().put("prefix", "PRJ"));
        schema.add("Request review", "button", Json.object());
        schema.add("Site", "place", Json.object());
        schema.install();
        reserve(revenue, "Project");
    }

    private void revenueSchema(SimDataSource s, SimDataSource projects) {
        Schema schema = new Schema(s);
        schema.add("Deal", "title", Json.object());
        schema.add("Service type", "select", options("Consulting:blue", "Implementation:green", "Support plan:yellow", "Training:purple", "Licensing:pink"));
        schema.add("Amount", "number", Json.object().put("format", "dollar"));
        schema.add("Closed", "date", Json.object());
        schema.add("Deal stage", "status", status(new String[][]{{"Prospecting", "gray"}}, new String[][]{{"Negotiation", "blue"}, {"Contract sent", "yellow"}},
                new String[][]{{"Won", "green"}, {"Lost", "red"}}));
        schema.add("Account manager", "people", Json.object());
        schema.add("Invoice", "files", Json.object());
        schema.add("Paid", "checkbox", Json.object());
        schema.add("Invoice URL", "url", Json.object());
        schema.add("Billing email", "email", Json.object());
        schema.add("Billing phone", "phone_number", Json.object());
        schema.add("Regions", "multi_select", options("EMEA:blue", "Americas:green", "APAC:orange"));
        schema.add("Notes", "rich_text", Json.object());
        PropertySchema project = schema.addReserved(s.properties.get("Project"));
        schema.add("Project stage", "rollup", Json.object());
        schema.add("Amount band", "formula", Json.object());
        schema.add("Net amount", "formula", Json.object());
        schema.add("Deal ID", "unique_id", Json.object().put("prefix", "REV"));
        schema.add("Created time", "created_time", Json.object());
        schema.add("Created by", "created_by", Json.object());
        schema.add("Last edited time", "last_edited_time", Json.object());
        schema.add("Last edited by", "last_edited_by", Json.object());
        schema.add("Office", "place", Json.object());
        schema.add("Sign-off", "button", Json.object());
        schema.install();

        PropertySchema deals = projects.property("Deals");
        relate(projects, deals, s, project);
        relate(s, project, projects, deals);
        rollup(projects, "Revenue total", deals, s.property("Amount"), "sum");
        rollup(projects, "Last close", deals, s.property("Closed"), "latest_date");
        rollup(projects, "Deal services", deals, s.property("Service type"), "show_original");
        rollup(s, "Project stage", project, projects.property("Stage"), "show_original");
        projectFormulas(projects);
        revenueFormulas(s);
    }

    private void agentsSchema(SimDataSource s) {
        Schema schema = new Schema(s);
        schema.add("Agent", "title", Json.object());
        schema.add("Description", "rich_text", Json.object());
        schema.add("Model", "select", options("Claude Sonnet:orange", "Claude Haiku:yellow", "GPT-4.1:green", "Llama 3:blue", "Mistral Large:purple"));
        schema.add("Capabilities", "multi_select", options("Email:blue", "Search:green", "Code:purple", "CRM:orange", "Calendar:pink", "Slack:red"));
        schema.add("Lifecycle", "status", status(new String[][]{{"Draft", "gray"}}, new String[][]{{"Testing", "blue"}, {"Live", "green"}},
                new String[][]{{"Retired", "brown"}}));
        schema.add("Owner", "people", Json.object());
        schema.add("Enabled", "checkbox", Json.object());
        schema.add("Success rate", "number", Json.object().put("format", "percent"));
        schema.add("Cost per run", "number", Json.object().put("format", "euro"));
        schema.add("Runs", "number", Json.object().put("format", "number_with_commas"));
        schema.add("Endpoint", "url", Json.object());
        schema.add("Alert email", "email", Json.object());
        schema.add("On-call phone", "phone_number", Json.object());
        schema.add("Deployed at", "date", Json.object());
        schema.add("Runbook", "files", Json.object());
        schema.add("Monthly cost", "formula", Json.object());
        schema.add("Healthy", "formula", Json.object());
        schema.addWithId("Verification", "verification", "verification", Json.object());
        schema.add("Agent ID", "unique_id", Json.object().put("prefix", "AGT"));
        schema.add("Created", "created_time", Json.object());
        schema.add("Created by", "created_by", Json.object());
        schema.add("Last edited", "last_edited_time", Json.object());
        schema.add("Last edited by", "last_edited_by", Json.object());
        schema.add("Restart", "button", Json.object());
        schema.add("Datacenter", "place", Json.object());
        schema.install();
        agentFormulas(s);
    }

    /** The revenue side's "Project" property id must be known before the projects schema links to it. */
    private void reserve(SimDataSource revenue, String name) {
        String id = new Schema(revenue).newId();
        revenue.properties.put(name, new PropertySchema(id, name, null, "relation", Json.object()));
    }

    private void relate(SimDataSource from, PropertySchema property, SimDataSource to, PropertySchema synced) {
        ObjectNode config = property.config();
        config.removeAll();
        config.put("database_id", to.databaseId);
        config.put("data_source_id", to.id);
        config.put("type", "dual_property");
        config.putObject("dual_property").put("synced_property_name", synced.name()).put("synced_property_id", synced.id());
    }

    private static void rollup(SimDataSource source, String name, PropertySchema relation, PropertySchema target, String function) {
        ObjectNode config = source.property(name).config();
        config.put("rollup_property_name", target.name());
        config.put("relation_property_name", relation.name());
        config.put("rollup_property_id", PropertySchema.decodeId(target.id()));
        config.put("relation_property_id", PropertySchema.decodeId(relation.id()));
        config.put("function", function);
    }

    // ---------------------------------------------------------------- formulas the simulator evaluates

    private void projectFormulas(SimDataSource p) {
        PropertySchema stage = p.property("Stage");
        PropertySchema budget = p.property("Budget");
        PropertySchema timeline = p.property("Timeline");
        PropertySchema kickoff = p.property("Kickoff call");
        formula(p, "Health", "if(" + ref(p, stage) + " == \"Delivered\", \"Done\", if(" + ref(p, budget) + " > 150000, \"Watch budget\", \"On track\"))",
                (page, s) -> {
                    String st = page.value(stage.id()) == null ? "" : page.value(stage.id()).path("name").asText();
                    double b = page.value(budget.id()) == null ? 0 : page.value(budget.id()).asDouble(0);
                    return string(st.equals("Delivered") ? "Done" : b > 150_000 ? "Watch budget" : "On track");
                });
        formula(p, "Budget with tax", ref(p, budget) + " * 1.19", (page, s) -> {
            JsonNode b = page.value(budget.id());
            ObjectNode out = Json.object().put("type", "number");
            if (b == null || !b.isNumber()) return out.putNull("number");
            return out.set("number", Renderer.number(Math.round(b.asDouble() * 119) / 100.0));
        });
        formula(p, "Overdue", "dateEnd(" + ref(p, timeline) + ") < now() and " + ref(p, stage) + " != \"Delivered\"", (page, s) -> {
            JsonNode t = page.value(timeline.id());
            String end = t == null || t.isNull() ? null : t.path("end").asText(t.path("start").asText(null));
            boolean late = end != null && LocalDate.parse(end.substring(0, 10)).isBefore(LocalDate.ofInstant(model.clock().instant(), ZoneOffset.UTC));
            String st = page.value(stage.id()) == null ? "" : page.value(stage.id()).path("name").asText();
            return Json.object().put("type", "boolean").put("boolean", late && !st.equals("Delivered") && !st.equals("Cancelled"));
        });
        formula(p, "Next review", "dateAdd(" + ref(p, kickoff) + ", 14, \"days\")", (page, s) -> {
            JsonNode k = page.value(kickoff.id());
            ObjectNode out = Json.object().put("type", "date");
            if (k == null || k.isNull()) return out.putNull("date");
            String start = k.path("start").asText();
            ObjectNode date = out.putObject("date");
            date.put("start", LocalDate.parse(start.substring(0, 10)).plusDays(14).toString());
            date.putNull("end");
            date.putNull("time_zone");
            return out;
        });
    }

    private void revenueFormulas(SimDataSource r) {
        PropertySchema amount = r.property("Amount");
        formula(r, "Amount band", "if(" + ref(r, amount) + " >= 100000, \"Enterprise\", if(" + ref(r, amount) + " >= 20000, \"Mid-market\", \"SMB\"))", (page, s) -> {
            JsonNode a = page.value(amount.id());
            if (a == null || !a.isNumber()) return string(null);
            double v = a.asDouble();
            return string(v >= 100_000 ? "Enterprise" : v >= 20_000 ? "Mid-market" : "SMB");
        });
        formula(r, "Net amount", ref(r, amount) + " * 0.81", (page, s) -> {
            JsonNode a = page.value(amount.id());
            ObjectNode out = Json.object().put("type", "number");
            return a == null || !a.isNumber() ? out.putNull("number") : out.set("number", Renderer.number(Math.round(a.asDouble() * 81) / 100.0));
        });
    }

    private void agentFormulas(SimDataSource a) {
        PropertySchema runs = a.property("Runs");
        PropertySchema cost = a.property("Cost per run");
        PropertySchema rate = a.property("Success rate");
        PropertySchema enabled = a.property("Enabled");
        formula(a, "Monthly cost", ref(a, runs) + " * " + ref(a, cost), (page, s) -> {
            JsonNode n = page.value(runs.id());
            JsonNode c = page.value(cost.id());
            ObjectNode out = Json.object().put("type", "number");
            if (n == null || c == null || !n.isNumber() || !c.isNumber()) return out.putNull("number");
            return out.set("number", Renderer.number(Math.round(n.asDouble() * c.asDouble() * 100) / 100.0));
        });
        formula(a, "Healthy", ref(a, enabled) + " and " + ref(a, rate) + " >= 0.9", (page, s) -> {
            JsonNode e = page.value(enabled.id());
            JsonNode r = page.value(rate.id());
            boolean ok = e != null && e.asBoolean(false) && r != null && r.isNumber() && r.asDouble() >= 0.9;
            return Json.object().put("type", "boolean").put("boolean", ok);
        });
    }

    /** Live formula expressions reference properties by internal block-property ids, not prop("Name"). */
    private String ref(SimDataSource s, PropertySchema p) {
        return "{{notion:block_property:" + p.id() + ":" + s.id + ":" + model.newId() + "}}";
    }

    private static void formula(SimDataSource s, String name, String expression, SimDataSource.Formula f) {
        PropertySchema p = s.property(name);
        p.config().put("expression", expression);
        s.formulas.put(p.id(), f);
    }

    private static ObjectNode string(String value) {
        return Json.object().put("type", "string").put("string", value);
    }

    // ---------------------------------------------------------------- relations between seeded pages

    private static void withoutRelations(SimDataSource revenue, Runnable generate) {
        PropertySchema project = revenue.property("Project");
        ObjectNode saved = project.config().deepCopy();
        project.config().put("data_source_id", "00000000-0000-4000-8000-000000000000");
        generate.run();
        project.config().removeAll();
        project.config().setAll(saved);
    }

    /** Every deal belongs to one project; the first project gets 30 deals when there are enough. */
    private void linkDeals(SimDataSource projects, SimDataSource revenue) {
        List<Page> projectPages = new ArrayList<>(projects.byCreated);
        List<Page> dealPages = new ArrayList<>(revenue.byCreated);
        if (projectPages.isEmpty()) return;
        PropertySchema deals = projects.property("Deals");
        PropertySchema project = revenue.property("Project");
        Map<String, ArrayNode> byProject = new LinkedHashMap<>();
        for (int i = 0; i < dealPages.size(); i++) {
            Page owner = dealPages.size() >= 30 && i < 30 ? projectPages.get(0) : projectPages.get(i % projectPages.size());
            Page deal = dealPages.get(i);
            byProject.computeIfAbsent(owner.id(), k -> Json.array()).addObject().put("id", deal.id());
            Map<String, JsonNode> values = new LinkedHashMap<>(deal.values());
            ArrayNode link = Json.array();
            link.addObject().put("id", owner.id());
            values.put(project.id(), link);
            model.putPage(deal.withValues(values, deal.lastEditedTime(), deal.lastEditedBy()));
        }
        for (Page p : projectPages) {
            Map<String, JsonNode> values = new LinkedHashMap<>(p.values());
            values.put(deals.id(), byProject.getOrDefault(p.id(), Json.array()));
            model.putPage(p.withValues(values, p.lastEditedTime(), p.lastEditedBy()));
        }
    }

    // ---------------------------------------------------------------- helpers

    private ObjectNode options(String... nameColors) {
        ObjectNode config = Json.object();
        ArrayNode options = config.putArray("options");
        for (String nc : nameColors) {
            String[] parts = nc.split(":");
            options.addObject().put("id", model.newId()).put("name", parts[0]).put("color", parts[1]).putNull("description");
        }
        return config;
    }

    private ObjectNode status(String[][] todo, String[][] doing, String[][] done) {
        ObjectNode config = Json.object();
        ArrayNode options = config.putArray("options");
        ArrayNode groups = config.putArray("groups");
        String[][] groupInfo = {{"To-do", "gray"}, {"In progress", "blue"}, {"Complete", "green"}};
        String[][][] members = {todo, doing, done};
        for (int g = 0; g < 3; g++) {
            ObjectNode group = Json.object().put("id", model.newId()).put("name", groupInfo[g][0]).put("color", groupInfo[g][1]);
            ArrayNode ids = group.putArray("option_ids");
            for (String[] o : members[g]) {
                String id = model.newId();
                options.addObject().put("id", id).put("name", o[0]).put("color", o[1]).putNull("description");
                ids.add(id);
            }
            groups.add(group);
        }
        return config;
    }

    /** Collects properties, then installs them in Notion's order: by id, with the title property last. */
    private final class Schema {
        private final SimDataSource source;
        private final List<PropertySchema> added = new ArrayList<>();
        private final Set<String> used = new HashSet<>();

        Schema(SimDataSource source) {
            this.source = source;
            for (PropertySchema p : source.properties.values()) used.add(p.id());
        }

        PropertySchema add(String name, String type, ObjectNode config) {
            return addWithId(name, type, type.equals("title") ? "title" : newId(), config);
        }

        PropertySchema addWithId(String name, String type, String id, ObjectNode config) {
            PropertySchema p = new PropertySchema(id, name, null, type, config);
            added.add(p);
            used.add(id);
            return p;
        }

        PropertySchema addReserved(PropertySchema p) {
            added.add(p);
            return p;
        }

        String newId() {
            return PropertySchema.newId(random, used);
        }

        void install() {
            source.properties.clear();
            for (PropertySchema p : added) source.properties.put(p.name(), p);
            PropertySchema.sortLikeNotion(source.properties);
        }
    }
}
