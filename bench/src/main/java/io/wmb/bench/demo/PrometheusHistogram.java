package io.wmb.bench.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cumulative buckets of one Prometheus histogram ({@code <name>_bucket{le="..."}}) as scraped at one moment.
 * Two scrapes subtract ({@link #minus}) to the histogram of what happened between them, whose percentiles are
 * read as the upper bound of the bucket that holds them (Micrometer's buckets are about 10-30% apart, so a
 * percentile is known to that precision, and never under-stated).
 */
public final class PrometheusHistogram {

    private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

    /** Upper bound (seconds) to cumulative count, ascending; {@code +Inf} as infinity. */
    private final TreeMap<Double, Double> buckets;

    private PrometheusHistogram(TreeMap<Double, Double> buckets) {
        this.buckets = buckets;
    }

    /**
     * Reads the buckets of {@code metric} from a Prometheus text exposition. Series of the same metric with other
     * labels add up.
     * @param exposition the scrape
     * @param metric the histogram's name, without {@code _bucket}
     * @return the buckets, empty if the metric is absent
     */
    public static PrometheusHistogram parse(String exposition, String metric) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        String prefix = metric + "_bucket{";
        for (String line : exposition.split("\n")) {
            if (!line.startsWith(prefix)) {
                continue;
            }
            Matcher le = LE.matcher(line);
            if (!le.find()) {
                continue;
            }
            double bound = "+Inf".equals(le.group(1)) ? Double.POSITIVE_INFINITY : Double.parseDouble(le.group(1));
            buckets.merge(bound, value(line), Double::sum);
        }
        return new PrometheusHistogram(buckets);
    }

    /**
     * Reads how many observations a histogram or summary holds from its {@code <name>_count} series, which a timer
     * without buckets publishes too. Series of the same metric with other labels add up.
     * @param exposition the scrape
     * @param metric the metric's name, without {@code _count}
     * @return the observations, 0 if the metric is absent
     */
    public static double observations(String exposition, String metric) {
        double sum = 0;
        String name = metric + "_count";
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += value(line);
            }
        }
        return sum;
    }

    /** A sample line's value: what follows its last space. */
    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** What was recorded since {@code earlier}, a scrape of the same histogram. */
    public PrometheusHistogram minus(PrometheusHistogram earlier) {
        TreeMap<Double, Double> difference = new TreeMap<>();
        for (Map.Entry<Double, Double> bucket : this.buckets.entrySet()) {
            double before = earlier.buckets.getOrDefault(bucket.getKey(), 0.0);
            difference.put(bucket.getKey(), bucket.getValue() - before);
        }
        return new PrometheusHistogram(difference);
    }

    /** The sum of two histograms with the same buckets (e.g. the same metric of two services). */
    public PrometheusHistogram plus(PrometheusHistogram other) {
        TreeMap<Double, Double> sum = new TreeMap<>(this.buckets);
        other.buckets.forEach((bound, count) -> sum.merge(bound, count, Double::sum));
        return new PrometheusHistogram(sum);
    }

    /** Observations in the histogram. */
    public long count() {
        return this.buckets.isEmpty() ? 0 : Math.round(this.buckets.lastEntry().getValue());
    }

    /**
     * The upper bound of the bucket holding a percentile, in milliseconds; infinity if beyond the last finite
     * bucket, NaN if the histogram is empty.
     * @param percentile 0 to 100
     * @return milliseconds
     */
    public double percentileMillis(double percentile) {
        long count = count();
        if (count == 0) {
            return Double.NaN;
        }
        double rank = Math.ceil(count * percentile / 100.0);
        for (Map.Entry<Double, Double> bucket : this.buckets.entrySet()) {
            if (bucket.getValue() >= rank) {
                return bucket.getKey() * 1000.0;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** The bucket bounds, in seconds, ascending. */
    public List<Double> bounds() {
        return new ArrayList<>(this.buckets.keySet());
    }
}
