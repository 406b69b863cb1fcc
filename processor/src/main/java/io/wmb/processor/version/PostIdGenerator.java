package io.wmb.processor.version;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes post ids unique across both datacenters and every processor in them:
 * {@code (millis - EPOCH) << 12 | datacenterId << 8 | node << 4 | sequence}. Ids grow with time, so they also sort
 * posts by creation. Each processor of a datacenter needs its own node number ({@link NodeClaim} makes sure): two
 * with the same one would make the same ids, and one post would overwrite the other.
 *
 * <p>Ids stay below 2^53 for ~69 years, so JavaScript clients (the dashboard among them), which read JSON numbers
 * as doubles, see them exactly. 16 ids per millisecond per processor (16,000 a second, well above what one
 * processor writes); a burst beyond that borrows the next millisecond.
 */
public final class PostIdGenerator {

    /** 2024-01-01T00:00:00Z: keeps the time part within 41 bits (~69 years). */
    static final long EPOCH_MILLIS = 1_704_067_200_000L;

    static final int SEQUENCE_BITS = 4;

    static final int NODE_BITS = 4;

    static final int DATACENTER_BITS = 4;

    /** The highest node number. */
    public static final int MAX_NODE = (1 << NODE_BITS) - 1;

    private static final int TIME_SHIFT = SEQUENCE_BITS + NODE_BITS + DATACENTER_BITS;

    private static final long MAX_SEQUENCE = (1L << SEQUENCE_BITS) - 1;

    private final Clock clock;

    private final long originBits;

    /** The last id without datacenter and node bits: {@code millis << 12 | sequence}. */
    private final AtomicLong last = new AtomicLong();

    /**
     * Creates a generator.
     * @param clock the wall clock
     * @param datacenterId this datacenter's number, 1 to 15
     * @param node this processor's number within its datacenter, 0 to 15
     */
    public PostIdGenerator(Clock clock, int datacenterId, int node) {
        if (datacenterId < 1 || datacenterId > 15) {
            throw new IllegalArgumentException("datacenterId must be between 1 and 15, but was " + datacenterId);
        }
        if (node < 0 || node > MAX_NODE) {
            throw new IllegalArgumentException("node must be between 0 and " + MAX_NODE + ", but was " + node);
        }
        this.clock = clock;
        this.originBits = (long) datacenterId << (SEQUENCE_BITS + NODE_BITS) | (long) node << SEQUENCE_BITS;
    }

    /** A new id, greater than the ids this generator made before. */
    public long next() {
        long wall = (clock.millis() - EPOCH_MILLIS) << TIME_SHIFT;
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
                candidate = ((previous >>> TIME_SHIFT) + 1) << TIME_SHIFT;
            }
            if (last.compareAndSet(previous, candidate)) {
                return candidate | originBits;
            }
        }
    }

}
