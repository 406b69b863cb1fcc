package io.wmb.reconciler.lease;

import java.time.Instant;

/**
 * The reconciler lease as stored: who acts, until when, and how far the scans have got.
 *
 * @param holder the instance that holds the lease
 * @param expiresAt when the lease lapses unless renewed
 * @param watermark the end of the last window scanned to completion, {@code null} before the first scan
 */
public record Lease(String holder, Instant expiresAt, Instant watermark) {

    /**
     * What an instance may do with the lease as it stands.
     * @param current the stored lease, {@code null} when there is none
     * @param instanceId the instance asking
     * @param now the time
     * @return the decision
     */
    public static Decision decide(Lease current, String instanceId, Instant now) {
        if (current == null) {
            return Decision.ACQUIRE;
        }
        if (current.holder().equals(instanceId)) {
            // Even a lapsed lease of our own is simply renewed: nobody else took it in the meantime.
            return Decision.RENEW;
        }
        return now.isBefore(current.expiresAt()) ? Decision.WAIT : Decision.TAKE_OVER;
    }

    /** Whether the lease still runs at the given time, with some margin left for work. */
    public boolean runsAt(Instant now) {
        return now.isBefore(this.expiresAt);
    }

    /** What an instance may do with the lease. */
    public enum Decision {

        /** No lease exists: create it. */
        ACQUIRE,

        /** The instance holds it: extend it. */
        RENEW,

        /** Another instance held it, but it lapsed: take it over. */
        TAKE_OVER,

        /** Another instance holds it: do nothing. */
        WAIT;

        /** Whether the instance may try to write the lease. */
        public boolean mayWrite() {
            return this != WAIT;
        }

    }

}
