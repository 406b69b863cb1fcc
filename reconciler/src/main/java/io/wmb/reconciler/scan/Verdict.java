package io.wmb.reconciler.scan;

import java.time.Instant;

/**
 * What the processing log says about one request.
 *
 * @param requestId the request
 * @param origin the datacenter that accepted it
 * @param postId the post it wrote
 * @param version the post's content version after the write
 * @param firstAt the earliest record of the request: the request belongs to the scan window holding it
 * @param localDone whether it is known to be applied at the origin
 * @param remoteDone whether it is known to be applied (or skipped as stale or duplicate) at the other datacenter
 * @param localFailed whether the origin recorded that applying it failed ({@code LOCAL_APPLIED FAILED}): its
 *     client was answered with an error
 * @param closedAsFailed whether a reconciler found that the origin never applied it and closed it
 *     ({@code RECONCILED FAILED} at the origin): nothing is missing because nothing happened
 */
public record Verdict(String requestId, String origin, long postId, long version, Instant firstAt,
        boolean localDone, boolean remoteDone, boolean localFailed, boolean closedAsFailed) {

    /** Whether nothing is missing: applied everywhere. */
    public boolean complete() {
        return this.localDone && this.remoteDone;
    }

    /** Whether nothing is left to do: complete, or closed as a write that failed at its origin. */
    public boolean settled() {
        return complete() || this.closedAsFailed;
    }

}
