package dev.notionsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.config.Settings;
import dev.notionsync.config.SettingsException;
import dev.notionsync.config.ReportSettings;
import dev.notionsync.config.SyncSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings a user got wrong are refused at start, in one line naming the setting to fix. */
class StartupValidationTest {

    private static Settings withEnvironment(Map<String, String> environment) {
        return Settings.load(Path.of("application.properties"), environment::get);
    }

    private static Map<String, String> oneSource(String id) {
        Map<String, String> environment = new HashMap<>();
        environment.put("NOTION_TOKEN", "secret_x");
        environment.put("NOTION_SOURCES", "crm");
        environment.put("NOTION_SOURCE_CRM_ID", id);
        return environment;
    }

    @Test
    void aSourceIdThatIsNoNotionIdNamesTheSetting() {
        SettingsException e = assertThrows(SettingsException.class, () -> SyncSettings.sources(withEnvironment(oneSource("not-an-id"))));
        assertTrue(e.getMessage().contains("notion.source.crm.id") && e.getMessage().contains("'not-an-id'")
                && e.getMessage().contains("NOTION_SOURCE_CRM_ID"), e.getMessage());
    }

    @Test
    void aTokenPastedAsASourceIdIsNotEchoed() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> SyncSettings.sources(withEnvironment(oneSource("ntn_5555555555abcdefSECRETabcdef"))));
        assertTrue(e.getMessage().contains("notion.source.crm.id") && e.getMessage().contains("integration secret"), e.getMessage());
        assertTrue(!e.getMessage().contains("SECRET") && !e.getMessage().contains("ntn_5555"), e.getMessage());
    }

    @Test
    void theReportsParentPageThatIsNoNotionIdNamesTheSetting() {
        Map<String, String> environment = oneSource("0123456789abcdef0123456789abcdef");
        environment.put("NOTION_REPORTS_NOTION_PARENT_PAGE", "Reports");
        environment.put("NOTION_DB_URL", "jdbc:postgresql://127.0.0.1:1/nothing-listens-here");
        SettingsException e = assertThrows(SettingsException.class, () -> NotionSync.create(withEnvironment(environment)).close());
        assertTrue(e.getMessage().contains("notion.reports.notion-parent-page") && e.getMessage().contains("'Reports'"), e.getMessage());
    }

    @Test
    void aCronThatCanNeverFireIsRefusedNamingTheSetting() {
        Map<String, String> environment = oneSource("0123456789abcdef0123456789abcdef");
        environment.put("NOTION_REPORTS", "yearly");
        environment.put("NOTION_REPORT_YEARLY_CRON", "0 0 7 31 2 ?");
        environment.put("NOTION_REPORT_YEARLY_SQL", "SELECT 1");
        SettingsException e = assertThrows(SettingsException.class, () -> ReportSettings.definitions(withEnvironment(environment)));
        assertTrue(e.getMessage().contains("notion.report.yearly.cron") && e.getMessage().contains("never fires")
                && e.getMessage().contains("0 0 7 31 2 ?"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void aCronInTheFutureIsAccepted() {
        Map<String, String> environment = oneSource("0123456789abcdef0123456789abcdef");
        environment.put("NOTION_REPORTS", "leap");
        environment.put("NOTION_REPORT_LEAP_CRON", "0 0 7 29 2 ?");
        environment.put("NOTION_REPORT_LEAP_SQL", "SELECT 1");
        assertEquals("0 0 7 29 2 ?", ReportSettings.definitions(withEnvironment(environment)).get(0).cron());
    }
}
