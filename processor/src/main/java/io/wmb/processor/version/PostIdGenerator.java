package io.wmb.processor.version;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes post ids unique across both datacenters: {@code (millis - EPOCH) << 12 | datacenterId << 8 | sequence}.
 * Ids grow with time, so they also sort posts by creation. One generator per datacenter (one processor each).
 *
 * <p>Ids stay below 2^53 for ~69 years, so JavaScript clients (the dashboard among them), which read JSON numbers
 * as doubles, see them exactly. 256 ids per millisecond per datacenter; a burst beyond that borrows the next
 * millisecond.
 */
public final class PostIdGenerator {

    /** 2024-01-01T00:00:00Z: keeps the time part within 41 bits (~69 years). */
    static final long EPOCH_MILLIS = 1_704_067_200_000L;

    static final int SEQUENCE_BITS = 8;

    static final int DATACENTER_BITS = 4;

    private static final long MAX_SEQUENCE = (1L << SEQUENCE_BITS) - 1;

    private final Clock clock;

    private final long datacenterBits;

    /** The last id without datacenter bits: {@code millis << 12 | sequence}. */
    private final AtomicLong last = new AtomicLong();

    /**
     * Creates a generator.
     * @param clock the wall clock
     * @param datacenterId this datacenter's number, 1 to 15
     */
    public PostIdGenerator(Clock clock, int datacenterId) {
        if (datacenterId < 1 || datacenterId > 15) {
            throw new IllegalArgumentException("datacenterId must be between 1 and 15, but was " + datacenterId);
        }
        this.clock = clock;
        this.datacenterBits = (long) datacenterId << SEQUENCE_BITS;
    }

    /** A new id, greater than the ids this generator made before. */
    public long next() {
        long wall = (clock.millis() - EPOCH_MILLIS) << (SEQUENCE_BITS + DATACENTER_BITS);
        while (true) {
            long previous = last.get();
            long candidate;
            if (wall > previous) {
                candidate = wall;
            }
            else if ((previous & MAX_SEQUENCE) < MAX_SEQUENCE) {
                candidate = previous + 1;
            }
            else {
                // Sequence exhausted in this millisecond: borrow the next one rather than block.
                candidate = ((previous >>> (SEQUENCE_BITS + DATACENTER_BITS)) + 1) << (SEQUENCE_BITS + DATACENTER_BITS);
            }
            if (last.compareAndSet(previous, candidate)) {
                return candidate | datacenterBits;
            }
        }
    }

}
