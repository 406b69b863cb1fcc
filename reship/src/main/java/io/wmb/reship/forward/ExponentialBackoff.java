package io.wmb.reship.forward;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Waits between attempts to re-open the stream to the peer (or a failed round of the Kafka transport): doubles from an initial delay up to a maximum,
 * with +-20% jitter so that both datacenters do not retry in lock step. gRPC's channel already backs off its
 * own reconnects; this paces the re-opening of the stream on top of it, which gRPC does not retry by itself.
 * Not thread-safe: used by the forwarder's single thread.
 */
public final class ExponentialBackoff {

    private final long initialNanos;

    private final long maxNanos;

    private long nextNanos;

    /**
     * Creates a backoff.
     * @param initial the first delay
     * @param max the longest delay
     */
    public ExponentialBackoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff must be positive, but was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "max backoff must be at least the initial backoff " + initial + ", but was " + max);
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.nextNanos = this.initialNanos;
    }

    /** The delay before the next attempt; each call doubles the following one, up to the maximum. */
    public Duration next() {
        long base = this.nextNanos;
        this.nextNanos = Math.min(this.maxNanos, base * 2);
        double jitter = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
        return Duration.ofNanos((long) (base * jitter));
    }

    /** After a success the next failure starts again from the initial delay. */
    public void reset() {
        this.nextNanos = this.initialNanos;
    }

}
