package io.wmb.reconciler.scan;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.wmb.processinglog.WriterWatermark;

/**
 * Decides where a scan's window ends, so that a record that is only late is not taken for a missing stage.
 *
 * <p>The processing log is complete up to the oldest {@code flushedBefore} of the live writers (each writer has
 * every record older than its own in Elasticsearch), or up to "now" when that is earlier. The window ends
 * {@code grace} before that point, and at most {@code maxWindow} after its start:
 * {@code to = min(min(now, oldest flushedBefore) - grace, from + maxWindow)}. The grace counts from the point up to
 * which the log is complete rather than from "now" because a request whose first record lies just before that
 * point may have its later stages just after it, still queued at a writer that is behind.
 *
 * <p>Two kinds of writers do not count: dead ones, whose heartbeat is older than {@code writerStaleAfter} (what
 * they never delivered is exactly what reconciliation repairs, and a re-drive is idempotent), and overdue ones,
 * whose watermark is older than {@code maxFlushWait}, so that one stuck writer cannot stall reconciliation; the
 * caller warns about those. Without any live writer (none publishes, or the watermarks cannot be read) the window
 * ends at {@code now - grace} as it always did.
 */
public final class WindowPlanner {

    private final Duration grace;

    private final Duration maxWindow;

    private final Duration writerStaleAfter;

    private final Duration maxFlushWait;

    /**
     * A planner.
     * @param grace how far the window trails the point up to which the log is complete
     * @param maxWindow the longest window
     * @param writerStaleAfter a writer whose heartbeat is older than this is dead
     * @param maxFlushWait the longest a live writer may hold the window back
     */
    public WindowPlanner(Duration grace, Duration maxWindow, Duration writerStaleAfter, Duration maxFlushWait) {
        this.grace = requireNotNegative("grace", grace);
        this.maxWindow = requirePositive("maxWindow", maxWindow);
        this.writerStaleAfter = requirePositive("writerStaleAfter", writerStaleAfter);
        this.maxFlushWait = requirePositive("maxFlushWait", maxFlushWait);
    }

    /**
     * Where the window that starts at {@code from} ends.
     * @param from the window's start (the lease's watermark)
     * @param now the time
     * @param writers the watermarks the writers published, dead ones included; empty when unknown
     * @return the end, and which writer held it back
     */
    public WindowEnd plan(Instant from, Instant now, List<WriterWatermark> writers) {
        Instant longest = from.plus(this.maxWindow);
        Instant aliveSince = now.minus(this.writerStaleAfter);
        Instant overdueBefore = now.minus(this.maxFlushWait);
        Instant complete = now;
        WriterWatermark slowest = null;
        Instant oldestAlive = now;
        List<WriterWatermark> overdue = new ArrayList<>();
        for (WriterWatermark writer : writers) {
            if (writer.heartbeatAt().isBefore(aliveSince)) {
                continue;
            }
            oldestAlive = min(oldestAlive, writer.flushedBefore());
            if (writer.flushedBefore().isBefore(overdueBefore)) {
                overdue.add(writer);
            }
            else if (writer.flushedBefore().isBefore(complete)) {
                complete = writer.flushedBefore();
                slowest = writer;
            }
        }
        Instant byGrace = complete.minus(this.grace);
        Instant to = min(byGrace, longest);
        // Held back only when the writer, not the grace from now or the longest window, set the end.
        boolean heldBack = slowest != null && byGrace.isBefore(min(now.minus(this.grace), longest));
        return new WindowEnd(to, heldBack ? slowest : null, Duration.between(oldestAlive, now), overdue);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Duration requireNotNegative(String name, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, but was " + value);
        }
        return value;
    }

    private static Duration requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, but was " + value);
        }
        return value;
    }

}
