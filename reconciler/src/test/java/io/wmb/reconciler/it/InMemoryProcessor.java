package io.wmb.reconciler.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.FetchRequest;
import io.wmb.proto.v1.FetchResponse;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ProcessorGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteKind;
import io.wmb.proto.v1.WriteResult;

/**
 * A datacenter's processor as far as the reconciler sees it: posts in a map, "newer version wins" on Apply,
 * served over real gRPC on loopback. The real processor is tested in its own module; system tests wire both.
 */
final class InMemoryProcessor implements AutoCloseable {

    final Map<Long, PostWrite> posts = new ConcurrentHashMap<>();

    final Map<String, AtomicInteger> appliesByRequest = new ConcurrentHashMap<>();

    final AtomicInteger fetches = new AtomicInteger();

    /** While positive, Apply answers FAILED and counts down. */
    final AtomicInteger failuresLeft = new AtomicInteger();

    private final Server server;

    InMemoryProcessor() throws IOException {
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Service()).build().start();
    }

    int port() {
        return this.server.getPort();
    }

    void hold(long postId, long version, String content) {
        this.posts.put(postId, PostWrite.newBuilder().setPostId(postId).setVersion(version).setAuthorId(42)
                .setContent(content).setKind(WriteKind.WRITE_KIND_RECONCILE).build());
    }

    int applies(String requestId) {
        AtomicInteger count = this.appliesByRequest.get(requestId);
        return (count != null) ? count.get() : 0;
    }

    int totalApplies() {
        return this.appliesByRequest.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    @Override
    public void close() throws InterruptedException {
        this.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Service extends ProcessorGrpc.ProcessorImplBase {

        @Override
        public void apply(WriteBatch request, StreamObserver<BatchAck> observer) {
            BatchAck.Builder ack = BatchAck.newBuilder().setBatchId(request.getBatchId());
            for (PostWrite write : request.getWritesList()) {
                appliesByRequest.computeIfAbsent(write.getRequestId(), (id) -> new AtomicInteger()).incrementAndGet();
                ApplyOutcome outcome;
                if (failuresLeft.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
                    outcome = ApplyOutcome.APPLY_OUTCOME_FAILED;
                }
                else {
                    outcome = applyNewerWins(write);
                }
                ack.addResults(WriteResult.newBuilder().setRequestId(write.getRequestId()).setOutcome(outcome)
                        .setDetail(outcome == ApplyOutcome.APPLY_OUTCOME_FAILED ? "injected failure" : ""));
            }
            observer.onNext(ack.build());
            observer.onCompleted();
        }

        private ApplyOutcome applyNewerWins(PostWrite write) {
            ApplyOutcome[] outcome = new ApplyOutcome[1];
            posts.compute(write.getPostId(), (id, stored) -> {
                if (stored == null || write.getVersion() > stored.getVersion()) {
                    outcome[0] = ApplyOutcome.APPLY_OUTCOME_OK;
                    return write;
                }
                outcome[0] = (write.getVersion() == stored.getVersion()) ? ApplyOutcome.APPLY_OUTCOME_DUPLICATE
                        : ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED;
                return stored;
            });
            return outcome[0];
        }

        @Override
        public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
            fetches.incrementAndGet();
            PostWrite state = posts.get(request.getPostId());
            FetchResponse.Builder response = FetchResponse.newBuilder().setFound(state != null);
            if (state != null) {
                response.setState(state.toBuilder().setRequestId(""));
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }

    }

}
