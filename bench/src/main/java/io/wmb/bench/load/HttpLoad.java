package io.wmb.bench.load;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * HTTP load on {@code java.net.http}, in two shapes. Open loop ({@link #constantRate}): requests are due at a
 * constant arrival rate whatever the system does, as wrk2 sends them, and each latency is measured from the time
 * the request was due, so that a stall shows as the queue it would build (coordinated-omission correction). Closed
 * loop ({@link #saturate}): a fixed number of requests outstanding, to find the maximum rate.
 *
 * <p>One sender thread paces the requests; answers complete on the client's executor. The number of requests in
 * flight is bounded (a backlog beyond it waits, and its wait is counted in the latency): the client would otherwise
 * open a connection per outstanding request.
 */
public final class HttpLoad implements AutoCloseable {

    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(5);

    private final HttpClient client;

    private final Duration timeout;

    /** The client's own threads: Java 17's HttpClient cannot be closed, so its executor is shut down instead. */
    private final ExecutorService executor;

    /**
     * A load generator with its own HTTP client.
     * @param timeout per request; a request over it counts as failed
     */
    public HttpLoad(Duration timeout) {
        this.timeout = timeout;
        this.executor = Executors.newFixedThreadPool(4, (runnable) -> {
            Thread thread = new Thread(runnable, "bench-http");
            thread.setDaemon(true);
            return thread;
        });
        this.client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(this.executor)
            .build();
    }

    /**
     * Open loop: {@code rate} requests per second for {@code duration}.
     * @param name label of the run
     * @param rate requests per second
     * @param duration how long to send
     * @param maxInFlight bound on outstanding requests
     * @param requests the i-th request
     * @return the measurements
     */
    public LoadResult constantRate(String name, double rate, Duration duration, int maxInFlight,
            LongFunction<HttpRequest> requests) {
        if (rate <= 0) {
            throw new IllegalArgumentException("rate must be positive, but was " + rate);
        }
        long total = (long) Math.ceil(rate * duration.toNanos() / 1e9);
        double intervalNanos = 1e9 / rate;
        Run run = new Run(maxInFlight);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        for (long i = 0; i < total; i++) {
            long due = start + (long) (i * intervalNanos);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            run.send(requests.apply(i), due);
        }
        return run.finish(name, rate, start);
    }

    /**
     * Closed loop: keeps {@code concurrency} requests outstanding for {@code duration}.
     * @param name label of the run
     * @param concurrency outstanding requests
     * @param duration how long to send
     * @param requests the i-th request
     * @return the measurements; its throughput is the maximum rate at this concurrency
     */
    public LoadResult saturate(String name, int concurrency, Duration duration, LongFunction<HttpRequest> requests) {
        Run run = new Run(concurrency);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (long i = 0; System.nanoTime() < end; i++) {
            // In a closed loop a request is due when a slot frees: no correction applies.
            run.send(requests.apply(i), -1);
        }
        return run.finish(name, 0, start);
    }

    @Override
    public void close() {
        this.executor.shutdownNow();
    }

    /** The state of one run. */
    private final class Run {

        private final Semaphore slots;

        private final int maxInFlight;

        private final Recorder latency = new Recorder(MAX_LATENCY_MICROS, 3);

        private final Recorder service = new Recorder(MAX_LATENCY_MICROS, 3);

        private final AtomicLong completed = new AtomicLong();

        private final AtomicLong failed = new AtomicLong();

        private final AtomicLong lastAnswer = new AtomicLong();

        private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();

        private final Map<String, AtomicLong> servedBy = new ConcurrentHashMap<>();

        Run(int maxInFlight) {
            this.maxInFlight = maxInFlight;
            this.slots = new Semaphore(maxInFlight);
        }

        void send(HttpRequest request, long due) {
            this.slots.acquireUninterruptibly();
            long sent = System.nanoTime();
            long measuredFrom = (due < 0) ? sent : due;
            HttpRequest timed = HttpRequest.newBuilder(request, (header, value) -> true).timeout(HttpLoad.this.timeout)
                .build();
            HttpLoad.this.client.sendAsync(timed, HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, error) -> {
                    long now = System.nanoTime();
                    int status = (error != null) ? 0 : response.statusCode();
                    this.statuses.computeIfAbsent(status, (key) -> new AtomicLong()).incrementAndGet();
                    if (response != null) {
                        // The edge may fail over to the other datacenter: say who answered.
                        this.servedBy.computeIfAbsent(response.headers().firstValue("X-WMB-Datacenter").orElse("-"),
                                (key) -> new AtomicLong()).incrementAndGet();
                    }
                    if (status >= 200 && status < 300) {
                        this.completed.incrementAndGet();
                        this.latency.recordValue(clamp((now - measuredFrom) / 1000));
                        this.service.recordValue(clamp((now - sent) / 1000));
                    }
                    else {
                        this.failed.incrementAndGet();
                    }
                    this.lastAnswer.accumulateAndGet(now, Math::max);
                    // Released last: finish() reads the histograms once every slot is back.
                    this.slots.release();
                });
        }

        LoadResult finish(String name, double rate, long start) {
            // Every request answered (or timed out) before the histograms are read.
            this.slots.acquireUninterruptibly(this.maxInFlight);
            this.slots.release(this.maxInFlight);
            Map<Integer, Long> counts = new TreeMap<>();
            this.statuses.forEach((status, count) -> counts.put(status, count.get()));
            Map<String, Long> served = new TreeMap<>();
            this.servedBy.forEach((datacenter, count) -> served.put(datacenter, count.get()));
            Histogram latencyHistogram = this.latency.getIntervalHistogram();
            Histogram serviceHistogram = this.service.getIntervalHistogram();
            Duration elapsed = Duration.ofNanos(Math.max(1, this.lastAnswer.get() - start));
            return new LoadResult(name, rate, this.completed.get(), this.failed.get(), elapsed, latencyHistogram,
                    serviceHistogram, counts, served);
        }

        private long clamp(long micros) {
            return Math.max(0, Math.min(MAX_LATENCY_MICROS, micros));
        }
    }
}
