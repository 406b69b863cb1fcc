package io.wmb.reconciler.redrive;

/**
 * What a re-drive did.
 *
 * @param requestId the request
 * @param localConfirmed whether a missing local apply was confirmed at the origin
 * @param remoteOutcome the other datacenter's answer to the apply ({@code OK}, {@code DUPLICATE},
 *     {@code STALE_SKIPPED}), or {@code null} when the remote side was not missing
 * @param appliedVersion the version that was sent to the other datacenter (the origin's current one), or 0
 */
public record RedriveResult(String requestId, boolean localConfirmed, String remoteOutcome, long appliedVersion) {

    /** Whether the other datacenter's state changed. */
    public boolean repaired() {
        return "OK".equals(this.remoteOutcome);
    }

}
