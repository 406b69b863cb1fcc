package io.wmb.collector.apply;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.ProcessorGrpc;
import io.wmb.proto.v1.WriteBatch;

/**
 * Calls the local processor's {@code Apply}, with a deadline on every call.
 */
public final class ProcessorClient {

    private final ManagedChannel channel;

    private final ProcessorGrpc.ProcessorBlockingStub stub;

    private final Duration deadline;

    /**
     * Creates a client.
     * @param channel the channel to the local processor; shared, not this class's to shut down
     * @param deadline how long one call may take
     */
    public ProcessorClient(ManagedChannel channel, Duration deadline) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, but was " + deadline);
        }
        this.channel = channel;
        this.stub = ProcessorGrpc.newBlockingStub(channel);
        this.deadline = deadline;
    }

    /**
     * Applies a batch.
     * @param batch the writes
     * @return one result per write, in order
     * @throws ProcessorUnavailableException when the call fails or the answer does not match the batch
     */
    public BatchAck apply(WriteBatch batch) {
        if (this.channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            // The channel's own backoff grows to two minutes between connection attempts; batches come paced by
            // the peer's backoff already, so each one may try to connect at once.
            this.channel.resetConnectBackoff();
        }
        BatchAck ack;
        try {
            // Not retried here: the peer's reship re-sends what was not acknowledged, in order. Waiting for a
            // ready connection (within the deadline) rides over a processor restart instead of failing fast.
            ack = this.stub.withDeadlineAfter(this.deadline.toNanos(), TimeUnit.NANOSECONDS)
                .withWaitForReady()
                .apply(batch);
        }
        catch (StatusRuntimeException ex) {
            throw new ProcessorUnavailableException("processor Apply failed: " + ex.getStatus(), ex);
        }
        if (ack.getResultsCount() != batch.getWritesCount()) {
            throw new ProcessorUnavailableException("processor answered " + ack.getResultsCount() + " results for "
                    + batch.getWritesCount() + " writes", null);
        }
        return ack;
    }

}
