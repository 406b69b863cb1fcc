package io.wmb.collector.sync;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
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
 * <p>A {@code Sync} stream asks gRPC for one batch at a time and for the next only once the previous one is
 * applied and acknowledged, and all streams share one lane: a batch of a new stream (the peer re-connected)
 * waits until the last batch of the old one is applied. That keeps each post's writes in the order the peer
 * sent them, and a slow processor slows the peer down through HTTP/2 flow control instead of filling memory.
 */
public final class CollectorGrpcService extends CollectorGrpc.CollectorImplBase {

    private static final Logger log = LoggerFactory.getLogger(CollectorGrpcService.class);

    private final BatchApplier applier;

    private final Executor applyExecutor;

    /** The last task of the lane all streams share; the next one runs after it. */
    private CompletableFuture<Void> lane = CompletableFuture.completedFuture(null);

    /**
     * Creates the service.
     * @param applier applies the batches
     * @param applyExecutor runs the (blocking) applies off gRPC's transport threads
     */
    public CollectorGrpcService(BatchApplier applier, Executor applyExecutor) {
        this.applier = applier;
        this.applyExecutor = applyExecutor;
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
        acks.request(1);
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

    /** One peer stream: its batches are applied strictly one after the other. */
    private final class SyncStream implements StreamObserver<WriteBatch> {

        private final ServerCallStreamObserver<BatchAck> acks;

        private volatile boolean failed;

        SyncStream(ServerCallStreamObserver<BatchAck> acks) {
            this.acks = acks;
        }

        @Override
        public void onNext(WriteBatch batch) {
            then(() -> {
                if (this.failed || this.acks.isCancelled()) {
                    return;
                }
                try {
                    this.acks.onNext(CollectorGrpcService.this.applier.apply(batch));
                    this.acks.request(1);
                }
                catch (InvalidBatchException ex) {
                    this.failed = true;
                    this.acks.onError(Status.INVALID_ARGUMENT.withDescription(ex.getMessage()).asRuntimeException());
                }
                catch (StatusRuntimeException ex) {
                    // The peer went away while the batch was applied; it re-sends it on its next stream.
                    this.failed = true;
                    log.debug("Acknowledgement of batch {} not delivered: {}", batch.getBatchId(), ex.getStatus());
                }
            });
        }

        @Override
        public void onError(Throwable error) {
            log.debug("Sync stream from the peer ended: {}", Status.fromThrowable(error));
        }

        @Override
        public void onCompleted() {
            then(() -> {
                if (!this.failed && !this.acks.isCancelled()) {
                    this.acks.onCompleted();
                }
            });
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

}
