package dev.notionsync.notion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

    @Test
    void matchesTheKnownHmacSha256Vector() {
        // RFC 4231-style public vector: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog")
        byte[] body = "The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8);
        assertEquals("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", WebhookSignature.sign(body, "key"));
        assertTrue(WebhookSignature.verify(body, "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", "key"));
        assertTrue(WebhookSignature.verify(body, "SHA256=F7BC83F430538424B13298E6AA6FB143EF4D59A14946175997479DBC2D1A3CD8", "key"));
    }

    @Test
    void rejectsWrongTokenMissingHeaderAndReserialisedBody() throws Exception {
        byte[] raw = "{\"id\":\"e1\",  \"type\":\"page.created\"}".getBytes(StandardCharsets.UTF_8);
        String header = WebhookSignature.sign(raw, "secret_token");
        assertTrue(WebhookSignature.verify(raw, header, "secret_token"));
        assertFalse(WebhookSignature.verify(raw, header, "secret_other"));
        assertFalse(WebhookSignature.verify(raw, null, "secret_token"));
        assertFalse(WebhookSignature.verify(raw, "sha256=", "secret_token"));
        byte[] reserialised = new ObjectMapper().writeValueAsBytes(new ObjectMapper().readTree(raw));
        assertFalse(WebhookSignature.verify(reserialised, header, "secret_token"), "same JSON, other bytes: must not verify");
    }
}
