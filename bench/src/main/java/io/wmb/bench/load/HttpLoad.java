package io.wmb.bench.load;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * HTTP load in two shapes, on a lean HTTP/1.1 client of its own. Open loop ({@link #constantRate}): requests are
 * due at a constant arrival rate whatever the system does, as wrk2 sends them, and each latency is measured from
 * the time the request was due, so that a stall shows as the queue it would build (coordinated-omission
 * correction). Closed loop ({@link #saturate}): a fixed number of requests outstanding, to find the maximum rate.
 *
 * <p>Each worker is a platform thread that owns one keep-alive connection ({@link Http1Connection}) and has one
 * request outstanding at a time, as wrk's connections do. {@code java.net.http} cost about 0.8 ms of CPU per request
 * on the benchmark's two cores, which it shares with the system under test; blocking sockets and a parser on a
 * reused buffer cost about a fifth of that. The connections of a run are opened before its clock starts and kept, per
 * {@code host:port}, for the next run.
 *
 * <p>The request function is called from the workers, concurrently: it must be thread-safe.
 */
public final class HttpLoad implements AutoCloseable {

    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(5);

    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    /** One platform thread per connection: beyond this a run is a mistake rather than a load. */
    private static final int MAX_CONNECTIONS = 2_048;

    /** A worker's stack: it only loops over a socket, and 256 of them should not reserve 256 MiB. */
    private static final long WORKER_STACK_BYTES = 256 * 1024;

    /** Between the workers' start and the first due time, for every parked worker to be ready to send. */
    private static final long OPEN_LOOP_LEAD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /**
     * A kept connection idle for longer is closed rather than reused: well below the keep-alive timeouts of the
     * servers measured (Tomcat's 20 s, the JDK's 30 s), so that a run does not start by reconnecting on its clock.
     */
    private static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final int timeoutMillis;

    /** Open connections between runs, per {@code host:port}; guarded by itself. */
    private final Map<String, Deque<Http1Connection>> idle = new HashMap<>();

    private boolean closed;

    /**
     * A load generator; its connections are opened by the first run to a server.
     * @param timeout per request, between any two reads of its answer; a request over it counts as failed
     */
    public HttpLoad(Duration timeout) {
        // 0 would mean no timeout at all to the socket.
        this.timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /**
     * Open loop: {@code rate} requests per second for {@code duration}. The i-th request is due at
     * {@code start + i / rate}; {@code min(maxInFlight, requests)} workers take the requests in turn, each waits for
     * its request's due time and sends it. When every worker is busy, a due request waits for one, and the wait
     * counts in its latency.
     * @param name label of the run
     * @param rate requests per second
     * @param duration how long to send
     * @param maxInFlight bound on outstanding requests: the number of connections
     * @param requests the i-th request; called from the workers, possibly more than once for an index
     * @return the measurements
     */
    public LoadResult constantRate(String name, double rate, Duration duration, int maxInFlight,
            LongFunction<LoadRequest> requests) {
        if (rate <= 0) {
            throw new IllegalArgumentException("rate must be positive, but was " + rate);
        }
        long total = (long) Math.ceil(rate * duration.toNanos() / 1e9);
        double intervalNanos = 1e9 / rate;
        int workers = (int) Math.max(1, Math.min(total, checkConnections(maxInFlight)));
        AtomicLong tickets = new AtomicLong();
        return run(name, rate, workers, OPEN_LOOP_LEAD_NANOS, requests, (worker, start) -> {
            for (long i = tickets.getAndIncrement(); i < total; i = tickets.getAndIncrement()) {
                long due = start + (long) (i * intervalNanos);
                // Formatted while waiting, so that it is not counted in the request's time.
                worker.prepare(requests.apply(i));
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                worker.send(due);
            }
        });
    }

    /**
     * Closed loop: keeps {@code concurrency} requests outstanding for {@code duration}, one per worker and
     * connection, each sent as soon as the previous answer arrived.
     * @param name label of the run
     * @param concurrency outstanding requests: the number of connections
     * @param duration how long to send
     * @param requests the i-th request; called from the workers, possibly more than once for an index
     * @return the measurements; its throughput is the maximum rate at this concurrency
     */
    public LoadResult saturate(String name, int concurrency, Duration duration, LongFunction<LoadRequest> requests) {
        int workers = checkConnections(concurrency);
        long durationNanos = duration.toNanos();
        AtomicLong next = new AtomicLong();
        return run(name, 0, workers, 0, requests, (worker, start) -> {
            long end = start + durationNanos;
            while (System.nanoTime() < end) {
                worker.prepare(requests.apply(next.getAndIncrement()));
                // In a closed loop a request is due when its worker is free: no correction applies.
                worker.send(-1);
            }
        });
    }

    /** Closes the connections kept between runs. */
    @Override
    public void close() {
        List<Http1Connection> connections = new ArrayList<>();
        synchronized (this.idle) {
            this.closed = true;
            this.idle.values().forEach(connections::addAll);
            this.idle.clear();
        }
        connections.forEach(Http1Connection::close);
    }

    private static int checkConnections(int connections) {
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("between 1 and " + MAX_CONNECTIONS + " connections, but asked for "
                    + connections);
        }
        return connections;
    }

    /**
     * Runs {@code schedule} on {@code workers} threads, each with a connection to the first request's server
     * opened beforehand, from a start {@code leadNanos} after all are ready.
     */
    private LoadResult run(String name, double rate, int workers, long leadNanos, LongFunction<LoadRequest> requests,
            Schedule schedule) {
        synchronized (this.idle) {
            if (this.closed) {
                throw new IllegalStateException("closed");
            }
        }
        URI target = requests.apply(0).uri();
        Run run = new Run();
        CountDownLatch ready = new CountDownLatch(workers);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> error = new AtomicReference<>();
        List<Worker> all = new ArrayList<>(workers);
        List<Thread> threads = new ArrayList<>(workers);
        for (int k = 0; k < workers; k++) {
            Worker worker = new Worker(run);
            all.add(worker);
            Thread thread = new Thread(null, () -> {
                try {
                    try {
                        worker.connect(target.getHost(), Http1Connection.port(target));
                    }
                    finally {
                        ready.countDown();
                    }
                    uninterruptibly(go::await);
                    schedule.drive(worker, run.start);
                }
                catch (Throwable ex) {
                    error.compareAndSet(null, ex);
                }
                finally {
                    worker.release();
                }
            }, "bench-load-" + k, WORKER_STACK_BYTES);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        // Every connection open before the clock starts: connecting is not the system's latency.
        uninterruptibly(ready::await);
        run.start = System.nanoTime() + leadNanos;
        go.countDown();
        for (Thread thread : threads) {
            uninterruptibly(thread::join);
        }
        if (error.get() != null) {
            throw new IllegalStateException("load run '" + name + "' failed", error.get());
        }
        return run.result(name, rate, all);
    }

    /** A connection to {@code host:port}: one kept from an earlier run unless {@code fresh}, else a new one. */
    private Http1Connection connection(String host, int port, boolean fresh) throws IOException {
        if (!fresh) {
            synchronized (this.idle) {
                Deque<Http1Connection> kept = this.idle.get(host + ":" + port);
                long now = System.nanoTime();
                for (Http1Connection connection = (kept != null) ? kept.poll() : null; connection != null;
                        connection = kept.poll()) {
                    if (connection.idleNanos(now) < MAX_IDLE_NANOS) {
                        return connection;
                    }
                    connection.close();
                }
            }
        }
        return Http1Connection.open(host, port, CONNECT_TIMEOUT_MILLIS, this.timeoutMillis);
    }

    /** Keeps an open connection for the next run (or the next request elsewhere); closes it once this is closed. */
    private void keep(Http1Connection connection) {
        if (!connection.isOpen()) {
            return;
        }
        synchronized (this.idle) {
            if (!this.closed) {
                this.idle.computeIfAbsent(connection.key(), (key) -> new ArrayDeque<>()).push(connection);
                return;
            }
        }
        connection.close();
    }

    /**
     * Runs a blocking wait to its end even if interrupted, then restores the interrupt: a run's workers and clock
     * must not be left half-started.
     */
    private static void uninterruptibly(BlockingWait wait) {
        boolean interrupted = false;
        while (true) {
            try {
                wait.run();
                break;
            }
            catch (InterruptedException ex) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A wait that may be interrupted, such as {@link CountDownLatch#await()} or {@link Thread#join()}. */
    @FunctionalInterface
    private interface BlockingWait {

        void run() throws InterruptedException;

    }

    private static long clamp(long micros) {
        return Math.max(0, Math.min(MAX_LATENCY_MICROS, micros));
    }

    /** What each worker does once the run's clock started. */
    @FunctionalInterface
    private interface Schedule {

        void drive(Worker worker, long start) throws Exception;
    }

    /** What the workers of one run share. */
    private static final class Run {

        private final Recorder latency = new Recorder(MAX_LATENCY_MICROS, 3);

        private final Recorder service = new Recorder(MAX_LATENCY_MICROS, 3);

        /** The first due time; written before the workers are let go. */
        private long start;

        LoadResult result(String name, double rate, List<Worker> workers) {
            long[] statusCounts = new long[Worker.STATUSES];
            Map<String, Long> served = new TreeMap<>();
            long lastAnswer = 0;
            for (Worker worker : workers) {
                for (int status = 0; status < statusCounts.length; status++) {
                    statusCounts[status] += worker.statuses[status];
                }
                worker.servedBy.forEach((datacenter, count) -> served.merge(datacenter, count[0], Long::sum));
                lastAnswer = Math.max(lastAnswer, worker.lastAnswer);
            }
            Map<Integer, Long> counts = new TreeMap<>();
            long completed = 0;
            long failed = 0;
            for (int status = 0; status < statusCounts.length; status++) {
                if (statusCounts[status] == 0) {
                    continue;
                }
                counts.put(status, statusCounts[status]);
                if (status >= 200 && status < 300) {
                    completed += statusCounts[status];
                }
                else {
                    failed += statusCounts[status];
                }
            }
            Histogram latencyHistogram = this.latency.getIntervalHistogram();
            Histogram serviceHistogram = this.service.getIntervalHistogram();
            Duration elapsed = Duration.ofNanos(Math.max(1, lastAnswer - this.start));
            return new LoadResult(name, rate, completed, failed, elapsed, latencyHistogram, serviceHistogram, counts,
                    served);
        }
    }

    /**
     * One thread's share of a run: its connection and its own counts, merged when the run ends, so that the
     * workers share nothing but the two histograms.
     */
    private final class Worker {

        /** Statuses are three digits; 0 stands for no answer. */
        static final int STATUSES = 1000;

        private final Run run;

        private final long[] statuses = new long[STATUSES];

        private final Map<String, long[]> servedBy = new HashMap<>();

        private long lastAnswer;

        private Http1Connection connection;

        private LoadRequest request;

        private byte[] bytes;

        private boolean head;

        Worker(Run run) {
            this.run = run;
        }

        /** Opens (or takes a kept) connection; if that fails, the first request tries again and counts. */
        void connect(String host, int port) {
            try {
                this.connection = connection(host, port, false);
            }
            catch (IOException ex) {
                this.connection = null;
            }
        }

        void prepare(LoadRequest request) {
            this.request = request;
            this.bytes = Http1Connection.encode(request);
            this.head = "HEAD".equals(request.method());
        }

        /** Sends the prepared request and records its answer, measured from {@code due} if not negative. */
        void send(long due) {
            long sent = System.nanoTime();
            int status = exchange();
            long now = System.nanoTime();
            this.statuses[status]++;
            if (status >= 200 && status < 300) {
                this.run.latency.recordValue(clamp((now - ((due < 0) ? sent : due)) / 1000));
                this.run.service.recordValue(clamp((now - sent) / 1000));
            }
            this.lastAnswer = now;
        }

        void release() {
            if (this.connection != null) {
                keep(this.connection);
                this.connection = null;
            }
        }

        /** The answer's status, 0 if none arrived: the connection is then closed, and the next request reconnects. */
        private int exchange() {
            URI uri = this.request.uri();
            String host = uri.getHost();
            int port = Http1Connection.port(uri);
            for (int attempt = 0; ; attempt++) {
                boolean reused = false;
                try {
                    if (this.connection == null || !this.connection.isOpen() || !this.connection.isFor(host, port)) {
                        release();
                        // After a stale connection, not another one kept as long.
                        this.connection = connection(host, port, attempt > 0);
                    }
                    reused = this.connection.answers() > 0;
                    int status = this.connection.exchange(this.bytes, this.head);
                    this.servedBy.computeIfAbsent(this.connection.datacenter(), (key) -> new long[1])[0]++;
                    return Math.min(status, STATUSES - 1);
                }
                catch (IOException ex) {
                    // A server closes a keep-alive connection that stayed idle (Tomcat after 20 s, between runs or
                    // at a low rate over many connections) and the request fails without a byte of answer, unseen
                    // by the server: once, on a fresh connection. A timeout or a partial answer is a failure.
                    boolean stale = reused && !(ex instanceof SocketTimeoutException)
                            && !this.connection.receivedAny();
                    if (attempt > 0 || !stale) {
                        return 0;
                    }
                }
            }
        }
    }
}
