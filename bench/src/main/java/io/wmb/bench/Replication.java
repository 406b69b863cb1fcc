package io.wmb.bench;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wmb.bench.demo.Demo;
import io.wmb.bench.demo.PrometheusHistogram;

/**
 * What the demo has replicated, from the services' own metrics: the collectors' lag histograms (one observation per
 * write applied in the other datacenter), the legs of a write's way, and the reconcilers' finished scans.
 */
final class Replication {

    static final String LAG_METRIC = "wmb_collector_replication_lag_seconds";

    /** The reconcilers' scan timer: its count is their finished scans. */
    private static final String SCANS_METRIC = "wmb_reconciler_scan_duration_seconds";

    private final Demo demo;

    /** The management URLs of both collectors, whose lag histograms count what was replicated. */
    private final List<String> collectors;

    Replication(Demo demo) {
        this.demo = demo;
        this.collectors = List.of(demo.collectorManagementUrl("telecom"), demo.collectorManagementUrl("unicom"));
    }

    /**
     * The lag histograms of both collectors, summed: the edge may fail over to telecom under load, and then a write
     * is accepted there and replicated to unicom.
     */
    PrometheusHistogram lag() throws IOException {
        PrometheusHistogram sum = PrometheusHistogram.parse("", LAG_METRIC);
        for (String collector : this.collectors) {
            sum = sum.plus(PrometheusHistogram.parse(this.demo.prometheus(collector), LAG_METRIC));
        }
        return sum;
    }

    /**
     * Scrapes every 100 ms until the collectors counted {@code writes} more lag observations, or 60 s passed.
     * @return what they counted since {@code before}, and when the count was reached (or the wait gave up)
     */
    Replicated awaitReplicated(PrometheusHistogram before, long writes) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        PrometheusHistogram lag;
        do {
            lag = lag().minus(before);
            if (lag.count() >= writes) {
                break;
            }
            Thread.sleep(100);
        }
        while (System.nanoTime() < deadline);
        if (lag.count() < writes) {
            BenchRun.log("only " + lag.count() + " of " + writes + " writes replicated within 60 s");
        }
        return new Replicated(lag, System.nanoTime());
    }

    /** Scrapes every 500 ms until the collectors' counts stand still for a second, or 60 s passed. */
    void awaitIdle() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long last = -1;
        int still = 0;
        while (still < 2 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            long count = lag().count();
            still = (count == last) ? still + 1 : 0;
            last = count;
        }
    }

    /**
     * How many scans both reconcilers have finished: a scan queries Elasticsearch for up to about a second on the
     * cores the pipeline runs on. A reconciler that does not answer fails the run, as a collector does.
     */
    double reconcilerScans() throws IOException {
        double scans = 0;
        for (String datacenter : List.of("unicom", "telecom")) {
            scans += PrometheusHistogram.observations(this.demo.prometheus(this.demo.reconcilerUrl(datacenter)),
                    SCANS_METRIC);
        }
        return scans;
    }

    /** The legs of the unicom -> telecom way as the services count them now. */
    LagLegs legs() throws IOException {
        return LagLegs.parse(this.demo.prometheus(this.demo.processorUrl("unicom")),
                this.demo.prometheus(this.demo.reshipUrl("unicom")),
                this.demo.prometheus(this.demo.collectorManagementUrl("telecom")));
    }

    /** What the collectors counted after a load, and when (System.nanoTime()) they had counted all of it. */
    record Replicated(PrometheusHistogram histogram, long atNanos) {
    }
}
