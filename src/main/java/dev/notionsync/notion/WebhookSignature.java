package dev.notionsync.notion;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Notion's webhook signature: {@code X-Notion-Signature: sha256=<hex HMAC-SHA256 of the raw body keyed with the
 * verification token>}. Always computed over the exact bytes received; re-serialised JSON does not verify.
 */
public final class WebhookSignature {

    private WebhookSignature() {
    }

    public static String sign(byte[] rawBody, String verificationToken) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(verificationToken.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(rawBody));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    /** Constant-time comparison of the header with the expected signature. */
    public static boolean verify(byte[] rawBody, String header, String verificationToken) {
        if (header == null || verificationToken == null || verificationToken.isEmpty()) {
            return false;
        }
        byte[] expected = sign(rawBody, verificationToken).getBytes(StandardCharsets.US_ASCII);
        byte[] given = header.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }
}
