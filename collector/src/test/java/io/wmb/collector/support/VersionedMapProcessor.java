package io.wmb.collector.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.stub.StreamObserver;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ProcessorGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;

/**
 * A processor for tests of the collector: applies writes into a map with the real rule, "newer version
 * wins", and remembers every write it was handed, in order. The real processor is tested in its own module.
 */
public final class VersionedMapProcessor extends ProcessorGrpc.ProcessorImplBase {

    private final Map<Long, PostWrite> posts = new ConcurrentHashMap<>();

    private final Set<String> applied = ConcurrentHashMap.newKeySet();

    private final List<PostWrite> handed = new ArrayList<>();

    private final List<Integer> callSizes = new ArrayList<>();

    private final Map<String, Long> appliedAtMillis = new ConcurrentHashMap<>();

    private final AtomicInteger calls = new AtomicInteger();

    private volatile CountDownLatch gate = new CountDownLatch(0);

    @Override
    public void apply(WriteBatch request, StreamObserver<BatchAck> responseObserver) {
        this.calls.incrementAndGet();
        try {
            this.gate.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        BatchAck.Builder ack = BatchAck.newBuilder().setBatchId(request.getBatchId());
        synchronized (this) {
            this.callSizes.add(request.getWritesCount());
            for (PostWrite write : request.getWritesList()) {
                this.handed.add(write);
                ack.addResults(WriteResult.newBuilder().setRequestId(write.getRequestId()).setOutcome(apply(write)));
            }
        }
        responseObserver.onNext(ack.build());
        responseObserver.onCompleted();
    }

    private ApplyOutcome apply(PostWrite write) {
        if (!this.applied.add(write.getRequestId())) {
            return ApplyOutcome.APPLY_OUTCOME_DUPLICATE;
        }
        PostWrite current = this.posts.get(write.getPostId());
        if (current != null && current.getVersion() >= write.getVersion()) {
            return ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED;
        }
        this.posts.put(write.getPostId(), write);
        this.appliedAtMillis.put(write.getRequestId(), System.currentTimeMillis());
        return ApplyOutcome.APPLY_OUTCOME_OK;
    }

    /**
     * Makes calls wait until the test lets them go: a slow processor.
     * @return count it down to let the waiting calls (and every later one) through
     */
    public CountDownLatch hold() {
        CountDownLatch latch = new CountDownLatch(1);
        this.gate = latch;
        return latch;
    }

    /**
     * How many {@code Apply} calls arrived.
     * @return the number of calls, those still held included
     */
    public int calls() {
        return this.calls.get();
    }

    /**
     * The post's state.
     * @param postId the post
     * @return the newest write applied to it, or null
     */
    public PostWrite post(long postId) {
        return this.posts.get(postId);
    }

    /**
     * When a write was applied.
     * @param requestId the write's request
     * @return epoch milliseconds, or null if it was not applied (yet, or as the newest version)
     */
    public Long appliedAtMillis(String requestId) {
        return this.appliedAtMillis.get(requestId);
    }

    /**
     * All posts.
     * @return a copy of the state, by post id
     */
    public Map<Long, PostWrite> posts() {
        return Map.copyOf(this.posts);
    }

    /**
     * Every write handed to {@code Apply}, in order, duplicates included.
     * @return the writes
     */
    public synchronized List<PostWrite> handed() {
        return List.copyOf(this.handed);
    }

    /**
     * How many writes each {@code Apply} call carried, in the order the calls were let through.
     * @return the sizes
     */
    public synchronized List<Integer> callSizes() {
        return List.copyOf(this.callSizes);
    }

    /**
     * How many writes were handed to {@code Apply}, duplicates included.
     * @return the count
     */
    public synchronized int handedCount() {
        return this.handed.size();
    }

}
