package dev.notionsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.manage.ManagementCredentials;
import dev.notionsync.manage.ManagementEndpoints;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code notion-sync verify [source] [--repair] [--json]}: the instance running on this machine reads every page of
 * the source (of every pulled source without one) from Notion and compares each typed value with its row. Prints
 * per table: consistent, differing (with the columns), missing in PostgreSQL, extra in PostgreSQL. Exits
 * {@value #DIFFERENT} when something differs (after a repair: when something differed before it).
 */
public final class VerifyCommand {

    static final int DIFFERENT = 3;
    /** A verify reads every page at the connection's budget: 100 pages a request, 3 requests a second. */
    static final Duration TIMEOUT = Duration.ofHours(6);
    private static final int SHOWN = 20;

    private VerifyCommand() {
    }

    public static int run(String[] args, ManagementAddress address, Optional<ManagementCredentials> credentials, PrintStream out, PrintStream err) {
        String source = null;
        boolean repair = false;
        boolean json = false;
        List<String> unknown = new ArrayList<>();
        for (String arg : args) {
            switch (arg) {
                case "--repair" -> repair = true;
                case "--json" -> json = true;
                default -> {
                    if (arg.startsWith("-") || source != null) {
                        unknown.add(arg);
                    } else {
                        source = arg;
                    }
                }
            }
        }
        if (!unknown.isEmpty()) {
            err.println("notion-sync: verify takes [source] [--repair] [--json], not '" + String.join(" ", unknown) + "'");
            return 2;
        }
        String path = ManagementEndpoints.VERIFY_PATH + "?repair=" + repair
                + (source == null ? "" : "&source=" + URLEncoder.encode(source, StandardCharsets.UTF_8));
        try {
            JsonNode report = new InstanceClient(address, credentials, err, TIMEOUT).post(path);
            if (json) {
                out.println(report.toPrettyString());
            } else {
                print(report, out);
            }
            return report.path("consistent").asBoolean() ? 0 : DIFFERENT;
        } catch (InstanceClient.Failed e) {
            return 1;
        }
    }

    private static void print(JsonNode report, PrintStream out) {
        for (JsonNode source : report.path("sources")) {
            for (JsonNode table : source.path("tables")) {
                out.printf("%s  %s: %d pages in Notion, %d consistent, %d differing, %d missing in PostgreSQL, %d extra in PostgreSQL%n",
                        source.path("source").asText(), table.path("table").asText(), table.path("pages_in_notion").asLong(),
                        table.path("consistent").asLong(), table.path("differing_count").asLong(),
                        table.path("missing_in_postgres_count").asLong(), table.path("extra_in_postgres_count").asLong());
                int shown = 0;
                for (JsonNode row : table.path("differing")) {
                    if (shown++ == SHOWN) {
                        out.println("    ... (--json lists up to 1,000)");
                        break;
                    }
                    List<String> columns = new ArrayList<>();
                    row.path("columns").forEach(c -> columns.add(c.asText()));
                    out.println("    differs  " + row.path("page_id").asText() + ": " + String.join(", ", columns)
                            + (row.path("change_waiting_for_push").asBoolean() ? " (its change waits for the push: not repaired)" : ""));
                }
                table.path("missing_in_postgres").forEach(id -> out.println("    missing  " + id.asText()));
                table.path("extra_in_postgres").forEach(id -> out.println("    extra    " + id.asText()));
                if (source.path("repair").asBoolean() && table.path("bound").asBoolean()) {
                    JsonNode repaired = table.path("repaired");
                    out.printf("    repaired: %d rows given back their synced values, %d rows to be made again from their pages, %d pages requested,"
                                    + " %d left to the push%n", repaired.path("rows_written").asLong(), repaired.path("rows_made_again_from_notion").asLong(),
                            repaired.path("pages_requested").asLong(), repaired.path("left_to_the_push").asLong());
                } else if (source.path("repair").asBoolean()) {
                    JsonNode repaired = table.path("repaired");
                    out.printf("    repaired: %d rows written from Notion, %d marked deleted, %d left to the push%n",
                            repaired.path("rows_written").asLong(), repaired.path("rows_marked_deleted").asLong(),
                            repaired.path("left_to_the_push").asLong());
                }
            }
        }
        report.path("not_checked").forEach(s -> out.println("not checked: " + s.path("reason").asText()));
        out.println(report.path("consistent").asBoolean() ? "consistent" : "NOT consistent");
        if (report.path("html_report").isTextual()) {
            out.println("HTML report: " + report.path("html_report").asText());
        }
    }
}
