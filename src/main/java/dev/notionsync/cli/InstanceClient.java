package dev.notionsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.manage.ManagementCredentials;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The operator commands' line to the instance these settings describe: its management address, where the operations
 * run through that instance's routes and database connection.
 */
final class InstanceClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer that is not 200, or no instance at all: already reported on stderr. */
    static final class Failed extends Exception {
        Failed() {
            super(null, null, false, false);
        }
    }

    private final ManagementAddress instance;
    private final Optional<ManagementCredentials> credentials;
    private final PrintStream err;
    /** For the whole exchange, body included: an instance that stops answering half-way must not hold a command. */
    private final Duration timeout;

    InstanceClient(ManagementAddress instance, Optional<ManagementCredentials> credentials, PrintStream err, Duration timeout) {
        this.instance = instance;
        this.credentials = credentials;
        this.err = err;
        this.timeout = timeout;
    }

    JsonNode get(String path) throws Failed {
        return send(request(path).GET().build());
    }

    JsonNode post(String path) throws Failed {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(instance.url(path))).timeout(timeout);
        credentials.ifPresent(c -> request.header("Authorization", c.authorization()));
        return request;
    }

    private JsonNode send(HttpRequest request) throws Failed {
        try {
            HttpResponse<String> response;
            CompletableFuture<HttpResponse<String>> exchange = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5)).build().sendAsync(request, HttpResponse.BodyHandlers.ofString());
            try {
                response = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                exchange.cancel(true);
                throw new HttpTimeoutException("no complete answer within " + timeout.toSeconds() + " s");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
            JsonNode body = JSON.readTree(response.body());
            if (response.statusCode() == 401) {
                err.println("notion-sync: the instance at " + instance + " refused the management credentials:"
                        + " set NOTION_MANAGEMENT_USER and NOTION_MANAGEMENT_PASSWORD to the instance's");
                throw new Failed();
            }
            if (response.statusCode() != 200) {
                err.println("notion-sync: " + body.path("error").asText(response.body()));
                throw new Failed();
            }
            return body;
        } catch (ConnectException e) {
            err.println("notion-sync: no running notion-sync answers at " + instance
                    + " (its management address); start it, or set CAMEL_MANAGEMENT_HOST and CAMEL_MANAGEMENT_PORT to its address");
            throw new Failed();
        } catch (IOException e) {
            err.println("notion-sync: the instance at " + instance + " did not answer: " + e.getMessage());
            throw new Failed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed();
        }
    }
}
