package io.wmb.reconciler.redrive;

/**
 * A re-drive that did not succeed. Retryable ones are tried again with backoff; the others go to the dead-letter
 * list at once.
 */
public class RedriveException extends RuntimeException {

    private final boolean retryable;

    private final boolean unreachable;

    /**
     * A failure that is not about reachability.
     * @param message what failed
     * @param retryable whether another attempt may succeed
     */
    public RedriveException(String message, boolean retryable) {
        this(message, retryable, false, null);
    }

    /**
     * A failure.
     * @param message what failed
     * @param retryable whether another attempt may succeed
     * @param unreachable whether a processor could not be reached at all (the link may be cut)
     * @param cause the cause, may be {@code null}
     */
    public RedriveException(String message, boolean retryable, boolean unreachable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.unreachable = unreachable;
    }

    /** Whether another attempt may succeed. */
    public boolean isRetryable() {
        return this.retryable;
    }

    /** Whether a processor could not be reached at all. */
    public boolean isUnreachable() {
        return this.unreachable;
    }

}
