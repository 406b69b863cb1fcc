package io.wmb.processinglog;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The timestamps of records a writer holds in memory (queued, in a batch, in a bulk request in flight), as a
 * counted set that knows its oldest: the watermark needs the oldest every second, while records come and go by
 * the thousand. Records arrive roughly but not strictly in timestamp order (callers stamp them in their own
 * threads), so the head of the queue is not enough.
 *
 * <p>A skip list of counts per millisecond: adding and removing cost O(log n) in the number of distinct
 * milliseconds held, the oldest costs O(1), and callers share no lock. Thread-safe.
 */
final class PendingTimestamps {

    /** What {@link #oldestMillis()} answers when nothing is held. */
    static final long NONE = Long.MAX_VALUE;

    private final ConcurrentSkipListMap<Long, Long> counts = new ConcurrentSkipListMap<>();

    /** Counts a record the writer now holds. */
    void add(Instant at) {
        this.counts.merge(at.toEpochMilli(), 1L, Long::sum);
    }

    /** Forgets a record the writer no longer holds (indexed, spilled, refused or lost). */
    void remove(Instant at) {
        // Atomic per key: the skip list swaps the count only if nobody changed it meanwhile, or tries again.
        this.counts.computeIfPresent(at.toEpochMilli(), (millis, count) -> (count == 1) ? null : count - 1);
    }

    /** The oldest timestamp held, in epoch milliseconds, or {@link #NONE}. */
    long oldestMillis() {
        Map.Entry<Long, Long> oldest = this.counts.firstEntry();
        return (oldest != null) ? oldest.getKey() : NONE;
    }

}
