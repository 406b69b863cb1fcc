package io.wmb.processor.apply;

import java.util.Optional;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import io.wmb.processor.post.PostState;
import io.wmb.processor.post.Write;
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
 * gRPC {@code Processor}: proto to domain, {@link WriteApplier}, domain to proto.
 */
public class ProcessorGrpcService extends ProcessorGrpc.ProcessorImplBase {

    private final WriteApplier applier;

    private final String datacenter;

    /**
     * Creates the service.
     * @param applier applies writes
     * @param datacenter this datacenter, the origin of fetched states
     */
    public ProcessorGrpcService(WriteApplier applier, String datacenter) {
        this.applier = applier;
        this.datacenter = datacenter;
    }

    @Override
    public void apply(WriteBatch request, StreamObserver<BatchAck> responseObserver) {
        BatchAck.Builder ack = BatchAck.newBuilder().setBatchId(request.getBatchId());
        for (PostWrite message : request.getWritesList()) {
            WriteResult.Builder result = WriteResult.newBuilder().setRequestId(message.getRequestId());
            Write write;
            try {
                write = WriteMapper.fromProto(message);
            }
            catch (IllegalArgumentException ex) {
                // One malformed write must not hold up the others; the sender sees why it failed.
                ack.addResults(result.setOutcome(ApplyOutcome.APPLY_OUTCOME_FAILED)
                    .setDetail("invalid write: " + ex.getMessage()));
                continue;
            }
            WriteApplier.Result applied = applier.apply(write);
            result.setOutcome(switch (applied.outcome()) {
                case OK -> ApplyOutcome.APPLY_OUTCOME_OK;
                case DUPLICATE -> ApplyOutcome.APPLY_OUTCOME_DUPLICATE;
                case STALE_SKIPPED -> ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED;
                case FAILED -> ApplyOutcome.APPLY_OUTCOME_FAILED;
            });
            if (applied.detail() != null) {
                result.setDetail(applied.detail());
            }
            ack.addResults(result);
        }
        responseObserver.onNext(ack.build());
        responseObserver.onCompleted();
    }

    @Override
    public void fetch(FetchRequest request, StreamObserver<FetchResponse> responseObserver) {
        if (request.getPostId() <= 0) {
            responseObserver.onError(Status.INVALID_ARGUMENT
                .withDescription("post_id must be positive, but was " + request.getPostId())
                .asRuntimeException());
            return;
        }
        Optional<PostState> state;
        try {
            state = applier.fetch(request.getPostId());
        }
        catch (RuntimeException ex) {
            responseObserver.onError(Status.UNAVAILABLE.withDescription("storage unavailable: " + ex)
                .asRuntimeException());
            return;
        }
        FetchResponse.Builder response = FetchResponse.newBuilder().setFound(state.isPresent());
        state.ifPresent(post -> response.setState(WriteMapper.toProto(post, "", datacenter,
                WriteKind.WRITE_KIND_RECONCILE, post.updatedAtMs())));
        responseObserver.onNext(response.build());
        responseObserver.onCompleted();
    }

}
