package dev.notionsync;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Real recorded Notion traffic, read from ../shared/notion-recordings (or -Dnotion.recordings); tests skip without it. */
public final class Recordings {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private Recordings() {
    }

    public static JsonNode load(String file) throws IOException {
        Path folder = Path.of(System.getProperty("notion.recordings", "../shared/notion-recordings"));
        assumeTrue(Files.isDirectory(folder), "Notion recordings not found at " + folder.toAbsolutePath()
                + " (set -Dnotion.recordings=<folder>); skipping the replay of real Notion traffic");
        return JSON.readTree(folder.resolve(file).toFile());
    }
}
