package dev.notionsync.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The application's settings: application.properties, overridden by environment variables (Camel's rule: upper
 * case, '.' and '-' become '_') and JVM system properties. The same resolved values are handed to Camel, so routes
 * and Java code always agree on a setting. Under them lie the defaults: the project's application.properties, which
 * the jar carries as {@value #DEFAULTS}, so that a user's own file from an earlier release (without the keys added
 * since) and a blank environment variable (an empty line in docker/.env) get each setting's one declared default.
 */
public final class Settings {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(env:)?([^}:]+)(?::([^}]*))?}}");

    /** The project's application.properties in the jar (pom.xml puts it there): every setting's default. */
    static final String DEFAULTS = "/notion-sync/application.properties";

    private static final Map<String, String> DEFAULT_VALUES = defaults();

    private final Map<String, String> fileValues;
    private final Map<String, String> overrides;
    private final Function<String, String> environment;

    private Settings(Map<String, String> fileValues, Map<String, String> overrides, Function<String, String> environment) {
        this.fileValues = fileValues;
        this.overrides = overrides;
        this.environment = environment;
    }

    private static Map<String, String> defaults() {
        Properties properties = new Properties();
        try (InputStream in = Settings.class.getResourceAsStream(DEFAULTS)) {
            if (in != null) {
                properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the defaults " + DEFAULTS + " in the jar: " + e.getMessage(), e);
        }
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(k -> values.put(k, properties.getProperty(k).trim()));
        return Map.copyOf(values);
    }

    public static Settings load(Path propertiesFile) {
        return load(propertiesFile, System::getenv);
    }

    public static Settings load(Path propertiesFile, Function<String, String> environment) {
        Properties properties = new Properties();
        if (Files.isRegularFile(propertiesFile)) {
            try (Reader reader = Files.newBufferedReader(propertiesFile, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new SettingsException("cannot read " + propertiesFile + ": " + e.getMessage());
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(k -> values.put(k, properties.getProperty(k).trim()));
        return new Settings(values, new LinkedHashMap<>(), environment);
    }

    /** Returns a copy where the given keys win over file, environment and system properties (used by demo and tests). */
    public Settings with(Map<String, String> values) {
        Map<String, String> merged = new LinkedHashMap<>(overrides);
        merged.putAll(values);
        return new Settings(fileValues, merged, environment);
    }

    public String get(String key) {
        return get(key, "");
    }

    public String get(String key, String defaultValue) {
        String raw = raw(key);
        if (raw == null) {
            return defaultValue;
        }
        // an environment variable's value is literal: a secret may contain "{{" and must not be expanded
        return fromEnvironment(key) ? raw.trim() : resolve(raw, 0);
    }

    private boolean fromEnvironment(String key) {
        return !overrides.containsKey(key) && System.getProperty(key) == null && environment.apply(environmentName(key)) != null;
    }

    /** notion.home: the folder of application.properties, routes/ and reports/; relative settings resolve against it. */
    public Path home() {
        return Path.of(get("notion.home", "."));
    }

    public String require(String key, String hint) {
        String value = get(key);
        if (value.isBlank()) {
            throw new SettingsException("missing setting " + key + " (environment " + environmentName(key) + "): " + hint);
        }
        return value;
    }

    /**
     * A setting with a declared default: its value, or the default when it is unset or blank (a blank environment
     * variable counts as unset).
     */
    public String declared(String key) {
        String value = get(key);
        if (value.isBlank() && DEFAULT_VALUES.containsKey(key)) {
            value = resolve(DEFAULT_VALUES.get(key), 0);
        }
        if (value.isBlank()) {
            throw new SettingsException("missing setting " + key + " (environment " + environmentName(key) + "): it has no default;"
                    + " set it in application.properties or the environment");
        }
        return value;
    }

    public int getInt(String key) {
        return parseInt(key, declared(key));
    }

    public Duration getDuration(String key) {
        return Durations.parse(key, declared(key));
    }

    private static int parseInt(String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new SettingsException("setting " + key + " must be a whole number, was '" + value + "'");
        }
    }

    /** For settings whose default is another setting (a source's poll is notion.sync.poll unless it says otherwise). */
    public Duration getDuration(String key, Duration defaultValue) {
        String value = get(key);
        return value.isBlank() ? defaultValue : Durations.parse(key, value);
    }

    public List<String> getList(String key) {
        return Arrays.stream(get(key).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * The keys under a prefix (notion.source.agents.columns.) set in the file, by -D or by the overrides, sorted. The
     * environment is not listed (a variable's name loses the case and the '.' of a key), so settings whose names a
     * user chooses (a column's) are read from these three.
     */
    public java.util.SortedSet<String> keysUnder(String prefix) {
        java.util.SortedSet<String> keys = new java.util.TreeSet<>();
        fileValues.keySet().stream().filter(k -> k.startsWith(prefix)).forEach(keys::add);
        overrides.keySet().stream().filter(k -> k.startsWith(prefix)).forEach(keys::add);
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(prefix)).forEach(keys::add);
        return keys;
    }

    /** Every key known from the file or the overrides, resolved; handed to Camel so its placeholders see the same values. */
    public Properties resolvedProperties() {
        Properties resolved = new Properties();
        Map<String, String> all = new LinkedHashMap<>(DEFAULT_VALUES);
        all.putAll(fileValues);
        all.putAll(overrides);
        for (String key : all.keySet()) {
            resolved.setProperty(key, get(key));
        }
        return resolved;
    }

    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private String raw(String key) {
        if (overrides.containsKey(key)) {
            return overrides.get(key);
        }
        String system = System.getProperty(key);
        if (system != null) {
            return system;
        }
        String env = environment.apply(environmentName(key));
        if (env != null) {
            return env;
        }
        return fileValues.containsKey(key) ? fileValues.get(key) : DEFAULT_VALUES.get(key);
    }

    private String resolve(String value, int depth) {
        if (depth > 10) {
            throw new SettingsException("settings refer to each other in a loop near '" + value + "'");
        }
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            boolean fromEnv = m.group(1) != null;
            String name = m.group(2).trim();
            String fallback = m.group(3);
            String found = fromEnv ? environment.apply(name) : raw(name);
            if (found == null) {
                found = fallback == null ? "" : fallback;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(fromEnv ? found : resolve(found, depth + 1)));
        }
        m.appendTail(out);
        return out.toString().trim();
    }
}
