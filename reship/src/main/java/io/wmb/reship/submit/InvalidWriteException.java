package io.wmb.reship.submit;

/**
 * A submitted batch or write is malformed; nothing of the batch was stored.
 */
public class InvalidWriteException extends RuntimeException {

    InvalidWriteException(String message) {
        super(message);
    }

}
