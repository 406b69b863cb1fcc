package io.wmb.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

import io.wmb.bench.load.LoadResult;

/** The medians and percentiles the report quotes. */
final class Stats {

    /** The latency percentiles the charts plot. */
    static final double[] PERCENTILES = { 50, 90, 99, 99.9 };

    private Stats() {
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** The run with the median p99 (the upper middle one of an even number). */
    static LoadResult medianByP99(List<LoadResult> results) {
        List<LoadResult> sorted = sortedBy(results, (result) -> result.latencyMillis(99));
        return sorted.get(sorted.size() / 2);
    }

    /** A sorted copy of {@code items}, smallest {@code key} first. */
    static <T> List<T> sortedBy(List<T> items, ToDoubleFunction<T> key) {
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingDouble(key));
        return sorted;
    }

    /** The result's latency at each of {@link #PERCENTILES}, in milliseconds. */
    static double[] percentiles(LoadResult result) {
        return Arrays.stream(PERCENTILES).map(result::latencyMillis).toArray();
    }
}
