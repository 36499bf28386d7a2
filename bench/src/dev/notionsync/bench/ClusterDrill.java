package dev.notionsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two instances on one PostgreSQL (the server on this machine, or BENCH_DB_URL), three sources, 10,000 pages (quick:
 * 3,000), users editing all along and webhooks flowing to both instances through a round-robin forwarder (a load
 * balancer's part); one instance is killed with -9 mid-sync and started again later. Afterwards: every page exactly
 * once in its table and equal to the simulator, no two pull runs of a source overlapping in sync_runs, the simulator
 * never over the budget in any one-second window (plus Notion's burst allowance, one second's worth as the simulator
 * models it; no 429), and the survivor took over the dead instance's polls within the bound the settings give
 * (Quartz's failure detection, or the dead pull's lease, plus a poll and a check-in).
 */
final class ClusterDrill {

    /** The settings whose values bound the takeover; the drill runs with the defaults an operator gets, written out. */
    private static final Duration CHECKIN = Duration.ofMillis(7500);
    private static final Duration PULL_LEASE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofSeconds(5);
    private static final int RATE = 3;
    /** SharedBudget.BURST: the engines' shared bucket holds one request beyond the rate. */
    private static final int BURST = 1;
    /** Notion's burst allowance as the simulator's limiter models it: one second's worth above the average. */
    private static final int NOTION_BURST = RATE;
    private static final List<String> SOURCES = List.of("projects", "revenue", "agents");
    private static final String WEBHOOK_TOKEN = "secret_bench_cluster_webhooks";

    private final boolean full;
    private final Path repo;
    private final Path logs;
    private final Random random;

    ClusterDrill(boolean full, Path repo, Path logs, Random random) {
        this.full = full;
        this.repo = repo;
        this.logs = logs;
        this.random = random;
    }

    /** The server the drill runs on: BENCH_DB_URL, else the PostgreSQL of this machine (trust authentication). */
    static String serverUrl() {
        String url = System.getenv("BENCH_DB_URL");
        return url == null || url.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres" : url;
    }

    Drills.Outcome run(String name) throws Exception {
        int pages = full ? 10_000 : 3_000;
        BenchDb db = BenchDb.external(serverUrl());
        try (Sim sim = Sim.start(RATE)) {
            // three sources, pages split evenly (revenue already holds the 40 deals Sim.start seeds)
            Map<String, Integer> seeded = new LinkedHashMap<>();
            for (int i = 0; i < SOURCES.size(); i++) {
                seeded.put(SOURCES.get(i), pages / SOURCES.size() + (i < pages % SOURCES.size() ? 1 : 0));
            }
            // projects last: each links 0-2 deals, so no deal gathers more than Notion's 25 relations a page answer holds
            // (its rollups over them would come back incomplete, unlike the simulator's own page)
            sim.seed("revenue", seeded.get("revenue") - 40);
            sim.seed("agents", seeded.get("agents"));
            sim.seed("projects", seeded.get("projects"));
            String dbUrl = db.createDatabase("drill_cluster");
            Map<String, String> env = EngineProcess.baseEnv(sim, dbUrl);
            env.put("NOTION_API_RATE", String.valueOf(RATE));
            env.put("NOTION_CLUSTER_CHECKIN_INTERVAL", CHECKIN.toMillis() + "ms");
            env.put("NOTION_SYNC_PULL_LEASE", PULL_LEASE.toSeconds() + "s");
            env.put("NOTION_WEBHOOK_VERIFICATION_TOKEN", WEBHOOK_TOKEN);
            for (String source : SOURCES) {
                EngineProcess.addSource(env, source, sim.source(source).dataSourceId(), POLL.toSeconds() + "s");
            }

            long startedAt = System.currentTimeMillis();
            EngineProcess a = EngineProcess.start(repo, logs, "drill-cluster-a", env);
            EngineProcess b = EngineProcess.start(repo, logs, "drill-cluster-b", env);
            EngineProcess restarted = null;
            Editor editor = new Editor(sim, random);
            try (Forwarder forwarder = Forwarder.start(a, b)) {
                Sql.await("both instances up", 120_000, () -> up(a) && up(b));
                JsonNode subscription = sim.subscribeWebhooks(forwarder.url(), WEBHOOK_TOKEN, 200);
                if (!subscription.path("handshake").asText().equals("verified")) {
                    return new Drills.Outcome(name, false, "webhook handshake through the forwarder: " + subscription);
                }
                editor.start();

                // mid-sync: a third of the pages in, while pulls run; the instance pulling more sources is killed
                Sql.await("a third of the pages", 600_000, () -> rows(dbUrl) >= pages / 3);
                Thread.sleep(random.nextInt(1000));
                String instanceA = instanceOf(dbUrl, a);
                String instanceB = instanceOf(dbUrl, b);
                boolean killA = running(dbUrl, instanceA) >= running(dbUrl, instanceB);
                EngineProcess victim = killA ? a : b;
                String deadInstance = killA ? instanceA : instanceB;
                String survivor = killA ? instanceB : instanceA;
                long killedAtRows = rows(dbUrl);
                victim.kill9();
                long killedAt = System.currentTimeMillis();
                String killedAtDb = text(dbUrl, "SELECT now()::text");
                // what the dead instance held: its pulls under way, and the triggers Quartz had given it
                Set<String> pulling = strings(dbUrl, "SELECT source FROM notion_sync.sync_runs WHERE outcome = 'running' AND instance = '"
                        + deadInstance + "'");
                Set<String> heldTriggers = strings(dbUrl, "SELECT substr(trigger_group, 8) || ' ' || trigger_name || ' ' || state"
                        + " FROM notion_sync.qrtz_fired_triggers WHERE instance_name = '" + deadInstance + "'");
                Set<String> itsPolls = new TreeSet<>(pulling);
                heldTriggers.stream().filter(t -> t.split(" ")[1].equals("poll")).forEach(t -> itsPolls.add(t.split(" ")[0]));

                // the survivor takes each of them over: its first pull of the source after the kill
                Duration bound = max(PULL_LEASE, CHECKIN.multipliedBy(2).plusMillis(7500)).plus(POLL).plus(CHECKIN);
                Map<String, Long> takeover = new TreeMap<>();
                long deadline = killedAt + bound.toMillis() + 60_000;
                while (System.currentTimeMillis() < deadline && takeover.size() < itsPolls.size()) {
                    for (String source : itsPolls) {
                        if (!takeover.containsKey(source) && Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'pull'"
                                + " AND source = '" + source + "' AND instance = '" + survivor + "' AND started_at > '" + killedAtDb + "'") > 0) {
                            takeover.put(source, System.currentTimeMillis() - killedAt);
                        }
                    }
                    Thread.sleep(200);
                }
                long recovered = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.qrtz_fired_triggers WHERE instance_name = '" + deadInstance + "'");
                boolean tookOver = takeover.size() == itsPolls.size() && takeover.values().stream().allMatch(ms -> ms <= bound.toMillis());

                // the dead instance comes back later, and takes polls again
                Thread.sleep(5_000);
                long restartedAt = System.currentTimeMillis();
                restarted = EngineProcess.start(repo, logs, killA ? "drill-cluster-a" : "drill-cluster-b", env);
                EngineProcess back = restarted;
                forwarder.replace(victim, back);
                Sql.await("the restarted instance up", 120_000, () -> up(back));
                String backInstance = instanceOf(dbUrl, back);
                Thread.sleep(20_000);
                editor.stop();
                Map<String, Mirror.Diff> diffs = new LinkedHashMap<>();
                boolean identical = true;
                long convergeDeadline = System.currentTimeMillis() + (full ? 900_000 : 480_000);
                for (String source : SOURCES) {
                    Mirror.Diff diff = Drills.converge(dbUrl, source, sim, Math.max(10_000, convergeDeadline - System.currentTimeMillis()));
                    diffs.put(source, diff);
                    identical &= diff.identical();
                }
                long backPulls = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'pull' AND instance = '" + backInstance + "'");
                // a run the kill cut off never records its end: it ended at the kill
                long overlaps = Sql.count(dbUrl, "WITH r AS (SELECT id, source, started_at, coalesce(finished_at, CASE WHEN instance = '"
                        + deadInstance + "' THEN '" + killedAtDb + "'::timestamptz END, now()) AS ended FROM notion_sync.sync_runs WHERE kind = 'pull')"
                        + " SELECT count(*) FROM r x JOIN r y ON x.source = y.source AND x.id < y.id AND y.started_at < x.ended AND x.started_at < y.ended");
                String byInstance = text(dbUrl, "SELECT string_agg(who || ' ' || n, ', ' ORDER BY who) FROM (SELECT CASE instance WHEN '" + deadInstance
                        + "' THEN 'killed' WHEN '" + survivor + "' THEN 'survivor' WHEN '" + backInstance + "' THEN 'restarted' ELSE instance END AS who,"
                        + " count(*) AS n FROM notion_sync.sync_runs WHERE kind = 'pull' GROUP BY 1) c");
                JsonNode stats = sim.stats();
                int busiest = stats.path("max_requests_in_any_1s_window").asInt();
                // which calls Notion refused, if any
                Map<String, Long> refused = new TreeMap<>();
                stats.path("by_endpoint").fields().forEachRemaining(endpoint -> {
                    if (endpoint.getValue().has("429")) {
                        refused.put(endpoint.getKey(), endpoint.getValue().path("429").asLong());
                    }
                });
                Map<Integer, Integer> deliveries = new TreeMap<>();
                for (JsonNode d : sim.webhooks().path("deliveries")) {
                    deliveries.merge(d.path("status").asInt(), 1, Integer::sum);
                }
                // over the budget is what Notion would refuse: more than the rate plus its burst allowance in a second, or any 429
                boolean withinBudget = busiest <= RATE + NOTION_BURST && stats.path("rate_limited").asLong() == 0;
                // the wall-clock seconds that saw more than the rate, counted from the instances' start (kill and restart for reference)
                Map<Long, Long> busySeconds = new TreeMap<>();
                stats.path("per_second").fields().forEachRemaining(second -> {
                    if (second.getValue().asLong() > RATE) {
                        busySeconds.put(Long.parseLong(second.getKey()) - startedAt / 1000, second.getValue().asLong());
                    }
                });
                boolean passed = identical && overlaps == 0 && withinBudget && tookOver && !itsPolls.isEmpty() && backPulls > 0;
                return new Drills.Outcome(name, passed, String.format(Locale.ROOT, "%s pages in 3 sources %s, 2 instances (poll %d s, check-in %.1f s,"
                                + " pull lease %d s, %d requests/s); %d edits, webhooks through a round-robin forwarder (deliveries by status %s);"
                                + " one killed -9 at %s rows while pulling %s, Quartz had given it %s; the survivor's first pull of each after the kill: %s"
                                + " (bound %.1f s: %s); the dead one's fired triggers left after that: %d; restarted, it pulled %d times; pulls by instance: %s;"
                                + " overlapping pull runs: %d; simulator: %d requests, busiest second %d (budget %d, + Notion's burst %d: %s; + the engines' own burst %d: %s),"
                                + " %d answered 429 %s (seconds with more than %d, from the start: %s; killed at %d s, restarted at %d s); %s",
                        Drills.fmt(pages), seeded, POLL.toSeconds(), CHECKIN.toMillis() / 1000.0, PULL_LEASE.toSeconds(), RATE,
                        editor.edits(), deliveries, Drills.fmt(killedAtRows), pulling, heldTriggers, seconds(takeover), bound.toMillis() / 1000.0,
                        tookOver ? "held" : "MISSED", recovered, backPulls, byInstance, overlaps, stats.path("total_requests").asLong(), busiest, RATE,
                        NOTION_BURST, busiest <= RATE + NOTION_BURST ? "within" : "OVER", BURST, busiest <= RATE + BURST ? "within" : "over",
                        stats.path("rate_limited").asLong(), refused, RATE, busySeconds, (killedAt - startedAt) / 1000, (restartedAt - startedAt) / 1000, diffs));
            } finally {
                editor.stop();
                a.close();
                b.close();
                if (restarted != null) {
                    restarted.close();
                }
                db.dropDatabase("drill_cluster");   // once no instance uses it
            }
        }
    }

    private static Duration max(Duration one, Duration other) {
        return one.compareTo(other) >= 0 ? one : other;
    }

    private static Map<String, String> seconds(Map<String, Long> millis) {
        Map<String, String> shown = new TreeMap<>();
        millis.forEach((source, ms) -> shown.put(source, String.format(Locale.ROOT, "%.1f s", ms / 1000.0)));
        return shown;
    }

    /** Whether the instance answers its readiness probe (its routes started). */
    private static boolean up(EngineProcess engine) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.managementPort + "/observe/health/live"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The instance's name in the Quartz cluster: host, process id and a random part (NotionSync.instanceId). */
    private static String instanceOf(String dbUrl, EngineProcess engine) throws Exception {
        String pid = "-" + engine.pid() + "-";
        Sql.await("instance " + engine.pid() + " in the cluster", 60_000, () ->
                Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.qrtz_scheduler_state WHERE instance_name LIKE '%" + pid + "%'") > 0);
        return text(dbUrl, "SELECT instance_name FROM notion_sync.qrtz_scheduler_state WHERE instance_name LIKE '%" + pid + "%'");
    }

    private static long rows(String dbUrl) {
        long total = 0;
        for (String source : SOURCES) {
            total += Math.max(0, Sql.count(dbUrl, "SELECT count(*) FROM notion." + source));
        }
        return total;
    }

    private static String text(String dbUrl, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(dbUrl); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static long running(String dbUrl, String instance) {
        return Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.sync_runs WHERE kind = 'pull' AND outcome = 'running' AND instance = '" + instance + "'");
    }

    private static Set<String> strings(String dbUrl, String sql) throws Exception {
        Set<String> values = new TreeSet<>();
        try (Connection c = DriverManager.getConnection(dbUrl); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    /** Users editing titles across the three sources, about two edits a second, until stopped. */
    private static final class Editor {
        private final Sim sim;
        private final Random random;
        private final AtomicBoolean running = new AtomicBoolean();
        private final AtomicInteger edits = new AtomicInteger();
        private Thread thread;

        Editor(Sim sim, Random random) {
            this.sim = sim;
            this.random = random;
        }

        void start() {
            running.set(true);
            thread = new Thread(() -> {
                Map<String, List<ObjectNode>> pages = new LinkedHashMap<>();
                SOURCES.forEach(source -> pages.put(source, sim.pages(source)));
                while (running.get()) {
                    String source = SOURCES.get(random.nextInt(SOURCES.size()));
                    List<ObjectNode> all = pages.get(source);
                    sim.editTitle(source, all.get(random.nextInt(all.size())).path("id").asText(), "edited in the cluster drill " + edits.incrementAndGet());
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "cluster-drill-editor");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            if (thread != null) {
                thread.join(5_000);
            }
        }

        int edits() {
            return edits.get();
        }
    }

    /**
     * What a load balancer in front of the instances does for Notion's webhooks: each delivery goes to the next
     * instance in turn, and to another when one does not answer.
     */
    private static final class Forwarder implements AutoCloseable {
        private final HttpServer server;
        private final List<EngineProcess> engines;
        private final AtomicInteger next = new AtomicInteger();
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        private Forwarder(HttpServer server, List<EngineProcess> engines) {
            this.server = server;
            this.engines = engines;
        }

        static Forwarder start(EngineProcess... engines) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Ports.free()), 50);
            Forwarder forwarder = new Forwarder(server, new java.util.concurrent.CopyOnWriteArrayList<>(engines));
            server.createContext("/webhooks/notion", forwarder::forward);
            server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
            server.start();
            return forwarder;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhooks/notion";
        }

        void replace(EngineProcess old, EngineProcess replacement) {
            engines.set(engines.indexOf(old), replacement);
        }

        private void forward(HttpExchange exchange) throws IOException {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = 502;
            byte[] answer = "no instance answered".getBytes();
            int first = Math.floorMod(next.getAndIncrement(), engines.size());
            for (int i = 0; i < engines.size(); i++) {
                EngineProcess engine = engines.get((first + i) % engines.size());
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(engine.webhookUrl())).timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
                exchange.getRequestHeaders().forEach((header, values) -> {
                    if (header.equalsIgnoreCase("Content-Type") || header.toLowerCase(Locale.ROOT).startsWith("x-notion")) {
                        values.forEach(value -> request.header(header, value));
                    }
                });
                try {
                    HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                    status = response.statusCode();
                    answer = response.body();
                    break;
                } catch (IOException down) {
                    // that instance is gone: the next one
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }

        @Override
        public void close() {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }
}
