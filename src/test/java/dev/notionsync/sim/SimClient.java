package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small HTTP client for tests: sends Notion-style requests to a simulator and parses the JSON answer. */
final class SimClient {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String LATEST = "2026-03-11";

    record Reply(int status, HttpHeaders headers, JsonNode body) {
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String token;

    SimClient(NotionSimulator sim) {
        this(sim.baseUrl(), sim.config().token());
    }

    SimClient(String baseUrl, String token) {
        this.baseUrl = baseUrl;
        this.token = token;
    }

    Reply get(String path) {
        return send("GET", path, null, LATEST, token);
    }

    Reply post(String path, Object body) {
        return send("POST", path, body, LATEST, token);
    }

    Reply patch(String path, Object body) {
        return send("PATCH", path, body, LATEST, token);
    }

    Reply delete(String path) {
        return send("DELETE", path, null, LATEST, token);
    }

    Reply send(String method, String path, Object body, String version, String bearer) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
            if (bearer != null) b.header("Authorization", "Bearer " + bearer);
            if (version != null) b.header("Notion-Version", version);
            String json = body == null ? null : body instanceof String s ? s : MAPPER.writeValueAsString(body);
            b.header("Content-Type", "application/json");
            b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode parsed = r.body().isEmpty() ? null : MAPPER.readTree(r.body());
            return new Reply(r.statusCode(), r.headers(), parsed);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
