package dev.notionsync;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real recorded Notion traffic, read at test time from ../shared/notion-recordings (system property notion.recordings
 * to point elsewhere). A test that needs a recording is skipped, saying why, where it is absent.
 */
public final class Recordings {

    /** Numbers kept as exact decimals, as the engine should parse Notion JSON. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private Recordings() {
    }

    /** The recordings folder (it may be absent). */
    public static Path folder() {
        return Path.of(System.getProperty("notion.recordings", "../shared/notion-recordings"));
    }

    /** One recordings file, whole: the array of its exchanges. */
    public static JsonNode load(String file) {
        Path folder = folder();
        assumeTrue(Files.isDirectory(folder), "Notion recordings not found at " + folder.toAbsolutePath()
                + " (set -Dnotion.recordings=<folder>); skipping the replay of real Notion traffic");
        Path path = folder.resolve(file);
        assumeTrue(Files.isRegularFile(path), "recording " + path.toAbsolutePath() + " is absent");
        try {
            return JSON.readTree(path.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The exchanges of one recordings file. */
    public static List<JsonNode> exchanges(String file) {
        List<JsonNode> exchanges = new ArrayList<>();
        load(file).forEach(exchanges::add);
        return exchanges;
    }

    /** Every page object in the response bodies of one file (query results and single pages), in order. */
    public static List<JsonNode> pages(String file) {
        List<JsonNode> pages = new ArrayList<>();
        for (JsonNode exchange : exchanges(file)) {
            JsonNode body = exchange.path("response_body");
            if ("page".equals(body.path("object").asText())) {
                pages.add(body);
            }
            for (JsonNode result : body.path("results")) {
                if ("page".equals(result.path("object").asText())) {
                    pages.add(result);
                }
            }
        }
        return pages;
    }

    /** The page with this id (the last recorded version of it) from one file. */
    public static JsonNode page(String file, String pageId) {
        JsonNode found = null;
        for (JsonNode page : pages(file)) {
            if (pageId.equals(page.path("id").asText())) {
                found = page;
            }
        }
        if (found == null) {
            throw new AssertionError("no page " + pageId + " in " + file);
        }
        return found;
    }

    /** A JSON literal written in a test, parsed as recordings are. */
    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
