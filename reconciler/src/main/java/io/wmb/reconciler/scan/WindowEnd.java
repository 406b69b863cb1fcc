package io.wmb.reconciler.scan;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.wmb.processinglog.WriterWatermark;

/**
 * Where a scan's window ends, and which processing-log writer decided it.
 *
 * @param to the end (excluded) of the window
 * @param heldBackBy the live writer whose flush watermark ended the window earlier than the grace period and the
 *     longest window would have, {@code null} when none did
 * @param flushLag how far the oldest flush watermark of the live writers trails "now" ({@link Duration#ZERO}
 *     when no writer is alive)
 * @param overdue live writers whose watermark trails "now" by more than the longest flush wait: the window went
 *     on without them
 */
public record WindowEnd(Instant to, WriterWatermark heldBackBy, Duration flushLag, List<WriterWatermark> overdue) {

    public WindowEnd {
        overdue = List.copyOf(overdue);
    }

}
