package dev.notionsync.config;

import dev.notionsync.report.ReportDefinition;
import dev.notionsync.report.ReportDefinition.Output;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Date;
import java.util.EnumSet;
import dev.notionsync.notion.NotionConnections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * notion.reports, notion.reports.* and notion.report.&lt;id&gt;.*: the reports, where their files go, the Notion page
 * they go under ("" when unset) and the connection they are written with, and the limits of a run.
 */
public record ReportSettings(List<ReportDefinition> definitions, Path folder, int keep, String notionParentPage, String connection,
                             int maxRows, Duration statementTimeout, int threads, boolean afterFirstPull) {

    public static ReportSettings of(Settings settings) {
        String connection = settings.get("notion.reports.connection").trim();
        return new ReportSettings(definitions(settings), settings.home().resolve(settings.declared("notion.reports.folder")),
                settings.getInt("notion.reports.keep"), parentPage(settings),
                connection.isEmpty() ? NotionConnections.DEFAULT : connection, settings.getInt("notion.reports.max-rows"),
                settings.getDuration("notion.reports.statement-timeout"), settings.getInt("notion.reports.threads"),
                Boolean.parseBoolean(settings.declared("notion.reports.after-first-pull")));
    }

    public List<String> ids() {
        return definitions.stream().map(ReportDefinition::id).toList();
    }

    /** notion.reports.notion-parent-page as a dashed id, "" when unset. */
    private static String parentPage(Settings settings) {
        String parent = settings.get("notion.reports.notion-parent-page");
        return parent.isBlank() ? "" : SyncSettings.notionId(parent, "notion.reports.notion-parent-page");
    }

    public static List<ReportDefinition> definitions(Settings settings) {
        return settings.getList("notion.reports").stream().map(id -> {
            if (!id.matches("[A-Za-z0-9_-]+")) {
                throw new SettingsException("report id '" + id + "' in notion.reports may only use letters, digits, '-' and '_'");
            }
            String prefix = "notion.report." + id + ".";
            String cron = settings.require(prefix + "cron", "a Quartz cron expression with seconds, e.g. '0 0 7 * * ?' (daily at 07:00)");
            String zone = settings.get(prefix + "time-zone", "UTC");
            ZoneId timeZone;
            try {
                timeZone = ZoneId.of(zone);
            } catch (DateTimeException e) {
                throw new SettingsException("setting " + prefix + "time-zone must be a time zone id such as Europe/Berlin or UTC, was '" + zone + "'");
            }
            if (!CronExpression.isValidExpression(cron)) {
                throw new SettingsException("setting " + prefix + "cron is not a Quartz cron expression (seconds minutes hours day-of-month month"
                        + " day-of-week, one of the two days '?'): '" + cron + "'");
            }
            if (neverFires(cron, timeZone)) {
                throw new SettingsException("setting " + prefix + "cron never fires (no such date from now on): '" + cron
                        + "'; e.g. '0 0 7 L * ?' is the last day of each month");
            }
            String sql = sql(settings.home(), prefix + "sql", settings.require(prefix + "sql", "the report's SQL, inline or file:reports/sql/<name>.sql"));
            String title = settings.get(prefix + "title", id);
            Set<Output> outputs = EnumSet.noneOf(Output.class);
            for (String output : settings.getList(prefix + "outputs").isEmpty() ? List.of("html", "csv") : settings.getList(prefix + "outputs")) {
                try {
                    outputs.add(Output.valueOf(output.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new SettingsException("setting " + prefix + "outputs takes html, csv and notion, was '" + output + "'");
                }
            }
            List<String> chart = settings.getList(prefix + "chart");
            if (!chart.isEmpty() && chart.size() != 2) {
                throw new SettingsException("setting " + prefix + "chart takes two columns, the label and the value, e.g. 'source,pages_read'");
            }
            String chartLabel = chart.isEmpty() ? null : chart.get(0);
            String chartValue = chart.isEmpty() ? null : chart.get(1);
            List<String> summary = settings.getList(prefix + "summary");
            if (summary.isEmpty() && chartValue != null) {
                summary = List.of(chartValue);
            }
            return new ReportDefinition(id, cron, timeZone, sql, title, outputs, chartLabel, chartValue, summary);
        }).toList();
    }

    /** A valid expression can still name no date to come: 31 February, or a year gone by. */
    private static boolean neverFires(String cron, ZoneId timeZone) {
        try {
            CronExpression expression = new CronExpression(cron);
            expression.setTimeZone(TimeZone.getTimeZone(timeZone));
            return expression.getNextValidTimeAfter(new Date()) == null;
        } catch (ParseException e) {
            return true;
        }
    }

    /** "file:reports/sql/x.sql" (relative to notion.home) is read at start, so a missing file fails the start, not a run. */
    private static String sql(Path home, String key, String value) {
        if (!value.startsWith("file:")) {
            return value;
        }
        Path file = home.resolve(value.substring("file:".length()));
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SettingsException("setting " + key + ": cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
        }
    }
}
