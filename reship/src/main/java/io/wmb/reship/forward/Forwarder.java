package io.wmb.reship.forward;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingLog;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;
import io.wmb.reship.config.ReshipProperties;
import io.wmb.reship.outbox.Outbox;
import io.wmb.reship.outbox.OutboxEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Streams the outbox to the peer datacenter's collector over one long-lived {@code Collector.Sync} stream.
 *
 * <p>Batches are read from the outbox in sequence order, and at most {@code window} batches are in flight. While
 * no batch is in flight, whatever the outbox holds is sent at once; while one is, a batch that is not full waits
 * up to {@code linger} for more writes (or for the acknowledgement); beyond that, and while gRPC's flow control
 * says the stream is not ready, nothing more is read, so memory stays bounded whatever the outbox holds.
 * An acknowledged batch is deleted from the outbox. Anything that breaks the stream (an error, the end of its
 * deadline, a missing acknowledgement after {@code ackTimeout}, a write the peer could not apply) closes it,
 * and after an exponential backoff a new stream starts again from the oldest unacknowledged write. The
 * collector applies a stream's batches one after the other, so each post's writes arrive in order; a write
 * sent twice is a duplicate the peer recognises.
 *
 * <p>All state is confined to one thread: gRPC callbacks and timers only post tasks to it.
 */
