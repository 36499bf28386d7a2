package dev.notionsync.mapping;

/** A column of a bound table with no faithful Notion property: the message names the column and the setting that leaves it out. */
public final class UnmappableColumnException extends IllegalArgumentException {
    public UnmappableColumnException(String message) {
        super(message);
    }
}
