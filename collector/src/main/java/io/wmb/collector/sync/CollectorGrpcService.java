package io.wmb.collector.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wmb.collector.apply.BatchApplier;
import io.wmb.collector.apply.InvalidBatchException;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.CollectorGrpc;
import io.wmb.proto.v1.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Collector.Sync} and {@code Collector.Deliver}: proto in, {@link BatchApplier}, proto out. Callers are
 * authenticated before they get here (see {@code PeerAuthInterceptor}).
 *
 * <p>A {@code Sync} stream takes at most {@code buffered} batches from gRPC ahead of their acknowledgements, and
 * all streams share one lane: a batch of a new stream (the peer re-connected) waits until the last batch of the
 * old one is applied. That keeps each post's writes in the order the peer sent them, and a slow processor slows
 * the peer down through HTTP/2 flow control instead of filling memory. Batches that arrived while the lane was
 * busy are applied together, with one call to the processor, and acknowledged one by one: under load the
 * batches grow instead of the queue.
 */
public final class CollectorGrpcService extends CollectorGrpc.CollectorImplBase {

    private static final Logger log = LoggerFactory.getLogger(CollectorGrpcService.class);

    /** The most bytes of batches applied together: a quarter of the processor's default inbound message limit. */
    static final int MAX_GROUP_BYTES = 4 * 1024 * 1024;

    private final BatchApplier applier;

    private final Executor applyExecutor;

    private final int buffered;

    private final int maxGroupWrites;

    private final Timer laneWait;

    /** Batches taken from gRPC and not applied yet, over all streams. */
    private final AtomicInteger waiting = new AtomicInteger();

    /** The last task of the lane all streams share; the next one runs after it. */
    private CompletableFuture<Void> lane = CompletableFuture.completedFuture(null);

    /**
     * Creates the service.
     * @param applier applies the batches
     * @param applyExecutor runs the (blocking) applies off gRPC's transport threads
     * @param buffered the most batches a stream takes from gRPC before they are acknowledged
     * @param maxGroupWrites the most writes of queued batches applied with one call (a larger batch goes alone)
     * @param meterRegistry where the lane's waiting time is measured
     */
    public CollectorGrpcService(BatchApplier applier, Executor applyExecutor, int buffered, int maxGroupWrites,
            MeterRegistry meterRegistry) {
        if (buffered < 1) {
            throw new IllegalArgumentException("buffered must be at least 1, but was " + buffered);
        }
        if (maxGroupWrites < 1) {
            throw new IllegalArgumentException("maxGroupWrites must be at least 1, but was " + maxGroupWrites);
        }
        this.applier = applier;
        this.applyExecutor = applyExecutor;
        this.buffered = buffered;
        this.maxGroupWrites = maxGroupWrites;
        // With the peer's reship time to acknowledgement and the apply's own time, this tells where a batch's
        // round trip goes: in the lane behind earlier batches, or in the apply.
        this.laneWait = Timer.builder("wmb.collector.sync.lane.wait")
            .description("From a batch's arrival on a sync stream to the start of its apply")
            .publishPercentileHistogram()
            .register(meterRegistry);
        Gauge.builder("wmb.collector.sync.waiting", this.waiting, AtomicInteger::get)
            .description("Batches received on sync streams and not applied yet")
            .register(meterRegistry);
    }

    @Override
    public void deliver(WriteBatch request, StreamObserver<BatchAck> responseObserver) {
        try {
            responseObserver.onNext(this.applier.apply(request));
            responseObserver.onCompleted();
        }
        catch (InvalidBatchException ex) {
            responseObserver.onError(Status.INVALID_ARGUMENT.withDescription(ex.getMessage()).asRuntimeException());
        }
    }

    @Override
    public StreamObserver<WriteBatch> sync(StreamObserver<BatchAck> responseObserver) {
        ServerCallStreamObserver<BatchAck> acks = (ServerCallStreamObserver<BatchAck>) responseObserver;
        acks.disableAutoRequest();
        acks.request(this.buffered);
        return new SyncStream(acks);
    }

    private synchronized void inLane(Runnable task) {
        this.lane = this.lane.thenRunAsync(() -> {
            try {
                task.run();
            }
            catch (RuntimeException ex) {
                // A failed stage would skip every later one: the lane must never complete exceptionally.
                log.error("A task of the sync lane failed", ex);
            }
        }, this.applyExecutor);
    }

    /** One peer stream: its batches are applied strictly in order, those that queued up together. */
    private final class SyncStream implements StreamObserver<WriteBatch> {

        private final ServerCallStreamObserver<BatchAck> acks;

        private final Queue<Arrival> arrived = new ConcurrentLinkedQueue<>();

        /** Whether a drain task is in the lane and has not started taking batches yet. */
        private final AtomicBoolean drainQueued = new AtomicBoolean();

        private volatile boolean failed;

