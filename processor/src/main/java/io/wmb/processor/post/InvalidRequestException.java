package io.wmb.processor.post;

/**
 * A request the API refuses (400), with a detail that says what to change.
 */
public class InvalidRequestException extends RuntimeException {

    public InvalidRequestException(String detail) {
        super(detail);
    }

}
