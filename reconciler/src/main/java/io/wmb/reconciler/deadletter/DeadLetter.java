package io.wmb.reconciler.deadletter;

import java.time.Instant;

import io.wmb.reconciler.scan.Verdict;

/**
 * A request whose re-drive failed after the last retry, waiting for an operator.
 *
 * @param requestId the request
 * @param origin the datacenter that accepted it
 * @param postId the post it wrote
 * @param version the post's content version after the write
 * @param firstAt the request's earliest processing-log record
 * @param localDone whether it was known applied at the origin
 * @param remoteDone whether it was known applied at the other datacenter
 * @param reason why the last attempt failed
 * @param attempts how many attempts were made
 * @param deadLetteredAt when it was put on the list
 */
public record DeadLetter(String requestId, String origin, long postId, long version, Instant firstAt,
        boolean localDone, boolean remoteDone, String reason, int attempts, Instant deadLetteredAt) {

    /** The verdict to re-drive it with. */
    public Verdict verdict() {
        // What the log said when it was dead-lettered; used only when its records are gone by the time of a re-drive.
        return new Verdict(this.requestId, this.origin, this.postId, this.version, this.firstAt, this.localDone,
                this.remoteDone, false, false);
    }

}
