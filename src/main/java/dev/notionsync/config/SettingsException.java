package dev.notionsync.config;

/** A setting is missing or malformed; the message says what to set. */
public final class SettingsException extends RuntimeException {
    public SettingsException(String message) {
        super(message);
    }
}
