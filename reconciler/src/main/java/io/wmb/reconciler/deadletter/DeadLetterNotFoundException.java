package io.wmb.reconciler.deadletter;

/**
 * The request is not on the dead-letter list.
 */
public class DeadLetterNotFoundException extends RuntimeException {

    /**
     * The exception.
     * @param requestId the request asked for
     */
    public DeadLetterNotFoundException(String requestId) {
        super("request " + requestId + " is not on the dead-letter list");
    }

}
