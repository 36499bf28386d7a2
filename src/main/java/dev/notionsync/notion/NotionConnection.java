package dev.notionsync.notion;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * One connection to Notion: one integration's token in one workspace, and what the door keeps for it alone: its
 * Notion-Version, its request budget (shared by every instance on the database, at its own rate, lowered by its own
 * 429s), its circuit breaker, whether Notion refuses its token (401/403), its background lane and its HTTP ends. Its
 * door is the routes made for it from the templates in routes/notion-api.camel.yaml. The token itself stays inside
 * {@link NotionHttp}: nothing here shows it.
 */
public final class NotionConnection {

    private final String name;
    private final String version;
    private final String tokenSetting;
    private final NotionRateBudget budget;
    private final CircuitBreaker breaker;
    private final NotionAccess access;
    private final DoorLanes lanes;
    private final NotionHttp http;

    /**
     * @param tokenSetting what sets the token, for messages that say what to do ("NOTION_TOKEN",
     *                     "notion.connection.acme.token (environment NOTION_CONNECTION_ACME_TOKEN)")
     */
    public NotionConnection(String name, String version, String tokenSetting, NotionRateBudget budget, CircuitBreaker breaker,
                            NotionAccess access, DoorLanes lanes, NotionHttp http) {
        this.name = name;
        this.version = version;
        this.tokenSetting = tokenSetting;
        this.budget = budget;
        this.breaker = breaker;
        this.access = access;
        this.lanes = lanes;
        this.http = http;
    }

    public String name() {
        return name;
    }

    /** The Notion-Version its calls send. */
    public String version() {
        return version;
    }

    public String tokenSetting() {
        return tokenSetting;
    }

    public NotionRateBudget budget() {
        return budget;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public NotionAccess access() {
        return access;
    }

    public DoorLanes lanes() {
        return lanes;
    }

    public NotionHttp http() {
        return http;
    }

    /** The Notion workspace of its token, once a GET /v1/users/me answered (null before). */
    public String workspaceId() {
        return http.workspaceId();
    }

    @Override
    public String toString() {
        return "NotionConnection[" + name + ", version " + version + ", rate " + budget.configured() + "/s]";
    }
}
