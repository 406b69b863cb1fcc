package io.wmb.reship.forward;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.CollectorGrpc;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;

/**
 * A collector for the forwarder's unit tests: records what arrives and reacts as the test decides.
 */
final class FakeCollector extends CollectorGrpc.CollectorImplBase {

    /** What to do with one batch. */
    enum Reaction {
        /** Acknowledge every write as applied. */
        ACK,
        /** Acknowledge every write as FAILED. */
        FAIL_WRITES,
        /** Do not answer. */
        IGNORE,
        /** End the stream with UNAVAILABLE. */
        BREAK
    }

    /** Decides the reaction to a batch. */
    interface Behaviour {
        Reaction react(int stream, WriteBatch batch);
    }

    private final Behaviour behaviour;

    private final AtomicInteger streams = new AtomicInteger();

    private final List<WriteBatch> received = new ArrayList<>();

    FakeCollector(Behaviour behaviour) {
        this.behaviour = behaviour;
    }

    @Override
    public StreamObserver<WriteBatch> sync(StreamObserver<BatchAck> acks) {
        int stream = this.streams.incrementAndGet();
        return new StreamObserver<>() {

            @Override
            public void onNext(WriteBatch batch) {
                synchronized (FakeCollector.this) {
                    FakeCollector.this.received.add(batch);
                }
                switch (FakeCollector.this.behaviour.react(stream, batch)) {
                    case ACK -> acks.onNext(ack(batch, ApplyOutcome.APPLY_OUTCOME_OK));
                    case FAIL_WRITES -> acks.onNext(ack(batch, ApplyOutcome.APPLY_OUTCOME_FAILED));
                    case BREAK -> acks.onError(Status.UNAVAILABLE.withDescription("broken").asRuntimeException());
                    case IGNORE -> {
                    }
                }
            }

            @Override
            public void onError(Throwable error) {
            }

            @Override
            public void onCompleted() {
                acks.onCompleted();
            }

        };
    }

    synchronized List<WriteBatch> received() {
        return List.copyOf(this.received);
    }

    synchronized List<String> receivedRequestIds() {
        List<String> ids = new ArrayList<>();
        this.received.forEach((batch) -> batch.getWritesList().forEach((write) -> ids.add(write.getRequestId())));
        return ids;
    }

    int streams() {
        return this.streams.get();
    }

    private static BatchAck ack(WriteBatch batch, ApplyOutcome outcome) {
        BatchAck.Builder ack = BatchAck.newBuilder().setBatchId(batch.getBatchId());
        for (PostWrite write : batch.getWritesList()) {
            ack.addResults(WriteResult.newBuilder().setRequestId(write.getRequestId()).setOutcome(outcome)
                .setDetail(outcome == ApplyOutcome.APPLY_OUTCOME_FAILED ? "processor down" : ""));
        }
        return ack.build();
    }

}
