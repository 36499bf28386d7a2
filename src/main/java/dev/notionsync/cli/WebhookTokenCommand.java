package dev.notionsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.manage.ManagementCredentials;
import dev.notionsync.manage.ManagementEndpoints;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code notion-sync webhook-token [confirm <id>]}: shows where the webhook token in force comes from and the
 * handshakes waiting for confirmation, or confirms one, on the instance running on this machine. Tokens are never
 * shown, only their fingerprints: the token itself is read from the database (README "Webhooks").
 */
public final class WebhookTokenCommand {

    private WebhookTokenCommand() {
    }

    public static int run(String[] args, ManagementAddress address, Optional<ManagementCredentials> credentials, PrintStream out, PrintStream err) {
        InstanceClient instance = new InstanceClient(address, credentials, err, Duration.ofSeconds(30));
        try {
            if (args.length == 0) {
                print(instance.get(ManagementEndpoints.WEBHOOK_TOKEN_PATH), out);
                return 0;
            }
            if (args.length == 2 && args[0].equals("confirm") && args[1].matches("[0-9]{1,18}")) {
                out.println(instance.post(ManagementEndpoints.WEBHOOK_TOKEN_PATH + "/confirm?id=" + args[1]).path("outcome").asText());
                return 0;
            }
            err.println("notion-sync: usage: webhook-token [confirm <id>], the id of a pending handshake as 'webhook-token' lists it;"
                    + " was '" + String.join(" ", args) + "'");
            return 2;
        } catch (InstanceClient.Failed e) {
            return 1;
        }
    }

    /** Also used by `status`: one line for the token in force, one per pending handshake. */
    static void print(JsonNode token, PrintStream out) {
        out.println("webhook token in force: " + token.path("in_force").asText("none (webhook events get 401 until one is confirmed or configured)"));
        for (JsonNode h : token.path("pending")) {
            out.printf("  pending handshake #%d received %s from %s, token fingerprint %s: confirm with 'notion-sync webhook-token confirm %d'"
                    + " once Notion accepted its token%n", h.path("id").asLong(), h.path("received_at").asText(), h.path("received_from").asText("?"),
                    h.path("fingerprint").asText(), h.path("id").asLong());
        }
    }
}
