package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Users over HTTP as Notion documents them: the paginated list without guests, emails by capability, and the bot itself. */
class UsersApiTest {
    static NotionSimulator sim;
    static SimClient client;
    static SimClient control;
    static String guestId;

    @BeforeAll
    static void start() throws Exception {
        sim = NotionSimulator.start(SimulatorConfig.defaults("secret_users").withPages(1));
        client = new SimClient(sim);
        control = new SimClient(sim.baseUrl(), null);
        guestId = control.send("POST", "/__sim/users", Map.of("name", "Visiting Consultant", "email", "guest@other.example", "guest", true), null, null)
                .body().get("id").asText();
        control.send("POST", "/__sim/users", Map.of("name", "Zapier", "type", "bot"), null, null);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @AfterEach
    void withEmails() {
        control.send("POST", "/__sim/capabilities", Map.of("user_information", "with_email"), null, null);
    }

    static List<JsonNode> everyone(int pageSize) {
        List<JsonNode> users = new ArrayList<>();
        String cursor = null;
        int requests = 0;
        do {
            SimClient.Reply r = client.get("/v1/users?page_size=" + pageSize + (cursor == null ? "" : "&start_cursor=" + cursor));
            assertEquals(200, r.status(), String.valueOf(r.body()));
            assertTrue(r.body().get("results").size() <= pageSize);
            r.body().get("results").forEach(users::add);
            cursor = r.body().get("has_more").asBoolean() ? r.body().get("next_cursor").asText() : null;
            assertTrue(++requests < 50);
        } while (cursor != null);
        return users;
    }

    @Test
    void theListIsPaginatedAndLeavesGuestsOut() {
        JsonNode first = client.get("/v1/users?page_size=3").body();
        assertEquals(List.of("object", "results", "next_cursor", "has_more", "type", "user", "request_id"), SimulatorApiTest.keys(first));
        assertEquals(3, first.get("results").size());
        assertTrue(first.get("has_more").asBoolean());
        List<JsonNode> all = everyone(3);
        List<String> ids = all.stream().map(u -> u.get("id").asText()).toList();
        assertEquals(ids.size(), ids.stream().distinct().count());
        assertEquals(everyone(100).stream().map(u -> u.get("id").asText()).toList(), ids, "page sizes do not change the list");
        assertFalse(ids.contains(guestId), "guests are not included");
        assertEquals(200, client.get("/v1/users/" + guestId).status(), "a guest can still be retrieved by id");
        assertTrue(ids.contains(sim.model().botUserId()));
        JsonNode ada = all.stream().filter(u -> "Ada Brooks".equals(u.path("name").asText())).findFirst().orElseThrow();
        assertEquals(List.of("object", "id", "name", "avatar_url", "type", "person"), SimulatorApiTest.keys(ada));
        assertEquals("ada@northwind.example", ada.at("/person/email").asText());
        JsonNode zapier = all.stream().filter(u -> "Zapier".equals(u.path("name").asText())).findFirst().orElseThrow();
        assertEquals("bot", zapier.get("type").asText());
        assertEquals(0, zapier.get("bot").size(), "other bots show bot:{}");
        assertEquals(400, client.get("/v1/users?page_size=101").status());
        assertEquals(400, client.get("/v1/users?start_cursor=" + java.util.UUID.randomUUID()).status());
    }

    @Test
    void emailsOnlyWithTheCapabilityThatAllowsThem() {
        control.send("POST", "/__sim/capabilities", Map.of("user_information", "without_email"), null, null);
        for (JsonNode u : everyone(100)) assertFalse(u.path("person").has("email"), u.toString());
        String someone = everyone(100).stream().filter(u -> u.get("type").asText().equals("person")).findFirst().orElseThrow().get("id").asText();
        assertFalse(client.get("/v1/users/" + someone).body().path("person").has("email"));
        control.send("POST", "/__sim/capabilities", Map.of("user_information", "none"), null, null);
        SimClient.Reply denied = client.get("/v1/users");
        assertEquals(403, denied.status());
        assertEquals("restricted_resource", denied.body().get("code").asText());
        assertEquals(403, client.get("/v1/users/" + someone).status());
        assertEquals(200, client.get("/v1/users/me").status(), "the bot can always read itself");
    }

    @Test
    void meIsTheBotOwnedByTheWorkspace() {
        JsonNode me = client.get("/v1/users/me").body();
        assertEquals("bot", me.get("type").asText());
        assertEquals(sim.model().botUserId(), me.get("id").asText());
        assertEquals(Map.of("type", "workspace", "workspace", true), SimClient.MAPPER.convertValue(me.at("/bot/owner"), Map.class));
        assertEquals(sim.workspace().workspaceName(), me.at("/bot/workspace_name").asText());
    }
}
