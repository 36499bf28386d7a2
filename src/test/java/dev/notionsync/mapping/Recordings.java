package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The real Notion exchanges in ../shared/notion-recordings (system property notion.recordings), read at test time. */
final class Recordings {

    /** Numbers kept as exact decimals, as the engine should parse Notion JSON. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private Recordings() {
    }

    /** The exchanges of one recordings file; skips the calling test, saying why, when the folder is absent. */
    static List<JsonNode> exchanges(String file) {
        String folder = System.getProperty("notion.recordings");
        assumeTrue(folder != null && Files.isDirectory(Path.of(folder)),
                "Notion recordings folder not found (system property notion.recordings = " + folder
                        + "); these tests replay real Notion responses and are skipped without them");
        Path path = Path.of(folder, file);
        assumeTrue(Files.isRegularFile(path), "recording " + path + " is absent");
        try {
            List<JsonNode> exchanges = new ArrayList<>();
            JSON.readTree(path.toFile()).forEach(exchanges::add);
            return exchanges;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every page object in the response bodies of one file (query results and single pages), in order. */
    static List<JsonNode> pages(String file) {
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
    static JsonNode page(String file, String pageId) {
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

    /** A JSON literal written in a test. */
    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
