package io.wmb.reconciler.redrive;

import io.wmb.reconciler.scan.Verdict;

/**
 * Every attempt of a re-drive failed: the request belongs on the dead-letter list.
 */
public class RedriveFailedException extends RuntimeException {

    private final transient Verdict verdict;

    private final int attempts;

    /**
     * A failure after the last attempt.
     * @param verdict the request
     * @param attempts how many attempts were made
     * @param cause the last attempt's failure
     */
    public RedriveFailedException(Verdict verdict, int attempts, RedriveException cause) {
        super("re-drive of " + verdict.requestId() + " failed after " + attempts + " attempt(s): "
                + cause.getMessage(), cause);
        this.verdict = verdict;
        this.attempts = attempts;
    }

    /** The request. */
    public Verdict verdict() {
        return this.verdict;
    }

    /** How many attempts were made. */
    public int attempts() {
        return this.attempts;
    }

    /** Whether the last failure was a processor that could not be reached at all. */
    public boolean unreachable() {
        return getCause() instanceof RedriveException redrive && redrive.isUnreachable();
    }

}
