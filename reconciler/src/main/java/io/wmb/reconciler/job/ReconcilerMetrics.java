package io.wmb.reconciler.job;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The reconciler's meters: what the scans saw and did, and how long repaired requests took to become consistent.
 */
public final class ReconcilerMetrics {

    private final Counter scanned;

    private final Counter incomplete;

    private final Counter redriven;

    private final Counter repaired;

    private final Counter deadLettered;

    private final Counter closedAsFailed;

    private final Timer scanDuration;

    private final Timer timeToConsistency;

    private final AtomicInteger leader = new AtomicInteger();

    private final AtomicLong flushLagMillis = new AtomicLong();

    private final AtomicLong watermarkMillis = new AtomicLong(-1);

    /**
     * Registers the meters.
     * @param registry the registry
     */
    public ReconcilerMetrics(MeterRegistry registry) {
        this.scanned = Counter.builder("wmb.reconciler.scanned.records")
                .description("processing-log records in scanned windows").register(registry);
        this.incomplete = Counter.builder("wmb.reconciler.incomplete")
                .description("incomplete requests found").register(registry);
        this.redriven = Counter.builder("wmb.reconciler.redriven")
                .description("re-drives attempted").register(registry);
        this.repaired = Counter.builder("wmb.reconciler.repaired")
                .description("re-drives that completed a request").register(registry);
        this.deadLettered = Counter.builder("wmb.reconciler.dead.lettered")
                .description("requests put on the dead-letter list").register(registry);
        this.closedAsFailed = Counter.builder("wmb.reconciler.closed.failed")
                .description("requests closed without a repair: they failed at their origin, whose client got an "
                        + "error, and are held nowhere").register(registry);
        this.scanDuration = Timer.builder("wmb.reconciler.scan.duration")
                .description("time to find the incomplete requests of a window").register(registry);
        this.timeToConsistency = Timer.builder("wmb.reconciler.time.to.consistency")
                .description("from a repaired request's first record to its repair").publishPercentiles(0.5, 0.99)
                .register(registry);
        registry.gauge("wmb.reconciler.leader", this.leader);
        Gauge.builder("wmb.reconciler.flush.lag", this.flushLagMillis, (millis) -> millis.get() / 1000.0)
                .description("how far the oldest flush watermark of the live processing-log writers trailed the "
                        + "last scan's now").baseUnit("seconds").register(registry);
        // A timestamp rather than a lag, so that it keeps growing while no scan runs: alert on
        // time() - wmb_reconciler_watermark_timestamp_seconds (a cut link, a backlog, a stuck reconciler).
        Gauge.builder("wmb.reconciler.watermark.timestamp", this.watermarkMillis,
                (millis) -> (millis.get() < 0) ? Double.NaN : millis.get() / 1000.0)
                .description("the end of the last window reconciled, seconds since the epoch: everything "
                        + "before it is complete or dead-lettered").baseUnit("seconds").register(registry);
    }

    void scanned(long records, long incompleteFound, Duration took) {
        this.scanned.increment(records);
        this.incomplete.increment(incompleteFound);
        this.scanDuration.record(took);
    }

    void redriven() {
        this.redriven.increment();
    }

    void repaired(Duration toConsistency) {
        this.repaired.increment();
        this.timeToConsistency.record(toConsistency);
    }

    void deadLettered() {
        this.deadLettered.increment();
    }

    void closedAsFailed() {
        this.closedAsFailed.increment();
    }

    void flushLag(Duration lag) {
        this.flushLagMillis.set(lag.toMillis());
    }

    void watermark(Instant watermark) {
        this.watermarkMillis.set(watermark.toEpochMilli());
    }

    void leader(boolean isLeader) {
        this.leader.set(isLeader ? 1 : 0);
    }

}
