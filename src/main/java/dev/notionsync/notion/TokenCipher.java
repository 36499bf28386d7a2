package dev.notionsync.notion;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Encrypts OAuth tokens for the database: AES-256-GCM with a random 96-bit nonce per token, the connection's name as
 * associated data (a token copied to another connection's row does not decrypt). The key comes from the environment
 * (notion.oauth.token-key: 32 bytes, base64), never from the database it protects.
 */
public final class TokenCipher {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private TokenCipher(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * The cipher of a base64 key; an error that says how to make one when the key is not 32 bytes of base64. The
     * message never contains the key.
     */
    public static TokenCipher of(String base64Key) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64Key.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("notion.oauth.token-key (NOTION_OAUTH_TOKEN_KEY) is not base64: make one with `openssl rand -base64 32`");
        }
        if (key.length != 32) {
            throw new IllegalArgumentException("notion.oauth.token-key (NOTION_OAUTH_TOKEN_KEY) holds " + key.length
                    + " bytes, AES-256 needs 32: make one with `openssl rand -base64 32`");
        }
        return new TokenCipher(key);
    }

    /** nonce || ciphertext || tag. */
    public byte[] encrypt(String token, String connection) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(connection.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(token.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /**
     * The token, or an error saying the key does not fit (another key than the one it was stored with, or a row
     * changed by hand): then the connection has to be authorized again.
     */
    public String decrypt(byte[] stored, String connection) {
        if (stored == null || stored.length <= NONCE_BYTES) {
            throw new IllegalArgumentException("the stored token of connection " + connection + " is damaged: authorize the connection again");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, 0, NONCE_BYTES));
            cipher.updateAAD(connection.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(stored, NONCE_BYTES, stored.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("the stored token of connection " + connection + " does not decrypt with notion.oauth.token-key:"
                    + " the key changed since it was stored (set the old key again) or the row was altered (authorize the connection again)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "TokenCipher[AES-256-GCM, key=***]";
    }
}
