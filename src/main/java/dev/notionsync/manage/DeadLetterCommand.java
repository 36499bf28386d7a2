package dev.notionsync.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * {@code notion-sync dead-letters list|replay [--id N]}: talks to the running instance's management port, because a
 * replay must run through that instance's routes.
 */
public final class DeadLetterCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DeadLetterCommand() {
    }

    public static int run(String[] args, int managementPort, PrintStream out, PrintStream err) {
        String action = args.length == 0 ? "list" : args[0];
        Long id = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--id") && i + 1 < args.length) {
                try {
                    id = Long.parseLong(args[++i]);
                } catch (NumberFormatException e) {
                    err.println("notion-sync: --id takes a number, was '" + args[i] + "'");
                    return 2;
                }
            } else {
                err.println("notion-sync: unknown option '" + args[i] + "'; usage: dead-letters list|replay [--id N]");
                return 2;
            }
        }
        String base = "http://127.0.0.1:" + managementPort + ManagementEndpoints.PATH;
        HttpRequest request = switch (action) {
            case "list" -> HttpRequest.newBuilder(URI.create(base)).GET().build();
            case "replay" -> HttpRequest.newBuilder(URI.create(base + "/replay" + (id == null ? "" : "?id=" + id)))
                    .POST(HttpRequest.BodyPublishers.noBody()).build();
            default -> null;
        };
        if (request == null) {
            err.println("notion-sync: unknown dead-letters action '" + action + "'; use list or replay [--id N]");
            return 2;
        }
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            if (response.statusCode() != 200) {
                err.println("notion-sync: " + body.path("error").asText(response.body()));
                return 1;
            }
            if (action.equals("replay")) {
                out.println(body.path("outcome").asText());
                return 0;
            }
            if (body.isEmpty()) {
                out.println("no open dead letters");
            }
            for (JsonNode d : body) {
                out.printf("%6d  %s  %-28s attempts=%d  %s: %s%n", d.path("id").asLong(), d.path("failed_at").asText(),
                        d.path("endpoint_uri").asText(), d.path("attempts").asInt(), d.path("exception_class").asText(),
                        d.path("exception_message").asText());
            }
            return 0;
        } catch (ConnectException e) {
            err.println("notion-sync: no running notion-sync on management port " + managementPort
                    + "; start it (replays run through its routes) or set CAMEL_MANAGEMENT_PORT");
            return 1;
        } catch (Exception e) {
            err.println("notion-sync: " + e.getMessage());
            return 1;
        }
    }
}
