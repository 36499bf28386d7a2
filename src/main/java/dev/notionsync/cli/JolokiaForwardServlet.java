package dev.notionsync.cli;

import dev.notionsync.manage.ManagementCredentials;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in for the Jolokia agent Hawtio's page looks for ({@code /hawtio/jolokia}): every request goes to the running
 * instance's Jolokia with the management credentials added here, so the browser never holds them and Hawtio opens on
 * that instance without its Connect dialog.
 */
final class JolokiaForwardServlet extends HttpServlet {

    private static final Logger LOG = LoggerFactory.getLogger(JolokiaForwardServlet.class);

    private final String target;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The last problem reported, so an instance that is down logs one line, not one per poll of the page. */
    private final AtomicReference<String> lastProblem = new AtomicReference<>("");

    JolokiaForwardServlet(String target, ManagementCredentials credentials) {
        this.target = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
        this.authorization = credentials.authorization();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!request.getMethod().equals("GET") && !request.getMethod().equals("POST")) {
            response.sendError(405);
            return;
        }
        // the raw (still encoded) path: Jolokia's GET form escapes '/' inside MBean names
        String path = request.getRequestURI().substring(request.getContextPath().length());
        path = path.isEmpty() ? "/" : path;
        String query = request.getQueryString() == null ? "" : "?" + request.getQueryString();
        HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + path + query))
                .timeout(Duration.ofSeconds(60)).header("Authorization", authorization);
        if (request.getMethod().equals("POST")) {
            forward.header("Content-Type", request.getContentType() == null ? "application/json" : request.getContentType())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(request.getInputStream().readAllBytes()));
        }
        try {
            HttpResponse<byte[]> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (answer.statusCode() == 401) {
                fail(response, refused());
                return;
            }
            if (lastProblem.getAndSet("").length() > 0) {
                LOG.info("notion-sync at {} answers again", target);
            }
            response.setStatus(answer.statusCode());
            answer.headers().firstValue("Content-Type").ifPresent(response::setContentType);
            response.getOutputStream().write(answer.body());
        } catch (ConnectException e) {
            fail(response, notRunning());
        } catch (IOException e) {
            fail(response, "notion-sync at " + target + " did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response.sendError(503);
        }
    }

    /** Why the instance's Jolokia cannot serve the console now, or null when it can. */
    String problem() {
        try {
            HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(URI.create(target + "/version")).timeout(Duration.ofSeconds(5))
                    .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.discarding());
            return switch (answer.statusCode()) {
                case 200 -> null;
                case 401 -> refused();
                case 404 -> "no Jolokia at " + target + ": is the URL right, and NOTION_MANAGEMENT_PASSWORD set for the instance (Jolokia is off without it)?";
                default -> "notion-sync at " + target + " answers HTTP " + answer.statusCode();
            };
        } catch (ConnectException e) {
            return notRunning();
        } catch (IOException | IllegalArgumentException e) {
            return "notion-sync at " + target + " did not answer: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private String notRunning() {
        return "no notion-sync answers at " + target + " (is it running, with NOTION_MANAGEMENT_PASSWORD set?)";
    }

    private String refused() {
        return "notion-sync at " + target + " refused the console's credentials: set NOTION_MANAGEMENT_USER and"
                + " NOTION_MANAGEMENT_PASSWORD to the instance's management user and password";
    }

    /** 502 with a Jolokia-shaped error, which Hawtio shows; the reason is logged once per change. */
    private void fail(HttpServletResponse response, String problem) throws IOException {
        if (!problem.equals(lastProblem.getAndSet(problem))) {
            LOG.warn(problem);
        }
        response.setStatus(502);
        response.setContentType("application/json");
        response.getOutputStream().write(("{\"status\":502,\"error_type\":\"notion-sync unreachable\",\"error\":\""
                + problem.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}").getBytes(StandardCharsets.UTF_8));
    }
}
