package io.wmb.reconciler.redrive;

/**
 * What a re-drive did.
 *
 * @param requestId the request
 * @param localConfirmed whether a missing local apply was confirmed at the origin
 * @param remoteOutcome the other datacenter's answer to the apply ({@code OK}, {@code DUPLICATE},
 *     {@code STALE_SKIPPED}), or {@code null} when the remote side was not missing
 * @param appliedVersion the version that was sent to the other datacenter (the origin's current one), or 0
 * @param closedAsFailed whether the request was closed instead: it failed at its origin, which told its client so,
 *     and the origin does not hold it, so there is nothing to repair anywhere
 */
public record RedriveResult(String requestId, boolean localConfirmed, String remoteOutcome, long appliedVersion,
        boolean closedAsFailed) {

    /**
     * A request closed without a repair: it failed at its origin.
     * @param requestId the request
     * @return the result
     */
    public static RedriveResult closedAsFailed(String requestId) {
        return new RedriveResult(requestId, false, null, 0, true);
    }

    /** Whether the other datacenter's state changed. */
    public boolean repaired() {
        return "OK".equals(this.remoteOutcome);
    }

}
