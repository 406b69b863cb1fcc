package io.wmb.bench.demo;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusHistogramTests {

    private static final String METRIC = "wmb_collector_replication_lag_seconds";

    @Test
    void shouldReadPercentilesOfWhatHappenedBetweenTwoScrapes() {
        PrometheusHistogram before = PrometheusHistogram.parse(scrape(10, 10, 10, 10), METRIC);
        // 100 more observations: 50 under 1 ms, 40 more under 10 ms, 9 more under 100 ms, 1 more beyond.
        PrometheusHistogram after = PrometheusHistogram.parse(scrape(60, 100, 109, 110), METRIC);

        PrometheusHistogram between = after.minus(before);

        assertThat(between.count()).isEqualTo(100);
        assertThat(between.percentileMillis(50)).isEqualTo(1.0);
        assertThat(between.percentileMillis(90)).isEqualTo(10.0);
        assertThat(between.percentileMillis(99)).isEqualTo(100.0);
        assertThat(between.percentileMillis(99.9)).isInfinite();
    }

    @Test
    void shouldAddUpSeriesOfOtherLabelsAndIgnoreOtherMetrics() {
        String exposition = scrape(1, 2, 3, 4) + scrape(1, 2, 3, 4).replace("application=\"collector\"",
                "application=\"other\"") + "wmb_collector_batch_size_bucket{le=\"1.0\"} 999\n";

        PrometheusHistogram histogram = PrometheusHistogram.parse(exposition, METRIC);

        assertThat(histogram.count()).isEqualTo(8);
        assertThat(histogram.bounds()).containsExactly(0.001, 0.01, 0.1, Double.POSITIVE_INFINITY);
    }

    @Test
    void shouldAnswerNanWhenNothingWasRecorded() {
        PrometheusHistogram histogram = PrometheusHistogram.parse("# no histogram here\n", METRIC);

        assertThat(histogram.count()).isZero();
        assertThat(histogram.percentileMillis(50)).isNaN();
    }

    @Test
    void shouldSumTheObservationsOfEveryLabelSetAndNoOtherMetric() {
        String exposition = """
                # HELP wmb_reconciler_scan_duration_seconds time of one scan
                wmb_reconciler_scan_duration_seconds_count{application="a",outcome="ok"} 7.0
                wmb_reconciler_scan_duration_seconds_count{application="a",outcome="failed"} 2.0
                wmb_reconciler_scan_duration_seconds_sum{application="a",outcome="ok"} 1.5
                wmb_reconciler_scan_duration_seconds_count_other 40.0
                """;

        assertThat(PrometheusHistogram.observations(exposition, "wmb_reconciler_scan_duration_seconds"))
            .isEqualTo(9.0);
        assertThat(PrometheusHistogram.observations(exposition, "wmb_reconciler_scanned_records")).isZero();
    }

    private static String scrape(long underOne, long underTen, long underHundred, long all) {
        return "# HELP " + METRIC + " lag\n# TYPE " + METRIC + " histogram\n"
                + METRIC + "_bucket{application=\"collector\",le=\"0.001\"} " + underOne + "\n"
                + METRIC + "_bucket{application=\"collector\",le=\"0.01\"} " + underTen + "\n"
                + METRIC + "_bucket{application=\"collector\",le=\"0.1\"} " + underHundred + "\n"
                + METRIC + "_bucket{application=\"collector\",le=\"+Inf\"} " + all + "\n"
                + METRIC + "_count{application=\"collector\"} " + all + "\n";
    }
}
