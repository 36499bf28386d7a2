package dev.notionsync.mapping;

/**
 * A Notion value a column of a bound table cannot hold as it is (a fraction for an integer column, an option its enum
 * lacks, text that is not JSON for a jsonb column, ...): the message names the column; nothing is written.
 */
public final class RefusedValueException extends IllegalArgumentException {
    public RefusedValueException(String message) {
        super(message);
    }
}
