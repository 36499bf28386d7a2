package dev.notionsync.mapping;

/** A value Notion would refuse (too long, too many items, not a number it can hold): the push dead-letters it with this message. */
public final class UnwritableValueException extends IllegalArgumentException {
    public UnwritableValueException(String message) {
        super(message);
    }
}
