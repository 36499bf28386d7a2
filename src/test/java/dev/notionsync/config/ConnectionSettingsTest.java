package dev.notionsync.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * notion.connection.&lt;name&gt;.* and notion.source.&lt;name&gt;.connection, from the environment as a container sets
 * them: what a connection gets by default, and the start refused, in one line saying what to set, when a source's
 * connection has no token.
 */
class ConnectionSettingsTest {

    private static Map<String, String> twoSources() {
        Map<String, String> environment = new HashMap<>();
        environment.put("NOTION_SOURCES", "crm,wiki");
        environment.put("NOTION_SOURCE_CRM_ID", "0123456789abcdef0123456789abcdef");
        environment.put("NOTION_SOURCE_WIKI_ID", "fedcba9876543210fedcba9876543210");
        environment.put("NOTION_SOURCE_CRM_CONNECTION", "acme");
        return environment;
    }

    private static EngineSettings engine(Map<String, String> environment) {
        return EngineSettings.of(Settings.load(Path.of("application.properties"), environment::get));
    }

    @Test
    void aConnectionNamedByASourceIsSetFromTheEnvironmentAndTakesTheDefaultsItLacks() {
        Map<String, String> environment = twoSources();
        environment.put("NOTION_TOKEN", "default-secret");
        environment.put("NOTION_CONNECTION_ACME_TOKEN", "acme-secret");
        environment.put("NOTION_CONNECTION_ACME_RATE", "7");
        EngineSettings engine = engine(environment);

        List<NotionApiSettings.Connection> connections = engine.notion().connections();
        assertEquals(List.of("default", "acme"), connections.stream().map(NotionApiSettings.Connection::name).toList());
        NotionApiSettings.Connection acme = connections.get(1);
        assertEquals("acme-secret", acme.token());
        assertEquals(7, acme.rate());
        assertEquals(engine.notion().version(), acme.version(), "the version of notion.api.version");
        assertEquals(3, connections.get(0).rate(), "the default connection keeps notion.api.rate");
        assertEquals("acme", engine.sync().sources().get(0).connection());
        assertEquals("default", engine.sync().sources().get(1).connection(), "a source naming none has the default one");
        assertFalse(engine.notion().toString().contains("secret") || acme.toString().contains("secret"), engine.notion().toString());
    }

    @Test
    void aSourcesConnectionWithoutATokenStopsTheStartSayingWhatToSet() {
        Map<String, String> environment = twoSources();
        environment.put("NOTION_TOKEN", "default-secret");
        SettingsException e = assertThrows(SettingsException.class, () -> engine(environment));
        assertTrue(e.getMessage().contains("notion.connection.acme.token") && e.getMessage().contains("NOTION_CONNECTION_ACME_TOKEN")
                && e.getMessage().contains("crm"), e.getMessage());
    }

    /** `run` refuses to start without NOTION_TOKEN while a source uses the default connection (App), else it needs none. */
    @Test
    void withoutNotionTokenOnlySourcesOfNamedConnectionsMayRun() {
        Map<String, String> environment = twoSources();
        environment.put("NOTION_CONNECTION_ACME_TOKEN", "acme-secret");
        assertTrue(NotionApiSettings.needsDefaultToken(Settings.load(Path.of("application.properties"), environment::get)));

        environment.put("NOTION_SOURCE_WIKI_CONNECTION", "acme");
        EngineSettings engine = engine(environment);
        assertFalse(NotionApiSettings.needsDefaultToken(Settings.load(Path.of("application.properties"), environment::get)));
        assertEquals(List.of("acme"), engine.notion().connections().stream().map(NotionApiSettings.Connection::name).toList());
    }

    @Test
    void mistakesAreNamedWithoutShowingAToken() {
        Map<String, String> sameToken = twoSources();
        sameToken.put("NOTION_TOKEN", "one-secret-for-both");
        sameToken.put("NOTION_CONNECTION_ACME_TOKEN", "one-secret-for-both");
        SettingsException twice = assertThrows(SettingsException.class, () -> engine(sameToken));
        assertTrue(twice.getMessage().contains("same token") && !twice.getMessage().contains("one-secret"), twice.getMessage());

        Map<String, String> badName = twoSources();
        badName.put("NOTION_TOKEN", "default-secret");
        badName.put("NOTION_SOURCE_CRM_CONNECTION", "acme corp");
        SettingsException name = assertThrows(SettingsException.class, () -> engine(badName));
        assertTrue(name.getMessage().contains("notion.source.crm.connection"), name.getMessage());

        Map<String, String> badRate = twoSources();
        badRate.put("NOTION_TOKEN", "default-secret");
        badRate.put("NOTION_CONNECTION_ACME_TOKEN", "acme-secret");
        badRate.put("NOTION_CONNECTION_ACME_RATE", "0");
        SettingsException rate = assertThrows(SettingsException.class, () -> engine(badRate));
        assertTrue(rate.getMessage().contains("notion.connection.acme.rate"), rate.getMessage());
    }

    @Test
    void aMistypedConnectionSettingInTheFileIsRefused() {
        Map<String, String> environment = twoSources();
        environment.put("NOTION_TOKEN", "default-secret");
        Settings settings = Settings.load(Path.of("application.properties"), environment::get)
                .with(Map.of("notion.connection.acme.tokn", "acme-secret"));
        SettingsException e = assertThrows(SettingsException.class, () -> EngineSettings.of(settings));
        assertTrue(e.getMessage().contains("notion.connection.acme.tokn") && e.getMessage().contains(".token, .rate, .version, .auth"), e.getMessage());

        Settings defaults = Settings.load(Path.of("application.properties"), environment::get).with(Map.of("notion.connection.default.rate", "9"));
        SettingsException d = assertThrows(SettingsException.class, () -> EngineSettings.of(defaults));
        assertTrue(d.getMessage().contains("notion.api.token"), d.getMessage());
    }
}
