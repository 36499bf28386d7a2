package dev.notionsync.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each setting's default is declared once, in the project's application.properties, which the jar also carries: a
 * user's own application.properties from an earlier release (without the keys added since) and a blank environment
 * variable (an empty line in docker/.env) both get that default, as before defaults left the Java code.
 */
class SettingsDefaultsTest {

    private static final List<String> ADDED_SINCE_AN_OLDER_RELEASE = List.of("notion.api.filter-properties-max",
            "notion.webhook.max-concurrent", "notion.webhook.handshakes-per-minute", "notion.retention.", "notion.push.", "notion.users.", "notion.comments.",
            "notion.content.", "notion.cluster.", "notion.reports.after-first-pull");

    @Test
    void anOlderApplicationPropertiesGetsTheDefaultsOfTheKeysItLacks(@TempDir Path home) throws Exception {
        String older = Files.readAllLines(Path.of("application.properties"), StandardCharsets.UTF_8).stream()
                .filter(line -> ADDED_SINCE_AN_OLDER_RELEASE.stream().noneMatch(line::startsWith))
                .collect(Collectors.joining("\n"));
        Files.writeString(home.resolve("application.properties"), older);
        Settings settings = Settings.load(home.resolve("application.properties"), Map.of("NOTION_TOKEN", "T")::get);

        EngineSettings.of(settings);   // every area's settings read without a "missing setting"

        assertEquals(100, settings.getInt("notion.api.filter-properties-max"));
        assertEquals(16, settings.getInt("notion.webhook.max-concurrent"));
        assertEquals(Duration.ofSeconds(2), settings.getDuration("notion.push.poll"));
        assertEquals(Duration.ofHours(1), settings.getDuration("notion.users.refresh"));
        assertEquals(Duration.ofHours(6), settings.getDuration("notion.comments.rescan"));
        assertEquals(Duration.ofMinutes(1), settings.getDuration("notion.comments.poll"));
        assertEquals(Duration.ofSeconds(2), settings.getDuration("notion.comments.post-poll"));
        assertEquals(Duration.ofSeconds(2), settings.getDuration("notion.content.poll"));
        assertEquals(10, settings.getInt("notion.content.blocks-depth"));
        assertEquals(Duration.ofHours(24), settings.getDuration("notion.content.retry-unreadable"));
        assertEquals("100", settings.resolvedProperties().getProperty("notion.api.filter-properties-max"),
                "Camel's placeholders see the default too");
    }

    @Test
    void aBlankEnvironmentVariableCountsAsUnset() {
        Settings settings = Settings.load(Path.of("application.properties"),
                Map.of("NOTION_API_RATE", "", "NOTION_SYNC_PAGE_SIZE", " ", "NOTION_TOKEN", "T")::get);

        EngineSettings.of(settings);

        assertEquals(3, settings.getInt("notion.api.rate"));
        assertEquals(100, settings.getInt("notion.sync.page-size"));
    }

    @Test
    void aSettingWithoutAnyDefaultSaysSo() {
        Settings settings = Settings.load(Path.of("application.properties"), Map.<String, String>of()::get);
        SettingsException missing = org.junit.jupiter.api.Assertions.assertThrows(SettingsException.class,
                () -> settings.declared("notion.no-such-setting"));
        assertTrue(missing.getMessage().contains("NOTION_NO_SUCH_SETTING"), missing.getMessage());
    }
}
