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
 */
public record Verdict(String requestId, String origin, long postId, long version, Instant firstAt,
        boolean localDone, boolean remoteDone) {

    /** Whether nothing is missing. */
    public boolean complete() {
        return this.localDone && this.remoteDone;
    }

}
