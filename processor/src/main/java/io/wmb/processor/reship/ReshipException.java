package io.wmb.processor.reship;

/**
 * Reship did not take a write: it was unreachable, too slow, or refused it.
 */
public class ReshipException extends RuntimeException {

    public ReshipException(String message, Throwable cause) {
        super(message, cause);
    }

}
