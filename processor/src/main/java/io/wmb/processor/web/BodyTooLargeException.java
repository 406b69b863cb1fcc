package io.wmb.processor.web;

import java.io.IOException;

/**
 * A request body passed the size limit while it was read.
 */
public class BodyTooLargeException extends IOException {

    private final long limit;

    public BodyTooLargeException(long limit) {
        super("Request body must be at most " + limit + " bytes");
        this.limit = limit;
    }

    /** The limit in bytes. */
    public long limit() {
        return limit;
    }

}
