package io.wmb.reconciler.redrive;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.FetchRequest;
import io.wmb.proto.v1.FetchResponse;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ProcessorGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;

/**
 * Calls one datacenter's processor: {@code Fetch} (current state of a post) and {@code Apply} (version-checked
 * apply). Every call has a deadline; a failed call becomes a {@link RedriveException}.
 */
public final class ProcessorClient {

    private final String datacenter;

    private final ManagedChannel channel;

    private final ProcessorGrpc.ProcessorBlockingStub stub;

    private final Duration deadline;

    /**
     * A client.
     * @param datacenter the processor's datacenter, for messages
     * @param channel the channel; shared, not this class's to shut down
     * @param deadline the longest one call may take
     */
    public ProcessorClient(String datacenter, ManagedChannel channel, Duration deadline) {
        this.datacenter = datacenter;
        this.channel = channel;
        this.stub = ProcessorGrpc.newBlockingStub(channel);
        this.deadline = deadline;
    }

    /** The processor's datacenter. */
    public String datacenter() {
        return this.datacenter;
    }

    /**
     * The current state of a post as this datacenter holds it.
     * @param postId the post
     * @return the state as a write of kind RECONCILE, or empty when the datacenter never saw the post
     */
    public Optional<PostWrite> fetch(long postId) {
        try {
            FetchResponse response = stub().fetch(FetchRequest.newBuilder().setPostId(postId).build());
            return response.getFound() ? Optional.of(response.getState()) : Optional.empty();
        }
        catch (StatusRuntimeException ex) {
            throw failure("Fetch of post " + postId, ex);
        }
    }

    /**
     * Applies one write with "newer version wins".
     * @param write the write
     * @return how it turned out
     */
    public WriteResult apply(PostWrite write) {
        try {
            BatchAck ack = stub().apply(WriteBatch.newBuilder().addWrites(write).build());
            if (ack.getResultsCount() != 1) {
                throw new RedriveException("Apply at " + this.datacenter + " answered " + ack.getResultsCount()
                        + " results for one write", true);
            }
            return ack.getResults(0);
        }
        catch (StatusRuntimeException ex) {
            throw failure("Apply of " + write.getRequestId(), ex);
        }
    }

    private ProcessorGrpc.ProcessorBlockingStub stub() {
        ProcessorGrpc.ProcessorBlockingStub call = this.stub.withDeadlineAfter(this.deadline.toMillis(),
                TimeUnit.MILLISECONDS);
        if (this.channel.getState(false) != ConnectivityState.TRANSIENT_FAILURE) {
            return call;
        }
        // The channel's own reconnect backoff grows to two minutes while the processor is away, and until it runs
        // out every scan would stop at its first call. Try to connect now instead (runs are paced by the job), and
        // let this call wait for that attempt: on a channel that failed, calls fail at once until it is ready.
        this.channel.resetConnectBackoff();
        return call.withWaitForReady();
    }

    private RedriveException failure(String call, StatusRuntimeException ex) {
        Status.Code code = ex.getStatus().getCode();
        // INVALID_ARGUMENT and friends will fail the same way next time; everything else may pass on a retry.
        boolean retryable = code != Status.Code.INVALID_ARGUMENT && code != Status.Code.NOT_FOUND
                && code != Status.Code.PERMISSION_DENIED && code != Status.Code.UNAUTHENTICATED
                && code != Status.Code.UNIMPLEMENTED;
        boolean unreachable = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
        return new RedriveException(call + " at " + this.datacenter + " failed: " + code
                + (ex.getStatus().getDescription() != null ? " " + ex.getStatus().getDescription() : ""),
                retryable, unreachable, ex);
    }

}
