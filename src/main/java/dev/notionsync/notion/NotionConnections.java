package dev.notionsync.notion;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.camel.ExchangeProperty;

/**
 * The connections this engine calls Notion with, by name: the registry every Notion call is dispatched by. A call
 * names its connection ({@link NotionRequest#connection()}, {@link NotionApi#on}); the door (direct:notion-api in
 * routes/notion-api.camel.yaml) hands it to that connection's own door, which has its own throttle, shared budget,
 * circuit breaker and token.
 *
 * <p>At start the settings register {@value #DEFAULT} (notion.api.token) and every notion.connection.&lt;name&gt;.token
 * (config.NotionDoorConfiguration). While the engine runs, whoever obtains a token (a workspace authorizing the public
 * integration through OAuth) adds its connection with {@link #register}; its door is made at once, and health and
 * the token check pick it up ({@link #whenRegistered}).
 */
public final class NotionConnections implements NotionRetryPolicy.Budgets {

    /** The connection of notion.api.token (NOTION_TOKEN): the one of every source that names none. */
    public static final String DEFAULT = "default";

    /** What a connection's name may hold: it becomes part of route ids, bean names and environment variables. */
    public static final String NAME_PATTERN = "[A-Za-z0-9_-]+";

    /** Makes a connection's door: its budget, breaker, access and HTTP ends, and its routes. */
    public interface Doors {
        NotionConnection open(String name, Supplier<String> token, int rate, String version, String tokenSetting);
    }

    /** A call named a connection nobody registered. */
    public static final class UnknownConnectionException extends IllegalStateException {
        UnknownConnectionException(String name, List<String> known) {
            super("no Notion connection named '" + name + "' (known: " + (known.isEmpty() ? "none" : String.join(", ", known)) + "): set "
                    + (DEFAULT.equals(name) ? "notion.api.token (NOTION_TOKEN)" : "notion.connection." + name + ".token")
                    + ", or name one of the known connections in notion.source.<name>.connection");
        }
    }

    private final Map<String, NotionConnection> byName = new ConcurrentHashMap<>();
    private final List<String> names = new CopyOnWriteArrayList<>();
    private final List<Consumer<NotionConnection>> listeners = new CopyOnWriteArrayList<>();
    private final Doors doors;

    public NotionConnections(Doors doors) {
        this.doors = doors;
    }

    /**
     * Adds a connection and makes its door; calls naming it work once this returns.
     *
     * @param name         letters, digits, '-' and '_'; not registered yet
     * @param token        read at every call (so a refreshed token is used at once); never logged
     * @param rate         its budget in requests per second, for every instance on the database together
     * @param version      the Notion-Version its calls send
     * @param tokenSetting what sets the token, for the messages of a 401 and of health ("notion.connection.acme.token
     *                     (environment NOTION_CONNECTION_ACME_TOKEN)", "the OAuth authorization of workspace Acme")
     * @throws IllegalArgumentException a bad name, a name registered already, a rate below 1
     */
    public synchronized NotionConnection register(String name, Supplier<String> token, int rate, String version, String tokenSetting) {
        if (name == null || !name.matches(NAME_PATTERN)) {
            throw new IllegalArgumentException("a Notion connection's name may only use letters, digits, '-' and '_', was '" + name + "'");
        }
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("Notion connection '" + name + "' is registered already");
        }
        if (rate < 1) {
            throw new IllegalArgumentException("Notion connection '" + name + "': its rate must be at least 1 request per second, was " + rate);
        }
        NotionConnection connection = doors.open(name, token, rate, version, tokenSetting);
        byName.put(name, connection);
        names.add(name);
        listeners.forEach(listener -> listener.accept(connection));
        return connection;
    }

    /** Runs {@code listener} for every connection registered so far, and for each one registered later. */
    public synchronized void whenRegistered(Consumer<NotionConnection> listener) {
        names.forEach(name -> listener.accept(byName.get(name)));
        listeners.add(listener);
    }

    /** @throws UnknownConnectionException when none has that name */
    public NotionConnection get(String name) {
        NotionConnection connection = byName.get(name);
        if (connection == null) {
            throw new UnknownConnectionException(name, names());
        }
        return connection;
    }

    public Optional<NotionConnection> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The names, in the order they were registered. */
    public List<String> names() {
        return List.copyOf(names);
    }

    public List<NotionConnection> all() {
        return names.stream().map(byName::get).toList();
    }

    /** The door's dispatch (direct:notion-api): the registered connection a call goes with. */
    public String connectionOf(@ExchangeProperty(NotionRequest.PROPERTY) NotionRequest request) {
        if (request == null) {
            throw new IllegalStateException("direct:notion-api needs the exchange property " + NotionRequest.PROPERTY);
        }
        return get(request.connectionName()).name();
    }

    @Override
    public NotionRateBudget of(String connection) {
        return get(connection).budget();
    }

    /**
     * The budgets of the other connections whose token is in the same workspace (known from their GET /v1/users/me):
     * Notion's per-workspace limit is theirs too.
     */
    @Override
    public List<NotionRateBudget> sameWorkspace(String connection) {
        String workspace = get(connection).workspaceId();
        List<NotionRateBudget> others = new ArrayList<>();
        if (workspace != null) {
            for (NotionConnection other : all()) {
                if (!other.name().equals(connection) && workspace.equals(other.workspaceId())) {
                    others.add(other.budget());
                }
            }
        }
        return others;
    }
}
