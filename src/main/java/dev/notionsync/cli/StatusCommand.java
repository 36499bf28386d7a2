package dev.notionsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.manage.ManagementCredentials;
import dev.notionsync.manage.ManagementEndpoints;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code notion-sync status}: each source of the instance running on this machine, as its JMX operation
 * sourceStatus() sees it: paused or polling, the last pull run, the watermark and its lag. Exits {@value #FAILING}
 * when a source's last finished run failed, so scripts and probes can act on it; gives up after {@link #TIMEOUT}.
 */
public final class StatusCommand {

    static final int FAILING = 3;
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private StatusCommand() {
    }

    public static int run(String[] args, ManagementAddress address, Optional<ManagementCredentials> credentials, PrintStream out, PrintStream err) {
        if (args.length > 0) {
            err.println("notion-sync: status takes no arguments, was '" + String.join(" ", args) + "'");
            return 2;
        }
        try {
            JsonNode sources = new InstanceClient(address, credentials, err, TIMEOUT).get(ManagementEndpoints.STATUS_PATH);
            if (sources.isEmpty()) {
                out.println("no pulled sources configured");
            }
            out.printf("%-20s %-8s %-7s %10s %10s %10s  %-13s  %-24s %s%n", "source", "state", "last", "read", "inserted", "updated",
                    "last ok run", "watermark", "watermark lag");
            int exit = 0;
            for (JsonNode s : sources) {
                out.printf("%-20s %-8s %-7s %10d %10d %10d  %-13s  %-24s %s%n", s.path("source").asText(),
                        s.path("paused").asBoolean() ? "paused" : "polling", s.path("last_outcome").asText("-"),
                        s.path("last_pages_read").asLong(), s.path("last_pages_inserted").asLong(), s.path("last_pages_updated").asLong(),
                        secondsAgo(s.path("seconds_since_last_ok_run")), s.path("watermark").asText("-"), seconds(s.path("lag_seconds")));
                if (s.path("failing").asBoolean()) {
                    exit = FAILING;
                    out.println("    FAILING" + (s.path("permanent_error_status").isNumber() ? " (Notion answered "
                            + s.path("permanent_error_status").asInt() + "; retrying cannot help)" : "") + ": " + s.path("failing_error").asText("?"));
                } else if (s.path("last_error").isTextual()) {
                    out.println("    last error: " + s.path("last_error").asText());
                }
            }
            WebhookTokenCommand.print(new InstanceClient(address, credentials, err, TIMEOUT).get(ManagementEndpoints.WEBHOOK_TOKEN_PATH), out);
            return exit;
        } catch (InstanceClient.Failed e) {
            return 1;
        }
    }

    private static String seconds(JsonNode value) {
        return value.isNumber() ? value.asLong() + " s" : "-";
    }

    private static String secondsAgo(JsonNode value) {
        return value.isNumber() ? value.asLong() + " s ago" : "never";
    }
}
