package dev.notionsync.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.notionsync.mapping.ColumnSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RowJson keeps text verbatim and never hands PostgreSQL a NUL, which its text and jsonb refuse. */
class RowJsonTest {

    private static final List<ColumnSpec> COLUMNS = List.of(new ColumnSpec("t", "text"), new ColumnSpec("j", "jsonb"));

    @Test
    void textThatReadsLikeAnEscapeIsKeptVerbatim() {
        String literal = "C:\\u0000 and \\\\u0000";   // backslashes followed by u0000, as a user typed them
        String json = "{\"v\":\"C:\\\\u0000 and \\\\\\\\u0000\"}";   // the same text inside JSON
        assertEquals("[{\"t\":\"C:\\\\u0000 and \\\\\\\\u0000\",\"j\":" + json + "}]",
                RowJson.of(COLUMNS, List.of(Map.of("t", literal, "j", json))));
    }

    @Test
    void aNulBecomesTheReplacementCharacterInTextAndJson() {
        String json = "{\"v\":\"a\\u0000b\",\"w\":\"\\\\\\u0000\"}";   // a NUL escape, and a backslash then a NUL escape
        assertEquals("[{\"t\":\"a\uFFFDb\",\"j\":{\"v\":\"a\\ufffdb\",\"w\":\"\\\\\\ufffd\"}}]",
                RowJson.of(COLUMNS, List.of(Map.of("t", "a\u0000b", "j", json))));
    }
}