public final class Forwarder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

    private final Outbox outbox;

    private final CollectorClient client;

    private final ReshipProperties.Collector settings;

    private final String datacenter;

    private final ProcessingLog processingLog;

    private final Clock clock;

    private final Runnable beforeReopen;

    private final ScheduledExecutorService executor;

    private final AtomicBoolean pumpRequested = new AtomicBoolean();

    private final ExponentialBackoff backoff;

    private final Map<Long, InFlight> inFlight = new LinkedHashMap<>();

    private final DistributionSummary batchSizes;

    private final Counter sent;

    private final Counter acknowledged;

    private final Counter restarts;

    private final Timer ackLatency;

    private final Timer ackHandoff;

    private final Timer sendDelay;

    private ClientCallStreamObserver<WriteBatch> stream;

    private long generation;

    private long cursor = -1;

    private long nextBatchId = 1;

    private long lingerStartNanos = -1;

    /** When the stream last made progress (opened, or a batch acknowledged). */
    private long progressNanos;

    private boolean lingerScheduled;

    private boolean closed;

    /** When the peer last acknowledged a batch (epoch millis, 0 = never); read by the health endpoint. */
    private volatile long lastAckMillis;

    /** Whether a stream is open; read by the health endpoint. */
    private volatile boolean streaming;

    /** The re-open waiting out the backoff, if any; touched on the forwarder's thread only. */
    private ScheduledFuture<?> pendingReopen;

    /**
     * Creates a forwarder; {@link #start()} opens the stream.
     * @param outbox the outbox to drain
     * @param client the peer's collector
     * @param settings batch size, linger, window, timeouts and backoff
     * @param datacenter this datacenter's name
     * @param processingLog where {@code RESHIPPED} is recorded
     * @param meterRegistry where batch sizes and rates are measured
     * @param clock the time of processing-log records
     * @param beforeReopen run before every new stream, e.g. to cut the channel's own reconnect backoff short
     */
    public Forwarder(Outbox outbox, CollectorClient client, ReshipProperties.Collector settings, String datacenter,
            ProcessingLog processingLog, MeterRegistry meterRegistry, Clock clock, Runnable beforeReopen) {
        this.outbox = outbox;
        this.client = client;
        this.settings = settings;
        this.datacenter = datacenter;
        this.processingLog = processingLog;
        this.clock = clock;
        this.beforeReopen = beforeReopen;
        this.backoff = new ExponentialBackoff(settings.initialBackoff(), settings.maxBackoff());
        this.executor = Executors.newSingleThreadScheduledExecutor((task) -> {
            Thread thread = new Thread(task, "reship-forwarder");
            thread.setDaemon(true);
            return thread;
        });
        this.batchSizes = DistributionSummary.builder("wmb.reship.batch.size")
            .description("Writes per batch sent to the peer's collector")
            .publishPercentileHistogram()
            .register(meterRegistry);
        this.sent = Counter.builder("wmb.reship.writes.sent")
            .description("Writes sent to the peer's collector, including re-sends")
            .register(meterRegistry);
        this.acknowledged = Counter.builder("wmb.reship.writes.acknowledged")
            .description("Writes the peer's collector acknowledged")
            .register(meterRegistry);
        this.restarts = Counter.builder("wmb.reship.stream.restarts")
            .description("Times the stream to the peer broke and was re-opened")
            .register(meterRegistry);
        this.ackLatency = Timer.builder("wmb.reship.ack.latency")
            .description("From sending a batch to its acknowledgement")
            .publishPercentileHistogram()
            .register(meterRegistry);
        // The legs of a write's way to the peer that the ack latency does not show: before the send (the origin's
        // apply, the hand-off to reship, the synced append, the linger) and after the acknowledgement arrived (the
        // wait for this forwarder's thread).
        this.sendDelay = Timer.builder("wmb.reship.send.delay")
            .description("From the origin datacenter accepting a write to its send to the peer")
            .publishPercentileHistogram()
            .register(meterRegistry);
        this.ackHandoff = Timer.builder("wmb.reship.ack.handoff")
            .description("From an acknowledgement's arrival to its handling on the forwarder's thread")
            .publishPercentileHistogram()
            .register(meterRegistry);
        meterRegistry.gauge("wmb.reship.inflight.batches", this.inFlight, Map::size);
    }

    /** Opens the stream and starts forwarding whatever the outbox holds and receives from now on. */
    public void start() {
        this.outbox.onAppend(this::requestPump);
        this.executor.execute(safely(this::openStream));
        long checkMillis = Math.max(50, this.settings.ackTimeout().toMillis() / 4);
        this.executor.scheduleWithFixedDelay(safely(this::checkAckTimeout), checkMillis, checkMillis,
                TimeUnit.MILLISECONDS);
    }

    private void requestPump() {
        // Coalesces the wake-ups of many appends into one task.
        if (this.pumpRequested.compareAndSet(false, true)) {
            post(() -> {
                this.pumpRequested.set(false);
                pump();
            });
        }
    }

    /** Runs a task on the forwarder's thread, unless the forwarder is closed (late gRPC callbacks). */
    private void post(Runnable task) {
        try {
            this.executor.execute(safely(task));
        }
        catch (RejectedExecutionException ignored) {
            // Closed: the task would act on a stream that is gone.
        }
    }

    /**
     * Guards a task of the forwarder's thread: an unexpected error breaks the stream, which is re-opened after
     * the backoff, instead of silently ending a scheduled task (and with it the forwarding).
     */
    private Runnable safely(Runnable task) {
        return () -> {
            try {
                task.run();
            }
            catch (RuntimeException ex) {
                log.error("Forwarding failed unexpectedly", ex);
                if (!this.closed) {
                    restartStream(ex.toString());
                }
            }
        };
    }

    private void openStream() {
        this.pendingReopen = null;
        if (this.closed) {
            return;
        }
        this.beforeReopen.run();
        long streamGeneration = ++this.generation;
        // Everything still in the outbox is unacknowledged: the new stream starts from its oldest write.
        this.cursor = -1;
        this.inFlight.clear();
        this.lingerStartNanos = -1;
        this.progressNanos = System.nanoTime();
        this.client.openSync(new Acks(streamGeneration), this.settings.streamMaxAge());
        this.streaming = true;
        log.info("Opened stream {} to the peer's collector", streamGeneration);
        pump();
    }

    private void pump() {
        while (!this.closed && this.stream != null && this.inFlight.size() < this.settings.window()
                && this.stream.isReady()) {
            List<OutboxEntry> entries = this.outbox.readAfter(this.cursor, this.settings.batchSize());
            if (entries.isEmpty()) {
                this.lingerStartNanos = -1;
                return;
            }
            // Nagle's rule: while nothing is in flight a write goes at once, since waiting would only add the
            // linger to its lag; while a batch is in flight, writes gather for up to the linger (or until the
            // batch is full, or the acknowledgement comes), which keeps batches large under load.
            if (entries.size() < this.settings.batchSize() && !this.inFlight.isEmpty() && !lingerOver()) {
                return;
            }
            this.lingerStartNanos = -1;
            send(entries);
        }
    }

    /** Whether a batch that is not full has waited long enough; if not, schedules the wake-up. */
    private boolean lingerOver() {
        long now = System.nanoTime();
        if (this.lingerStartNanos < 0) {
            this.lingerStartNanos = now;
        }
        long remaining = this.settings.linger().toNanos() - (now - this.lingerStartNanos);
        if (remaining <= 0) {
            return true;
        }
        if (!this.lingerScheduled) {
            this.lingerScheduled = true;
            this.executor.schedule(safely(() -> {
                this.lingerScheduled = false;
                pump();
            }), remaining, TimeUnit.NANOSECONDS);
        }
        return false;
    }

    private void send(List<OutboxEntry> entries) {
        long batchId = this.nextBatchId++;
        WriteBatch.Builder batch = WriteBatch.newBuilder().setBatchId(batchId);
        List<Long> sequences = new ArrayList<>(entries.size());
        long now = this.clock.millis();
        for (OutboxEntry entry : entries) {
            batch.addWrites(entry.write());
            sequences.add(entry.sequence());
            this.sendDelay.record(Math.max(0, now - entry.write().getAcceptedAtMs()), TimeUnit.MILLISECONDS);
        }
        this.stream.onNext(batch.build());
        this.inFlight.put(batchId, new InFlight(sequences, batch.getWritesList(), System.nanoTime()));
        this.cursor = entries.get(entries.size() - 1).sequence();
        this.batchSizes.record(entries.size());
        this.sent.increment(entries.size());
    }

    private void onAck(long streamGeneration, BatchAck ack, long arrivedNanos) {
        if (streamGeneration != this.generation) {
            return;
        }
        this.ackHandoff.record(System.nanoTime() - arrivedNanos, TimeUnit.NANOSECONDS);
        InFlight batch = this.inFlight.remove(ack.getBatchId());
        this.progressNanos = System.nanoTime();
        if (batch == null) {
            restartStream("acknowledgement of unknown batch " + ack.getBatchId());
            return;
        }
        this.ackLatency.record(System.nanoTime() - batch.sentAtNanos, TimeUnit.NANOSECONDS);
        this.lastAckMillis = this.clock.millis();
        if (ack.getResultsCount() != batch.writes.size()) {
            restartStream("acknowledgement of batch " + ack.getBatchId() + " has " + ack.getResultsCount()
                    + " results for " + batch.writes.size() + " writes");
            return;
        }
        List<Long> done = new ArrayList<>(batch.sequences.size());
        int failed = 0;
        String failure = null;
        for (int i = 0; i < batch.writes.size(); i++) {
            WriteResult result = ack.getResults(i);
            PostWrite write = batch.writes.get(i);
            if (result.getOutcome() == ApplyOutcome.APPLY_OUTCOME_FAILED) {
                failed++;
                failure = result.getDetail();
                MDC.put("requestId", write.getRequestId());
                log.debug("Peer could not apply the write yet: {}", result.getDetail());
                MDC.remove("requestId");
            }
            else {
                done.add(batch.sequences.get(i));
                this.processingLog.record(new ProcessingRecord(write.getRequestId(), this.datacenter,
                        write.getOriginDatacenter(), Stage.RESHIPPED, Outcome.OK, this.clock.instant(),
                        write.getPostId(), write.getVersion(), null));
            }
        }
        this.outbox.delete(done);
        this.acknowledged.increment(done.size());
        if (failed > 0) {
            // Re-sent from the oldest unacknowledged write once the peer had time to recover.
            restartStream("peer could not apply " + failed + " writes of batch " + ack.getBatchId() + ": "
                    + failure);
            return;
        }
        this.backoff.reset();
        pump();
    }

    private void checkAckTimeout() {
        if (this.stream == null) {
            return;
        }
        long now = System.nanoTime();
        long limit = this.settings.ackTimeout().toNanos();
        if (!this.inFlight.isEmpty()) {
            Iterator<InFlight> oldest = this.inFlight.values().iterator();
            if (now - oldest.next().sentAtNanos > limit) {
                restartStream("no acknowledgement within " + this.settings.ackTimeout());
            }
        }
        else if (!this.stream.isReady() && this.outbox.depth() > 0 && now - this.progressNanos > limit) {
            // A connection that hangs before the stream ever gets going (a black-holed link) never fails by
            // itself: give up on it like on a missing acknowledgement.
            restartStream("stream not ready within " + this.settings.ackTimeout());
        }
    }

    private void restartStream(String reason) {
        this.streaming = false;
        if (this.stream != null) {
            this.stream.cancel(reason, null);
            this.stream = null;
        }
        this.generation++;
        this.inFlight.clear();
        if (this.closed) {
            return;
        }
        this.restarts.increment();
        Duration delay = this.backoff.next();
        log.warn("Stream to the peer's collector broke ({}); {} writes wait in the outbox, re-opening in {} ms",
                reason, this.outbox.depth(), delay.toMillis());
        this.pendingReopen = this.executor.schedule(safely(this::openStream), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Re-opens the stream now if it waits out a backoff: the peer is reachable again (a healed link lets the held
     * connection through), so the rest of a backoff of up to {@code maxBackoff} would only delay the backlog.
     */
    public void peerReachable() {
        post(() -> {
            if (this.pendingReopen != null && this.pendingReopen.cancel(false)) {
                this.pendingReopen = null;
                log.info("The peer's collector is reachable again: re-opening the stream now");
                openStream();
            }
        });
    }

    /**
     * Whether a stream to the peer is open (it may still be waiting for a connection).
     * @return true while a stream is open
     */
    public boolean isStreaming() {
        return this.streaming;
    }

    /**
     * When the peer last acknowledged a batch.
     * @return epoch milliseconds, 0 if never since start
     */
    public long lastAcknowledgedAtMillis() {
        return this.lastAckMillis;
    }

    /**
     * Stops forwarding; what is not acknowledged stays in the outbox for the next start.
     */
    @Override
    public void close() {
        this.executor.execute(() -> {
            this.closed = true;
            if (this.stream != null) {
                this.stream.cancel("reship is shutting down", null);
                this.stream = null;
            }
        });
        this.executor.shutdown();
        try {
            if (!this.executor.awaitTermination(5, TimeUnit.SECONDS)) {
                this.executor.shutdownNow();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.executor.shutdownNow();
        }
    }

    /** Receives one stream's acknowledgements and hands them to the forwarder's thread. */
    private final class Acks implements ClientResponseObserver<WriteBatch, BatchAck> {

        private final long streamGeneration;

        Acks(long streamGeneration) {
            this.streamGeneration = streamGeneration;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WriteBatch> requests) {
            // Runs inside openSync, on the forwarder's thread.
            Forwarder.this.stream = requests;
            requests.setOnReadyHandler(Forwarder.this::requestPump);
        }

        @Override
        public void onNext(BatchAck ack) {
            long arrived = System.nanoTime();
            post(() -> onAck(this.streamGeneration, ack, arrived));
        }

        @Override
        public void onError(Throwable error) {
            post(() -> {
                if (this.streamGeneration == Forwarder.this.generation) {
                    Forwarder.this.stream = null;
                    restartStream(Status.fromThrowable(error).toString());
                }
            });
        }

        @Override
        public void onCompleted() {
            post(() -> {
                if (this.streamGeneration == Forwarder.this.generation) {
                    Forwarder.this.stream = null;
                    restartStream("the peer closed the stream");
                }
            });
        }

    }

    private record InFlight(List<Long> sequences, List<PostWrite> writes, long sentAtNanos) {
    }

}
