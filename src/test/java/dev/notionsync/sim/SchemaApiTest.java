package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.Recordings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What bind mode's bootstrap and sync ask of Notion's schema API, over real HTTP: creating a database with every
 * property type bootstrap makes, relations between data sources (single and dual, both ways), schema changes through
 * PATCH /v1/data_sources, the validation errors for bad schemas, options added by page writes, and search finding a
 * new database's data source by title.
 */
class SchemaApiTest {
    static NotionSimulator sim;
    static SimClient client;
    static String home;

    @BeforeAll
    static void start() throws Exception {
        sim = NotionSimulator.start(SimulatorConfig.defaults("secret_schema_test").withPages(0));
        client = new SimClient(sim);
        home = client.get("/v1/databases/" + sim.workspace().source("projects").databaseId()).body().at("/parent/page_id").asText();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    /** The body bootstrap sends for a table like the demo's agents (every type it maps to), under parent {@code home}. */
    static String agentsBody(String title, String organizationsSource) {
        return """
                {"parent":{"type":"page_id","page_id":"%s"},
                 "title":[{"type":"text","text":{"content":"%s"}}],
                 "is_inline":false,
                 "initial_data_source":{"properties":{
                   "Name":{"type":"title","title":{},"description":"agents.name"},
                   "Row key":{"type":"rich_text","rich_text":{},"description":"Read-only: the row's key in public.agents"},
                   "Budget":{"type":"number","number":{"format":"number"}},
                   "Active":{"type":"checkbox","checkbox":{}},
                   "Status":{"type":"select","select":{"options":[{"name":"draft","color":"gray"},{"name":"live","color":"green"},{"name":"retired"}]}},
                   "Tags":{"type":"multi_select","multi_select":{"options":[{"name":"nlp","color":"blue"},{"name":"vision"}]}},
                   "Started":{"type":"date","date":{}},
                   "Organization":{"type":"relation","relation":{"data_source_id":"%s","dual_property":{"synced_property_name":"Agents"}}},
                   "Mentor":{"type":"relation","relation":{"data_source_id":"%s","type":"single_property","single_property":{}}}
                 }}}""".formatted(home, title, organizationsSource, organizationsSource);
    }

    static String simpleBody(String title, String properties) {
        return """
                {"parent":{"type":"page_id","page_id":"%s"},"title":[{"type":"text","text":{"content":"%s"}}],
                 "initial_data_source":{"properties":%s}}""".formatted(home, title, properties);
    }

    /** Creates a database; returns its response and the data source. */
    static JsonNode[] create(String body) {
        SimClient.Reply db = client.post("/v1/databases", body);
        assertEquals(200, db.status(), String.valueOf(db.body()));
        SimClient.Reply ds = client.get("/v1/data_sources/" + db.body().at("/data_sources/0/id").asText());
        assertEquals(200, ds.status());
        return new JsonNode[]{db.body(), ds.body()};
    }

    static String organizations(String title) {
        return create(simpleBody(title, "{\"Name\":{\"title\":{}},\"Row key\":{\"rich_text\":{}}}"))[1].get("id").asText();
    }

    // ---------------------------------------------------------------- creation

    @Test
    void createsADatabaseWithEveryTypeBootstrapMakes() {
        String orgs = organizations("Organizations A");
        JsonNode[] created = create(agentsBody("Agents A", orgs));
        JsonNode db = created[0];
        JsonNode ds = created[1];
        assertEquals("database", db.get("object").asText());
        assertEquals(home, db.at("/parent/page_id").asText());
        assertEquals("Agents A", db.at("/data_sources/0/name").asText());
        JsonNode p = ds.get("properties");
        assertEquals(List.of("Active", "Budget", "Mentor", "Name", "Organization", "Row key", "Started", "Status", "Tags"),
                sortedKeys(p));
        assertEquals("title", p.at("/Name/id").asText());
        assertEquals("title", lastKey(p), "Notion lists the title property last");
        assertEquals("agents.name", p.at("/Name/description").asText());
        assertTrue(p.at("/Budget/description").isNull());
        assertEquals("number", p.at("/Budget/number/format").asText());
        assertEquals(List.of("draft", "live", "retired"), names(p.at("/Status/select/options")));
        assertEquals("green", p.at("/Status/select/options/1/color").asText());
        assertTrue(SimulatorApiTest.UUID.matcher(p.at("/Status/select/options/0/id").asText()).matches());
        assertTrue(p.at("/Status/select/options/0/description").isNull());
        assertEquals(List.of("nlp", "vision"), names(p.at("/Tags/multi_select/options")));
        JsonNode organization = p.at("/Organization/relation");
        assertEquals(orgs, organization.get("data_source_id").asText());
        assertEquals(client.get("/v1/data_sources/" + orgs).body().at("/parent/database_id").asText(), organization.get("database_id").asText());
        assertEquals("dual_property", organization.get("type").asText());
        assertEquals("Agents", organization.at("/dual_property/synced_property_name").asText());
        JsonNode mentor = p.at("/Mentor/relation");
        assertEquals("single_property", mentor.get("type").asText());
        assertEquals(0, mentor.get("single_property").size());

        JsonNode back = client.get("/v1/data_sources/" + orgs).body().at("/properties/Agents");
        assertEquals("relation", back.get("type").asText());
        assertEquals(organization.at("/dual_property/synced_property_id").asText(), back.get("id").asText());
        assertEquals(ds.get("id").asText(), back.at("/relation/data_source_id").asText());
        assertEquals(db.get("id").asText(), back.at("/relation/database_id").asText());
        assertEquals("Organization", back.at("/relation/dual_property/synced_property_name").asText());
        assertEquals(p.at("/Organization/id").asText(), back.at("/relation/dual_property/synced_property_id").asText());
        assertEquals(List.of("Agents", "Name", "Row key"), sortedKeys(client.get("/v1/data_sources/" + orgs).body().get("properties")),
                "the dual relation adds its synced property to the other side, the single one nothing");
    }

    /** Shapes against real Notion traffic: the database answer of create_db.json, and each property type's config. */
    @Test
    void answersHaveTheShapesOfRealNotionTraffic() {
        JsonNode recorded = Recordings.load("create_db.json");
        String orgs = organizations("Organizations B");
        JsonNode[] created = create(agentsBody("Agents B", orgs));
        List<String> differences = new ArrayList<>();
        RecordingFidelityTest.compare("POST /v1/databases", recorded.get(0).get("response_body"), created[0], differences);
        JsonNode recordedSource = recorded.get(1).get("response_body").deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) recordedSource).remove("properties");
        JsonNode source = created[1].deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) source).remove("properties");
        RecordingFidelityTest.compare("GET /v1/data_sources", recordedSource, source, differences);
        Map<String, JsonNode> byKind = recordedPropertiesByKind();
        int compared = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = created[1].get("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode mine = e.getValue();
            JsonNode theirs = byKind.get(kind(mine));
            assertNotNull(theirs, "the recordings have no " + kind(mine) + " property to compare with");
            RecordingFidelityTest.compare("property " + e.getKey(), theirs, mine, differences);
            compared++;
        }
        assertEquals(9, compared);
        assertTrue(differences.isEmpty(), String.join("\n", differences));
    }

    private static String kind(JsonNode property) {
        String type = property.get("type").asText();
        return type.equals("relation") ? "relation/" + property.at("/relation/type").asText() : type;
    }

    /** Every schema property of every data source in the recordings, one per type (relations: per single/dual). */
    private static Map<String, JsonNode> recordedPropertiesByKind() {
        Map<String, JsonNode> byKind = new HashMap<>();
        try (Stream<Path> files = Files.list(Recordings.folder())) {
            for (Path f : files.filter(x -> x.toString().endsWith(".json")).sorted().toList()) {
                for (JsonNode ex : Recordings.exchanges(f.getFileName().toString())) {
                    for (JsonNode ds : ex.path("response_body").findParents("database_parent")) {
                        for (JsonNode prop : ds.path("properties")) {
                            if (prop.has("name") && !(prop.path("type").asText().matches("select|multi_select") && prop.at("/" + prop.path("type").asText() + "/options").isEmpty())) {
                                byKind.putIfAbsent(kind(prop), prop);
                            }
                        }
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // No recording has a single_property relation; its shape is the SDK's (SDK-JS data-sources.ts
        // SinglePropertyDatabasePropertyRelationConfigResponse): the dual shape with single_property: {} instead.
        JsonNode dual = byKind.get("relation/dual_property");
        if (dual != null && !byKind.containsKey("relation/single_property")) {
            com.fasterxml.jackson.databind.node.ObjectNode single = dual.deepCopy();
            com.fasterxml.jackson.databind.node.ObjectNode config = (com.fasterxml.jackson.databind.node.ObjectNode) single.get("relation");
            config.remove("dual_property");
            config.put("type", "single_property");
            config.putObject("single_property");
            byKind.put("relation/single_property", single);
        }
        return byKind;
    }

    @Test
    void searchFindsANewDatabasesDataSourceByItsTitle() {
        String title = "Bootstrap resume " + UUID.randomUUID().toString().substring(0, 8);
        JsonNode[] created = create(simpleBody(title, "{\"Name\":{\"title\":{}}}"));
        SimClient.Reply r = client.post("/v1/search", "{\"query\":\"" + title + "\",\"filter\":{\"property\":\"object\",\"value\":\"data_source\"}}");
        assertEquals(200, r.status());
        JsonNode results = r.body().get("results");
        assertEquals(1, results.size(), results.toString());
        assertEquals("data_source", results.get(0).get("object").asText());
        assertEquals(created[1].get("id").asText(), results.get(0).get("id").asText());
        assertEquals(created[0].get("id").asText(), results.get(0).at("/parent/database_id").asText());
        assertEquals(home, results.get(0).at("/database_parent/page_id").asText());
        assertEquals(title, RichText.plain(results.get(0).get("title")));

        // a database moved to the trash (DELETE /v1/blocks/{id}, as create_db.json does) is no longer found; restored, it is again
        assertEquals(200, client.send("DELETE", "/v1/blocks/" + created[0].get("id").asText(), null, SimClient.LATEST, sim.config().token()).status());
        assertEquals(0, client.post("/v1/search", "{\"query\":\"" + title + "\",\"filter\":{\"property\":\"object\",\"value\":\"data_source\"}}").body().get("results").size());
        assertEquals(200, client.patch("/v1/blocks/" + created[0].get("id").asText(), "{\"in_trash\":false}").status());
        assertEquals(1, client.post("/v1/search", "{\"query\":\"" + title + "\",\"filter\":{\"property\":\"object\",\"value\":\"data_source\"}}").body().get("results").size());
    }

    // ---------------------------------------------------------------- relations on pages

    @Test
    void aDualRelationShowsOnBothPagesWhicheverSideIsEdited() {
        String orgs = organizations("Organizations C");
        String agents = create(agentsBody("Agents C", orgs))[1].get("id").asText();
        String acme = page(orgs, "{\"Name\":{\"title\":[{\"text\":{\"content\":\"Acme\"}}]}}");
        String globex = page(orgs, "{\"Name\":{\"title\":[{\"text\":{\"content\":\"Globex\"}}]}}");
        String ada = page(agents, "{\"Name\":{\"title\":[{\"text\":{\"content\":\"Ada\"}}]},\"Organization\":{\"relation\":[{\"id\":\"" + acme + "\"}]}}");
        assertEquals(List.of(ada), related(acme, "Agents"));

        // moved to another organization from the agent's side
        patch(ada, "{\"Organization\":{\"relation\":[{\"id\":\"" + globex + "\"}]}}");
        assertEquals(List.of(), related(acme, "Agents"));
        assertEquals(List.of(ada), related(globex, "Agents"));

        // and back from the organization's side
        patch(acme, "{\"Agents\":{\"relation\":[{\"id\":\"" + ada + "\"}]}}");
        assertEquals(java.util.Set.of(acme, globex), java.util.Set.copyOf(related(ada, "Organization")));
        patch(globex, "{\"Agents\":{\"relation\":[]}}");
        assertEquals(List.of(acme), related(ada, "Organization"));

        // a single relation stays on its side
        String bob = page(agents, "{\"Name\":{\"title\":[{\"text\":{\"content\":\"Bob\"}}]},\"Mentor\":{\"relation\":[{\"id\":\"" + acme + "\"}]}}");
        assertEquals(List.of(acme), related(bob, "Mentor"));
        assertEquals(List.of(ada), related(acme, "Agents"));
    }

    @Test
    void aRelationToAPageOfAnotherDataSourceIsRefused() {
        String orgs = organizations("Organizations D");
        String agents = create(agentsBody("Agents D", orgs))[1].get("id").asText();
        String agentPage = page(agents, "{\"Name\":{\"title\":[{\"text\":{\"content\":\"Not an organization\"}}]}}");
        SimClient.Reply r = client.post("/v1/pages", "{\"parent\":{\"data_source_id\":\"" + agents + "\"},\"properties\":{\"Organization\":{\"relation\":[{\"id\":\""
                + agentPage + "\"}]}}}");
        assertError(r, 400, "validation_error", "Relation property Organization links to pages of data source " + orgs);
        SimClient.Reply onUpdate = client.patch("/v1/pages/" + agentPage, "{\"properties\":{\"Organization\":{\"relation\":[{\"id\":\"" + agentPage + "\"}]}}}");
        assertError(onUpdate, 400, "validation_error", "is in data source " + agents);
        assertEquals(List.of(), related(agentPage, "Organization"));
    }

    // ---------------------------------------------------------------- options added by page writes

    @Test
    void aPageNamingAnUnknownOptionAddsItToTheSchema() {
        String orgs = organizations("Organizations E");
        String agents = create(agentsBody("Agents E", orgs))[1].get("id").asText();
        String id = page(agents, "{\"Name\":{\"title\":[{\"text\":{\"content\":\"Eve\"}}]},\"Status\":{\"select\":{\"name\":\"paused\"}},"
                + "\"Tags\":{\"multi_select\":[{\"name\":\"nlp\"},{\"name\":\"speech\"}]}}");
        JsonNode schema = client.get("/v1/data_sources/" + agents).body().get("properties");
        assertEquals(List.of("draft", "live", "retired", "paused"), names(schema.at("/Status/select/options")));
        assertEquals(List.of("nlp", "vision", "speech"), names(schema.at("/Tags/multi_select/options")));
        JsonNode values = client.get("/v1/pages/" + id).body().get("properties");
        assertEquals("paused", values.at("/Status/select/name").asText());
        assertEquals(schema.at("/Status/select/options/3/id").asText(), values.at("/Status/select/id").asText());
        assertEquals(List.of("nlp", "speech"), names(values.at("/Tags/multi_select")));

        SimClient.Reply comma = client.patch("/v1/pages/" + id, "{\"properties\":{\"Tags\":{\"multi_select\":[{\"name\":\"a,b\"}]}}}");
        assertError(comma, 400, "validation_error", "Invalid multi_select option, commas not allowed: a,b");
        SimClient.Reply selectComma = client.patch("/v1/pages/" + id, "{\"properties\":{\"Status\":{\"select\":{\"name\":\"on, off\"}}}}");
        assertError(selectComma, 400, "validation_error", "Invalid select option, commas not allowed: on, off");
        SimClient.Reply tooLong = client.patch("/v1/pages/" + id, "{\"properties\":{\"Status\":{\"select\":{\"name\":\"" + "x".repeat(101) + "\"}}}}");
        assertError(tooLong, 400, "validation_error", "should be ≤ `100`, instead was `101`");
        assertEquals(4, client.get("/v1/data_sources/" + agents).body().at("/properties/Status/select/options").size(), "a refused write adds no option");
    }

    // ---------------------------------------------------------------- PATCH /v1/data_sources

    @Test
    void patchAddsRenamesAndRemovesPropertiesAndAddsOptions() {
        String orgs = organizations("Organizations F");
        JsonNode[] created = create(agentsBody("Agents F", orgs));
        String agents = created[1].get("id").asText();
        JsonNode before = created[1].get("properties");
        String statusId = before.at("/Status/id").asText();
        String draftId = before.at("/Status/select/options/0/id").asText();
        String liveId = before.at("/Status/select/options/1/id").asText();
        String eve = page(agents, "{\"Name\":{\"title\":[{\"text\":{\"content\":\"Eve\"}}]},\"Budget\":{\"number\":12.5},\"Status\":{\"select\":{\"name\":\"live\"}}}");

        // a new column, and a new enum label: the options the request names stay (same ids), the new one is added
        SimClient.Reply added = client.patch("/v1/data_sources/" + agents, """
                {"properties":{"Notes":{"type":"rich_text","rich_text":{},"description":"agents.notes"},
                  "Status":{"select":{"options":[{"name":"draft"},{"name":"live"},{"name":"retired"},{"name":"archived","color":"red"}]}}}}""");
        assertEquals(200, added.status(), String.valueOf(added.body()));
        JsonNode p = added.body().get("properties");
        assertEquals("agents.notes", p.at("/Notes/description").asText());
        assertEquals(statusId, p.at("/Status/id").asText());
        assertEquals(List.of("draft", "live", "retired", "archived"), names(p.at("/Status/select/options")));
        assertEquals(draftId, p.at("/Status/select/options/0/id").asText());
        assertEquals(liveId, p.at("/Status/select/options/1/id").asText());
        assertEquals("green", p.at("/Status/select/options/1/color").asText(), "an existing option keeps its color");
        assertEquals("red", p.at("/Status/select/options/3/color").asText());
        assertEquals("live", client.get("/v1/pages/" + eve).body().at("/properties/Status/select/name").asText());

        // an option left out is removed, from the pages too; the name and color of an existing option cannot change
        String tagged = page(agents, "{\"Name\":{\"title\":[{\"text\":{\"content\":\"Tagged\"}}]},\"Tags\":{\"multi_select\":[{\"name\":\"nlp\"},{\"name\":\"vision\"}]}}");
        String nlpId = p.at("/Tags/multi_select/options/0/id").asText();
        assertError(client.patch("/v1/data_sources/" + agents, "{\"properties\":{\"Tags\":{\"multi_select\":{\"options\":[{\"id\":\"" + nlpId
                + "\",\"name\":\"language\"}]}}}}"), 400, "validation_error", "The name and color of an existing multi_select option cannot be updated: nlp.");
        assertError(client.patch("/v1/data_sources/" + agents, "{\"properties\":{\"Tags\":{\"multi_select\":{\"options\":[{\"name\":\"nlp\",\"color\":\"red\"}]}}}}"),
                400, "validation_error", "cannot be updated: nlp.");
        SimClient.Reply options = client.patch("/v1/data_sources/" + agents, "{\"properties\":{\"Tags\":{\"multi_select\":{\"options\":[{\"id\":\"" + nlpId + "\"}]}}}}");
        assertEquals(200, options.status(), String.valueOf(options.body()));
        assertEquals(List.of("nlp"), names(options.body().at("/properties/Tags/multi_select/options")));
        assertEquals(nlpId, options.body().at("/properties/Tags/multi_select/options/0/id").asText());
        assertEquals(List.of("nlp"), names(client.get("/v1/pages/" + tagged).body().at("/properties/Tags/multi_select")));

        // a rename keeps the property's id and the pages' values; a description alone can change too
        String budgetId = p.at("/Budget/id").asText();
        SimClient.Reply renamed = client.patch("/v1/data_sources/" + agents, "{\"properties\":{\"" + budgetId + "\":{\"name\":\"Monthly budget\",\"description\":\"EUR\"}}}");
        assertEquals(200, renamed.status(), String.valueOf(renamed.body()));
        assertFalse(renamed.body().get("properties").has("Budget"));
        assertEquals(budgetId, renamed.body().at("/properties/Monthly budget/id").asText());
        assertEquals("EUR", renamed.body().at("/properties/Monthly budget/description").asText());
        assertEquals("number", renamed.body().at("/properties/Monthly budget/number/format").asText());
        assertEquals(12.5, client.get("/v1/pages/" + eve).body().at("/properties/Monthly budget/number").asDouble());

        // removal
        SimClient.Reply removed = client.patch("/v1/data_sources/" + agents, "{\"properties\":{\"Notes\":null}}");
        assertEquals(200, removed.status());
        assertFalse(removed.body().get("properties").has("Notes"));
        assertFalse(client.get("/v1/pages/" + eve).body().get("properties").has("Notes"));

        // a relation added later, dual: the other side gets its synced property, and page links show on both sides
        String teams = organizations("Teams F");
        SimClient.Reply relation = client.patch("/v1/data_sources/" + agents, "{\"properties\":{\"Team\":{\"relation\":{\"data_source_id\":\"" + teams
                + "\",\"type\":\"dual_property\",\"dual_property\":{}}}}}");
        assertEquals(200, relation.status(), String.valueOf(relation.body()));
        JsonNode team = relation.body().at("/properties/Team/relation");
        assertEquals("Related to Agents F (Team)", team.at("/dual_property/synced_property_name").asText(), "Notion's default name (add_del_update_prop.json)");
        String red = page(teams, "{\"Name\":{\"title\":[{\"text\":{\"content\":\"Red\"}}]}}");
        patch(eve, "{\"Team\":{\"relation\":[{\"id\":\"" + red + "\"}]}}");
        assertEquals(List.of(eve), related(red, "Related to Agents F (Team)"));

        // a dual relation can name an existing relation property of the other side as its synced property
        String tags = organizations("Tags F");
        SimClient.Reply lonely = client.patch("/v1/data_sources/" + tags, "{\"properties\":{\"Tagged agents\":{\"relation\":{\"data_source_id\":\"" + agents
                + "\",\"single_property\":{}}}}}");
        String lonelyId = lonely.body().at("/properties/Tagged agents/id").asText();
        SimClient.Reply paired = client.patch("/v1/data_sources/" + agents, "{\"properties\":{\"Tag\":{\"relation\":{\"data_source_id\":\"" + tags
                + "\",\"dual_property\":{\"synced_property_id\":\"" + lonelyId + "\"}}}}}");
        assertEquals(200, paired.status(), String.valueOf(paired.body()));
        assertEquals(lonelyId, paired.body().at("/properties/Tag/relation/dual_property/synced_property_id").asText());
        assertEquals("Tag", client.get("/v1/data_sources/" + tags).body().at("/properties/Tagged agents/relation/dual_property/synced_property_name").asText());
        assertError(client.patch("/v1/data_sources/" + agents, "{\"properties\":{\"Tag 2\":{\"relation\":{\"data_source_id\":\"" + tags
                + "\",\"dual_property\":{\"synced_property_id\":\"nope\"}}}}}"), 400, "validation_error", "Could not find relation property with id nope");

        // renaming the synced side: both configs follow, the relation keeps working
        SimClient.Reply back = client.patch("/v1/data_sources/" + teams, "{\"properties\":{\"Related to Agents F (Team)\":{\"name\":\"Members\"}}}");
        assertEquals(200, back.status());
        assertEquals("Members", client.get("/v1/data_sources/" + agents).body().at("/properties/Team/relation/dual_property/synced_property_name").asText());
        assertEquals(List.of(eve), related(red, "Members"));
    }

    @Test
    void patchRefusesWhatNotionRefuses() {
        String orgs = organizations("Organizations G");
        String agents = create(agentsBody("Agents G", orgs))[1].get("id").asText();
        String path = "/v1/data_sources/" + agents;
        assertError(client.patch(path, "{\"properties\":{\"Nope\":{\"name\":\"Still nope\"}}}"), 400, "validation_error", "Nope is not a property that exists.");
        assertError(client.patch(path, "{\"properties\":{\"Nope\":null}}"), 400, "validation_error", "Nope is not a property that exists.");
        assertError(client.patch(path, "{\"properties\":{\"Name\":null}}"), 400, "validation_error", "title property");
        assertError(client.patch(path, "{\"properties\":{\"Name\":{\"rich_text\":{}}}}"), 400, "validation_error", "Cannot change the type of the title property.");
        assertError(client.patch(path, "{\"properties\":{\"Budget\":{\"name\":\"Active\"}}}"), 400, "validation_error", "already exists");
        assertError(client.patch(path, "{\"properties\":{\"Extra\":{\"name\":\"Active\",\"rich_text\":{}}}}"), 400, "validation_error", "already exists");
        assertError(client.patch(path, "{\"properties\":{\"Status\":{\"select\":{\"options\":[{\"name\":\"a,b\"}]}}}}"), 400, "validation_error",
                "Invalid select option, commas not allowed: a,b");
        assertError(client.patch(path, "{\"properties\":{\"Status\":{\"select\":{\"options\":[{\"id\":\"no-such-option\"}]}}}}"), 400, "validation_error",
                "Invalid select option id: no-such-option");
        assertError(client.patch(path, "{\"properties\":{\"Team\":{\"relation\":{\"data_source_id\":\"" + UUID.randomUUID() + "\",\"single_property\":{}}}}}"),
                400, "validation_error", "Could not find data source with ID");
        // a relation of a data source to itself: one-way is let through, two-way is Notion's 500 (see SchemaRules)
        assertError(client.patch(path, "{\"properties\":{\"Manager\":{\"relation\":{\"data_source_id\":\"" + agents + "\",\"dual_property\":{}}}}}"),
                500, "internal_server_error", "Unexpected error occurred.");
        SimClient.Reply self = client.patch(path, "{\"properties\":{\"Reports to\":{\"relation\":{\"data_source_id\":\"" + agents + "\",\"single_property\":{}}}}}");
        assertEquals(200, self.status(), String.valueOf(self.body()));
        assertEquals(agents, self.body().at("/properties/Reports to/relation/data_source_id").asText());
        assertEquals(200, client.patch(path, "{\"properties\":{\"Reports to\":null}}").status());
        JsonNode after = client.get(path).body().get("properties");
        assertTrue(after.has("Budget") && after.has("Name") && !after.has("Team") && !after.has("Manager"), "refused requests change nothing");
        assertEquals(3, after.at("/Status/select/options").size());
    }

    // ---------------------------------------------------------------- validation errors on creation

    @Test
    void badSchemasAreRefusedAsNotionDoesAndCreateNothing() {
        String orgs = organizations("Organizations H");
        String title = "Refused " + UUID.randomUUID().toString().substring(0, 8);
        String many = manyProperties(400);
        Object[][] cases = {
                {"{\"Name\":{\"rich_text\":{}}}", "Title is not provided"},
                {"{\"Name\":{\"title\":{}},\"Other\":{\"title\":{}}}", "exactly one title property"},
                {"{\"Name\":{\"title\":{}},\"X\":{\"type\":\"spreadsheet\",\"spreadsheet\":{}}}",
                        "body failed validation. Fix one:\nbody.initial_data_source.properties.X.number should be defined, instead was `undefined`."},
                {"{\"Name\":{\"title\":{}},\"X\":{}}", "body.initial_data_source.properties.X.rich_text should be defined, instead was `undefined`."},
                {"{\"Name\":{\"title\":{}},\"X\":{\"type\":\"number\"}}", "body.initial_data_source.properties.X.number should be defined, instead was `undefined`."},
                {"{\"Name\":{\"title\":{}},\"X\":{\"rich_text\":\"text\"}}", "body.initial_data_source.properties.X.rich_text should be an object"},
                {"{\"Name\":{\"title\":{}},\"S\":{\"select\":{\"options\":[{\"name\":\"a,b\"}]}}}", "Invalid select option, commas not allowed: a,b"},
                {"{\"Name\":{\"title\":{}},\"S\":{\"multi_select\":{\"options\":[{\"name\":\"" + "y".repeat(101) + "\"}]}}}",
                        "body failed validation: body.initial_data_source.properties.S.multi_select.options[0].name.length should be ≤ `100`, instead was `101`."},
                {"{\"Name\":{\"title\":{}},\"S\":{\"select\":{\"options\":[{\"name\":\"a\",\"color\":\"teal\"}]}}}", "options[0].color should be `\"default\"`"},
                {"{\"Name\":{\"title\":{}},\"S\":{\"select\":{\"options\":[{\"name\":\"a\"},{\"name\":\"a\"}]}}}", "Duplicate select option name: a."},
                {"{\"Name\":{\"title\":{}},\"N\":{\"number\":{\"format\":\"bitcoin\"}}}", "body.initial_data_source.properties.N.number.format should be a valid number format"},
                {"{\"Name\":{\"title\":{}},\"D\":{\"date\":{},\"description\":42}}", "body.initial_data_source.properties.D.description should be a string or `null`"},
                {"{\"Name\":{\"title\":{}},\"R\":{\"relation\":{\"data_source_id\":\"" + UUID.randomUUID() + "\",\"single_property\":{}}}}",
                        "Could not find data source with ID"},
                {"{\"Name\":{\"title\":{}},\"R\":{\"relation\":{\"database_id\":\"" + UUID.randomUUID() + "\",\"single_property\":{}}}}",
                        "body.initial_data_source.properties.R.relation.data_source_id should be defined, instead was `undefined`."},
                {"{\"Name\":{\"title\":{}},\"R\":{\"relation\":{\"data_source_id\":\"not-a-uuid\",\"single_property\":{}}}}",
                        "body.initial_data_source.properties.R.relation.data_source_id should be a valid uuid"},
                {"{\"Name\":{\"title\":{}},\"R\":{\"relation\":{\"data_source_id\":\"" + orgs + "\"}}}",
                        "body.initial_data_source.properties.R.relation.single_property should be defined"},
                {"{\"Name\":{\"title\":{}},\"R\":{\"relation\":{\"data_source_id\":\"" + orgs + "\",\"dual_property\":{\"synced_property_name\":\"Row key\"}}}}",
                        "a property with that name already exists there"},
                {many, "The data source schema is too large"},
        };
        for (Object[] c : cases) {
            assertError(client.post("/v1/databases", simpleBody(title, (String) c[0])), 400, "validation_error", (String) c[1]);
        }
        // a parent the integration cannot reach: unknown page (or not shared), an id that is no uuid, a database as parent
        String properties = "{\"Name\":{\"title\":{}}}";
        String unknown = UUID.randomUUID().toString();
        assertError(client.post("/v1/databases", simpleBody(title, properties).replace(home, unknown)), 404, "object_not_found",
                "Could not find page with ID: " + unknown + ". Make sure the relevant pages and databases are shared with your integration");
        assertError(client.post("/v1/databases", simpleBody(title, properties).replace(home, "nope")), 400, "validation_error",
                "body failed validation: body.parent.page_id should be a valid uuid, instead was `\"nope\"`.");
        assertError(client.post("/v1/databases", simpleBody(title, properties).replace("{\"type\":\"page_id\",\"page_id\":\"" + home + "\"}",
                "{\"type\":\"database_id\",\"database_id\":\"" + sim.workspace().source("projects").databaseId() + "\"}")), 400, "validation_error",
                "body.parent.page_id should be defined, instead was `undefined`.");
        assertError(client.post("/v1/databases", "{\"title\":[]}"), 400, "validation_error", "body failed validation: body.parent should be defined, instead was `undefined`.");

        SimClient.Reply search = client.post("/v1/search", "{\"query\":\"" + title + "\",\"filter\":{\"property\":\"object\",\"value\":\"data_source\"}}");
        assertEquals(0, search.body().get("results").size(), "no refused request left a database behind");
        assertEquals(List.of("Name", "Row key"), sortedKeys(client.get("/v1/data_sources/" + orgs).body().get("properties")), "nor a synced property");
    }

    @Test
    void aParentPageInTheTrashIsRefused() {
        String trashed = client.post("/v1/pages", "{\"parent\":{\"page_id\":\"" + home + "\"},\"properties\":{\"title\":{\"title\":[{\"text\":{\"content\":\"Old\"}}]}}}")
                .body().get("id").asText();
        assertEquals(200, client.patch("/v1/pages/" + trashed, "{\"in_trash\":true}").status());
        assertError(client.post("/v1/databases", simpleBody("In the trash", "{\"Name\":{\"title\":{}}}").replace(home, trashed)), 400, "validation_error",
                "archived");
    }

    // ---------------------------------------------------------------- helpers

    private static String manyProperties(int n) {
        StringBuilder sb = new StringBuilder("{\"Name\":{\"title\":{}}");
        for (int i = 0; i < n; i++) {
            sb.append(",\"Column ").append(i).append("\":{\"type\":\"select\",\"select\":{\"options\":[{\"name\":\"first option of column ").append(i)
                    .append("\",\"color\":\"blue\"},{\"name\":\"second option\",\"color\":\"red\"}]},\"description\":\"a column of a very wide table\"}");
        }
        return sb.append('}').toString();
    }

    static void assertError(SimClient.Reply r, int status, String code, String messagePart) {
        assertEquals(status, r.status(), String.valueOf(r.body()));
        assertEquals("error", r.body().get("object").asText());
        assertEquals(code, r.body().get("code").asText(), r.body().toString());
        String message = r.body().get("message").asText();
        assertTrue(message.contains(messagePart), "message " + message + " should contain " + messagePart);
        assertNotNull(r.body().get("request_id"));
    }

    static String page(String dataSource, String properties) {
        SimClient.Reply r = client.post("/v1/pages", "{\"parent\":{\"type\":\"data_source_id\",\"data_source_id\":\"" + dataSource + "\"},\"properties\":" + properties + "}");
        assertEquals(200, r.status(), String.valueOf(r.body()));
        return r.body().get("id").asText();
    }

    static void patch(String pageId, String properties) {
        SimClient.Reply r = client.patch("/v1/pages/" + pageId, "{\"properties\":" + properties + "}");
        assertEquals(200, r.status(), String.valueOf(r.body()));
    }

    static List<String> related(String pageId, String property) {
        JsonNode value = client.get("/v1/pages/" + pageId).body().at("/properties/" + property.replace("~", "~0").replace("/", "~1"));
        assertEquals("relation", value.path("type").asText(), "no relation " + property + " on " + pageId);
        List<String> ids = new ArrayList<>();
        value.get("relation").forEach(r -> ids.add(r.get("id").asText()));
        return ids;
    }

    static List<String> names(JsonNode options) {
        List<String> out = new ArrayList<>();
        options.forEach(o -> out.add(o.get("name").asText()));
        return out;
    }

    static List<String> sortedKeys(JsonNode object) {
        List<String> keys = new ArrayList<>();
        object.fieldNames().forEachRemaining(keys::add);
        return keys.stream().sorted().toList();
    }

    static String lastKey(JsonNode properties) {
        String last = null;
        for (JsonNode p : properties) last = p.get("type").asText();
        return last;
    }
}
