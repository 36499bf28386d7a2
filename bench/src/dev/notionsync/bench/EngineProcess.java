package dev.notionsync.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One engine under test: `java -jar target/notion-sync.jar run` in its own JVM, configured by environment only (as an
 * operator would), its log in bench/target/logs. A separate process so that its memory can be read from /proc and it
 * can be killed with -9.
 */
final class EngineProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final Path gcLog;
    final int serverPort;
    final int managementPort;

    private EngineProcess(Process process, Path log, Path gcLog, int serverPort, int managementPort) {
        this.process = process;
        this.log = log;
        this.gcLog = gcLog;
        this.serverPort = serverPort;
        this.managementPort = managementPort;
    }

    /** Settings every bench engine shares; callers add the sources and their own. */
    static Map<String, String> baseEnv(Sim sim, String dbUrl) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NOTION_TOKEN", Sim.TOKEN);
        env.put("NOTION_API_BASE_URL", sim.baseUrl());
        env.put("NOTION_DB_URL", dbUrl);
        // the bench seeds pages edited in the past: no reason to hold the watermark back
        env.put("NOTION_SYNC_LAG", "0s");
        env.put("CAMEL_MAIN_JMX_ENABLED", "false");
        return env;
    }

    static void addSource(Map<String, String> env, String name, String dataSourceId, String poll) {
        String sources = env.getOrDefault("NOTION_SOURCES", "");
        env.put("NOTION_SOURCES", sources.isEmpty() ? name : sources + "," + name);
        env.put("NOTION_SOURCE_" + name.toUpperCase() + "_ID", dataSourceId);
        env.put("NOTION_SOURCE_" + name.toUpperCase() + "_POLL", poll);
    }

    static EngineProcess start(Path repo, Path logDir, String name, Map<String, String> settings) throws IOException {
        Path log = logDir.resolve(name + ".log");
        Path gcLog = logDir.resolve(name + ".gc.log");
        int serverPort = Ports.free();
        int managementPort = Ports.free();
        ProcessBuilder builder = builder(repo, logDir, name, settings, serverPort, managementPort, "run");
        return new EngineProcess(builder.start(), log, gcLog, serverPort, managementPort);
    }

    /**
     * A one-off command of the jar (bootstrap, status, ...) with the same environment as an engine, run to its end;
     * its output goes to bench/target/logs/&lt;name&gt;.log.
     *
     * @return the command's exit status
     */
    static int runCommand(Path repo, Path logDir, String name, Map<String, String> settings, long timeoutMillis, String... args)
            throws IOException, InterruptedException {
        Process process = builder(repo, logDir, name, settings, Ports.free(), Ports.free(), args).start();
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(String.join(" ", args) + " did not end within " + timeoutMillis / 1000 + " s; see " + logDir.resolve(name + ".log"));
        }
        return process.exitValue();
    }

    private static ProcessBuilder builder(Path repo, Path logDir, String name, Map<String, String> settings, int serverPort, int managementPort,
                                          String... args) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        Path gcLog = logDir.resolve(name + ".gc.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : System.getenv().getOrDefault("BENCH_ENGINE_JAVA_OPTS", "-Xmx256m").trim().split("\\s+")) {
            if (!option.isBlank()) {
                command.add(option);
            }
        }
        command.add("-Xlog:gc:file=" + gcLog);
        command.add("-jar");
        command.add(repo.resolve("target/notion-sync.jar").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(repo.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        // only what the bench sets: a NOTION_* variable of the shell running the bench must not change the engine
        env.keySet().removeIf(k -> k.startsWith("NOTION_") || k.startsWith("CAMEL_"));
        env.put("NOTION_HOME", repo.toString());
        env.put("CAMEL_SERVER_PORT", String.valueOf(serverPort));
        env.put("CAMEL_MANAGEMENT_PORT", String.valueOf(managementPort));
        env.putAll(settings);
        Files.writeString(log, "---- " + String.join(" ", args) + " " + name + " started " + java.time.Instant.now() + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return builder;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    String webhookUrl() {
        return "http://127.0.0.1:" + serverPort + "/webhooks/notion";
    }

    /** Peak resident set size so far (VmHWM), in MiB. */
    double peakRssMb() throws IOException {
        return statusKb("VmHWM") / 1024.0;
    }

    double rssMb() throws IOException {
        return statusKb("VmRSS") / 1024.0;
    }

    private long statusKb(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException(key + " not in /proc/" + pid() + "/status");
    }

    /** From the GC log: {highest heap in use before a collection, highest after one, heap capacity}, in MiB. */
    double[] heapPeaksMb() throws IOException {
        Pattern pause = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
        double before = 0;
        double after = 0;
        double capacity = 0;
        if (!Files.exists(gcLog)) {
            return new double[] {0, 0, 0};
        }
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = pause.matcher(line);
            if (m.find()) {
                before = Math.max(before, Double.parseDouble(m.group(1)));
                after = Math.max(after, Double.parseDouble(m.group(2)));
                capacity = Math.max(capacity, Double.parseDouble(m.group(3)));
            }
        }
        return new double[] {before, after, capacity};
    }

    /** Password of Jolokia on engines started with {@link #withJolokia}. */
    static final String MANAGEMENT_PASSWORD = "bench-management";

    /** Jolokia on, so the driver can call notion-sync's JMX operations ({@link #exec}). */
    static void withJolokia(Map<String, String> env) {
        env.put("NOTION_MANAGEMENT_PASSWORD", MANAGEMENT_PASSWORD);
    }

    /** Runs one of notion-sync's JMX operations through Jolokia and waits for it (syncNow returns after the run). */
    String exec(String operation, String argument) throws IOException, InterruptedException {
        String body = "{\"type\":\"exec\",\"mbean\":\"dev.notionsync:type=NotionSync,name=notion-sync\",\"operation\":\"" + operation
                + "\",\"arguments\":[\"" + argument + "\"]}";
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/observe/jolokia/"))
                .header("Authorization", new dev.notionsync.manage.ManagementCredentials("admin", MANAGEMENT_PASSWORD).authorization())
                .header("Content-Type", "application/json").timeout(java.time.Duration.ofMinutes(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || !response.body().contains("\"status\":200")) {
            throw new IOException(operation + "(" + argument + ") through Jolokia answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /** Sum of the engine's own Notion call timers (seconds), from its Prometheus endpoint. */
    double notionCallSeconds() throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + managementPort + "/observe/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        double sum = 0;
        for (String line : response.body().split("\n")) {
            if (line.startsWith("notion_api_requests_seconds_sum{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();   // SIGKILL on Linux
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, the graceful stop an operator uses; -9 if it does not stop within a minute. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
