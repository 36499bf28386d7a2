package dev.notionsync.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts API traffic so tests can check what a client did, e.g. that it never exceeded its request budget, in all and
 * per connection (which token sent it, with which Notion-Version, to which paths).
 */
final class Stats {
    private final Map<String, Map<Integer, LongAdder>> byEndpoint = new ConcurrentHashMap<>();
    private final Map<Long, LongAdder> perSecond = new ConcurrentHashMap<>();
    private final LongAdder total = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final Map<String, LongAdder> faults = new ConcurrentHashMap<>();
    private final Arrivals arrivals = new Arrivals();
    private final Map<String, ConnectionTraffic> byConnection = new ConcurrentHashMap<>();

    /** Arrival times, for the most requests within any sliding one-second window. */
    private static final class Arrivals {
        private final long startNanos = System.nanoTime();
        private long[] times = new long[1024];
        private int count;

        synchronized void add(long now) {
            if (count == times.length) times = Arrays.copyOf(times, times.length * 2);
            times[count++] = now - startNanos;
        }

        synchronized int maxInAnySecond() {
            int best = 0;
            int from = 0;
            for (int to = 0; to < count; to++) {
                while (times[to] - times[from] >= 1_000_000_000L) from++;
                best = Math.max(best, to - from + 1);
            }
            return best;
        }

        synchronized void reset() {
            count = 0;
        }
    }

    /** One connection's requests: how many, how fast, with which Notion-Version, to which paths, how many refused with 429. */
    private static final class ConnectionTraffic {
        final LongAdder total = new LongAdder();
        final LongAdder rateLimited = new LongAdder();
        final Arrivals arrivals = new Arrivals();
        final Map<String, LongAdder> versions = new ConcurrentHashMap<>();
        final Map<String, LongAdder> paths = new ConcurrentHashMap<>();
    }

    /** Called when a request arrives, before any limit or fault, so the histogram shows what the client sent. */
    void arrived() {
        long now = System.nanoTime();
        total.increment();
        perSecond.computeIfAbsent(System.currentTimeMillis() / 1000, k -> new LongAdder()).increment();
        arrivals.add(now);
    }

    /** Called once the request's token named its connection, before any limit or fault. */
    void arrived(String connection, String version, String path) {
        ConnectionTraffic traffic = byConnection.computeIfAbsent(connection, k -> new ConnectionTraffic());
        traffic.total.increment();
        traffic.arrivals.add(System.nanoTime());
        traffic.versions.computeIfAbsent(version == null ? "none" : version, k -> new LongAdder()).increment();
        traffic.paths.computeIfAbsent(path, k -> new LongAdder()).increment();
    }

    void answered(String endpoint, int status) {
        byEndpoint.computeIfAbsent(endpoint, k -> new ConcurrentHashMap<>()).computeIfAbsent(status, k -> new LongAdder()).increment();
        if (status == 429) rateLimited.increment();
    }

    void connectionAnswered(String connection, int status) {
        ConnectionTraffic traffic = byConnection.get(connection);
        if (traffic != null && status == 429) traffic.rateLimited.increment();
    }

    void fault(String kind) {
        faults.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** The most requests that arrived within any sliding one-second window. */
    int maxInAnySecond() {
        return arrivals.maxInAnySecond();
    }

    synchronized void reset() {
        byEndpoint.clear();
        perSecond.clear();
        faults.clear();
        total.reset();
        rateLimited.reset();
        arrivals.reset();
        byConnection.clear();
    }

    ObjectNode toJson() {
        ObjectNode node = Json.object();
        node.put("total_requests", total.sum());
        node.put("rate_limited", rateLimited.sum());
        node.put("max_requests_in_any_1s_window", maxInAnySecond());
        ObjectNode endpoints = node.putObject("by_endpoint");
        ObjectNode statuses = Json.object();
        Map<Integer, Long> statusTotals = new TreeMap<>();
        new TreeMap<>(byEndpoint).forEach((endpoint, counts) -> {
            ObjectNode e = endpoints.putObject(endpoint);
            new TreeMap<>(counts).forEach((status, n) -> {
                e.put(String.valueOf(status), n.sum());
                statusTotals.merge(status, n.sum(), Long::sum);
            });
        });
        statusTotals.forEach((status, n) -> statuses.put(String.valueOf(status), n));
        node.set("by_status", statuses);
        ObjectNode seconds = node.putObject("per_second");
        new TreeMap<>(perSecond).forEach((second, n) -> seconds.put(String.valueOf(second), n.sum()));
        ObjectNode injected = node.putObject("faults_injected");
        new TreeMap<>(faults).forEach((kind, n) -> injected.put(kind, n.sum()));
        ObjectNode connections = node.putObject("by_connection");
        new TreeMap<>(byConnection).forEach((name, traffic) -> {
            ObjectNode c = connections.putObject(name);
            c.put("total_requests", traffic.total.sum());
            c.put("rate_limited", traffic.rateLimited.sum());
            c.put("max_requests_in_any_1s_window", traffic.arrivals.maxInAnySecond());
            ObjectNode versions = c.putObject("versions");
            new TreeMap<>(traffic.versions).forEach((version, n) -> versions.put(version, n.sum()));
            ObjectNode paths = c.putObject("paths");
            new TreeMap<>(traffic.paths).forEach((path, n) -> paths.put(path, n.sum()));
        });
        return node;
    }
}
