package io.wmb.processor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ProcessorGrpc;
import io.wmb.proto.v1.ReshipGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;

/**
 * Stands in for a datacenter's reship (another module) in the processor's integration tests: a real gRPC server that
 * records what it was given, acknowledges at once (as reship does once the writes are on its disk) and then, like
 * reship plus the peer's collector, applies them in order through the other datacenter's processor
 * ({@code Processor.Apply}). It can be told to refuse, to play an unreachable reship, or to hold what it took, to play
 * a cut link, or go away altogether (its port closed) and come back on the same port, as a killed and restarted
 * reship does.
 */
final class TestReship implements AutoCloseable {

    private final int port;

    private volatile Server server;

    private final List<PostWrite> received = new CopyOnWriteArrayList<>();

    private volatile ManagedChannel peer;

    private volatile boolean refusing;

    /** Batches taken while holding, in order; {@code null} while not holding. */
    private List<WriteBatch> held;

    private final ExecutorService forwarder = Executors.newSingleThreadExecutor();

    private final AtomicInteger forwardFailures = new AtomicInteger();

    private final AtomicInteger calls = new AtomicInteger();

    TestReship() throws IOException {
        server = serve(0);
        port = server.getPort();
    }

    private Server serve(int atPort) throws IOException {
        return NettyServerBuilder.forPort(atPort).addService(new ReshipGrpc.ReshipImplBase() {
            @Override
            public void submit(WriteBatch request, StreamObserver<BatchAck> responseObserver) {
                handle(request, responseObserver);
            }
        }).build().start();
    }

    int port() {
        return port;
    }

    /** Closes the port and every connection to it, as a killed reship does. */
    void goAway() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Listens again on the same port, as a restarted reship does. */
    void comeBack() throws IOException {
        server = serve(port);
    }

    /** Applies everything submitted from now on through the peer processor at this gRPC port. */
    void forwardTo(int peerGrpcPort) {
        peer = NettyChannelBuilder.forAddress("127.0.0.1", peerGrpcPort).usePlaintext().build();
    }

    /** Makes Submit fail with UNAVAILABLE, as if reship were down. */
    void refuse(boolean refuse) {
        refusing = refuse;
    }

    /**
     * Keeps what is submitted from now on (still acknowledged) instead of applying it, as a cut link would; released,
     * applies what it kept, in order, and goes on as before.
     */
    synchronized void hold(boolean hold) {
        if (hold && held == null) {
            held = new ArrayList<>();
        }
        else if (!hold && held != null) {
            ManagedChannel channel = peer;
            for (WriteBatch batch : held) {
                forwarder.execute(() -> forward(channel, batch));
            }
            held = null;
        }
    }

    /** How many Submit calls it took so far. */
    int calls() {
        return calls.get();
    }

    /** The writes taken so far. */
    List<PostWrite> received() {
        return received;
    }

    private void handle(WriteBatch request, StreamObserver<BatchAck> responseObserver) {
        if (refusing) {
            responseObserver.onError(Status.UNAVAILABLE.withDescription("test reship is down").asRuntimeException());
            return;
        }
        calls.incrementAndGet();
        received.addAll(request.getWritesList());
        BatchAck.Builder ack = BatchAck.newBuilder().setBatchId(request.getBatchId());
        for (PostWrite write : request.getWritesList()) {
            ack.addResults(WriteResult.newBuilder().setRequestId(write.getRequestId())
                .setOutcome(ApplyOutcome.APPLY_OUTCOME_OK));
        }
        responseObserver.onNext(ack.build());
        responseObserver.onCompleted();
        synchronized (this) {
            ManagedChannel channel = peer;
            if (held != null) {
                held.add(request);
            }
            else if (channel != null) {
                // One thread: batches reach the peer in the order they were taken, as reship's stream keeps them.
                forwarder.execute(() -> forward(channel, request));
            }
        }
    }

    private void forward(ManagedChannel channel, WriteBatch batch) {
        for (int attempt = 1; attempt <= 5; attempt++) {
            try {
                BatchAck ack = ProcessorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .apply(batch);
                if (ack.getResultsList().stream()
                    .noneMatch(result -> result.getOutcome() == ApplyOutcome.APPLY_OUTCOME_FAILED)) {
                    return;
                }
            }
            catch (RuntimeException ex) {
                // Retried below: the peer may be starting or briefly overloaded.
                forwardFailures.incrementAndGet();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        forwarder.shutdownNow();
        ManagedChannel channel = peer;
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

}
