package io.wmb.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inter-datacenter link: a TCP proxy on loopback with named routes (listen port to target port), an adjustable
 * round-trip time and a switch that cuts the link like a broken fibre.
 *
 * <p>Each proxied connection uses one reader and one writer thread per direction. The reader stamps every chunk with
 * the time it may leave (now + RTT/2) and hands it to the writer through a bounded FIFO queue, so byte order is kept
 * and a slow receiver pushes back on the sender. Without added latency and with nothing queued, the reader writes
 * directly and the link costs one copy.
 *
 * <p>{@link #cut()} closes every open connection and black-holes new ones: they are accepted but see no byte until
 * {@link #heal()}, which connects them through (as TCP retransmissions would after a repaired fibre).
 *
 * <p>{@link #startStalls(Stalls)} imitates packet loss as TCP shows it to the application: every route's forwarding
 * freezes now and then for a random pause (a lost segment waiting for its retransmission), then delivers what piled
 * up. Bytes are delayed, never dropped or reordered within a connection, because each direction keeps its FIFO queue
 * and its single writer.
 */
public final class LinkSimulator implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LinkSimulator.class);

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static final int CHUNK_SIZE = 16 * 1024;

    /** Chunks in flight per direction; with 16 KiB chunks at most 4 MiB are buffered before the sender waits. */
    private static final int QUEUE_CAPACITY = 256;

    /** Proxy threads only shovel bytes: a small stack is enough and keeps many connections cheap. */
    private static final long THREAD_STACK_SIZE = 256 * 1024;

    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

    /** Connections accepted while the link is cut, waiting for {@link #heal()}; guarded by {@code this}. */
    private final List<HeldSocket> held = new ArrayList<>();

    private volatile long oneWayDelayNanos;

    /** Guarded by {@code this} for writes, so that a cut never misses a connection being set up. */
    private volatile boolean cut;

    private volatile boolean closed;

    /** The stall schedule while stalls are on, else {@code null}; guarded by {@code this} for writes. */
    private volatile StallSchedule stalls;

    /** Pauses started since this simulator was created, over all routes. */
    private final AtomicLong stallCount = new AtomicLong();

    /** Where routes listen: loopback locally, every interface in a container. */
    private final InetAddress bindAddress;

    /** A link whose routes listen on loopback, as the local demo and the tests use it. */
    public LinkSimulator() {
        this(LOOPBACK);
    }

    /**
     * A link whose routes listen on the given address.
     * @param bindAddress where routes listen, e.g. {@code 0.0.0.0} inside a container
     */
    public LinkSimulator(InetAddress bindAddress) {
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
    }

    /**
     * Opens a route on a free loopback port; idempotent per name.
     * @return the port to connect to instead of {@code targetPort}
     */
    public int open(String name, int targetPort) {
        return open(name, targetPort, 0);
    }

    /**
     * Opens a route listening on {@code listenPort} (0 for a free one); idempotent per name.
     * @return the port the route listens on
     * @throws IllegalStateException if the listen port is taken
     */
    public int open(String name, int targetPort, int listenPort) {
        return open(name, LOOPBACK.getHostAddress(), targetPort, listenPort);
    }

    /**
     * Opens a route to another host (the containerised demo, where each server has its own host name) listening
     * on {@code listenPort} of this simulator's bind address; idempotent per name. The host name is resolved at
     * every connection, so the target may come up after the route.
     * @return the port the route listens on
     * @throws IllegalStateException if the listen port is taken
     */
    public synchronized int open(String name, String targetHost, int targetPort, int listenPort) {
        if (closed) {
            throw new IllegalStateException("the link simulator is closed");
        }
        Route existing = this.routes.get(name);
        if (existing != null) {
            if (existing.targetPort != targetPort || !existing.targetHost.equals(targetHost)) {
                throw new IllegalArgumentException("route '" + name + "' already targets " + existing.targetHost + ":"
                        + existing.targetPort + ", not " + targetHost + ":" + targetPort);
            }
            return existing.listenPort();
        }
        checkPort("targetPort", targetPort, false);
        checkPort("listenPort", listenPort, true);
        ServerSocket serverSocket;
        try {
            serverSocket = new ServerSocket();
            serverSocket.setReuseAddress(true);
            // A real link has no accept queue: a gateway failing over opens hundreds of connections at once,
            // and with a backlog of 128 the kernel dropped the rest, which the gateway saw as 1 s connect timeouts.
            serverSocket.bind(new InetSocketAddress(this.bindAddress, listenPort), 1024);
        }
        catch (IOException ex) {
            throw new IllegalStateException("link route '" + name + "' cannot listen on port " + listenPort
                    + " (is it taken?): " + ex.getMessage(), ex);
        }
        Route route = new Route(name, targetHost, targetPort, serverSocket);
        this.routes.put(name, route);
        if (this.stalls != null) {
            this.stalls.schedule(route);
        }
        startThread("link-accept-" + name, () -> acceptLoop(route));
        logger.info("Link route {}: {}:{} -> {}:{}", name, this.bindAddress.getHostAddress(), route.listenPort(),
                targetHost, targetPort);
        return route.listenPort();
    }

    /**
     * Closes one route, its listener and the connections it carries or holds back; a name without a route is
     * ignored. The name can then be opened again, to another target.
     */
    public void closeRoute(String name) {
        Route route;
        List<Connection> carried;
        List<HeldSocket> waiting = new ArrayList<>();
        synchronized (this) {
            route = this.routes.remove(name);
            if (route == null) {
                return;
            }
            carried = this.connections.stream().filter((connection) -> connection.route == route).toList();
            this.held.removeIf((socket) -> socket.route == route && waiting.add(socket));
        }
        closeQuietly(route.serverSocket);
        carried.forEach(Connection::close);
        waiting.forEach((socket) -> closeQuietly(socket.client));
        logger.info("Link route {} closed", name);
    }

    /** Closes every open connection and makes new ones hang until {@link #heal()}. */
    public void cut() {
        List<Connection> toClose;
        synchronized (this) {
            this.cut = true;
            toClose = new ArrayList<>(this.connections);
        }
        toClose.forEach(Connection::close);
        logger.info("Link cut: closed {} connections", toClose.size());
    }

    /** Repairs the link: connections accepted while it was cut are connected through. */
    public void heal() {
        List<HeldSocket> waiting;
        synchronized (this) {
            this.cut = false;
            waiting = new ArrayList<>(this.held);
            this.held.clear();
        }
        for (HeldSocket socket : waiting) {
            startThread("link-connect-" + socket.route.name, () -> connectThrough(socket.route, socket.client));
        }
        logger.info("Link healed: {} waiting connections let through", waiting.size());
    }

    /** Whether the link is cut. */
    public boolean isCut() {
        return this.cut;
    }

    /** Adds RTT/2 of delay to each direction of every connection, open or future. */
    public void setRoundTrip(Duration rtt) {
        if (rtt == null || rtt.isNegative() || rtt.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("rtt must be between 0 and 1 minute, but was " + rtt);
        }
        this.oneWayDelayNanos = rtt.toNanos() / 2;
        logger.info("Link round-trip time set to {} ms", rtt.toMillis());
    }

    /** The added round-trip time. */
    public Duration roundTrip() {
        return Duration.ofNanos(this.oneWayDelayNanos * 2);
    }

    /**
     * Turns on packet-like stalls on every route, open or future, replacing earlier stall settings.
     * @param settings how long the pauses last and how often they come
     */
    public synchronized void startStalls(Stalls settings) {
        Objects.requireNonNull(settings, "settings");
        stopStallSchedule();
        StallSchedule schedule = new StallSchedule(settings);
        this.stalls = schedule;
        this.routes.values().forEach(schedule::schedule);
        logger.info("Link stalls on: pauses of {}-{} ms about every {} ms (seed {})", settings.minPause().toMillis(),
                settings.maxPause().toMillis(), settings.meanInterval().toMillis(), settings.seed());
    }

    /** Turns stalls off; a pause in progress ends at once and what it held back is delivered, in order. */
    public synchronized void stopStalls() {
        if (stopStallSchedule()) {
            logger.info("Link stalls off after {} pauses in all", this.stallCount.get());
        }
    }

    /** The stall settings while stalls are on. */
    public Optional<Stalls> stalls() {
        return Optional.ofNullable(this.stalls).map(StallSchedule::settings);
    }

    /** Pauses started since the link was created, summed over routes. */
    public long stallCount() {
        return this.stallCount.get();
    }

    private boolean stopStallSchedule() {
        StallSchedule schedule = this.stalls;
        if (schedule == null) {
            return false;
        }
        this.stalls = null;
        schedule.stop();
        this.routes.values().forEach((route) -> route.frozenUntil = 0);
        return true;
    }

    /** The open routes, ordered by name. */
    public List<RouteInfo> routes() {
        return this.routes.values().stream()
            .map((route) -> new RouteInfo(route.name, route.listenPort(), route.targetPort, route.open.get()))
            .sorted(Comparator.comparing(RouteInfo::name))
            .toList();
    }

    /** Closes every route and connection. */
    @Override
    public void close() {
        List<HeldSocket> waiting;
        synchronized (this) {
            this.closed = true;
            waiting = new ArrayList<>(this.held);
            this.held.clear();
            stopStallSchedule();
        }
        this.routes.values().forEach((route) -> closeQuietly(route.serverSocket));
        this.routes.clear();
        waiting.forEach((socket) -> closeQuietly(socket.client));
        new ArrayList<>(this.connections).forEach(Connection::close);
    }

    private void acceptLoop(Route route) {
        while (!route.serverSocket.isClosed()) {
            Socket client;
            try {
                client = route.serverSocket.accept();
            }
            catch (IOException ex) {
                if (!route.serverSocket.isClosed()) {
                    logger.warn("Link route {} stopped accepting", route.name, ex);
                }
                return;
            }
            synchronized (this) {
                if (this.cut) {
                    // A cut fibre: the connection exists but nothing gets through until heal().
                    this.held.add(new HeldSocket(route, client));
                    continue;
                }
            }
            startThread("link-connect-" + route.name, () -> connectThrough(route, client));
        }
    }

    private void connectThrough(Route route, Socket client) {
        Socket target = new Socket();
        try {
            client.setTcpNoDelay(true);
            target.setTcpNoDelay(true);
            target.connect(new InetSocketAddress(route.targetHost, route.targetPort), 5_000);
        }
        catch (IOException ex) {
            // Like a refused connection at the far end: the caller sees its socket closed.
            logger.debug("Link route {} cannot reach port {}: {}", route.name, route.targetPort, ex.getMessage());
            closeQuietly(target);
            closeQuietly(client);
            return;
        }
        Connection connection = new Connection(route, client, target);
        synchronized (this) {
            if (this.cut || this.closed) {
                closeQuietly(target);
                if (this.closed) {
                    closeQuietly(client);
                }
                else {
                    this.held.add(new HeldSocket(route, client));
                }
                return;
            }
            this.connections.add(connection);
        }
        route.open.incrementAndGet();
        connection.start();
    }

    private static void checkPort(String what, int port, boolean zeroAllowed) {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new IllegalArgumentException(what + " must be between " + (zeroAllowed ? 0 : 1)
                    + " and 65535, but was " + port);
        }
    }

    private static Thread startThread(String name, Runnable task) {
        Thread thread = new Thread(null, task, name, THREAD_STACK_SIZE);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        }
        catch (Exception ex) {
            logger.trace("Ignoring failure to close {}", closeable, ex);
        }
    }

    /**
     * A route of the link as shown by the control API.
     * @param name the route's name, e.g. {@code collector-telecom}
     * @param listenPort where callers connect
     * @param targetPort where the route leads
     * @param openConnections connections currently carried
     */
    public record RouteInfo(String name, int listenPort, int targetPort, int openConnections) {
    }

    private static final class Route {

        private final String name;

        private final String targetHost;

        private final int targetPort;

        private final ServerSocket serverSocket;

        private final AtomicInteger open = new AtomicInteger();

        /** {@link System#nanoTime()} until which forwarding is paused, or 0 when it is not. */
        private volatile long frozenUntil;

        Route(String name, String targetHost, int targetPort, ServerSocket serverSocket) {
            this.name = name;
            this.targetHost = targetHost;
            this.targetPort = targetPort;
            this.serverSocket = serverSocket;
        }

        int listenPort() {
            return this.serverSocket.getLocalPort();
        }
    }

    private record HeldSocket(Route route, Socket client) {
    }

    /**
     * Settings of packet-like stalls.
     * @param minPause shortest pause of a route's forwarding
     * @param maxPause longest pause
     * @param meanInterval mean time between the end of one pause and the start of the next on a route (exponential,
     *        as independent losses come)
     * @param seed seeds every route's random schedule (combined with the route's name), so a run can be repeated
     */
    public record Stalls(Duration minPause, Duration maxPause, Duration meanInterval, long seed) {

        /** Pauses of 50-800 ms about once a second, seed 1: what {@code ./wmb link stalls on} uses. */
        public static final Stalls DEFAULT = new Stalls(Duration.ofMillis(50), Duration.ofMillis(800),
                Duration.ofSeconds(1), 1);

        /** Validates at once and names the bad value. */
        public Stalls {
            Objects.requireNonNull(minPause, "minPause");
            Objects.requireNonNull(maxPause, "maxPause");
            Objects.requireNonNull(meanInterval, "meanInterval");
            if (minPause.isNegative() || maxPause.compareTo(minPause) < 0
                    || maxPause.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("pauses must satisfy 0 <= minPause <= maxPause <= 1 minute, but "
                        + "were " + minPause.toMillis() + " ms and " + maxPause.toMillis() + " ms");
            }
            if (meanInterval.toMillis() < 1 || meanInterval.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("meanInterval must be between 1 ms and 1 hour, but was "
                        + meanInterval.toMillis() + " ms");
            }
        }
    }

    /** One run of stalls: a timer thread that freezes each route at random times, from a seeded random per route. */
    private final class StallSchedule {

        private final Stalls settings;

        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor((task) -> {
            Thread thread = new Thread(null, task, "link-stalls", THREAD_STACK_SIZE);
            thread.setDaemon(true);
            return thread;
        });

        StallSchedule(Stalls settings) {
            this.settings = settings;
        }

        Stalls settings() {
            return this.settings;
        }

        void schedule(Route route) {
            // One random per route, seeded by the route's name: a route's pauses do not depend on the other routes.
            Random random = new Random(this.settings.seed() * 31 + route.name.hashCode());
            this.timer.schedule(() -> freeze(route, random), interval(random), TimeUnit.NANOSECONDS);
        }

        void stop() {
            this.timer.shutdownNow();
        }

        private void freeze(Route route, Random random) {
            if (LinkSimulator.this.stalls != this) {
                return;
            }
            long min = this.settings.minPause().toNanos();
            long pause = min + (long) (random.nextDouble() * (this.settings.maxPause().toNanos() - min));
            // Never 0, which means "not frozen".
            route.frozenUntil = (System.nanoTime() + pause) | 1;
            LinkSimulator.this.stallCount.incrementAndGet();
            this.timer.schedule(() -> freeze(route, random), pause + interval(random), TimeUnit.NANOSECONDS);
        }

        private long interval(Random random) {
            double mean = this.settings.meanInterval().toNanos();
            // Exponential, capped at ten means so that a freak draw cannot switch stalls off for a long time.
            return (long) Math.min(-mean * Math.log(1 - random.nextDouble()), 10 * mean);
        }
    }

    /** One proxied connection: two directions, closed together. */
    private final class Connection {

        private final Route route;

        private final Socket client;

        private final Socket target;

        private final Direction upstream;

        private final Direction downstream;

        private final AtomicInteger finishedDirections = new AtomicInteger();

        private volatile boolean closed;

        Connection(Route route, Socket client, Socket target) {
            this.route = route;
            this.client = client;
            this.target = target;
            this.upstream = new Direction(this, client, target);
            this.downstream = new Direction(this, target, client);
        }

        void start() {
            this.upstream.start(this.route.name + "-up");
            this.downstream.start(this.route.name + "-down");
        }

        /** Called when one direction has delivered its end of stream; the second one closes the connection. */
        void directionFinished() {
            if (this.finishedDirections.incrementAndGet() == 2) {
                close();
            }
        }

        void close() {
            synchronized (this) {
                if (this.closed) {
                    return;
                }
                this.closed = true;
            }
            closeQuietly(this.client);
            closeQuietly(this.target);
            this.upstream.stop();
            this.downstream.stop();
            LinkSimulator.this.connections.remove(this);
            this.route.open.decrementAndGet();
        }
    }

    /** One direction of a connection: a reader that stamps chunks and a writer that releases them on time. */
    private final class Direction {

        /** An empty chunk marks the end of the stream. */
        private static final byte[] END_OF_STREAM = new byte[0];

        private final Connection connection;

        private final Socket from;

        private final Socket to;

        private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);

        /** Chunks queued or being written; only the reader increments it, so zero means the writer is idle. */
        private final AtomicInteger pending = new AtomicInteger();

        private Thread reader;

        private Thread writer;

        Direction(Connection connection, Socket from, Socket to) {
            this.connection = connection;
            this.from = from;
            this.to = to;
        }

        void start(String name) {
            this.writer = startThread("link-" + name + "-writer", this::writeLoop);
            this.reader = startThread("link-" + name + "-reader", this::readLoop);
        }

        void stop() {
            if (this.writer != null) {
                this.writer.interrupt();
            }
        }

        private void readLoop() {
            byte[] buffer = new byte[CHUNK_SIZE];
            try {
                InputStream in = this.from.getInputStream();
                OutputStream out = this.to.getOutputStream();
                while (true) {
                    int read = in.read(buffer);
                    byte[] bytes = (read < 0) ? END_OF_STREAM : null;
                    long delay = LinkSimulator.this.oneWayDelayNanos;
                    if (delay == 0 && this.pending.get() == 0 && LinkSimulator.this.stalls == null) {
                        if (read < 0) {
                            endOfStream();
                            return;
                        }
                        out.write(buffer, 0, read);
                        continue;
                    }
                    if (bytes == null) {
                        bytes = new byte[read];
                        System.arraycopy(buffer, 0, bytes, 0, read);
                    }
                    this.pending.incrementAndGet();
                    this.queue.put(new Chunk(System.nanoTime() + delay, bytes));
                    if (read < 0) {
                        return;
                    }
                }
            }
            catch (IOException ex) {
                this.connection.close();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                this.connection.close();
            }
        }

        private void writeLoop() {
            try {
                OutputStream out = this.to.getOutputStream();
                while (true) {
                    Chunk chunk = this.queue.take();
                    long wait;
                    while ((wait = waitNanos(chunk)) > 0) {
                        LockSupport.parkNanos(wait);
                        if (Thread.interrupted()) {
                            return;
                        }
                    }
                    if (chunk.bytes == END_OF_STREAM) {
                        endOfStream();
                        this.pending.decrementAndGet();
                        return;
                    }
                    out.write(chunk.bytes);
                    this.pending.decrementAndGet();
                }
            }
            catch (IOException ex) {
                this.connection.close();
            }
            catch (InterruptedException ex) {
                // The connection was closed: nothing left to deliver.
                Thread.currentThread().interrupt();
            }
        }

        /** How long the chunk must still wait: for its due time and for the end of a pause of the route. */
        private long waitNanos(Chunk chunk) {
            long now = System.nanoTime();
            long wait = chunk.due - now;
            long frozenUntil = this.connection.route.frozenUntil;
            // A pause set by a timer task racing with stopStalls() must not outlive the stalls.
            if (frozenUntil != 0 && LinkSimulator.this.stalls != null) {
                // Re-read on every wake-up: a pause may start, or stalls may be switched off, while this chunk waits.
                wait = Math.max(wait, Math.min(frozenUntil - now, 50_000_000L));
            }
            return wait;
        }

        /** Passes a half-close on, so that protocols that finish with shutdownOutput still work. */
        private void endOfStream() {
            try {
                this.to.shutdownOutput();
            }
            catch (IOException ex) {
                this.connection.close();
                return;
            }
            this.connection.directionFinished();
        }
    }

    private record Chunk(long due, byte[] bytes) {
    }
}