        SyncStream(ServerCallStreamObserver<BatchAck> acks) {
            this.acks = acks;
        }

        @Override
        public void onNext(WriteBatch batch) {
            CollectorGrpcService.this.waiting.incrementAndGet();
            this.arrived.add(new Arrival(batch, System.nanoTime()));
            if (this.drainQueued.compareAndSet(false, true)) {
                then(this::drain);
            }
        }

        @Override
        public void onError(Throwable error) {
            log.debug("Sync stream from the peer ended: {}", Status.fromThrowable(error));
        }

        @Override
        public void onCompleted() {
            // Every batch arrived before this, so its drain is earlier in the lane.
            then(() -> {
                if (!this.failed && !this.acks.isCancelled()) {
                    this.acks.onCompleted();
                }
            });
        }

        /**
         * Applies what arrived so far, up to {@code maxGroupWrites} writes and {@link #MAX_GROUP_BYTES}; queues
         * itself again for the rest.
         */
        private void drain() {
            // Cleared before taking: a batch arriving from now on either is taken here or queues another drain.
            this.drainQueued.set(false);
            if (this.failed || this.acks.isCancelled()) {
                discardArrived();
                return;
            }
            List<WriteBatch> group = new ArrayList<>();
            long bytes = 0;
            int writes = 0;
            Arrival next;
            while ((next = this.arrived.peek()) != null && (group.isEmpty() || fits(next.batch, bytes, writes))) {
                this.arrived.poll();
                CollectorGrpcService.this.waiting.decrementAndGet();
                group.add(next.batch);
                bytes += next.batch.getSerializedSize();
                writes += next.batch.getWritesCount();
                // Read per batch: one that arrived while this loop ran would have waited less than nothing.
                CollectorGrpcService.this.laneWait.record(System.nanoTime() - next.arrivedNanos,
                        TimeUnit.NANOSECONDS);
            }
            if (group.isEmpty()) {
                return;
            }
            if (!this.arrived.isEmpty() && this.drainQueued.compareAndSet(false, true)) {
                then(this::drain);
            }
            try {
                acknowledge(applyInOrder(group));
            }
            catch (StatusRuntimeException ex) {
                // The peer went away while the batches were applied; it re-sends them on its next stream.
                this.failed = true;
                log.debug("Acknowledgement of batches {} to {} not delivered: {}", group.get(0).getBatchId(),
                        group.get(group.size() - 1).getBatchId(), ex.getStatus());
            }
        }

        /**
         * Whether a batch joins the group. The write cap keeps one call well inside the processor's deadline after
         * a long cut, when the peer's whole window queues up at once (a call that times out is re-sent whole, and
         * on a busy host would time out again), and lets the peer send more while the group is applied.
         */
        private boolean fits(WriteBatch batch, long bytes, int writes) {
            return bytes + batch.getSerializedSize() <= MAX_GROUP_BYTES
                    && writes + batch.getWritesCount() <= CollectorGrpcService.this.maxGroupWrites;
        }

        /**
         * Applies the group with one call; if one of its batches is invalid, the batches before it are applied
         * (and acknowledged) on their own and the stream fails at the invalid one, as without grouping.
         */
        private List<BatchAck> applyInOrder(List<WriteBatch> group) {
            try {
                return CollectorGrpcService.this.applier.applyAll(group);
            }
            catch (InvalidBatchException ex) {
                if (group.size() == 1) {
                    fail(ex);
                    return List.of();
                }
            }
            List<BatchAck> done = new ArrayList<>(group.size());
            for (WriteBatch batch : group) {
                try {
                    done.add(CollectorGrpcService.this.applier.apply(batch));
                }
                catch (InvalidBatchException ex) {
                    acknowledge(done);
                    fail(ex);
                    return List.of();
                }
            }
            return done;
        }

        private void acknowledge(List<BatchAck> done) {
            for (BatchAck ack : done) {
                this.acks.onNext(ack);
            }
            if (!done.isEmpty()) {
                this.acks.request(done.size());
            }
        }

        private void fail(InvalidBatchException ex) {
            this.failed = true;
            discardArrived();
            this.acks.onError(Status.INVALID_ARGUMENT.withDescription(ex.getMessage()).asRuntimeException());
        }

        private void discardArrived() {
            while (this.arrived.poll() != null) {
                CollectorGrpcService.this.waiting.decrementAndGet();
            }
        }

        private void then(Runnable task) {
            inLane(() -> {
                try {
                    task.run();
                }
                catch (RuntimeException ex) {
                    log.error("Applying a batch of the sync stream failed", ex);
                    this.failed = true;
                    this.acks.onError(Status.INTERNAL.withDescription("applying the batch failed")
                        .asRuntimeException());
                }
            });
        }

    }

    private record Arrival(WriteBatch batch, long arrivedNanos) {
    }

}
