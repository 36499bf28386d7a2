package dev.notionsync.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts API traffic so tests can check what a client did, e.g. that it never exceeded its request budget. */
final class Stats {
    private final Map<String, Map<Integer, LongAdder>> byEndpoint = new ConcurrentHashMap<>();
    private final Map<Long, LongAdder> perSecond = new ConcurrentHashMap<>();
    private final LongAdder total = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final Map<String, LongAdder> faults = new ConcurrentHashMap<>();
    private final long startNanos = System.nanoTime();
    private long[] arrivals = new long[1024];
    private int arrivalCount;

    /** Called when a request arrives, before any limit or fault, so the histogram shows what the client sent. */
    void arrived() {
        long now = System.nanoTime();
        total.increment();
        perSecond.computeIfAbsent(System.currentTimeMillis() / 1000, k -> new LongAdder()).increment();
        synchronized (this) {
            if (arrivalCount == arrivals.length) arrivals = Arrays.copyOf(arrivals, arrivals.length * 2);
            arrivals[arrivalCount++] = now - startNanos;
        }
    }

    void answered(String endpoint, int status) {
        byEndpoint.computeIfAbsent(endpoint, k -> new ConcurrentHashMap<>()).computeIfAbsent(status, k -> new LongAdder()).increment();
        if (status == 429) rateLimited.increment();
    }

    void fault(String kind) {
        faults.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** The most requests that arrived within any sliding one-second window. */
    synchronized int maxInAnySecond() {
        int best = 0;
        int from = 0;
        for (int to = 0; to < arrivalCount; to++) {
            while (arrivals[to] - arrivals[from] >= 1_000_000_000L) from++;
            best = Math.max(best, to - from + 1);
        }
        return best;
    }

    synchronized void reset() {
        byEndpoint.clear();
        perSecond.clear();
        faults.clear();
        total.reset();
        rateLimited.reset();
        arrivalCount = 0;
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
        return node;
    }
}
