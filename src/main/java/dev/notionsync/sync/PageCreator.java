package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionConnections;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.CreateIntents;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a row's page in a data source exactly once. POST /v1/pages is not idempotent and Notion takes no
 * idempotency key: when its answer is lost (timeout, 5xx, cut-off body, a crash before the write-back) the page may
 * exist all the same. So the intent is marked sent before the request goes out, and before it is sent again the data
 * source is searched for the page a lost answer may have made: created by this integration since the first send
 * (created_time, which Notion rounds down to the minute), with the title that was sent, and not adopted by another
 * intent. A page found is adopted; only when none is found is the create sent again. A page an earlier attempt made
 * may have been edited in Notion since, so it is handed back with what that create carried, and the caller checks
 * the row's values against it as an update against its base, never writing them over the page blindly. A bound
 * table's create looks by the key property instead ({@link Lookup}): the create always sets it, and unlike the title
 * nobody renames it in Notion between a lost answer and the retry.
 */
public final class PageCreator {

    private static final Logger LOG = LoggerFactory.getLogger(PageCreator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NotionApi notion;
    private final String connection;
    private final CreateIntents intents;
    /** The bot user of each connection (who created a page), shared by the creator of every connection. */
    private final Map<String, String> botIds;

    public PageCreator(NotionApi notion, CreateIntents intents) {
        this(notion, NotionConnections.DEFAULT, intents, new ConcurrentHashMap<>());
    }

    private PageCreator(NotionApi notion, String connection, CreateIntents intents, Map<String, String> botIds) {
        this.notion = notion;
        this.connection = connection;
        this.intents = intents;
        this.botIds = botIds;
    }

    /** The same creator, sending with this connection (a source's). */
    public PageCreator on(String connectionName) {
        return new PageCreator(notion.on(connectionName), connectionName, intents, botIds);
    }

    /**
     * The intent's page: made now ({@code page} as Notion answered), or by an earlier attempt ({@code page} null;
     * {@code sentBefore} the properties that create carried, by property id, null when not recorded).
     */
    public record Created(String pageId, JsonNode page, JsonNode sentBefore) {
        public boolean byEarlierAttempt() {
            return page == null;
        }
    }

    /** A property (by id, of type title or rich_text) whose plain text names the intent's page in Notion. */
    public record Lookup(String propertyId, String type, String text) {
    }

    /** {@link #create(String, String, String, String, Lookup, ObjectNode, BiPredicate)}, looking by the titles sent. */
    public Created create(String key, String localId, String dataSourceId, String titlePropertyId, ObjectNode properties,
                          BiPredicate<JsonNode, JsonNode> holdsSent) throws Exception {
        return create(key, localId, dataSourceId, titlePropertyId, null, properties, holdsSent);
    }

    /**
     * The page for the intent {@code key}: the one an earlier attempt made, else a new one.
     *
     * @param localId         the row's id until it has its page; when it is already a page made by a create, that page
     * @param titlePropertyId the data source's title property; its value in {@code properties} is what the lookup matches
     * @param byKey           what names the page instead of its title (a bound row's key property), or null
     * @param properties      the create's properties, keyed by property id
     * @param holdsSent       whether a page (as a query returns it) holds, by meaning, the properties a create sent
     */
    public Created create(String key, String localId, String dataSourceId, String titlePropertyId, Lookup byKey, ObjectNode properties,
                          BiPredicate<JsonNode, JsonNode> holdsSent) throws Exception {
        CreateIntents.Intent done = intents.ofPage(localId);
        if (done != null) {
            // the row already holds its page's id: the engine stopped after the write-back, before the outbox knew
            return new Created(localId, null, done.sentProperties());
        }
        CreateIntents.Intent intent = intents.begin(key, dataSourceId);
        String title = requestTitle(properties.get(titlePropertyId));
        String known = intent.pageId();
        if (known == null && intent.sentBefore()) {
            known = find(intent, dataSourceId, lookups(intent, titlePropertyId, byKey), holdsSent);
        }
        if (known != null) {
            LOG.info("create {}: an earlier attempt made page {}; adopting it instead of creating another", key, known);
            return new Created(known, null, intent.sentProperties());
        }
        intents.sending(key, title, properties);
        ObjectNode request = JSON.createObjectNode();
        request.putObject("parent").put("type", "data_source_id").put("data_source_id", dataSourceId);
        request.set("properties", properties);
        JsonNode page = notion.call(NotionRequest.post("/v1/pages", request.toString()));
        if (!intents.made(key, page.path("id").asText())) {
            throw new IllegalStateException("page " + page.path("id").asText() + " of create " + key + " is recorded for another create");
        }
        return new Created(page.path("id").asText(), page, properties);
    }

    /**
     * The row was deleted before its create was known to have worked: the page an earlier send may have made goes
     * to Notion's trash, so the deleted row does not come back with the next pull. Returns that page's id, or null.
     */
    public String withdraw(String key, String dataSourceId, String titlePropertyId, BiPredicate<JsonNode, JsonNode> holdsSent) throws Exception {
        return withdraw(key, dataSourceId, titlePropertyId, null, holdsSent);
    }

    /** {@link #withdraw(String, String, String, BiPredicate)}, looking by {@code byKey} when not null. */
    public String withdraw(String key, String dataSourceId, String titlePropertyId, Lookup byKey, BiPredicate<JsonNode, JsonNode> holdsSent)
            throws Exception {
        CreateIntents.Intent intent = intents.find(key);
        if (intent == null || !intent.sentBefore()) {
            return null;
        }
        String made = intent.pageId() != null ? intent.pageId() : find(intent, dataSourceId, lookups(intent, titlePropertyId, byKey), holdsSent);
        if (made != null) {
            notion.call(NotionRequest.patch("/v1/pages/" + made, "{\"in_trash\":true}"));
            LOG.info("create {}: the row was deleted; page {} made by an earlier attempt moved to Notion's trash", key, made);
        }
        return made;
    }

    /** What to look for: the key property when given, else every title this intent sent. */
    private static List<Lookup> lookups(CreateIntents.Intent intent, String titlePropertyId, Lookup byKey) {
        return byKey != null ? List.of(byKey) : intent.titles().stream().map(title -> new Lookup(titlePropertyId, "title", title)).toList();
    }

    /**
     * The page an earlier send of this intent made, or null when Notion shows none. Of several pages with the title
     * (rows with the same title whose answers were lost), one that holds what this intent sent is taken first: it
     * is this intent's, not another's.
     */
    private String find(CreateIntents.Intent intent, String dataSourceId, List<Lookup> lookups,
                        BiPredicate<JsonNode, JsonNode> holdsSent) throws Exception {
        String bot = botId();
        // created_time is rounded down to the minute: a page made in the first send's minute shows that minute
        Instant since = intent.firstSentAt().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(1));
        for (Lookup lookup : lookups) {
            String text = lookup.text();
            List<JsonNode> candidates = new ArrayList<>();
            String cursor = null;
            do {
                ObjectNode query = JSON.createObjectNode();
                ObjectNode and = query.putObject("filter");
                var parts = and.putArray("and");
                parts.addObject().put("timestamp", "created_time").putObject("created_time").put("on_or_after", since.toString());
                ObjectNode byText = parts.addObject().put("property", lookup.propertyId());
                if (text.isEmpty()) {
                    byText.putObject(lookup.type()).put("is_empty", true);
                } else {
                    byText.putObject(lookup.type()).put("equals", text);
                }
                query.putArray("sorts").addObject().put("timestamp", "created_time").put("direction", "ascending");
                query.put("page_size", 100);
                if (cursor != null) {
                    query.put("start_cursor", cursor);
                }
                JsonNode answer = notion.call(NotionRequest.post("/v1/data_sources/" + dataSourceId + "/query", query.toString()));
                for (JsonNode page : answer.path("results")) {
                    if (bot.equals(page.path("created_by").path("id").asText()) && text.equals(plainText(page, lookup.propertyId()))) {
                        candidates.add(page);
                    }
                }
                cursor = answer.path("has_more").asBoolean(false) ? answer.path("next_cursor").asText(null) : null;
            } while (cursor != null);
            Set<String> taken = intents.takenByOthers(intent.key(), candidates.stream().map(p -> p.path("id").asText()).toList());
            if (intent.sentProperties() != null) {
                candidates.sort(Comparator.comparing(page -> !holdsSent.test(page, intent.sentProperties())));
            }
            for (JsonNode page : candidates) {
                String id = page.path("id").asText();
                if (!taken.contains(id) && intents.made(intent.key(), id)) {
                    return id;
                }
            }
        }
        LOG.info("create {}: no page from the earlier attempt in Notion; sending the create again", intent.key());
        return null;
    }

