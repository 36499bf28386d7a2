package dev.notionsync.sim;

import java.util.Locale;
import java.util.Random;
import java.util.UUID;

/** Notion ids: UUIDs accepted with or without dashes, always returned with dashes. */
final class Ids {
    private Ids() {
    }

    /** Dashed lower-case form, or null when the text is not 32 hex digits (dashes optional). */
    static String normalize(String raw) {
        if (raw == null) return null;
        String hex = raw.replace("-", "").toLowerCase(Locale.ROOT);
        if (hex.length() != 32) return null;
        for (int i = 0; i < 32; i++) {
            char c = hex.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return null;
        }
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }

    /**
     * Notion rejects ids whose variant nibble is not RFC 4122 (8, 9, a or b): the recorded
     * 12345678-1234-1234-1234-123456789abc is answered with "should be a valid uuid".
     */
    static boolean isValid(String raw) {
        String id = normalize(raw);
        if (id == null) return false;
        char variant = id.charAt(19);
        return variant == '8' || variant == '9' || variant == 'a' || variant == 'b';
    }

    static String compact(String id) {
        return id.replace("-", "");
    }

    /** A random version-4 UUID drawn from the given generator, so seeded runs are repeatable. */
    static String random(Random random) {
        long hi = random.nextLong();
        long lo = random.nextLong();
        hi = (hi & 0xffffffffffff0fffL) | 0x0000000000004000L;
        lo = (lo & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }
}
