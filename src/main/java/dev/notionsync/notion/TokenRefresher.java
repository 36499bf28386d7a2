package dev.notionsync.notion;

/**
 * Gets a connection a new token after Notion refused the one a call sent (401): OAuth refreshes it, or takes up the
 * one another engine got meanwhile. The refused token is named by its SHA-256 (hex), so no token travels with the
 * exchange.
 */
@FunctionalInterface
public interface TokenRefresher {

    /** True when the connection has a token other than the refused one now: the call may be sent again. */
    boolean refreshed(String connection, String refusedTokenHash) throws Exception;
}
