package io.wmb.collector.apply;

/**
 * A delivered batch is malformed; nothing of it was applied.
 */
public class InvalidBatchException extends RuntimeException {

    InvalidBatchException(String message) {
        super(message);
    }

}
