package io.wmb.reconciler.scan;

import java.time.Instant;

/**
 * A half-open time range {@code [from, to)} of processing-log records.
 *
 * @param from first instant included
 * @param to first instant excluded
 */
public record ScanWindow(Instant from, Instant to) {

    public ScanWindow {
        if (from == null || to == null || !from.isBefore(to)) {
            throw new IllegalArgumentException("window must have from before to, but was [" + from + ", " + to + ")");
        }
    }

    /** Whether the instant lies in the window. */
    public boolean contains(Instant at) {
        return !at.isBefore(this.from) && at.isBefore(this.to);
    }

}
