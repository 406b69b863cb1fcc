package io.wmb.processor.post;

/**
 * A write lost to concurrent newer writes of the same post several times in a row.
 */
public class WriteConflictException extends RuntimeException {

    public WriteConflictException(String message) {
        super(message);
    }

}