    private String botId() {
        String id = botIds.get(connection);
        if (id == null) {
            id = notion.call(NotionRequest.get("/v1/users/me")).path("id").asText();
            botIds.put(connection, id);
        }
        return id;
    }

    /** The plain text of a title as a create request carries it. */
    static String requestTitle(JsonNode property) {
        StringBuilder text = new StringBuilder();
        if (property != null) {
            for (JsonNode part : property.path("title")) {
                text.append(part.path("text").path("content").asText(""));
            }
        }
        return text.toString();
    }

    /** The plain text of a page's title property. */
    static String pageTitle(JsonNode page) {
        StringBuilder text = new StringBuilder();
        for (JsonNode property : page.path("properties")) {
            if ("title".equals(property.path("type").asText())) {
                for (JsonNode part : property.path("title")) {
                    text.append(part.path("plain_text").asText(""));
                }
            }
        }
        return text.toString();
    }

    /** The plain text of a page's title or rich text property, by its id (or name, as a filter takes either). */
    static String plainText(JsonNode page, String propertyId) {
        StringBuilder text = new StringBuilder();
        for (var named = page.path("properties").fields(); named.hasNext(); ) {
            var entry = named.next();
            JsonNode property = entry.getValue();
            if (propertyId.equals(property.path("id").asText()) || propertyId.equals(entry.getKey())) {
                for (JsonNode part : property.path(property.path("type").asText())) {
                    text.append(part.path("plain_text").asText(""));
                }
                break;
            }
        }
        return text.toString();
    }
}
