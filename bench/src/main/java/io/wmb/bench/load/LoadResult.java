package io.wmb.bench.load;

import java.time.Duration;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * What one load run measured.
 * @param name what was loaded, e.g. {@code writes via edge}
 * @param targetRate requests per second asked for (0 for a closed-loop run)
 * @param completed requests answered with a 2xx
 * @param failed requests answered otherwise, or not at all
 * @param elapsed from the first intended send to the last answer
 * @param latency microseconds from each request's intended send time to its answer (coordinated-omission
 *     corrected: a request delayed by a stalled system counts the delay)
 * @param service microseconds from each request's actual send to its answer
 * @param statuses count per HTTP status (0 for a transport error)
 * @param servedBy count per {@code X-WMB-Datacenter} of the answers ({@code -} when absent)
 */
public record LoadResult(String name, double targetRate, long completed, long failed, Duration elapsed,
        Histogram latency, Histogram service, Map<Integer, Long> statuses, Map<String, Long> servedBy) {

    /** Answered requests per second over the run. */
    public double throughput() {
        return this.completed / Math.max(1e-9, this.elapsed.toNanos() / 1e9);
    }

    /** A latency percentile of the corrected histogram, in milliseconds. */
    public double latencyMillis(double percentile) {
        return this.latency.getValueAtPercentile(percentile) / 1000.0;
    }

    /** A percentile of the service time (send to answer), in milliseconds. */
    public double serviceMillis(double percentile) {
        return this.service.getValueAtPercentile(percentile) / 1000.0;
    }

    @Override
    public String toString() {
        return String.format("%-32s target %6.0f/s  got %7.1f/s  ok %6d  failed %5d  p50 %7.1f ms  p99 %8.1f ms"
                + "  p99.9 %8.1f ms  statuses %s  served by %s", this.name, this.targetRate, throughput(), this.completed,
                this.failed, latencyMillis(50), latencyMillis(99), latencyMillis(99.9), this.statuses, this.servedBy);
    }
}
