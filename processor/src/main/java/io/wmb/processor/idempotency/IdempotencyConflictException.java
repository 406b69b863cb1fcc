package io.wmb.processor.idempotency;

/**
 * An idempotency key is busy (its first request still runs) or was used for a different request.
 */
public class IdempotencyConflictException extends RuntimeException {

    private final boolean inProgress;

    public IdempotencyConflictException(String message, boolean inProgress) {
        super(message);
        this.inProgress = inProgress;
    }

    /** True when the first request with this key is still running (409); false when the key was misused (422). */
    public boolean inProgress() {
        return inProgress;
    }

}
