package dev.notionsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The reliability drills. Each ends with the mirror table compared to the simulator (every page once, same content)
 * or, for webhooks, every delivered event accounted for. Exit status 1 when any drill fails.
 * Usage: Drills quick|full <markdown output file> [kill] [storm] [pg-restart] [webhooks] [push] [cluster]   (no names: all six)
 */
public final class Drills {

    record Outcome(String drill, boolean passed, String detail) {
    }

    private final boolean full;
    private final Path repo;
    private final Path logs;
    private final BenchDb db;
    private final Random random = new Random(Long.getLong("bench.seed", System.nanoTime()));

    private Drills(boolean full, Path repo, Path logs, BenchDb db) {
        this.full = full;
        this.repo = repo;
        this.logs = logs;
        this.db = db;
    }

    public static void main(String[] args) throws Exception {
        boolean full = args.length == 0 || !args[0].equals("quick");
        Path out = Path.of(args.length > 1 ? args[1] : "bench/target/drills.md");
        Set<String> chosen = new HashSet<>(args.length > 2 ? List.of(args).subList(2, args.length) : List.of("kill", "storm", "pg-restart", "webhooks", "push", "cluster"));
        Path repo = Path.of("").toAbsolutePath();
        List<Outcome> outcomes = new ArrayList<>();
        try (BenchDb db = BenchDb.start(repo.resolve("bench/target/work-drills"))) {
            Drills drills = new Drills(full, repo, repo.resolve("bench/target/logs"), db);
            if (chosen.contains("kill")) outcomes.add(drills.attempt("kill -9 ×10 during a sync", drills::kill));
            if (chosen.contains("storm")) outcomes.add(drills.attempt("fault storm", drills::storm));
            if (chosen.contains("pg-restart")) outcomes.add(drills.attempt("PostgreSQL restarted mid-sync", drills::pgRestart));
            if (chosen.contains("webhooks")) outcomes.add(drills.attempt("webhooks with 5% permanent failures, under attack", drills::webhooks));
            if (chosen.contains("push")) outcomes.add(drills.attempt("push under kill -9 and a fault storm", drills::push));
            if (chosen.contains("cluster")) outcomes.add(drills.attempt("two instances, one killed -9 mid-sync",
                    new ClusterDrill(full, repo, repo.resolve("bench/target/logs"), drills.random)::run));
        }
        StringBuilder md = new StringBuilder("| drill | result | detail |\n|---|---|---|\n");
        for (Outcome o : outcomes) {
            md.append("| ").append(o.drill()).append(" | ").append(o.passed() ? "pass" : "FAIL").append(" | ").append(o.detail().replace("|", "/")).append(" |\n");
        }
        System.out.println(md);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md);
        System.exit(outcomes.stream().allMatch(Outcome::passed) ? 0 : 1);
    }

    private interface Drill {
        Outcome run(String name) throws Exception;
    }

    private Outcome attempt(String name, Drill drill) {
        long started = System.nanoTime();
        System.err.println("[drill] " + name + " ...");
        Outcome outcome;
        try {
            outcome = drill.run(name);
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            outcome = new Outcome(name, false, "error: " + e);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.err.printf(Locale.ROOT, "[drill] %s: %s in %.0f s: %s%n", name, outcome.passed() ? "pass" : "FAIL", seconds, outcome.detail());
        return new Outcome(outcome.drill(), outcome.passed(), outcome.detail() + String.format(Locale.ROOT, " (%.0f s)", seconds));
    }

    // ------------------------------------------------------------------ kill -9

    private Outcome kill(String name) throws Exception {
        int pages = full ? 10_000 : 3_000;
        int kills = full ? 10 : 4;
        try (Sim sim = Sim.start(0)) {
            sim.seed("projects", pages);
            String dbUrl = db.createDatabase("drill_kill");
            Map<String, String> env = EngineProcess.baseEnv(sim, dbUrl);
            env.put("NOTION_API_RATE", "1000000");
            EngineProcess.addSource(env, "projects", sim.source("projects").dataSourceId(), "2s");
            List<String> atKill = new ArrayList<>();
            // kill points spread over the whole sync: random row counts, ascending, each hit by a later start
            List<Integer> targets = new ArrayList<>();
            // (below 90%: at about 2,000 pages/s the random delay after a target would otherwise land after the last row)
            for (int i = 0; i < kills; i++) {
                targets.add(pages / 50 + random.nextInt(pages * 9 / 10 - pages / 50));
            }
            java.util.Collections.sort(targets);
            int edits = 0;
            for (int i = 0; i < kills; i++) {
                long before = Math.max(0, rows(dbUrl));
                int target = targets.get(i);
                EngineProcess engine = EngineProcess.start(repo, logs, "drill-kill", env);
                try {
                    long deadline = System.currentTimeMillis() + 120_000;
                    while (System.currentTimeMillis() < deadline && engine.isAlive()) {
                        long now = rows(dbUrl);
                        if (now >= target && now > before) {
                            break;
                        }
                        Thread.sleep(20);
                    }
                    // a random instant, not a batch boundary (a result page of 100 takes about 50 ms)
                    Thread.sleep(random.nextInt(150));
                } finally {
                    engine.kill9();
                }
                long rowsAtKill = Math.max(0, rows(dbUrl));
                if (rowsAtKill >= pages) {
                    throw new IllegalStateException("kill " + (i + 1) + " came after the sync had finished (" + rowsAtKill + " rows): not a kill during a sync");
                }
                atKill.add(String.valueOf(rowsAtKill));
                // while the engine is down, users keep editing
                List<ObjectNode> all = sim.pages("projects");
                for (int e = 0; e < 20; e++) {
                    sim.editTitle("projects", all.get(random.nextInt(all.size())).path("id").asText(), "edited while down " + i + "-" + e);
                    edits++;
                }
            }
            Mirror.Diff diff;
            try (EngineProcess engine = EngineProcess.start(repo, logs, "drill-kill", env)) {
                diff = converge(dbUrl, "projects", sim, 300_000);
            }
            db.dropDatabase("drill_kill");
            return new Outcome(name, diff.identical(), fmt(pages) + " pages, " + kills + " kills at rows " + atKill + ", " + edits
                    + " edits while down; after restart: " + diff);
        }
    }

    // ------------------------------------------------------------------ fault storm

    private Outcome storm(String name) throws Exception {
        int pages = full ? 3_000 : 1_000;
        try (Sim sim = Sim.start(0)) {
            sim.seed("projects", pages);
            String dbUrl = db.createDatabase("drill_storm");
            sim.faults("{\"errors\":{\"500\":0.05,\"502\":0.05,\"503\":0.05,\"504\":0.05,\"429\":0.10},"
                    + "\"latency_spike\":{\"probability\":0.05,\"ms\":2000},\"retry_after_seconds\":1,\"seed\":7}");
            Map<String, String> env = EngineProcess.baseEnv(sim, dbUrl);
            env.put("NOTION_API_RATE", "10");
            // small result pages: ten times the requests, so the storm hits every step of the pull many times
            env.put("NOTION_SYNC_PAGE_SIZE", "10");
            EngineProcess.addSource(env, "projects", sim.source("projects").dataSourceId(), "2s");
            Mirror.Diff diff;
            long started = System.currentTimeMillis();
            try (EngineProcess engine = EngineProcess.start(repo, logs, "drill-storm", env)) {
                // users edit during the storm, too
                List<ObjectNode> all = sim.pages("projects");
                for (int e = 0; e < 100; e++) {
                    sim.editTitle("projects", all.get(random.nextInt(all.size())).path("id").asText(), "edited in the storm " + e);
                    Thread.sleep(300);
                }
                diff = converge(dbUrl, "projects", sim, full ? 900_000 : 480_000);
            }
            double seconds = (System.currentTimeMillis() - started) / 1000.0;
            JsonNode stats = sim.stats();
            db.dropDatabase("drill_storm");
            return new Outcome(name, diff.identical(), fmt(pages) + " pages (page_size 10) + 100 edits under 20% 5xx, 10% 429, 5% 2 s latency spikes; "
                    + stats.path("total_requests").asLong() + " requests, injected " + stats.path("faults_injected") + "; converged in "
                    + String.format(Locale.ROOT, "%.0f", seconds) + " s: " + diff);
        }
    }

    // ------------------------------------------------------------------ PostgreSQL restart

    private Outcome pgRestart(String name) throws Exception {
        if (!db.isEmbedded()) {
            return new Outcome(name, false, "not run: needs the bench's embedded PostgreSQL (unset BENCH_DB_URL)");
        }
        int pages = full ? 10_000 : 5_000;
        try (Sim sim = Sim.start(0)) {
            sim.seed("projects", pages);
            String dbUrl = db.createDatabase("drill_pg");
            Map<String, String> env = EngineProcess.baseEnv(sim, dbUrl);
            env.put("NOTION_API_RATE", "1000000");
            EngineProcess.addSource(env, "projects", sim.source("projects").dataSourceId(), "2s");
            Mirror.Diff diff;
            long atRestart;
            long failedRuns;
            long stuckRuns;
            boolean alive;
            try (EngineProcess engine = EngineProcess.start(repo, logs, "drill-pg", env)) {
                Sql.await("a quarter of the rows", 300_000, () -> rows(dbUrl) >= pages / 4);
                atRestart = rows(dbUrl);
                db.restart(5_000);
                diff = converge(dbUrl, "projects", sim, 300_000);
                failedRuns = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome <> 'ok' AND outcome <> 'running'");
                // a run cut off by the outage cannot record its own failure: it stays 'running'
                stuckRuns = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.sync_runs WHERE outcome = 'running' AND started_at < now() - interval '10 seconds'");
                alive = engine.isAlive();
            }
            db.dropDatabase("drill_pg");
            return new Outcome(name, diff.identical() && alive, fmt(pages) + " pages; PostgreSQL stopped (fast shutdown) at " + atRestart
                    + " rows, down 5 s, started again; engine " + (alive ? "kept running" : "DIED") + ", " + failedRuns
                    + " runs recorded as failed, " + stuckRuns + " left as 'running'; " + diff);
        }
    }

    // ------------------------------------------------------------------ webhooks with permanent failures, under attack

    /**
     * 500 genuine events (5% of their pages fail on every fetch) while an attacker sends forged handshakes, oversized
     * and parallel bodies, signed events naming the wrong parent, unsigned, wrongly signed and malformed events. The
     * token comes from a handshake the operator confirms (no NOTION_WEBHOOK_TOKEN), after an attacker's handshake.
     */
    private Outcome webhooks(String name) throws Exception {
        int pages = 1_000;
        int events = full ? 500 : 200;
        String token = "secret_bench_webhook_token";
        try (Sim sim = Sim.start(0)) {
            sim.seed("projects", pages);
            String dbUrl = db.createDatabase("drill_webhooks");
            Map<String, String> env = EngineProcess.baseEnv(sim, dbUrl);
            env.put("NOTION_API_RATE", "1000000");
            EngineProcess.withJolokia(env);
            // permanent failures reach the dead letters in seconds instead of minutes; the path is the same
            env.put("NOTION_API_MAX_RETRIES", "2");
            env.put("NOTION_API_BACKOFF_BASE", "50ms");
            env.put("NOTION_API_BACKOFF_MAX", "200ms");
            env.put("NOTION_DEAD_LETTER_MAX_REDELIVERIES", "1");
            env.put("NOTION_DEAD_LETTER_REDELIVERY_DELAY_MS", "100");
            // webhooks only: a poll would fill in the failing pages and hide what the webhook path did
            EngineProcess.addSource(env, "projects", sim.source("projects").dataSourceId(), "10m");
            try (EngineProcess engine = EngineProcess.start(repo, logs, "drill-webhooks", env)) {
                Sql.await("initial sync", 300_000, () -> rows(dbUrl) == pages);
                WebhookAttacker attacker = new WebhookAttacker(engine, sim, token);
                int firstForged = attacker.handshake("secret_attacker_before_notion");
                JsonNode subscription = sim.subscribeWebhooks(engine.webhookUrl(), token, 50);
                if (!subscription.path("handshake").asText().equals("verified")) {
                    return new Outcome(name, false, "webhook handshake: " + subscription);
                }
                // the operator's step: Notion accepted this token, so confirm its handshake
                long handshakeId = Sql.count(dbUrl, "SELECT id FROM notion_sync.webhook_subscriptions WHERE verification_token = '" + token + "'");
                engine.exec("confirmWebhookToken", String.valueOf(handshakeId));
                List<ObjectNode> all = sim.pages("projects");
                List<String> edited = new ArrayList<>();
                for (int i = 0; i < events; i++) {
                    edited.add(all.get(i).path("id").asText());
                }
                Set<String> failing = new HashSet<>();
                for (int i = 0; i < events; i += 20) {
                    failing.add(edited.get(i));
                }
                sim.faults("{\"failing_ids\":" + Sim.JSON.writeValueAsString(failing) + ",\"failing_status\":500}");
                attacker.start();
                for (int i = 0; i < events; i++) {
                    sim.editTitle("projects", edited.get(i), "bench-drill-" + i);
                    Thread.sleep(50);
                }
                WebhookAttacker.Report attack = attacker.stop();
                String settled = "settled";
                try {
                    Sql.await("every event delivered and settled", 300_000, () ->
                            Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE event_type LIKE 'page.%'") >= events + attack.forgedParentIds().size()
                                    && Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status IN ('pending', 'processing')") == 0);
                } catch (IllegalStateException timedOut) {
                    settled = "NOT settled within 300 s";
                }
                Thread.sleep(2_000);
                Set<String> delivered = new HashSet<>();
                java.util.Map<Integer, Integer> attemptStatuses = new java.util.TreeMap<>();
                Set<String> attempted = new HashSet<>();
                for (JsonNode d : sim.webhooks().path("deliveries")) {
                    if (!d.path("type").asText().startsWith("page.")) continue;
                    attempted.add(d.path("event_id").asText());
                    attemptStatuses.merge(d.path("status").asInt(), 1, Integer::sum);
                    if (d.path("status").asInt() / 100 == 2) delivered.add(d.path("event_id").asText());
                }
                int applied = 0;
                int deadLettered = 0;
                List<String> problems = new ArrayList<>();
                Set<String> inInbox = new HashSet<>();
                try (Connection c = DriverManager.getConnection(dbUrl); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT i.event_id, replace(i.entity_id, '-', ''), i.status, p.name FROM notion_sync.webhook_inbox i"
                             + " LEFT JOIN notion.projects p ON replace(p.page_id::text, '-', '') = replace(i.entity_id, '-', '')"
                             + " WHERE i.event_type LIKE 'page.%'")) {
                    while (rs.next()) {
                        if (attack.forgedParentIds().contains(rs.getString(1))) {
                            continue;
                        }
                        inInbox.add(rs.getString(1));
                        String page = rs.getString(2);
                        String status = rs.getString(3);
                        boolean fails = failing.stream().anyMatch(f -> f.replace("-", "").equals(page));
                        int index = edited.stream().map(e -> e.replace("-", "")).toList().indexOf(page);
                        if (status.equals("applied") && !fails && ("bench-drill-" + index).equals(rs.getString(4))) {
                            applied++;
                        } else if (status.equals("dead_letter") && fails) {
                            deadLettered++;
                        } else if (problems.size() < 5) {
                            problems.add(page + " " + status + (fails ? " (failing page)" : "") + " row=" + rs.getString(4));
                        }
                    }
                }
                Set<String> lost = new HashSet<>(delivered);
                lost.removeAll(inInbox);
                long openDeadLetters = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.dead_letters WHERE status = 'open'");
                // what the attack left behind: nothing forged stored or in force, no revenue page in projects
                long forgedStored = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE event_id IN ("
                        + attack.quoted(attack.unsignedOrMalformedIds()) + ")");
                long forgedParentsApplied = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.webhook_inbox WHERE status <> 'ignored'"
                        + " AND event_id IN (" + attack.quoted(attack.forgedParentIds()) + ")");
                long revenueInProjects = Sql.count(dbUrl, "SELECT count(*) FROM notion.projects WHERE page_id::text IN ("
                        + attack.quoted(attack.revenuePageIds()) + ")");
                long forgedInForce = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.webhook_subscriptions WHERE status = 'confirmed'"
                        + " AND verification_token <> '" + token + "'");
                long handshakesKept = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.webhook_subscriptions");
                double[] heap = engine.heapPeaksMb();
                boolean outOfMemory = java.nio.file.Files.readString(engine.log()).contains("OutOfMemoryError");
                // live data after a collection stays well under the heap limit (-Xmx256m unless BENCH_ENGINE_JAVA_OPTS says otherwise)
                boolean heapHeld = heap[2] > 0 && heap[1] < 0.8 * heap[2];
                boolean attackHeld = heapHeld && forgedStored == 0 && forgedParentsApplied == 0 && revenueInProjects == 0 && forgedInForce == 0
                        && handshakesKept <= 21 && !outOfMemory && attack.healthNotUp() == 0 && firstForged == 200 && attack.oversizedAccepted() == 0
                        && engine.isAlive();
                boolean passed = settled.equals("settled") && applied + deadLettered == events && deadLettered == failing.size() && lost.isEmpty()
                        && openDeadLetters >= failing.size() && problems.isEmpty() && attackHeld;
                db.dropDatabase("drill_webhooks");
                return new Outcome(name, passed, events + " events (" + failing.size() + " pages failing with 500 on every fetch), " + settled + ": "
                        + delivered.size() + " of " + attempted.size() + " delivered (attempts by status " + attemptStatuses + "), " + applied + " applied with the right content, " + deadLettered
                        + " dead-lettered (" + openDeadLetters + " open dead letters), " + lost.size() + " lost"
                        + (problems.isEmpty() ? "" : "; unexpected: " + problems)
                        + ". Attack meanwhile: " + attack.summary() + "; afterwards " + forgedStored + " forged events stored, "
                        + forgedParentsApplied + " forged-parent events applied, " + revenueInProjects + " revenue pages in projects, "
                        + forgedInForce + " forged tokens in force, " + handshakesKept + " handshakes kept, health not UP "
                        + attack.healthNotUp() + " of " + attack.healthChecks() + " checks, heap peak "
                        + String.format(Locale.ROOT, "%.0f MiB before GC / %.0f MiB after GC of %.0f MiB", heap[0], heap[1], heap[2])
                        + (outOfMemory ? ", OutOfMemoryError in the log" : ", no OutOfMemoryError"));
            }
        }
    }

    // ------------------------------------------------------------------ push exactly once

    /**
     * INSERTs and UPDATEs made in PostgreSQL while the engine is killed with -9 again and again and Notion answers 20%
     * 5xx, 10% 429 and cuts off 5% of its answers (after applying the request). Afterwards every inserted row has
     * exactly one page, every update is in Notion, no conflict is recorded (nobody edited in Notion), and the table
     * equals the simulator.
     */
    private Outcome push(String name) throws Exception {
        int inserts = full ? 1_000 : 200;
        int updates = full ? 1_000 : 200;
        int kills = full ? 10 : 4;
        try (Sim sim = Sim.start(0)) {
            sim.seed("projects", updates);
            String dbUrl = db.createDatabase("drill_push");
            Map<String, String> env = EngineProcess.baseEnv(sim, dbUrl);
            env.put("NOTION_API_RATE", "40");
            EngineProcess.addSource(env, "projects", sim.source("projects").dataSourceId(), "5s");
            env.put("NOTION_SOURCE_PROJECTS_DIRECTION", "both");
            env.put("NOTION_PUSH_POLL", "500ms");
            // a killed engine's claims come back after this long (5 min by default)
            env.put("NOTION_PUSH_RECLAIM_AFTER", "10s");
            env.put("NOTION_PUSH_BACKOFF_BASE", "1s");
            env.put("NOTION_PUSH_MAX_ATTEMPTS", "30");
            env.put("NOTION_API_BACKOFF_BASE", "100ms");
            env.put("NOTION_API_BACKOFF_MAX", "2s");
            env.put("NOTION_API_BREAKER_FAILURE_RATE", "90");
            // the injected 429s are not Notion's limiter: let the budget climb back quickly after each
            env.put("NOTION_API_RATE_RECOVERY_STEP", "50ms");
            try (EngineProcess engine = EngineProcess.start(repo, logs, "drill-push", env)) {
                Sql.await("initial sync", 300_000, () -> rows(dbUrl) == updates);
            }
            List<String> seeded = sim.pages("projects").stream().map(p -> p.path("id").asText()).sorted().toList();
            sim.faults("{\"errors\":{\"500\":0.05,\"502\":0.05,\"503\":0.05,\"504\":0.05,\"429\":0.10},"
                    + "\"truncate_body\":0.05,\"retry_after_seconds\":0,\"seed\":" + random.nextInt(1000) + "}");
            long started = System.currentTimeMillis();
            List<String> killedAt = new ArrayList<>();
            for (int round = 0; round < kills; round++) {
                long doneBefore = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.outbox WHERE status <> 'pending'");
                EngineProcess engine = EngineProcess.start(repo, logs, "drill-push", env);
                try {
                    try (Connection c = DriverManager.getConnection(dbUrl); Statement st = c.createStatement()) {
                        for (int i = round * inserts / kills; i < (round + 1) * inserts / kills; i++) {
                            st.execute("INSERT INTO notion.projects (name, client) VALUES ('drill insert " + i + "', 'inserted " + i + "')");
                            int u = i * updates / inserts;
                            st.execute("UPDATE notion.projects SET client = 'drill update " + u + "' WHERE page_id = '" + seeded.get(u) + "'");
                            Thread.sleep(20);
                        }
                    }
                    // killed while pushing: after some changes went through (start-up takes a while), at a random instant
                    int progress = 10 + random.nextInt(40);
                    long deadline = System.currentTimeMillis() + 180_000;
                    while (System.currentTimeMillis() < deadline && engine.isAlive()
                            && Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.outbox WHERE status <> 'pending'") < doneBefore + progress) {
                        Thread.sleep(50);
                    }
                    Thread.sleep(random.nextInt(500));
                } finally {
                    engine.kill9();
                }
                killedAt.add(Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.outbox WHERE status = 'pending'") + " pending");
            }
            Mirror.Diff diff;
            try (EngineProcess engine = EngineProcess.start(repo, logs, "drill-push", env)) {
                Sql.await("the outbox drained", 1_800_000, () -> Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.outbox WHERE status = 'pending'") == 0);
                sim.faults("{}");
                diff = converge(dbUrl, "projects", sim, 120_000);
            }
            double seconds = (System.currentTimeMillis() - started) / 1000.0;
            Map<String, Integer> pagesByTitle = new java.util.HashMap<>();
            Map<String, String> clientById = new java.util.HashMap<>();
            for (ObjectNode page : sim.pages("projects")) {
                if (!page.path("in_trash").asBoolean(false)) {
                    pagesByTitle.merge(plain(page, "title"), 1, Integer::sum);
                    clientById.put(page.path("id").asText(), plain(page, "Client"));
                }
            }
            int missingPages = 0;
            int duplicatePages = 0;
            for (int i = 0; i < inserts; i++) {
                int n = pagesByTitle.getOrDefault("drill insert " + i, 0);
                missingPages += n == 0 ? 1 : 0;
                duplicatePages += Math.max(0, n - 1);
            }
            int updatesMissing = 0;
            for (int u = 0; u < updates; u++) {
                updatesMissing += ("drill update " + u).equals(clientById.get(seeded.get(u))) ? 0 : 1;
            }
            long insertedRows = Sql.count(dbUrl, "SELECT count(*) FROM notion.projects WHERE name LIKE 'drill insert %'");
            long conflicts = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.conflicts");
            long deadLetters = Sql.count(dbUrl, "SELECT count(*) FROM notion_sync.outbox WHERE status = 'dead_letter'");
            JsonNode stats = sim.stats();
            db.dropDatabase("drill_push");
            boolean passed = missingPages == 0 && duplicatePages == 0 && insertedRows == inserts && updatesMissing == 0 && conflicts == 0
                    && deadLetters == 0 && diff.identical();
            return new Outcome(name, passed, fmt(inserts) + " INSERTs and " + fmt(updates) + " UPDATEs, " + kills + " kills (outbox at kills: "
                    + killedAt + "), 20% 5xx, 10% 429, 5% cut-off answers (injected " + stats.path("faults_injected") + "); drained in "
                    + String.format(Locale.ROOT, "%.0f", seconds) + " s: inserted rows " + insertedRows + ", pages missing " + missingPages
                    + ", duplicate pages " + duplicatePages + ", updates not in Notion " + updatesMissing + ", conflicts recorded " + conflicts
                    + ", dead letters " + deadLetters + "; " + diff);
        }
    }

    /** The plain text of a page's title (type "title") or of the rich text property of that name. */
    private static String plain(JsonNode page, String property) {
        StringBuilder text = new StringBuilder();
        for (var it = page.path("properties").fields(); it.hasNext(); ) {
            var entry = it.next();
            if (property.equals("title") ? entry.getValue().path("type").asText().equals("title") : entry.getKey().equals(property)) {
                for (JsonNode part : entry.getValue().path(entry.getValue().path("type").asText())) {
                    text.append(part.path("plain_text").asText());
                }
            }
        }
        return text.toString();
    }

    // ------------------------------------------------------------------ helpers

    /** Compares every few seconds until the table is identical to the simulator, or the time is up (the last diff). */
    static Mirror.Diff converge(String dbUrl, String table, Sim sim, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Mirror.Diff diff = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                diff = Mirror.compare(dbUrl, table, sim.pages(table));
                if (diff.identical()) {
                    return diff;
                }
            } catch (java.sql.SQLException e) {
                // the table may not exist yet, or the server is restarting
            }
            Thread.sleep(3_000);
        }
        if (diff == null) {
            throw new IllegalStateException("the table never became readable");
        }
        return diff;
    }

    private static long rows(String dbUrl) {
        return Sql.count(dbUrl, "SELECT count(*) FROM notion.projects");
    }

    static String fmt(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
