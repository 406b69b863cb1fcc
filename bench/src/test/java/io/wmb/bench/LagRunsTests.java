package io.wmb.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.wmb.bench.ReplicationLagPhase.LagRun;
import io.wmb.bench.demo.PrometheusHistogram;
import io.wmb.bench.load.LoadResult;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LagRunsTests {

    private static final String METRIC = "wmb_collector_replication_lag_seconds";

    @Test
    void shouldQuoteTheRunWithTheMedianP99AndListEveryRunsP99InRunOrder() {
        LagRun slow = run(100, false);
        LagRun middle = run(30, false);
        LagRun fast = run(10, false);
        List<LagRun> runs = List.of(slow, fast, middle);

        LagRun quoted = ReplicationLagPhase.medianByLagP99(runs).withRunsP99(runs);

        assertThat(quoted.lag().percentileMillis(99)).isEqualTo(30.0);
        List<String> row = quoted.row();
        assertThat(row.get(5)).isEqualTo("30.0");
        assertThat(row.get(row.size() - 2)).isEqualTo("1.50");
        assertThat(row.get(row.size() - 1)).isEqualTo("100 / 10.0 / 30.0");
    }

    @Test
    void shouldQuoteTheLowerMiddleRunOfAnEvenNumberAndNoListForASingleRun() {
        assertThat(ReplicationLagPhase.medianByLagP99(List.of(run(100, false), run(10, false))).lag().percentileMillis(99))
            .isEqualTo(10.0);

        LagRun single = run(30, false);
        assertThat(ReplicationLagPhase.medianByLagP99(List.of(single))).isSameAs(single);
        assertThat(single.row().get(single.row().size() - 1)).isEqualTo("-");
    }

    @Test
    void shouldMarkTheRunsDuringWhichAReconcilerScanEnded() {
        List<LagRun> runs = List.of(run(100, true), run(10, false), run(30, true));

        LagRun quoted = ReplicationLagPhase.medianByLagP99(runs).withRunsP99(runs);

        List<String> row = quoted.row();
        assertThat(row.get(row.size() - 1)).isEqualTo("100* / 10.0 / 30.0*");
    }

    /** A run of 100 writes: 98 within 1 ms and 2 within {@code p99Millis}, so that its p99 is that bucket. */
    private static LagRun run(long p99Millis, boolean scanned) {
        String exposition = METRIC + "_bucket{le=\"0.001\"} 98\n"
                + METRIC + "_bucket{le=\"" + (p99Millis / 1000.0) + "\"} 100\n"
                + METRIC + "_bucket{le=\"+Inf\"} 100\n"
                + METRIC + "_count 100\n";
        Histogram latency = new Histogram(3);
        latency.recordValue(1_000);
        LoadResult result = new LoadResult("lag", 100, 100, 0, Duration.ofSeconds(1), latency, latency, Map.of(200,
                100L), Map.of("unicom", 100L));
        LagLegs legs = LagLegs.parse("", "", "");
        return new LagRun(0, 0.6, 100, result, PrometheusHistogram.parse(exposition, METRIC), scanned, 1.5, legs,
                List.of());
    }

}
