package dev.notionsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import dev.notionsync.config.Settings;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What `kubectl apply` would do with docker/kubernetes/, checked without a cluster: every manifest against Kubernetes'
 * own API definitions (the official Java client's models, generated from Kubernetes' OpenAPI spec: an unknown or
 * misspelled field, a missing required one or a wrong type is refused), then what a reviewer looks for: two replicas
 * on one external PostgreSQL, probes on the management port's real health paths, every secret from the Secret, the
 * image compose builds. docker/compose.cluster.yaml runs the same two replicas on one machine.
 */
class KubernetesManifestsTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path MANIFESTS = ROOT.resolve("docker/kubernetes");
    /** Kubernetes' models per apiVersion and kind: a manifest of any other kind has no schema here and fails. */
    private static final Map<String, Class<?>> MODELS = Map.of(
            "apps/v1 Deployment", V1Deployment.class,
            "v1 Service", V1Service.class,
            "v1 ConfigMap", V1ConfigMap.class,
            "v1 Secret", V1Secret.class,
            "policy/v1 PodDisruptionBudget", V1PodDisruptionBudget.class);
    /** An environment variable of this name holds a secret: it comes from the Secret, never as a literal value. */
    private static final Pattern SECRET_NAME = Pattern.compile(".*(TOKEN|PASSWORD|SECRET).*");
    private static final List<String> SECRETS = List.of("NOTION_TOKEN", "NOTION_DB_PASSWORD", "NOTION_MANAGEMENT_PASSWORD", "NOTION_WEBHOOK_TOKEN");

    @Test
    void everyManifestIsValidAgainstKubernetesApi() throws IOException {
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> documents = documents();
        for (Map<String, Object> document : documents) {
            problems.addAll(schemaProblems(document));
        }
        assertEquals(List.of(), problems);
        assertEquals(List.of("ConfigMap", "Deployment", "PodDisruptionBudget", "Secret", "Service", "Service"),
                documents.stream().map(d -> String.valueOf(d.get("kind"))).sorted().toList());
    }

    @Test
    void aMisspelledFieldAWrongTypeOrAMissingNameIsRefused() throws IOException {
        assertBroken(d -> container(d).put("livenessProbes", container(d).remove("livenessProbe")), "livenessProbes", true);
        assertBroken(d -> spec(d).put("replicas", "two"), "\"two\"", true);
        assertBroken(d -> container(d).remove("name"), "name", true);
        assertBroken(d -> probe(d, "readinessProbe").put("httpGets", probe(d, "readinessProbe").remove("httpGet")), "httpGets", true);
    }

    @Test
    void twoReplicasProbedOnTheManagementPortsHealthPaths() throws IOException {
        assertEquals(List.of(), reviewProblems(deployment()));
        assertBroken(d -> spec(d).put("replicas", 1), "replicas", false);
        assertBroken(d -> httpGet(d, "livenessProbe").put("path", "/health/live"), "livenessProbe", false);
        assertBroken(d -> httpGet(d, "readinessProbe").put("path", "/observe/health/live"), "readinessProbe", false);
        assertBroken(d -> httpGet(d, "readinessProbe").put("port", "webhooks"), "readinessProbe", false);
        assertBroken(d -> httpGet(d, "livenessProbe").put("port", 8080), "livenessProbe", false);
        assertBroken(d -> container(d).remove("startupProbe"), "startupProbe", false);
    }

    @Test
    void everySecretComesFromTheSecretAndTheExampleHoldsOnlyPlaceholders() throws IOException {
        assertBroken(d -> env(d).add(Map.of("name", "NOTION_TOKEN", "value", "secret_abc")), "NOTION_TOKEN", false);
        assertBroken(d -> env(d).removeIf(e -> "NOTION_DB_PASSWORD".equals(e.get("name"))), "NOTION_DB_PASSWORD", false);
        assertBroken(d -> env(d).stream().filter(e -> "NOTION_WEBHOOK_TOKEN".equals(e.get("name"))).forEach(e -> e.put("valueFrom",
                Map.of("secretKeyRef", Map.of("name", "notion-sync", "key", "no-such-key")))), "no-such-key", false);

        Map<String, Object> secret = only("Secret");
        @SuppressWarnings("unchecked")
        Map<String, Object> values = (Map<String, Object>) secret.get("stringData");
        assertFalse(secret.containsKey("data"), "base64 values could hide a real secret: the example uses stringData");
        for (var value : values.entrySet()) {
            assertTrue(String.valueOf(value.getValue()).startsWith("REPLACE-ME"), value.getKey() + " is not a placeholder");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) only("ConfigMap").get("data");
        for (String name : config.keySet()) {
            assertFalse(SECRET_NAME.matcher(name).matches(), "the ConfigMap holds " + name + ": it belongs in the Secret");
        }
        // the example stays out of `kubectl apply -k`: applying the kustomization never overwrites the real Secret
        assertFalse(kustomizationResources().contains("secret.example.yaml"));
    }

    @Test
    void bothReplicasShareOneExternalPostgresAndRunTheImageComposeBuilds() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) only("ConfigMap").get("data");
        assertTrue(String.valueOf(config.get("NOTION_DB_URL")).startsWith("jdbc:postgresql://"),
                "an empty notion.db.url starts an embedded PostgreSQL in each pod: " + config.get("NOTION_DB_URL"));
        assertEquals(composeImage("compose.yaml"), container(deployment()).get("image"), "the image docker/compose.yaml builds");

        // every setting the manifests pass is one README.md documents
        List<Pattern> documented = DockerPackagingTest.documentedEnvironment();
        List<String> names = new ArrayList<>(config.keySet());
        env(deployment()).forEach(e -> names.add(String.valueOf(e.get("name"))));
        for (String name : names) {
            assertTrue(documented.stream().anyMatch(p -> p.matcher(name).matches()), name + " is not in README.md's configuration table");
        }
        // the kustomization applies every manifest but the Secret example
        List<String> files;
        try (Stream<Path> listing = Files.list(MANIFESTS)) {
            files = listing.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .filter(n -> !n.equals("kustomization.yaml") && !n.equals("secret.example.yaml")).sorted().toList();
        }
        assertEquals(files, kustomizationResources().stream().sorted().toList());
    }

    @Test
    void servicesReachTheWebhookAndManagementPortsOfThePods() throws IOException {
        Map<String, Object> deployment = deployment();
        Settings defaults = Settings.load(ROOT.resolve("application.properties"));
        Map<String, Object> podMetadata = map(map(map(deployment, "spec"), "template"), "metadata");
        assertEquals(map(map(deployment, "spec"), "selector").get("matchLabels"), podMetadata.get("labels"), "the Deployment selects its own pods");
        Map<Integer, Boolean> reached = new LinkedHashMap<>();
        for (Map<String, Object> service : all("Service")) {
            Map<String, Object> spec = map(service, "spec");
            @SuppressWarnings("unchecked")
            Map<String, Object> selector = (Map<String, Object>) spec.get("selector");
            assertTrue(map(podMetadata, "labels").entrySet().containsAll(selector.entrySet()), "selects the pods: " + selector);
            for (Map<String, Object> port : list(spec, "ports")) {
                reached.put(containerPort(deployment, port.get("targetPort")), true);
            }
        }
        assertEquals(Map.of(defaults.getInt("camel.server.port"), true, defaults.getInt("camel.management.port"), true), reached);
    }

    @Test
    void theComposeClusterRunsTwoReplicasOfTheSameEngineOnOnePostgres() throws IOException {
        Map<String, Object> cluster = yaml(Files.readString(ROOT.resolve("docker/compose.cluster.yaml")));
        Map<String, Object> services = map(cluster, "services");
        Map<String, Object> engine = map(services, "notion-sync");
        assertEquals(2, map(engine, "deploy").get("replicas"));
        assertEquals(composeImage("compose.yaml"), engine.get("image"));
        assertEquals(map(map(yaml(Files.readString(ROOT.resolve("docker/compose.yaml"))), "services"), "notion-sync").get("build"), engine.get("build"));
        Map<String, Object> environment = map(engine, "environment");
        String url = String.valueOf(environment.get("NOTION_DB_URL"));
        assertTrue(url.matches("jdbc:postgresql://([a-z0-9-]+):.*") && services.containsKey(url.replaceFirst("jdbc:postgresql://([a-z0-9-]+):.*", "$1")),
                "both replicas on the PostgreSQL service of the same file: " + url);
        List<Pattern> documented = DockerPackagingTest.documentedEnvironment();
        for (String name : environment.keySet()) {
            assertTrue(documented.stream().anyMatch(p -> p.matcher(name).matches()), name + " is not in README.md's configuration table");
        }
        // two replicas cannot publish one host port: each has its own in a range
        @SuppressWarnings("unchecked")
        List<String> ports = (List<String>) engine.get("ports");
        assertTrue(ports.stream().allMatch(p -> p.matches("(127\\.0\\.0\\.1:)?\\d+-\\d+:\\d+")), ports.toString());
    }

    // ------------------------------------------------------------------ the checks, also run on broken copies

    /** What Kubernetes' API definitions say about one manifest; empty when it would be accepted. */
    static List<String> schemaProblems(Map<String, Object> document) {
        String type = document.get("apiVersion") + " " + document.get("kind");
        Class<?> model = MODELS.get(type);
        if (model == null) {
            return List.of(type + ": no Kubernetes schema known for it");
        }
        try {
            model.getMethod("fromJson", String.class).invoke(null, new Gson().toJson(document));
            return List.of();
        } catch (java.lang.reflect.InvocationTargetException e) {
            return List.of(type + " " + name(document) + ": " + e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** What a reviewer checks in the Deployment: replicas, probes, secrets, the graceful stop. */
    static List<String> reviewProblems(Map<String, Object> deployment) throws IOException {
        List<String> problems = new ArrayList<>();
        Settings defaults = Settings.load(ROOT.resolve("application.properties"));
        if (!Objects.equals(map(deployment, "spec").get("replicas"), 2)) {
            problems.add("replicas: " + map(deployment, "spec").get("replicas") + ", not 2");
        }
        int management = defaults.getInt("camel.management.port");
        // liveness only requires the routes (a restart cannot fix Notion or PostgreSQL); readiness everything
        Map<String, String> paths = Map.of("startupProbe", "/observe/health/live", "livenessProbe", "/observe/health/live",
                "readinessProbe", "/observe/health/ready");
        for (var expected : paths.entrySet()) {
            Object probe = container(deployment).get(expected.getKey());
            if (!(probe instanceof Map<?, ?> p) || !(p.get("httpGet") instanceof Map<?, ?> get)) {
                problems.add(expected.getKey() + ": missing, or not an HTTP probe");
                continue;
            }
            if (!expected.getValue().equals(get.get("path"))) {
                problems.add(expected.getKey() + ": path " + get.get("path") + ", not " + expected.getValue());
            }
            Integer port = containerPort(deployment, get.get("port"));
            if (port == null || port != management) {
                problems.add(expected.getKey() + ": port " + get.get("port") + " is not the management port " + management);
            }
        }
        // every secret from the Secret (a key it has), nothing secret as a literal value
        Map<String, Object> secret = only("Secret");
        @SuppressWarnings("unchecked")
        Map<String, Object> keys = (Map<String, Object>) secret.get("stringData");
        List<String> fromSecret = new ArrayList<>();
        for (Map<String, Object> variable : env(deployment)) {
            String name = String.valueOf(variable.get("name"));
            Object reference = variable.get("valueFrom") instanceof Map<?, ?> from ? from.get("secretKeyRef") : null;
            if (reference instanceof Map<?, ?> ref) {
                if (!name(secret).equals(ref.get("name")) || !keys.containsKey(String.valueOf(ref.get("key")))) {
                    problems.add(name + ": secret " + ref.get("name") + " key " + ref.get("key") + " is not in secret.example.yaml");
                }
                fromSecret.add(name);
            } else if (SECRET_NAME.matcher(name).matches()) {
                problems.add(name + ": a secret given as a literal value, not from the Secret");
            }
        }
        for (String name : SECRETS) {
            if (!fromSecret.contains(name)) {
                problems.add(name + ": not taken from the Secret");
            }
        }
        // SIGTERM stops the routes within camel.main.shutdown-timeout, after the preStop pause
        Object grace = map(map(map(deployment, "spec"), "template"), "spec").get("terminationGracePeriodSeconds");
        int shutdown = defaults.getInt("camel.main.shutdown-timeout");
        if (!(grace instanceof Integer seconds) || seconds < shutdown + 10) {
            problems.add("terminationGracePeriodSeconds " + grace + " leaves no time for the " + shutdown + " s graceful stop and preStop");
        }
        return problems;
    }

    /** A broken copy of the Deployment must fail the schema (or the review) naming what broke. */
    private static void assertBroken(Consumer<Map<String, Object>> breakIt, String named, boolean schema) throws IOException {
        Map<String, Object> broken = deployment();
        breakIt.accept(broken);
        List<String> problems = schema ? schemaProblems(broken) : reviewProblems(broken);
        assertFalse(problems.isEmpty(), "a Deployment broken at " + named + " passed");
        assertTrue(problems.toString().contains(named), problems.toString());
    }

    // ------------------------------------------------------------------ reading the manifests

    private static List<Map<String, Object>> documents() throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                if (file.getFileName().toString().equals("kustomization.yaml")) {
                    continue;   // kustomize's own file, no Kubernetes object; its resources are checked above
                }
                for (Object document : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
                    if (document != null) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> map = (Map<String, Object>) document;
                        documents.add(map);
                    }
                }
            }
        }
        return documents;
    }

    private static List<Map<String, Object>> all(String kind) throws IOException {
        return documents().stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    private static Map<String, Object> only(String kind) throws IOException {
        List<Map<String, Object>> found = all(kind);
        assertEquals(1, found.size(), kind + " manifests");
        return found.get(0);
    }

    /** A fresh, mutable copy each call: the tests break it. */
    private static Map<String, Object> deployment() throws IOException {
        return only("Deployment");
    }

    @SuppressWarnings("unchecked")
    private static List<String> kustomizationResources() throws IOException {
        return (List<String>) yaml(Files.readString(MANIFESTS.resolve("kustomization.yaml"))).get("resources");
    }

    private static String composeImage(String file) throws IOException {
        return String.valueOf(map(map(yaml(Files.readString(ROOT.resolve("docker").resolve(file))), "services"), "notion-sync").get("image"));
    }

    private static Map<String, Object> yaml(String text) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
        return map;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        return (List<Map<String, Object>>) parent.getOrDefault(key, new ArrayList<>());
    }

    private static String name(Map<String, Object> document) {
        return String.valueOf(map(document, "metadata").get("name"));
    }

    private static Map<String, Object> spec(Map<String, Object> deployment) {
        return map(deployment, "spec");
    }

    private static Map<String, Object> container(Map<String, Object> deployment) {
        return list(map(map(spec(deployment), "template"), "spec"), "containers").get(0);
    }

    private static List<Map<String, Object>> env(Map<String, Object> deployment) {
        return list(container(deployment), "env");
    }

    private static Map<String, Object> probe(Map<String, Object> deployment, String probe) {
        return map(container(deployment), probe);
    }

    private static Map<String, Object> httpGet(Map<String, Object> deployment, String probe) {
        return map(probe(deployment, probe), "httpGet");
    }

    /** A probe's or a Service's port, by number or by the container port's name; null when the pod has no such port. */
    private static Integer containerPort(Map<String, Object> deployment, Object port) {
        for (Map<String, Object> declared : list(container(deployment), "ports")) {
            if (declared.get("containerPort").equals(port) || Objects.equals(declared.get("name"), port)) {
                return (Integer) declared.get("containerPort");
            }
        }
        return null;
    }
}
