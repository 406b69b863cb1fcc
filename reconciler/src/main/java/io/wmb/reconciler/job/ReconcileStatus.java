package io.wmb.reconciler.job;

import java.time.Duration;
import java.time.Instant;

/**
 * What the reconciler did last, as {@code GET /api/reconciler/status} shows it.
 *
 * @param datacenter where this instance runs
 * @param instanceId this instance's name in the lease
 * @param leader whether this instance held the lease at its last attempt
 * @param lastScanAt when the last scan ran (leader only), {@code null} before the first
 * @param windowFrom start of the last scanned window
 * @param windowTo end (excluded) of the last scanned window
 * @param watermark where the next window starts
 * @param scanned records in the last window
 * @param incompleteFound incomplete requests the last scan found
 * @param redriven re-drives the last scan attempted
 * @param repaired re-drives of the last scan that changed the other datacenter
 * @param deadLettered requests the last scan put on the dead-letter list
 * @param closedAsFailed requests the last scan closed without a repair: they failed at their origin (its client
 *     got an error) and are held nowhere
 * @param scanMillis how long the last scan's queries took
 * @param lastError the last scan's failure, {@code null} when it succeeded
 * @param heldBackBy the processing-log writer whose flush watermark ended the last window early (it still held
 *     records from before the usual end), {@code null} when none did
 * @param flushLagMillis how far the oldest flush watermark of the live processing-log writers trailed the last
 *     scan's "now", 0 when no writer publishes one
 * @param graceMillis how far every window's end trails "now" at least ({@code wmb.reconciler.scan.grace}): a
 *     write is judged, and repaired if need be, no sooner than this after its first record
 */
public record ReconcileStatus(String datacenter, String instanceId, boolean leader, Instant lastScanAt,
        Instant windowFrom, Instant windowTo, Instant watermark, long scanned, long incompleteFound, long redriven,
        long repaired, long deadLettered, long closedAsFailed, long scanMillis, String lastError, String heldBackBy,
        long flushLagMillis, long graceMillis) {

    static ReconcileStatus initial(String datacenter, String instanceId, Duration grace) {
        return new ReconcileStatus(datacenter, instanceId, false, null, null, null, null, 0, 0, 0, 0, 0, 0, 0, null,
                null, 0, grace.toMillis());
    }

}
