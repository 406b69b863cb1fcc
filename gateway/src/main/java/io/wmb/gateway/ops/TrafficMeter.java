package io.wmb.gateway.ops;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts requests per series (e.g. {@code north>unicom}) in one-second buckets over the last minute, so
 * that the dashboard can show requests per second and a small chart without a metrics server.
 */
public class TrafficMeter {

    /** Seconds of history kept. */
    public static final int SECONDS = 60;

    private final Clock clock;

    private final Bucket[] buckets = new Bucket[SECONDS + 1];

    public TrafficMeter(Clock clock) {
        this.clock = clock;
        for (int i = 0; i < this.buckets.length; i++) {
            this.buckets[i] = new Bucket(-1);
        }
    }

    /** Counts one request of a series. */
    public void record(String series) {
        long second = this.clock.millis() / 1000;
        int slot = (int) (second % this.buckets.length);
        Bucket bucket = this.buckets[slot];
        if (bucket.second != second) {
            synchronized (this.buckets) {
                bucket = this.buckets[slot];
                if (bucket.second != second) {
                    bucket = new Bucket(second);
                    this.buckets[slot] = bucket;
                }
            }
        }
        bucket.counts.computeIfAbsent(series, (key) -> new LongAdder()).increment();
    }

    /**
     * Per series, requests in each of the last {@code seconds} complete seconds, oldest first. The current
     * second is left out because it is still filling.
     */
    public Map<String, long[]> history(int seconds) {
        if (seconds < 1 || seconds > SECONDS) {
            throw new IllegalArgumentException("seconds must be between 1 and " + SECONDS + ", but was " + seconds);
        }
        long now = this.clock.millis() / 1000;
        Map<String, long[]> result = new TreeMap<>();
        for (int age = seconds; age >= 1; age--) {
            long second = now - age;
            Bucket bucket = this.buckets[(int) (second % this.buckets.length)];
            if (bucket.second != second) {
                continue;
            }
            int index = seconds - age;
            bucket.counts.forEach((series, count) -> result.computeIfAbsent(series, (key) -> new long[seconds])[index] =
                    count.sum());
        }
        return result;
    }

    /** Per series, the mean requests per second over the last {@code seconds} complete seconds. */
    public Map<String, Double> ratePerSecond(int seconds) {
        Map<String, Double> rates = new TreeMap<>();
        history(seconds).forEach((series, counts) -> {
            long total = 0;
            for (long count : counts) {
                total += count;
            }
            rates.put(series, (double) total / seconds);
        });
        return rates;
    }

    /** Series names seen in the last minute. */
    public List<String> series() {
        return new ArrayList<>(history(SECONDS).keySet());
    }

    private static final class Bucket {

        private final long second;

        private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

        Bucket(long second) {
            this.second = second;
        }

    }

}
