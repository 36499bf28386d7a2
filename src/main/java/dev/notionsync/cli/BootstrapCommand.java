package dev.notionsync.cli;

import dev.notionsync.config.NotionApiSettings;
import dev.notionsync.config.Settings;
import dev.notionsync.config.SettingsException;
import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * {@code notion-sync bootstrap <source> [--parent <page id or URL>]}: makes a bound source's Notion database under
 * the page and a page for every row of its table, in this process, through the Notion door at notion.api.rate, with
 * a progress line every few seconds. Stopped at any point (Ctrl-C, kill -9), it resumes where it was when run again,
 * without a second database or page. Bound sources the source relates to are bootstrapped first.
 */
public final class BootstrapCommand {

    /** An engine started for bootstrap only: the door and the bootstrap; no pollers, schedules or servers. */
    public interface BootstrapEngine extends AutoCloseable {
        /** Bootstraps the source; returns whether every row has its page. */
        boolean bootstrap(String source, String parent, Consumer<String> progress) throws Exception;
    }

    /** Starts a {@link BootstrapEngine} on the given settings. */
    public interface BootstrapEngines {
        BootstrapEngine start(Settings settings) throws Exception;
    }

    private BootstrapCommand() {
    }

    public static int run(String[] args, Settings settings, BootstrapEngines engines, PrintStream out, PrintStream err) {
        String source = null;
        String parent = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--parent") && i + 1 < args.length) {
                parent = args[++i];
            } else if (!args[i].startsWith("--") && source == null) {
                source = args[i];
            } else {
                source = null;
                break;
            }
        }
        if (source == null) {
            err.println("notion-sync: usage: bootstrap <source> [--parent <page id or URL>]; bound sources: " + String.join(", ",
                    settings.getList("notion.sources").stream().filter(s -> settings.get("notion.source." + s + ".mode").equalsIgnoreCase("bind")).toList()));
            return 2;
        }
        if (settings.get("notion.api.token").isBlank() && NotionApiSettings.needsDefaultToken(settings)) {
            err.println("notion-sync: set NOTION_TOKEN to your Notion integration's secret");
            return 2;
        }
        try (BootstrapEngine engine = engines.start(settings)) {
            return engine.bootstrap(source, parent, out::println) ? 0 : 1;
        } catch (SettingsException | IllegalStateException e) {
            err.println("notion-sync: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("notion-sync: bootstrap " + source + " stopped: " + e.getMessage() + " (run it again to resume)");
            return 1;
        }
    }
}
