package dev.notionsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.manage.ManagementCredentials;
import dev.notionsync.manage.ManagementEndpoints;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code notion-sync dead-letters list|replay [--id N]}: talks to the running instance's management port, because a
 * replay must run through that instance's routes.
 */
public final class DeadLetterCommand {

    private DeadLetterCommand() {
    }

    public static int run(String[] args, ManagementAddress address, Optional<ManagementCredentials> credentials, PrintStream out, PrintStream err) {
        String action = args.length == 0 ? "list" : args[0];
        Long id = null;
        boolean force = false;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--force") && action.equals("replay")) {
                force = true;
            } else if (args[i].equals("--id") && i + 1 < args.length) {
                try {
                    id = Long.parseLong(args[++i]);
                } catch (NumberFormatException e) {
                    err.println("notion-sync: --id takes a number, was '" + args[i] + "'");
                    return 2;
                }
            } else {
                err.println("notion-sync: unknown option '" + args[i] + "'; usage: dead-letters list|replay [--id N] [--force]");
                return 2;
            }
        }
        if (!action.equals("list") && !action.equals("replay")) {
            err.println("notion-sync: unknown dead-letters action '" + action + "'; use list or replay [--id N]");
            return 2;
        }
        InstanceClient instance = new InstanceClient(address, credentials, err, Duration.ofSeconds(120));
        try {
            if (action.equals("replay")) {
                String query = (id == null ? "" : "id=" + id) + (force ? (id == null ? "" : "&") + "force=true" : "");
                JsonNode body = instance.post(ManagementEndpoints.PATH + "/replay" + (query.isEmpty() ? "" : "?" + query));
                out.println(body.path("outcome").asText());
                return 0;
            }
            JsonNode body = instance.get(ManagementEndpoints.PATH);
            if (body.isEmpty()) {
                out.println("no open dead letters");
            }
            for (JsonNode d : body) {
                out.printf("%6d  %s  %-28s attempts=%d  %s: %s%n", d.path("id").asLong(), d.path("failed_at").asText(),
                        d.path("endpoint_uri").asText(), d.path("attempts").asInt(), d.path("exception_class").asText(),
                        d.path("exception_message").asText());
            }
            return 0;
        } catch (InstanceClient.Failed e) {
            return 1;
        }
    }
}
