package io.wmb.processor.version;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hybrid logical clock whose readings order all writes to a post across both datacenters.
 * <p>
 * A reading is packed into a long as {@code physicalMillis << 20 | logical << 4 | datacenterId}, so that plain
 * {@code long} comparison orders readings and the datacenter breaks ties between equal clock states. Readings of one
 * clock strictly increase, also when the wall clock steps back, and a reading taken after observing another
 * datacenter's version is greater than that version.
 */
public final class HybridLogicalClock {

    /** Bits below the physical part: 16 for the logical counter, 4 for the datacenter. */
    static final int PHYSICAL_SHIFT = 20;

    static final int LOGICAL_SHIFT = 4;

    static final long MAX_LOGICAL = (1L << (PHYSICAL_SHIFT - LOGICAL_SHIFT)) - 1;

    private static final long DATACENTER_MASK = (1L << LOGICAL_SHIFT) - 1;

    private final Clock clock;

    private final int datacenterId;

    /** The last reading without its datacenter bits: {@code physical << 20 | logical << 4}. */
    private final AtomicLong last = new AtomicLong();

    /**
     * Creates a clock.
     * @param clock the wall clock
     * @param datacenterId this datacenter's number, 1 to 15
     */
    public HybridLogicalClock(Clock clock, int datacenterId) {
        if (datacenterId < 1 || datacenterId > DATACENTER_MASK) {
            throw new IllegalArgumentException("datacenterId must be between 1 and 15, but was " + datacenterId);
        }
        this.clock = clock;
        this.datacenterId = datacenterId;
    }

    /** A new reading, greater than every reading before it and every version observed. */
    public long now() {
        return next(0);
    }

    /**
     * A new reading greater than {@code observed} (a version of another write, from any datacenter) and than every
     * earlier reading of this clock.
     * @param observed a version seen on a post or a remote write
     * @return the new reading
     */
    public long nextAfter(long observed) {
        return next(observed);
    }

    /**
     * Moves this clock past a version seen on a remote write, so that the next local write to the same post
     * orders after it even when this datacenter's wall clock runs behind.
     * @param observed the remote version
     */
    public void observe(long observed) {
        long floor = observed & ~DATACENTER_MASK;
        last.accumulateAndGet(floor, Math::max);
    }

    private long next(long observed) {
        long observedState = observed & ~DATACENTER_MASK;
        long wall = clock.millis() << PHYSICAL_SHIFT;
        while (true) {
            long previous = last.get();
            long base = Math.max(previous, observedState);
            long candidate;
            if (wall > base) {
                candidate = wall;
            }
            else if (((base >>> LOGICAL_SHIFT) & MAX_LOGICAL) < MAX_LOGICAL) {
                candidate = base + (1L << LOGICAL_SHIFT);
            }
            else {
                // The logical counter is exhausted within one millisecond: borrow the next millisecond rather
                // than wait for the wall clock, so that readings stay unique.
                candidate = ((base >>> PHYSICAL_SHIFT) + 1) << PHYSICAL_SHIFT;
            }
            if (last.compareAndSet(previous, candidate)) {
                return candidate | datacenterId;
            }
        }
    }

    /** The wall-clock milliseconds of a reading. */
    public static long physicalMillis(long version) {
        return version >>> PHYSICAL_SHIFT;
    }

    /** The logical counter of a reading. */
    public static long logical(long version) {
        return (version >>> LOGICAL_SHIFT) & MAX_LOGICAL;
    }

    /** The datacenter number of a reading. */
    public static int datacenterId(long version) {
        return (int) (version & DATACENTER_MASK);
    }

}
