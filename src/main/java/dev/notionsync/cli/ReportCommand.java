package dev.notionsync.cli;

import dev.notionsync.config.Settings;
import dev.notionsync.config.SettingsException;
import java.io.PrintStream;

/**
 * {@code notion-sync report run <id>}: runs one report now against the configured database and Notion, in this
 * process, without pollers, schedules or servers, so it works whether or not an instance is running.
 */
public final class ReportCommand {

    /** An engine started for reports only: no pollers, schedules or servers. */
    public interface ReportEngine extends AutoCloseable {
        String runReport(String id);
    }

    /** Starts a {@link ReportEngine} on the given settings. */
    public interface ReportEngines {
        ReportEngine start(Settings settings) throws Exception;
    }

    private ReportCommand() {
    }

    public static int run(String[] args, Settings settings, ReportEngines engines, PrintStream out, PrintStream err) {
        if (args.length != 2 || !args[0].equals("run")) {
            err.println("notion-sync: usage: report run <id>; reports: " + String.join(", ", settings.getList("notion.reports")));
            return 2;
        }
        String id = args[1];
        if (!settings.getList("notion.reports").contains(id)) {
            err.println("notion-sync: no report named '" + id + "'; reports (notion.reports): "
                    + (settings.getList("notion.reports").isEmpty() ? "(none configured)" : String.join(", ", settings.getList("notion.reports"))));
            return 2;
        }
        try (ReportEngine engine = engines.start(settings)) {
            out.println(engine.runReport(id));
            return 0;
        } catch (SettingsException e) {
            err.println("notion-sync: " + e.getMessage());
            return 2;
        } catch (IllegalStateException e) {
            err.println("notion-sync: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("notion-sync: report " + id + " could not run: " + e.getMessage());
            return 1;
        }
    }
}
