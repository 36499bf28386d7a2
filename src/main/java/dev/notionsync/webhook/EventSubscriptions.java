package dev.notionsync.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.store.Subscriptions;
import dev.notionsync.store.Subscriptions.Definition;
import dev.notionsync.store.Subscriptions.Subscription;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change event subscriptions of this engine: one route per subscription, made from the event-subscription route
 * template (routes/event-subscriptions.camel.yaml), kept in step with notion_sync.subscriptions (the settings' ones
 * are written there at start; operators add and remove others at runtime, on any engine of the database).
 */
public final class EventSubscriptions {

    public static final String ROUTE_PREFIX = "subscription-";
    private static final Logger LOG = LoggerFactory.getLogger(EventSubscriptions.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CamelContext context;
    private final Subscriptions store;
    private final EventDelivery delivery;
    private final String poll;
    private final int maxAttempts;
    private final Duration backoff;
    private final Duration backoffMax;
    private final List<String> runtimeSchemes;
    private final SubscriberEndpoints endpoints;
    private final RareWarnings warnings = new RareWarnings();

    /** @param runtimeSchemes the components a subscription added at runtime may send to (notion.subscriptions.runtime-schemes) */
    public EventSubscriptions(CamelContext context, SubscriberEndpoints endpoints, Subscriptions store, EventDelivery delivery, String poll,
                              int maxAttempts, Duration backoff, Duration backoffMax, List<String> runtimeSchemes) {
        this.runtimeSchemes = runtimeSchemes;
        this.endpoints = endpoints;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.backoffMax = backoffMax;
        this.context = context;
        this.store = store;
        this.delivery = delivery;
        this.poll = poll;
    }

    /**
     * The settings' subscriptions at start: each is written to the table (a known one keeps its cursor), those taken
     * out of the settings are forgotten, and every subscription of the table gets its route.
     */
    public void start() throws Exception {
        reconcile();
    }

    /**
     * Records the subscriptions of the settings, before any route starts: one seen for the first time starts after the
     * latest event, so it gets every change the engine makes from this start on, its first pulls' too.
     */
    public void declare(List<Definition> declared) throws Exception {
        for (Definition d : declared) {
            delivery.declareSecret(d.name(), d.secret());
            store.upsertDeclared(d);
        }
        List<String> removed = store.removeDeclaredExcept(declared.stream().map(Definition::name).toList());
        if (!removed.isEmpty()) {
            LOG.info("subscriptions {} are no longer in notion.subscriptions: removed (their events are no longer kept for them)", removed);
        }
    }

    /** Every subscription of the table has its route here, and no other: adds and removals made on another engine show here. */
    public synchronized void reconcile() throws Exception {
        List<Subscription> enabled = store.list().stream().filter(Subscription::enabled).toList();
        Set<String> wanted = enabled.stream().map(s -> s.definition().name()).collect(Collectors.toSet());
        for (Subscription s : enabled) {
            try {
                endpoints.resolve(s.definition().uri(), "subscription " + s.definition().name());   // out of JMX before its first event
            } catch (IllegalArgumentException e) {
                // a component taken off the classpath since: its deliveries fail and dead-letter, saying so
                if (warnings.shouldWarn(s.definition().name())) {
                    LOG.warn("{}", e.getMessage());
                }
            }
        }
        for (String name : wanted) {
            if (context.getRoute(ROUTE_PREFIX + name) == null) {
                TemplatedRouteBuilder.builder(context, "event-subscription").routeId(ROUTE_PREFIX + name)
                        .parameter("subscription", name).parameter("poll", poll).add();
            }
        }
        for (Route route : List.copyOf(context.getRoutes())) {
            if (route.getRouteId().startsWith(ROUTE_PREFIX) && !wanted.contains(route.getRouteId().substring(ROUTE_PREFIX.length()))) {
                context.getRouteController().stopRoute(route.getRouteId(), 30, TimeUnit.SECONDS);
                context.removeRoute(route.getRouteId());
            }
        }
    }

    /**
     * What a URI added at runtime (by whoever holds the management password) may not do: Camel fills {{...}} in an
     * endpoint URI from the settings and the environment, so {{notion.api.token}} would send the token to the
     * subscriber; a component outside notion.subscriptions.runtime-schemes could call code (class:, bean:), enter the
     * engine's own routes (direct:) or write files anywhere (file:); an option's value '#class:...' or '#bean:...'
     * (also written %23) makes Camel build an object or look one up. The settings' subscriptions may do all this:
     * their author has the settings and the machine anyway.
     */
    void checkRuntimeUri(String uri) {
        if (uri.contains("{{")) {
            throw new IllegalArgumentException("uri must not hold {{...}} placeholders: a subscription added at runtime is sent to its URI as"
                    + " written; declare it in notion.subscriptions to take a value from the settings or the environment");
        }
        String scheme = uri.substring(0, uri.indexOf(':')).trim().toLowerCase(java.util.Locale.ROOT);
        if (!runtimeSchemes.contains(scheme)) {
            throw new IllegalArgumentException("uri: a subscription added at runtime sends to " + String.join(", ", runtimeSchemes)
                    + " endpoints only (notion.subscriptions.runtime-schemes), not " + scheme + ": declare it in notion.subscriptions,"
                    + " or add " + scheme + " to notion.subscriptions.runtime-schemes");
        }
        if (uri.contains("#") || uri.toLowerCase(java.util.Locale.ROOT).contains("%23")) {
            throw new IllegalArgumentException("uri must not hold '#': an option's value #class:... or #bean:... makes Camel build or look up"
                    + " an object; declare the subscription in notion.subscriptions if it needs one");
        }
    }

    /** A runtime subscription's definition: what the operator left out (null) takes notion.subscriptions.* defaults. */
    public Definition definition(String name, String uri, List<String> sources, List<String> operations, List<String> properties,
                                 String when, String secret, Integer maxAttempts, Long backoffMs, Long backoffMaxMs) {
        return new Definition(name == null ? "" : name.trim(), uri == null ? "" : uri.trim(), clean(sources), clean(operations), clean(properties),
                when == null || when.isBlank() ? null : when.trim(), secret == null || secret.isEmpty() ? null : secret,
                maxAttempts == null ? this.maxAttempts : maxAttempts, backoffMs == null ? backoff : Duration.ofMillis(backoffMs),
                backoffMaxMs == null ? backoffMax : Duration.ofMillis(backoffMaxMs));
    }

    private static List<String> clean(List<String> values) {
        return values == null ? List.of() : values.stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    /** Adds a subscription at runtime; it gets the events from now on. */
    public String add(Definition d) throws Exception {
        EventFilter.check(d, part -> part);
        checkRuntimeUri(d.uri());
        endpoints.resolve(d.uri(), "uri");
        if (!store.add(d)) {
            throw new IllegalArgumentException("a subscription named " + d.name() + " exists: remove it first, or choose another name");
        }
        reconcile();
        return "subscription " + d.name() + " added: events from now on go to " + d.shownUri()
                + (d.secret() == null || d.secret().isEmpty() ? " (unsigned)" : " (signed)");
    }

    /** Removes a subscription; its events are no longer kept for it. A settings' one comes back at the next start. */
    public String remove(String name) throws Exception {
        Subscription removed = store.find(name).orElseThrow(() -> new IllegalArgumentException("no subscription named '" + name
                + "'; listSubscriptions shows them"));
        store.remove(name);
        reconcile();
        return "subscription " + name + " removed" + (removed.origin().equals("settings")
                ? " until the next start: take it out of notion.subscriptions too" : "");
    }

    /** Every subscription with its delivery state, as JSON; never a secret, URIs masked as {@link EndpointUri} shows them. */
    public String list() throws SQLException {
        ArrayNode list = JSON.createArrayNode();
        for (Subscription s : store.list()) {
            Definition d = s.definition();
            ObjectNode node = list.addObject().put("name", d.name()).put("origin", s.origin()).put("uri", d.shownUri());
            d.sources().forEach(node.putArray("sources")::add);
            d.operations().forEach(node.putArray("operations")::add);
            d.properties().forEach(node.putArray("properties")::add);
            node.put("when", d.when()).put("signed", delivery.signed(s)).put("max_attempts", d.maxAttempts())
                    .put("backoff_ms", d.backoff().toMillis()).put("backoff_max_ms", d.backoffMax().toMillis()).put("enabled", s.enabled())
                    .put("passed_through", s.passedThrough()).put("waiting", s.waiting()).put("attempts", s.attempts())
                    .put("next_attempt_at", text(s.nextAttemptAt())).put("last_error", s.lastError()).put("delivered", s.delivered())
                    .put("dead_lettered", s.deadLettered()).put("last_delivered_at", text(s.lastDeliveredAt()));
        }
        return list.toString();
    }

    private static String text(Instant time) {
        return time == null ? null : time.toString();
    }
}
